// bench/append: writes 5M rows (int64, float64, string) as a new dataset with
// lancets and with lancedb in the same run; prints both times, both data-file
// sizes, the CPU seconds (user+sys) each spent and the ratios.
// Run: npx tsx bench/append.ts [--rows N] [--version 2.2] [--lancets-only]
// (--lancets-only: the lancets write alone, with its main thread's CPU beside the process's)

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { writeDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "5000000"));
const version = arg("version", "2.2") as "2.0" | "2.1" | "2.2";
const dir = join("bench", ".data", "append");
const BATCH = 250_000;

const batches = [];
for (let s = 0; s < rows; s += BATCH) {
  const n = Math.min(BATCH, rows - s);
  const ids = new BigInt64Array(n);
  const values = new Float64Array(n);
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(s + i);
    values[i] = (s + i) * 0.5;
    names[i] = `name-${(s + i) * 7919}`;
  }
  batches.push(...new Table({ id: vectorFromArray(ids as never, new Int64()), value: vectorFromArray(values as never, new Float64()), name: vectorFromArray(names, new Utf8()) }).batches);
}
const data = new Table(batches);

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
/** CPU seconds of the main thread alone (Linux), or NaN where /proc is missing. */
function mainThreadSeconds(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
const m0 = mainThreadSeconds();
const c0 = process.cpuUsage();
const t0 = performance.now();
await writeDataset(join(dir, "lancets.lance"), data, { dataStorageVersion: version });
const ours = performance.now() - t0;
const ourCpu = cpuSeconds(process.cpuUsage(c0));
const ourMainCpu = mainThreadSeconds() - m0;
if (process.argv.includes("--lancets-only")) {
  console.log(`bench/append: ${rows} rows, Lance ${version}, lancets only: CPU (user+sys) ${ourCpu.toFixed(2)} s, main thread ${ourMainCpu.toFixed(2)} s, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const db = await lancedb.connect(dir);
const c1 = process.cpuUsage();
const t1 = performance.now();
await db.createTable("lancedb", data, { dataStorageVersion: version } as never);
const theirs = performance.now() - t1;
const theirCpu = cpuSeconds(process.cpuUsage(c1));
console.log(`bench/append: ${rows} rows (int64, float64, string), Lance ${version}`);
const dataBytes = (name: string): number => readdirSync(join(dir, name, "data")).reduce((sum, f) => sum + statSync(join(dir, name, "data", f)).size, 0);
const ourBytes = dataBytes("lancets.lance");
const theirBytes = dataBytes("lancedb.lance");
console.log(`lancets ${(ours / 1000).toFixed(2)} s   lancedb ${(theirs / 1000).toFixed(2)} s   lancets/lancedb time ${(ours / theirs).toFixed(2)}`);
console.log(`CPU (user+sys): lancets ${ourCpu.toFixed(2)} s   lancedb ${theirCpu.toFixed(2)} s   lancets/lancedb CPU ${(ourCpu / theirCpu).toFixed(2)}   load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`data files: lancets ${(ourBytes / 1e6).toFixed(1)} MB   lancedb ${(theirBytes / 1e6).toFixed(1)} MB   lancets/lancedb size ${(ourBytes / theirBytes).toFixed(2)}`);
record("append", { rows, version, lancetsS: ours / 1000, lancedbS: theirs / 1000, lancetsCpuS: ourCpu, lancedbCpuS: theirCpu, lancetsBytes: ourBytes, lancedbBytes: theirBytes });
rmSync(dir, { recursive: true, force: true });
