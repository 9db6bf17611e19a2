// bench/scan: full scans of each column of a 5M-row dataset written by Lance,
// by lancets and by lancedb in the same process run, alternating. Prints rows/s
// (wall) and the process's CPU seconds per scan (user+sys, every thread: what
// counts on a shared machine), medians of the runs, and their ratios.
// Run: npx tsx bench/scan.ts [--rows N] [--version 2.2] [--runs 3] [--columns name,category]

import { existsSync, mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
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

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

interface Run {
  rows: number;
  wallMs: number;
  cpuS: number;
}

async function measure(fn: () => Promise<number>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rows = await fn();
  return { rows, wallMs: performance.now() - t0, cpuS: cpuSeconds(process.cpuUsage(c0)) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(" ");
const path = await ensureDataset();
const ds = await openDataset(path);
const table = await (await lancedb.connect(dir)).openTable("bench");
const only = arg("columns", "id,value,category,name").split(",");
const runs = Number(arg("runs", "3"));
console.log(`bench/scan: ${rows} rows, Lance ${version}, ${runs} runs per engine alternating, medians; CPU = user+sys of the process during the scan; load average ${load()}`);
console.log("column     lancets rows/s   lancedb rows/s   ratio   lancets CPU s   lancedb CPU s   CPU ratio");
const scanResults: { column: string; lancetsRowsPerS: number; lancedbRowsPerS: number; lancetsCpuS: number; lancedbCpuS: number }[] = [];
for (const column of only) {
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let r = 0; r < runs; r++) {
    // alternate which engine goes first, so neither always meets a warmer cache or a quieter machine
    const lancets = (): Promise<Run> =>
      measure(async () => {
        let n = 0;
        for await (const b of ds.scan({ columns: [column], batchSize: 65536 })) n += b.numRows;
        return n;
      });
    const lance = (): Promise<Run> =>
      measure(async () => {
        let n = 0;
        for await (const b of table.query().select([column])) n += b.numRows;
        return n;
      });
    if (r % 2 === 0) {
      ours.push(await lancets());
      theirs.push(await lance());
    } else {
      theirs.push(await lance());
      ours.push(await lancets());
    }
  }
  for (const run of [...ours, ...theirs]) if (run.rows !== rows) throw new Error(`column ${column}: a scan returned ${run.rows} rows, expected ${rows}`);
  const a = rows / (median(ours.map((x) => x.wallMs)) / 1000);
  const b = rows / (median(theirs.map((x) => x.wallMs)) / 1000);
  const ca = median(ours.map((x) => x.cpuS));
  const cb = median(theirs.map((x) => x.cpuS));
  console.log(
    `${column.padEnd(10)} ${a.toExponential(2).padStart(14)}   ${b.toExponential(2).padStart(14)}   ${(a / b).toFixed(2).padStart(5)}   ${ca.toFixed(3).padStart(13)}   ${cb.toFixed(3).padStart(13)}   ${(ca / cb).toFixed(2).padStart(9)}`,
  );
  console.log(`           lancets CPU s per run ${ours.map((x) => x.cpuS.toFixed(3)).join(", ")}; lancedb ${theirs.map((x) => x.cpuS.toFixed(3)).join(", ")}; load average ${load()}`);
  scanResults.push({ column, lancetsRowsPerS: a, lancedbRowsPerS: b, lancetsCpuS: ca, lancedbCpuS: cb });
}
record("scan", { rows, version, columns: scanResults });
