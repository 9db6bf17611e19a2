// bench/query: filtered reads on a table written by lancedb (5M rows by
// default) with a BTREE on id, a BITMAP on category and a ZONEMAP on price,
// all built by lancets. For each query shape, the mean latency of lancets
// with the index, lancedb (whose planner uses the same segments), and lancets
// with the index turned off, in one run, with ratios.
// With --interleaved N, also the warm CPU time per query of N more filters per shape, both
// engines interleaved.
// Run: npx tsx bench/query.ts [--rows N] [--interleaved N]

import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { openDataset } from "../src/node/open-dataset.js";
import { rng } from "../test/helpers/oracle.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "5000000"));
const base = join("bench", ".data", `query-${rows}`);
const path = join(base, "t.lance");
const BATCH = 250_000;
const CATEGORIES = 1000;

if (!existsSync(join(base, "READY"))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const r = rng(7);
  const batches = [];
  for (let s = 0; s < rows; s += BATCH) {
    const n = Math.min(BATCH, rows - s);
    const ids = new BigInt64Array(n);
    const prices = new Float64Array(n);
    const cats: string[] = new Array(n);
    const notes: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      // ids shuffled within blocks, so the BTREE has work to do; prices rise
      // with the row position (with noise), so zones are selective
      ids[i] = BigInt(s + ((i * 7919) % n));
      prices[i] = Math.round(((s + i) / 100 + r() * 20) * 100) / 100;
      cats[i] = `cat-${String(Math.floor(r() * CATEGORIES)).padStart(4, "0")}`;
      notes[i] = `note ${s + i}`;
    }
    batches.push(...new Table({ id: vectorFromArray(ids as never, new Int64()), category: vectorFromArray(cats, new Utf8()), price: vectorFromArray(prices as never, new Float64()), note: vectorFromArray(notes, new Utf8()) }).batches);
  }
  const db = await lancedb.connect(base);
  await db.createTable("t", new Table(batches));
  let ds = await openDataset(path);
  ds = await ds.createScalarIndex("id", "BTREE");
  ds = await ds.createScalarIndex("category", "BITMAP");
  await ds.createScalarIndex("price", "ZONEMAP");
  writeFileSync(join(base, "READY"), "");
}

const ds = await openDataset(path);
const db = await lancedb.connect(base);
const table = await db.openTable("t");
const r = rng(11);
const span = rows / 1000; // 0.1% of the rows
const maxPrice = rows / 100;
const SHAPE_FILTERS: Record<string, () => string> = {
  "point lookup": () => `id = ${Math.floor(r() * rows)}`,
  "0.1% range": () => {
    const lo = Math.floor(r() * (rows - span));
    return `id >= ${lo} AND id < ${lo + span}`;
  },
  "equality (0.1%)": () => `category = 'cat-${String(Math.floor(r() * CATEGORIES)).padStart(4, "0")}'`,
  "range (~0.1%)": () => {
    const lo = Math.round(r() * (maxPrice - span / 100) * 100) / 100;
    return `price BETWEEN ${lo.toFixed(2)} AND ${(lo + span / 100).toFixed(2)}`;
  },
};
const SHAPES: { name: string; index: string; filters: string[] }[] = [
  { name: "point lookup", index: "BTREE", filters: Array.from({ length: 10 }, () => `id = ${Math.floor(r() * rows)}`) },
  {
    name: "0.1% range",
    index: "BTREE",
    filters: Array.from({ length: 10 }, () => {
      const lo = Math.floor(r() * (rows - span));
      return `id >= ${lo} AND id < ${lo + span}`;
    }),
  },
  { name: "equality (0.1%)", index: "BITMAP", filters: Array.from({ length: 10 }, () => `category = 'cat-${String(Math.floor(r() * CATEGORIES)).padStart(4, "0")}'`) },
  {
    name: "range (~0.1%)",
    index: "ZONEMAP",
    filters: Array.from({ length: 10 }, () => {
      const lo = Math.round(r() * (maxPrice - span / 100) * 100) / 100;
      return `price BETWEEN ${lo.toFixed(2)} AND ${(lo + span / 100).toFixed(2)}`;
    }),
  },
];

/**
 * Mean wall and CPU milliseconds per filter. CPU time is the process's (every
 * thread: lancedb decodes on several), which a loaded machine disturbs less
 * than wall time.
 */
