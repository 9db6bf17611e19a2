// bench/fts: 1M documents written by lancedb; full-text index build time with
// lancets and with lancedb, and latency of 20 queries (lancets' own search vs
// lancedb's search over its index), in one run.
// Run: npx tsx bench/fts.ts [--docs N]

import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Table } from "apache-arrow";
import { record } from "./results.js";
import { openDataset } from "../src/node/open-dataset.js";
import { textTable } from "../test/helpers/text-corpus.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const docs = Number(arg("docs", "1000000"));
const base = join("bench", ".data", `fts-${docs}`);
const QUERIES = ["running", "search index", "café", "data table query", "nationalization", "happy hopeful", "42", "electric engine", "merge commit", "vector column store", "scan filter", "token stem", "generous", "connect relate", "build write read", "segment fragment", "rank score match", "sense general", "operate agree", "page version"];

if (!existsSync(join(base, "READY"))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const batches = [];
  for (let s = 0; s < docs; s += 100_000) batches.push(...textTable(Math.min(100_000, docs - s), s).batches);
  const db = await lancedb.connect(base);
  await db.createTable("source", new Table(batches));
  writeFileSync(join(base, "READY"), "");
}
for (const name of ["ours", "theirs"]) {
  rmSync(join(base, `${name}.lance`), { recursive: true, force: true });
  cpSync(join(base, "source.lance"), join(base, `${name}.lance`), { recursive: true });
}
const db = await lancedb.connect(base);
const t0 = performance.now();
const ds = await (await openDataset(join(base, "ours.lance"))).createScalarIndex("text", "FTS");
const ourBuild = (performance.now() - t0) / 1000;
const theirs = await db.openTable("theirs");
const t1 = performance.now();
await theirs.createIndex("text", { config: lancedb.Index.fts() });
const theirBuild = (performance.now() - t1) / 1000;

async function latency(fn: (q: string) => Promise<unknown>): Promise<number> {
  for (const q of QUERIES) await fn(q); // warm up
  const t = performance.now();
  for (const q of QUERIES) await fn(q);
  return (performance.now() - t) / QUERIES.length;
}
const ours = await latency((q) => ds.scan({ fullTextSearch: { query: q }, limit: 10, columns: ["id"] }).toArrow());
const theirsMs = await latency((q) => theirs.search(q, "fts").select(["id"]).limit(10).toArray());
console.log(`bench/fts: ${docs} documents`);
console.log(`build: lancets ${ourBuild.toFixed(2)} s, lancedb ${theirBuild.toFixed(2)} s, lancets/lancedb ${(ourBuild / theirBuild).toFixed(2)}`);
console.log(`query (mean of 20, top 10): lancets ${ours.toFixed(1)} ms, lancedb ${theirsMs.toFixed(1)} ms, lancets/lancedb ${(ours / theirsMs).toFixed(2)}`);
record("fts", { docs, build: { lancetsS: ourBuild, lancedbS: theirBuild }, query: { lancetsMs: ours, lancedbMs: theirsMs } });
