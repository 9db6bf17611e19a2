// bench/seeds: a 256-byte string column, 2M rows and a ZONEMAP index (seeds on);
// append 1M rows with lancets; then optimizeIndices harvesting the seeds vs a
// forced rescan, and the append's cost of planting seeds (append with the index
// vs the same append without it). Every append runs in a process of its own,
// on a fresh copy, in balanced order (plain, seeded, seeded, plain per pair of
// rounds), so neither kind gets the warm or the cold slot more often.
// Run: npx tsx bench/seeds.ts [--rows N] [--append N] [--rounds N (even)]

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { ZoneMapSeedWriter } from "../src/index/zonemap/seed.js";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const rows = Number(arg("rows", "2000000"));
const appendRows = Number(arg("append", "1000000"));
const rounds = Number(arg("rounds", "12"));
const child = process.argv.includes("--child");
const base = join("bench", ".data", `seeds-${rows}`);
const BATCH = 100_000;

function batch(start: number, n: number): Table {
  const pad = "x".repeat(240);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => `${String(start + i).padStart(12, "0")}-${pad}`.slice(0, 256)), new Utf8()),
  });
}

if (!child && !existsSync(join(base, "READY"))) {
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

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

if (child) {
  // one append in this process: the rows are made before the clock starts
  const data = newRows();
  const cpu = process.cpuUsage();
  const [, took] = await timed(async () => (await openDataset(arg("path", ""))).append(data));
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ seconds: took, cpuSeconds: (used.user + used.system) / 1e6 }));
  process.exit(0);
}

const data = newRows();
const plain = join(base, "plain.lance");
const seeded = join(base, "seeded.lance");
const seededSource = join(base, "seeded-source.lance");
rmSync(seededSource, { recursive: true, force: true });
cpSync(join(base, "source.lance"), seededSource, { recursive: true });
await (await openDataset(seededSource)).createScalarIndex("s", "ZONEMAP");

function appendInChild(kind: "plain" | "seeded"): { seconds: number; cpuSeconds: number } {
  const path = kind === "plain" ? plain : seeded;
  rmSync(path, { recursive: true, force: true });
  cpSync(kind === "plain" ? join(base, "source.lance") : seededSource, path, { recursive: true });
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/seeds.ts", "--child", "--rows", String(rows), "--append", String(appendRows), "--path", path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`append in a child process failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { seconds: number; cpuSeconds: number };
}

const plainTimes: number[] = [];
const seededTimes: number[] = [];
const plainCpu: number[] = [];
const seededCpu: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (["plain", "seeded"] as const) : (["seeded", "plain"] as const);
  for (const kind of order) {
    const { seconds, cpuSeconds } = appendInChild(kind);
    (kind === "plain" ? plainTimes : seededTimes).push(seconds);
    (kind === "plain" ? plainCpu : seededCpu).push(cpuSeconds);
  }
  console.log(`round ${round + 1}/${rounds}: plain ${plainTimes.at(-1)!.toFixed(2)} s (cpu ${plainCpu.at(-1)!.toFixed(2)} s), seeded ${seededTimes.at(-1)!.toFixed(2)} s (cpu ${seededCpu.at(-1)!.toFixed(2)} s)`);
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const plainAppend = median(plainTimes);
const seededAppend = median(seededTimes);
// each round's two appends ran back to back: the median of their ratios cancels slow stretches of the machine
const pairedOverhead = median(seededTimes.map((t, i) => t / plainTimes[i]! - 1));
// CPU time is what a loaded machine disturbs least
const cpuOverhead = median(seededCpu) / median(plainCpu) - 1;
// the seed writer alone over the appended rows, in this process (CPU seconds, median of 5)
const writerCpu: number[] = [];
for (let k = 0; k < 5; k++) {
  const writer = new ZoneMapSeedWriter("s", data.schema.fields[1]!, 8192);
  const cpu = process.cpuUsage();
  for (const b of data.batches) writer.observe(b.getChildAt(1)!.data[0]!);
  writer.finish();
  const used = process.cpuUsage(cpu);
  writerCpu.push((used.user + used.system) / 1e6);
}
const writerS = median(writerCpu);

const rescan = join(base, "rescan.lance");
rmSync(rescan, { recursive: true, force: true });
cpSync(seeded, rescan, { recursive: true });
const [harvested, seedTime] = await timed(async () => (await openDataset(seeded)).optimizeIndices());
const [scanned, scanTime] = await timed(async () => (await openDataset(rescan)).optimizeIndices({ ignoreSeeds: true }));
console.log(`bench/seeds: ${rows} rows of 256-byte strings, ZONEMAP (seeds on), append ${appendRows} rows, ${rounds} rounds`);
console.log(`optimizeIndices: seeds ${seedTime.toFixed(3)} s (${harvested.indices[0]!.fragmentsFromSeeds} fragments from seeds), rescan ${scanTime.toFixed(3)} s (${scanned.indices[0]!.fragmentsScanned} scanned), speedup ${(scanTime / seedTime).toFixed(1)}x`);
console.log(`append (median of ${rounds}): without index ${plainAppend.toFixed(2)} s, planting seeds ${seededAppend.toFixed(2)} s, difference ${(((seededAppend - plainAppend) / plainAppend) * 100).toFixed(1)}%, median of paired ratios ${(pairedOverhead * 100).toFixed(1)}%`);
console.log(`append CPU (median of ${rounds}): without index ${median(plainCpu).toFixed(2)} s, planting seeds ${median(seededCpu).toFixed(2)} s, difference ${(cpuOverhead * 100).toFixed(1)}%; the seed writer alone: ${writerS.toFixed(3)} s CPU (${((writerS / median(plainCpu)) * 100).toFixed(1)}% of the plain append's CPU)`);
record("seeds", { rows, appendRows, rounds, seedsS: seedTime, rescanS: scanTime, appendPlainS: plainAppend, appendSeededS: seededAppend, pairedOverhead, appendPlainCpuS: median(plainCpu), appendSeededCpuS: median(seededCpu), cpuOverhead, seedWriterCpuS: writerS, appendPlainRuns: plainTimes, appendSeededRuns: seededTimes });
for (const p of [plain, seeded, rescan, seededSource]) rmSync(p, { recursive: true, force: true });