async function mean(filters: string[], run: (f: string) => Promise<number>, reps: number): Promise<{ ms: number; cpuMs: number; rows: number }> {
  await run(filters[0]!); // warm up
  let total = 0;
  let cpu = 0;
  let matched = 0;
  const n = Math.min(reps, filters.length);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    matched += await run(filters[i]!);
    const used = process.cpuUsage(c);
    total += performance.now() - t;
    cpu += (used.user + used.system) / 1000;
  }
  return { ms: total / n, cpuMs: cpu / n, rows: matched / n };
}

const columns = ["id", "category", "price"];
console.log(`bench/query: ${rows} rows, ${ds.manifest.fragments.length} fragments; mean latency over 10 filters (3 without an index), all matching rows of ${columns.join(", ")}`);
console.log("query            index    rows/query  lancets ms  lancedb ms  lancets/lancedb  no index ms  no index/lancets  lancets cpu ms  lancedb cpu ms  cpu lancets/lancedb");
const shapes: { name: string; index: string; rows: number; lancetsMs: number; lancedbMs: number; noIndexMs: number; lancetsCpuMs: number; lancedbCpuMs: number }[] = [];
for (const shape of SHAPES) {
  const ours = await mean(shape.filters, async (f) => (await ds.scan({ filter: f, columns }).toArrow()).numRows, 10);
  const theirs = await mean(shape.filters, async (f) => (await table.query().where(f).select(columns).toArrow()).numRows, 10);
  const scan = await mean(shape.filters, async (f) => (await ds.scan({ filter: f, columns, useIndex: false }).toArrow()).numRows, 3);
  if (Math.round(ours.rows) !== Math.round(theirs.rows)) throw new Error(`${shape.name}: lancets found ${ours.rows} rows per query, lancedb ${theirs.rows}`);
  console.log(
    `${shape.name.padEnd(16)} ${shape.index.padEnd(8)} ${ours.rows.toFixed(0).padStart(10)}  ${ours.ms.toFixed(1).padStart(10)}  ${theirs.ms.toFixed(1).padStart(10)}  ${(ours.ms / theirs.ms).toFixed(2).padStart(15)}  ${scan.ms.toFixed(0).padStart(11)}  ${(scan.ms / ours.ms).toFixed(1).padStart(16)}  ${ours.cpuMs.toFixed(1).padStart(14)}  ${theirs.cpuMs.toFixed(1).padStart(14)}  ${(ours.cpuMs / theirs.cpuMs).toFixed(2).padStart(19)}`,
  );
  shapes.push({ name: shape.name, index: shape.index, rows: ours.rows, lancetsMs: ours.ms, lancedbMs: theirs.ms, noIndexMs: scan.ms, lancetsCpuMs: ours.cpuMs, lancedbCpuMs: theirs.cpuMs });
}
// Warm, interleaved CPU: more filters per shape (--interleaved N), each run by both engines in a
// rotating order, so neither pays the other's cold caches or the tail of its background work.
const interleaved = Number(arg("interleaved", "0"));
const warm: { name: string; lancetsCpuMs: number; lancedbCpuMs: number }[] = [];
if (interleaved > 0) {
  console.log(`warm, interleaved: CPU ms per query over ${interleaved} filters per shape (5 more first, not counted)`);
  for (const shape of SHAPES) {
    const make = SHAPE_FILTERS[shape.name]!;
    const cpu = [0, 0];
    for (let i = 0; i < interleaved + 5; i++) {
      const f = make();
      const engines = [async () => (await ds.scan({ filter: f, columns }).toArrow()).numRows, async () => (await table.query().where(f).select(columns).toArrow()).numRows];
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      const found: number[] = [];
      for (const e of order) {
        const c = process.cpuUsage();
        found.push(await engines[e]!());
        const used = process.cpuUsage(c);
        if (i >= 5) cpu[e]! += (used.user + used.system) / 1000;
      }
      if (found[0] !== found[1]) throw new Error(`${f}: lancets and lancedb found different row counts (${found.join(", ")})`);
    }
    const [ours, theirs] = [cpu[0]! / interleaved, cpu[1]! / interleaved];
    warm.push({ name: shape.name, lancetsCpuMs: ours, lancedbCpuMs: theirs });
    console.log(`${shape.name.padEnd(16)} ${shape.index.padEnd(8)} lancets cpu ms ${ours.toFixed(1).padStart(7)}  lancedb cpu ms ${theirs.toFixed(1).padStart(7)}  cpu lancets/lancedb ${(ours / theirs).toFixed(2)}`);
  }
}
record("query", { rows, fragments: ds.manifest.fragments.length, shapes, ...(warm.length > 0 ? { warm } : {}) });
