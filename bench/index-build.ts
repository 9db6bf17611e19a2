// bench/index-build: on a dataset written by lancedb, builds each scalar index
// type with lancets (createScalarIndex, one process) and with lancedb
// (createIndex) in the same run; prints times, ratios and peak RSS growth.
// Run: npx tsx bench/index-build.ts [--rows N]

import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "5000000"));
const base = join("bench", ".data", `index-${rows}`);
const BATCH = 250_000;

async function ensureSource(): Promise<string> {
  const path = join(base, "source.lance");
  if (existsSync(join(base, "READY"))) return path;
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const batches = [];
  for (let s = 0; s < rows; s += BATCH) {
    const n = Math.min(BATCH, rows - s);
    const ids = new BigInt64Array(n);
    const values = new Float64Array(n);
    const cats: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = BigInt(s + i);
      values[i] = ((s + i) * 2654435761) % 1000003;
      cats[i] = `category-${(s + i) % 50}`;
    }
    batches.push(...new Table({ id: vectorFromArray(ids as never, new Int64()), value: vectorFromArray(values as never, new Float64()), category: vectorFromArray(cats, new Utf8()) }).batches);
  }
  const db = await lancedb.connect(base);
  await db.createTable("source", new Table(batches));
  writeFileSync(join(base, "READY"), "");
  return path;
}

/**
 * Runs fn; returns seconds and how far it raised the process's peak RSS (MiB,
 * from getrusage, so CPU-bound JS and native work are both seen; 0 when it
 * stayed under an earlier peak).
 */
async function measure(fn: () => Promise<unknown>): Promise<{ seconds: number; peakMiB: number }> {
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, peakMiB: (process.resourceUsage().maxRSS - before) / 1024 };
}

const source = await ensureSource();
console.log(`bench/index-build: ${rows} rows`);
console.log("type     column    lancets s  lancedb s  ratio   lancets peak MiB  lancedb peak MiB");
for (const [type, column] of [["BTREE", "id"], ["BITMAP", "category"], ["ZONEMAP", "value"]] as const) {
  const ours = join(base, `lancets-${type}.lance`);
  const theirs = join(base, `lancedb-${type}.lance`);
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
  cpSync(source, ours, { recursive: true });
  cpSync(source, theirs, { recursive: true });
  const a = await measure(async () => (await openDataset(ours)).createScalarIndex(column, type));
  let b: { seconds: number; peakMiB: number } | undefined;
  if (type !== "ZONEMAP") {
    const db = await lancedb.connect(base);
    const table = await db.openTable(`lancedb-${type}`);
    b = await measure(() => table.createIndex(column, { config: type === "BTREE" ? lancedb.Index.btree() : lancedb.Index.bitmap() }));
  }
  console.log(
    `${type.padEnd(8)} ${column.padEnd(9)} ${a.seconds.toFixed(2).padStart(9)}  ${(b ? b.seconds.toFixed(2) : "n/a").padStart(9)}  ${(b ? (a.seconds / b.seconds).toFixed(2) : "n/a").padStart(5)}   ${a.peakMiB.toFixed(0).padStart(16)}  ${(b ? b.peakMiB.toFixed(0) : "n/a").padStart(16)}`,
  );
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
}
console.log("(lancedb cannot create ZONEMAP indexes; peak = growth of the process's peak RSS during the build)");
