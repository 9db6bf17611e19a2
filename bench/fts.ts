// bench/fts: 1M documents written by lancedb; full-text index build time with
// lancets and with lancedb, and latency of top-10 searches (lancets' own
// search vs lancedb's search over its index), in one run, over two corpora:
// the bench corpus (2-15 words drawn uniformly from about 700) and a Zipf
// corpus (words of a 50,000-word vocabulary drawn with probability 1/rank,
// so the commonest word is in about half the documents), where one query is
// that word alone (a single posting list of hundreds of thousands of
// documents).
// Run: npx tsx bench/fts.ts [--docs N] [--corpus bench|zipf|both] [--reuse]
// (--reuse searches the indexes of the last run instead of building them again)

import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { openDataset } from "../src/node/open-dataset.js";
import { rng } from "../test/helpers/oracle.js";
import { textTable } from "../test/helpers/text-corpus.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const docs = Number(arg("docs", "1000000"));
const corpora = arg("corpus", "both");
const BENCH_QUERIES = ["running", "search index", "café", "data table query", "nationalization", "happy hopeful", "42", "electric engine", "merge commit", "vector column store", "scan filter", "token stem", "generous", "connect relate", "build write read", "segment fragment", "rank score match", "sense general", "operate agree", "page version"];

const ZIPF_WORDS = 50_000;
/** The Zipf corpus' word of a rank (0 is the commonest): letters and digits, which the tokenizer keeps as they are. */
const zipfWord = (rank: number): string => `q${rank.toString(36)}`;
const ZIPF_QUERIES = [
  "q1 q2", "q3 q40", "q5 q300 q2000", "q7 q8", "q10 q11 q12", "q20 q900", "q30", "q100 q101", "q50 q5000", "q2 q60 q700",
  "q4 q9", "q15 q16 q17 q18", "q200", "q6 q1000", "q25 q250 q2500", "q1 q40 q400", "q12 q13", "q80 q81", "q3 q5 q7", "q1a q2b",
].map((q) => q.split(" ").map((w) => zipfWord(parseInt(w.slice(1), 36))).join(" "));
const ONE_TERM = zipfWord(0);

function zipfTable(n: number, start: number): Table {
  const r = rng(97 + start);
  // cumulative 1/rank weights, searched by bisection
  const cumulative = new Float64Array(ZIPF_WORDS);
  let total = 0;
  for (let k = 0; k < ZIPF_WORDS; k++) cumulative[k] = total += 1 / (k + 1);
  const word = (): string => {
    const x = r() * total;
    let lo = 0;
    let hi = ZIPF_WORDS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return zipfWord(lo);
  };
  const texts = Array.from({ length: n }, () => Array.from({ length: 2 + Math.floor(r() * 14) }, word).join(" "));
  return new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()), text: vectorFromArray(texts, new Utf8()) });
}

/** CPU milliseconds per query of the last latency() call (the process's, every thread: lancedb searches on several). */
const lastCpu = { ms: 0 };

async function latency(queries: string[], fn: (q: string) => Promise<unknown>): Promise<number> {
  for (const q of queries) await fn(q); // warm up
  const t = performance.now();
  const c = process.cpuUsage();
  for (const q of queries) await fn(q);
  const used = process.cpuUsage(c);
  lastCpu.ms = (used.user + used.system) / 1000 / queries.length;
  return (performance.now() - t) / queries.length;
}

/** Wall and CPU milliseconds per query. */
async function measured(queries: string[], fn: (q: string) => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const ms = await latency(queries, fn);
  return { ms, cpuMs: lastCpu.ms };
}

