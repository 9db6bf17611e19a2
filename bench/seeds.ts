// bench/seeds: a 256-byte string column, 2M rows and a ZONEMAP index (seeds on);
// append 1M rows with lancets; then optimizeIndices harvesting the seeds vs a
// forced rescan, and the append's cost of planting seeds (append with the index
// vs the same append without it). All in one run.
// Run: npx tsx bench/seeds.ts [--rows N] [--append N]

import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const rows = Number(arg("rows", "2000000"));
const appendRows = Number(arg("append", "1000000"));
const base = join("bench", ".data", `seeds-${rows}`);
const BATCH = 100_000;

function batch(start: number, n: number): Table {
  const pad = "x".repeat(240);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => `${String(start + i).padStart(12, "0")}-${pad}`.slice(0, 256)), new Utf8()),
  });
}

if (!existsSync(join(base, "READY"))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const db = await lancedb.connect(base);
  let table: lancedb.Table | undefined;
  for (let s = 0; s < rows; s += BATCH * 5) {
    const parts = [];
    for (let k = s; k < Math.min(rows, s + BATCH * 5); k += BATCH) parts.push(...batch(k, Math.min(BATCH, rows - k)).batches);
    const t = new Table(parts);
    if (table) await table.add(t);
    else table = await db.createTable("source", t);
  }
  writeFileSync(join(base, "READY"), "");
}

const newRows = (): Table => {
  const parts = [];
  for (let k = 0; k < appendRows; k += BATCH) parts.push(...batch(rows + k, Math.min(BATCH, appendRows - k)).batches);
  return new Table(parts);
};
const data = newRows();

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

// the same append without any index (no seeds) and with the seeded zone map
// (median of 5, alternating, each on a fresh copy: single appends vary by tens of percent here)
const plain = join(base, "plain.lance");
const seeded = join(base, "seeded.lance");
const plainTimes: number[] = [];
const seededTimes: number[] = [];
for (let round = 0; round < 5; round++) {
  for (const p of [plain, seeded]) {
    rmSync(p, { recursive: true, force: true });
    cpSync(join(base, "source.lance"), p, { recursive: true });
  }
  await (await openDataset(seeded)).createScalarIndex("s", "ZONEMAP");
  const order = round % 2 === 0 ? ([plain, seeded] as const) : ([seeded, plain] as const);
  for (const p of order) {
    const [, took] = await timed(async () => (await openDataset(p)).append(data));
    (p === plain ? plainTimes : seededTimes).push(took);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`plain ${plainTimes.map((t) => t.toFixed(2)).join(" ")} | seeded ${seededTimes.map((t) => t.toFixed(2)).join(" ")}`);
const plainAppend = median(plainTimes);
const seededAppend = median(seededTimes);

const rescan = join(base, "rescan.lance");
rmSync(rescan, { recursive: true, force: true });
cpSync(seeded, rescan, { recursive: true });
const [harvested, seedTime] = await timed(async () => (await openDataset(seeded)).optimizeIndices());
const [scanned, scanTime] = await timed(async () => (await openDataset(rescan)).optimizeIndices({ ignoreSeeds: true }));
console.log(`bench/seeds: ${rows} rows of 256-byte strings, ZONEMAP (seeds on), append ${appendRows} rows`);
console.log(`optimizeIndices: seeds ${seedTime.toFixed(3)} s (${harvested.indices[0]!.fragmentsFromSeeds} fragments from seeds), rescan ${scanTime.toFixed(3)} s (${scanned.indices[0]!.fragmentsScanned} scanned), speedup ${(scanTime / seedTime).toFixed(1)}x`);
console.log(`append (median of 5): without index ${plainAppend.toFixed(2)} s, planting seeds ${seededAppend.toFixed(2)} s, difference ${(((seededAppend - plainAppend) / plainAppend) * 100).toFixed(1)}%`);
record("seeds", { rows, appendRows, seedsS: seedTime, rescanS: scanTime, appendPlainS: plainAppend, appendSeededS: seededAppend, appendPlainRuns: plainTimes, appendSeededRuns: seededTimes });
for (const p of [plain, seeded, rescan]) rmSync(p, { recursive: true, force: true });
