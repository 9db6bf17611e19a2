// bench/index-build: on a dataset written by lancedb, builds each scalar index
// type with lancets (createScalarIndex, one process) and with lancedb
// (createIndex) in the same run; prints wall times, the build's CPU (user +
// system, all threads) and each build process's peak RSS (VmHWM, its own).
// Run: npx tsx bench/index-build.ts [--rows N]

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
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

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakMiB: number;
}

function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Child mode: one build in a fresh process, so its peak RSS is its own. */
async function child(engine: string, type: string, column: string, path: string): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (engine === "lancets") {
    await (await openDataset(path)).createScalarIndex(column, type);
  } else {
    const db = await lancedb.connect(join(path, ".."));
    const table = await db.openTable(basename(path, ".lance"));
    await table.createIndex(column, { config: type === "BTREE" ? lancedb.Index.btree() : lancedb.Index.bitmap() });
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMiB: vmHwmMiB() }));
}

function measure(engine: string, type: string, column: string, path: string): Measured {
  const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", engine, type, column, path], { encoding: "utf8" });
  return JSON.parse(out) as Measured;
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  const [engine, type, column, path] = process.argv.slice(childAt + 1);
  await child(engine!, type!, column!, path!);
  process.exit(0);
}

const source = await ensureSource();
console.log(`bench/index-build: ${rows} rows`);
console.log(`load average ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]}`);
console.log("type     column    lancets s  lancedb s  lancets CPU s  lancedb CPU s  CPU ratio   lancets peak MiB  lancedb peak MiB");
const builds: { type: string; column: string; lancets: Measured; lancedb?: Measured }[] = [];
for (const [type, column] of [["BTREE", "id"], ["BITMAP", "category"], ["ZONEMAP", "value"]] as const) {
  const ours = join(base, `lancets-${type}.lance`);
  const theirs = join(base, `lancedb-${type}.lance`);
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
  cpSync(source, ours, { recursive: true });
  cpSync(source, theirs, { recursive: true });
  const a = measure("lancets", type, column, ours);
  const b = type === "ZONEMAP" ? undefined : measure("lancedb", type, column, theirs);
  console.log(
    `${type.padEnd(8)} ${column.padEnd(9)} ${a.seconds.toFixed(2).padStart(9)}  ${(b ? b.seconds.toFixed(2) : "n/a").padStart(9)}  ${a.cpuSeconds.toFixed(2).padStart(13)}  ${(b ? b.cpuSeconds.toFixed(2) : "n/a").padStart(13)}  ${(b ? (a.cpuSeconds / b.cpuSeconds).toFixed(2) : "n/a").padStart(9)}   ${a.peakMiB.toFixed(0).padStart(16)}  ${(b ? b.peakMiB.toFixed(0) : "n/a").padStart(16)}`,
  );
  rmSync(ours, { recursive: true, force: true });
  rmSync(theirs, { recursive: true, force: true });
  builds.push({ type, column, lancets: a, ...(b ? { lancedb: b } : {}) });
}
record("index-build", { rows, builds });
console.log("(lancedb cannot create ZONEMAP indexes; each build runs in its own process; peak = that process's peak RSS)");