async function run(corpus: "bench" | "zipf"): Promise<Record<string, unknown>> {
  const base = join("bench", ".data", corpus === "bench" ? `fts-${docs}` : `fts-zipf-${docs}`);
  if (!existsSync(join(base, "READY"))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    const batches = [];
    for (let s = 0; s < docs; s += 100_000) batches.push(...(corpus === "bench" ? textTable : zipfTable)(Math.min(100_000, docs - s), s).batches);
    const db = await lancedb.connect(base);
    await db.createTable("source", new Table(batches));
    writeFileSync(join(base, "READY"), "");
  }
  // --reuse: search the indexes the last run built (no build timed)
  const reuse = process.argv.includes("--reuse") && ["ours", "theirs"].every((name) => existsSync(join(base, `${name}.lance`, "_indices")));
  if (!reuse) {
    for (const name of ["ours", "theirs"]) {
      rmSync(join(base, `${name}.lance`), { recursive: true, force: true });
      cpSync(join(base, "source.lance"), join(base, `${name}.lance`), { recursive: true });
    }
  }
  const db = await lancedb.connect(base);
  const t0 = performance.now();
  const ds = reuse ? await openDataset(join(base, "ours.lance")) : await (await openDataset(join(base, "ours.lance"))).createScalarIndex("text", "FTS");
  const ourBuild = reuse ? Number.NaN : (performance.now() - t0) / 1000;
  const theirs = await db.openTable("theirs");
  const t1 = performance.now();
  if (!reuse) await theirs.createIndex("text", { config: lancedb.Index.fts() });
  const theirBuild = reuse ? Number.NaN : (performance.now() - t1) / 1000;
  // lancets also over Lance's index: the same posting lists for both engines
  const onLance = await openDataset(join(base, "theirs.lance"));
  const queries = corpus === "bench" ? BENCH_QUERIES : ZIPF_QUERIES;
  const ourSearch = (d: typeof ds) => (q: string) => d.scan({ fullTextSearch: { query: q }, limit: 10, columns: ["id"] }).toArrow();
  const theirSearch = (q: string) => theirs.search(q, "fts").select(["id"]).limit(10).toArray();
  const out: Record<string, unknown> = {
    docs,
    build: { lancetsS: ourBuild, lancedbS: theirBuild },
    query: { lancetsMs: await latency(queries, ourSearch(ds)), lancetsOnLanceIndexMs: await latency(queries, ourSearch(onLance)), lancedbMs: await latency(queries, theirSearch) },
  };
  console.log(`bench/fts (${corpus} corpus): ${docs} documents`);
  console.log(`  build: lancets ${ourBuild.toFixed(2)} s, lancedb ${theirBuild.toFixed(2)} s, lancets/lancedb ${(ourBuild / theirBuild).toFixed(2)}`);
  const q = out.query as { lancetsMs: number; lancetsOnLanceIndexMs: number; lancedbMs: number };
  console.log(`  query (mean of 20, top 10): lancets ${q.lancetsMs.toFixed(1)} ms (over Lance's index ${q.lancetsOnLanceIndexMs.toFixed(1)} ms), lancedb ${q.lancedbMs.toFixed(1)} ms, lancets/lancedb ${(q.lancetsMs / q.lancedbMs).toFixed(2)}`);
  // CPU time, less disturbed by a loaded machine than wall time: 3 rounds of the queries, each engine in turn
  const cpu = { lancets: [] as number[], lancetsOnLanceIndex: [] as number[], lancedb: [] as number[] };
  for (let round = 0; round < 3; round++) {
    cpu.lancets.push((await measured(queries, ourSearch(ds))).cpuMs);
    cpu.lancetsOnLanceIndex.push((await measured(queries, ourSearch(onLance))).cpuMs);
    cpu.lancedb.push((await measured(queries, theirSearch)).cpuMs);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!;
  out.cpu = { lancetsMs: median(cpu.lancets), lancetsOnLanceIndexMs: median(cpu.lancetsOnLanceIndex), lancedbMs: median(cpu.lancedb) };
  const c = out.cpu as { lancetsMs: number; lancetsOnLanceIndexMs: number; lancedbMs: number };
  console.log(`  query CPU (median of 3 rounds): lancets ${c.lancetsMs.toFixed(1)} ms (over Lance's index ${c.lancetsOnLanceIndexMs.toFixed(1)} ms), lancedb ${c.lancedbMs.toFixed(1)} ms, lancets/lancedb ${(c.lancetsMs / c.lancedbMs).toFixed(2)}`);
  if (corpus === "zipf") {
    const postings = (await theirs.search(ONE_TERM, "fts").select(["id"]).limit(docs).toArray()).length;
    // 5 rounds of the search 10 times, each engine in turn: medians (one round alone moves with the load)
    const ten = Array.from({ length: 10 }, () => ONE_TERM);
    const rounds = { ours: [] as { ms: number; cpuMs: number }[], onIndex: [] as { ms: number; cpuMs: number }[], lance: [] as { ms: number; cpuMs: number }[] };
    for (let round = 0; round < 5; round++) {
      rounds.ours.push(await measured(ten, ourSearch(ds)));
      rounds.onIndex.push(await measured(ten, ourSearch(onLance)));
      rounds.lance.push(await measured(ten, theirSearch));
    }
    const mid = (xs: { ms: number; cpuMs: number }[]): { ms: number; cpuMs: number } => {
      const at = (key: "ms" | "cpuMs"): number => xs.map((x) => x[key]).sort((a, b) => a - b)[xs.length >> 1]!;
      return { ms: at("ms"), cpuMs: at("cpuMs") };
    };
    const [ours, onIndex, lance] = [mid(rounds.ours), mid(rounds.onIndex), mid(rounds.lance)];
    const one = { postings, lancetsMs: ours.ms, lancetsOnLanceIndexMs: onIndex.ms, lancedbMs: lance.ms, lancetsCpuMs: ours.cpuMs, lancetsOnLanceIndexCpuMs: onIndex.cpuMs, lancedbCpuMs: lance.cpuMs };
    out.oneTerm = one;
    console.log(`  one term in ${postings} documents: lancets ${one.lancetsMs.toFixed(1)} ms (over Lance's index ${one.lancetsOnLanceIndexMs.toFixed(1)} ms), lancedb ${one.lancedbMs.toFixed(1)} ms, lancets/lancedb ${(one.lancetsMs / one.lancedbMs).toFixed(2)}`);
    console.log(`  one term CPU: lancets ${one.lancetsCpuMs.toFixed(1)} ms (over Lance's index ${one.lancetsOnLanceIndexCpuMs.toFixed(1)} ms), lancedb ${one.lancedbCpuMs.toFixed(1)} ms, lancets/lancedb ${(one.lancetsCpuMs / one.lancedbCpuMs).toFixed(2)}`);
  }
  return out;
}

const result: Record<string, unknown> = {};
if (corpora === "bench" || corpora === "both") Object.assign(result, await run("bench"));
if (corpora === "zipf" || corpora === "both") result.zipf = await run("zipf");
record("fts", result);
