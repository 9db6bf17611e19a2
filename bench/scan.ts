// bench/scan: full scans of each column of a 5M-row dataset written by Lance,
// by lancets and by lancedb in the same process run. Prints rows/s and ratios.
// Run: npx tsx bench/scan.ts [--rows N] [--version 2.2]

import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "5000000"));
const version = arg("version", "2.2");
const dir = join("bench", ".data", `scan-${rows}-${version}`);
const BATCH = 250_000;

function batch(start: number, n: number): Table {
  const ids = new BigInt64Array(n);
  const values = new Float64Array(n);
  const low: string[] = new Array(n);
  const high: string[] = new Array(n);
  let x = start * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    const k = start + i;
    x = (x * 1103515245 + 12345) % 2147483648;
    ids[i] = BigInt(k);
    values[i] = x / 7;
    low[i] = `category-${k % 20}`;
    high[i] = `user-${x.toString(36)}-${k}`;
  }
  return new Table({
    id: vectorFromArray(ids as never, new Int64()),
    value: vectorFromArray(values as never, new Float64()),
    category: vectorFromArray(low, new Utf8()),
    name: vectorFromArray(high, new Utf8()),
  });
}

async function ensureDataset(): Promise<string> {
  const path = join(dir, "bench.lance");
  if (existsSync(join(dir, "READY"))) return path;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await lancedb.connect(dir);
  const batches = [];
  for (let s = 0; s < rows; s += BATCH) batches.push(...batch(s, Math.min(BATCH, rows - s)).batches);
  await db.createTable("bench", new Table(batches), { dataStorageVersion: version } as never);
  mkdirSync(dir, { recursive: true });
  (await import("node:fs")).writeFileSync(join(dir, "READY"), "");
  return path;
}

async function time(fn: () => Promise<number>): Promise<{ ms: number; rows: number }> {
  let best = Infinity;
  let n = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    n = await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, rows: n };
}

const path = await ensureDataset();
const ds = await openDataset(path);
const table = await (await lancedb.connect(dir)).openTable("bench");
console.log(`bench/scan: ${rows} rows, Lance ${version}, best of 3`);
console.log("column     lancets rows/s   lancedb rows/s   lancets/lancedb");
const scanResults: { column: string; lancetsRowsPerS: number; lancedbRowsPerS: number }[] = [];
for (const column of ["id", "value", "category", "name"]) {
  const ours = await time(async () => {
    let n = 0;
    for await (const b of ds.scan({ columns: [column], batchSize: 65536 })) n += b.numRows;
    return n;
  });
  const theirs = await time(async () => {
    let n = 0;
    for await (const b of table.query().select([column])) n += b.numRows;
    return n;
  });
  if (ours.rows !== theirs.rows) throw new Error(`row counts differ: ${ours.rows} vs ${theirs.rows}`);
  const a = ours.rows / (ours.ms / 1000);
  const b = theirs.rows / (theirs.ms / 1000);
  console.log(`${column.padEnd(10)} ${a.toExponential(2).padStart(14)}   ${b.toExponential(2).padStart(14)}   ${(a / b).toFixed(2).padStart(15)}`);
  scanResults.push({ column, lancetsRowsPerS: a, lancedbRowsPerS: b });
}
record("scan", { rows, version, columns: scanResults });
