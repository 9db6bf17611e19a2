// bench/distributed: index builds on a dataset written by lancedb, four ways in
// one run: in a single process, on 2 worker threads (LocalExecutor), on 2
// lancets worker processes through BullMQ on a private Redis, and lancedb's
// own single build (createIndex, Lance 12's builder on its own threads; no
// ZONEMAP there). Prints times, speedups and CPU time per index type: the
// process's own (all its threads) and, for BullMQ, the worker processes' too.
// With --runs N every type is built N times each way, the order of the ways
// rotated from round to round, and the medians are reported. With --trace, the thread builds
// print their trace (build-trace.ts): CPU, run-queue and I/O wait per thread,
// the critical path and how far apart the two lanes finished. A first,
// untimed BTREE build in this process and on the threads warms both up.
// Run: npx tsx bench/distributed.ts [--rows N] [--types BTREE,FTS] [--runs N] [--no-bullmq] [--no-lancedb] [--trace]

import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { InProcessExecutor } from "../src/distributed/in-process-executor.js";
import type { IndexExecutor } from "../src/distributed/jobs.js";
import { BullMQExecutor } from "../src/node/bullmq.js";
import { formatBuildTrace, summarizeBuildTrace, threadClock, type BuildTrace } from "../src/node/build-trace.js";
import { LocalExecutor } from "../src/node/local-executor.js";
import { closeSharedWorkerPool, sharedWorkerPool } from "../src/node/worker-pool.js";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const rows = Number(arg("rows", "5000000"));
const onlyTypes = arg("types", "BTREE,BITMAP,ZONEMAP,FTS").split(",");
const withBullMQ = !process.argv.includes("--no-bullmq");
const withLancedb = !process.argv.includes("--no-lancedb");
const printTraces = process.argv.includes("--trace");
const runs = Number(arg("runs", "1"));
const base = join("bench", ".data", `distributed-${rows}`);
const BATCH = 500_000;

if (!existsSync(join(base, "READY"))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const db = await lancedb.connect(base);
  let table: lancedb.Table | undefined;
  for (let s = 0; s < rows; s += BATCH) {
    const n = Math.min(BATCH, rows - s);
    const ids = new BigInt64Array(n);
    const values = new Float64Array(n);
    const cats: string[] = new Array(n);
    const text: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = BigInt(s + i);
      values[i] = ((s + i) * 2654435761) % 1000003;
      cats[i] = `category-${(s + i) % 50}`;
      text[i] = `item ${(s + i) % 1000} running search index number ${(s + i) % 97}`;
    }
    const t = new Table({ id: vectorFromArray(ids as never, new Int64()), value: vectorFromArray(values as never, new Float64()), category: vectorFromArray(cats, new Utf8()), text: vectorFromArray(text, new Utf8()) });
    if (table) await table.add(t);
    else table = await db.createTable("source", t);
  }
  writeFileSync(join(base, "READY"), "");
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const children: ChildProcess[] = [spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" })];
await new Promise((r) => setTimeout(r, 500));
const redisUrl = `redis://127.0.0.1:${port}`;
const workerProcesses: ChildProcess[] = [];
for (let i = 0; i < (withBullMQ ? 2 : 0); i++) workerProcesses.push(spawn(process.execPath, ["bin/lancets.js", "worker", "--redis", redisUrl, "--concurrency", "1", "--prefix", "bench"], { stdio: "ignore" }));
children.push(...workerProcesses);
await new Promise((r) => setTimeout(r, 3000));

/** CPU seconds (user + system) a child process has used so far, from /proc. */
function childCpuS(child: ChildProcess): number {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
const ownCpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const loadAverage = (): string => loadavg().map((x) => x.toFixed(1)).join(" ");

let lastTrace: BuildTrace | undefined;
const executors: [string, () => IndexExecutor][] = [
  ["single process", () => new InProcessExecutor()],
  ["2 threads", () => new LocalExecutor({ maxConcurrency: 2, onTrace: (t) => (lastTrace = t) })],
  ...(withBullMQ ? [["BullMQ, 2 workers", () => new BullMQExecutor({ redisUrl, prefix: "bench" })] as [string, () => IndexExecutor]] : []),
];
const LANCEDB_INDEX: Record<string, () => lancedb.Index> = { BTREE: () => lancedb.Index.btree(), BITMAP: () => lancedb.Index.bitmap(), FTS: () => lancedb.Index.fts() };

function median(xs: number[]): number {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A fresh copy of the source table, named so that lancedb can open it too. */
function freshCopy(): string {
  const path = join(base, "copy.lance");
  rmSync(path, { recursive: true, force: true });
  cpSync(join(base, "source.lance"), path, { recursive: true });
  return path;
}
console.log(`bench/distributed: ${rows} rows, ${Math.ceil(rows / BATCH)} fragments, 2 segments per build; load average ${loadAverage()}`);
console.log(`type     column     single s (CPU s)   threads s (speedup, CPU s, critical CPU s)   BullMQ s (speedup, CPU s)   lancedb s (CPU s); medians of ${runs} run(s)`);
interface Build {
  type: string;
  column: string;
  singleS: number;
  singleCpuS: number;
  threadsS: number;
  /** The process's CPU time during the threads build: both threads, the coordinator, GC and I/O threads. */
  threadsCpuS: number;
  /** The larger of the two threads' CPU time: the build's length on an idle machine, less what runs beside. */
  threadsCriticalCpuS: number;
  /** How far apart the two threads finished their work. */
  threadsImbalanceS: number;
  /** CPU time of the single process's main thread (the build; GC and I/O helpers excluded). */
  singleMainCpuS: number;
  /** Lower bounds on 2 idle cores (longest thread, half the CPU time), single over threads. */
  idleSpeedup: number;
  bullmqS?: number;
  /** Coordinator and worker processes together. */
  bullmqCpuS?: number;
  /** lancedb's own single build (createIndex) of the same column: wall and process CPU seconds. */
  lancedbS?: number;
  lancedbCpuS?: number;
  /** Builds of each way whose medians these are. */
  runs: number;
  load: string;
}
const distributed: Build[] = [];
try {
  // untimed: the first build of a process loads and compiles the code and starts the pool's
  // threads; every timed build then finds both warm, whichever executor comes first
  for (const [, make] of executors.slice(0, 2)) await (await openDataset(freshCopy())).createScalarIndex("id", "BTREE", { executor: make(), minGroups: 2 });
  for (const [type, column] of ([["BTREE", "id"], ["BITMAP", "category"], ["ZONEMAP", "value"], ["FTS", "text"]] as const).filter(([t]) => onlyTypes.includes(t))) {
    // per way (executors, then lancedb): wall s, CPU s, main thread CPU s, one entry per round
    const ways = executors.length + (withLancedb && LANCEDB_INDEX[type] ? 1 : 0);
    const times: number[][] = Array.from({ length: ways }, () => []);
    const cpus: number[][] = Array.from({ length: ways }, () => []);
    const mains: number[][] = Array.from({ length: ways }, () => []);
    const criticals: number[] = [];
    const imbalances: number[] = [];
    for (let round = 0; round < runs; round++) {
      // the ways in rotated order, so none always runs first (or last) in a round
      for (let k = 0; k < ways; k++) {
        const way = (k + round) % ways;
        const path = freshCopy();
        const cpu0 = ownCpuS() + workerProcesses.reduce((n, c) => n + childCpuS(c), 0);
        const main0 = threadClock();
        const t0 = performance.now();
        if (way < executors.length) {
          await (await openDataset(path)).createScalarIndex(column, type, { executor: executors[way]![1](), minGroups: 2 });
        } else {
          const table = await (await lancedb.connect(base)).openTable("copy");
          await table.createIndex(column, { config: LANCEDB_INDEX[type]!() });
          table.close();
        }
        times[way]!.push((performance.now() - t0) / 1000);
        cpus[way]!.push(ownCpuS() + workerProcesses.reduce((n, c) => n + childCpuS(c), 0) - cpu0);
        const main1 = threadClock();
        mains[way]!.push(main0 && main1 ? (main1.cpuMs - main0.cpuMs) / 1000 : Number.NaN);
        if (way === 1) {
          const trace = summarizeBuildTrace(lastTrace!);
          criticals.push(trace.criticalCpuMs / 1000);
          imbalances.push(trace.imbalanceMs / 1000);
          if (printTraces) console.log(formatBuildTrace(lastTrace!));
        }
      }
    }
    const [a, b, c] = times.slice(0, executors.length).map(median) as [number, number, number | undefined];
    const cpu = cpus.map(median);
    const main = mains.map(median);
    const critical = median(criticals);
    const lance = ways > executors.length ? { s: median(times[executors.length]!), cpuS: cpu[executors.length]! } : undefined;
    // on 2 idle cores a build takes at least its longest thread's CPU time and half of all its CPU
    // time: the single process's main thread, or the worker threads' critical path and the coordinator
    const singleIdleS = Math.max(main[0]!, cpu[0]! / 2);
    const threadsIdleS = Math.max(critical + main[1]!, cpu[1]! / 2);
    console.log(
      `${type.padEnd(8)} ${column.padEnd(9)} ${a.toFixed(2).padStart(8)} (${cpu[0]!.toFixed(2)})   ${b.toFixed(2).padStart(9)} (${(a / b).toFixed(2)}x, ${cpu[1]!.toFixed(2)}, ${critical.toFixed(2)})` +
        (c === undefined ? "" : `   ${c.toFixed(2).padStart(8)} (${(a / c).toFixed(2)}x, ${cpu[2]!.toFixed(2)})`) +
        (lance ? `   lancedb ${lance.s.toFixed(2)} (CPU ${lance.cpuS.toFixed(2)})` : "") +
        `   load ${loadAverage()}`,
    );
    console.log(`  single: main thread CPU ${main[0]!.toFixed(2)} s; 2 idle cores would take >= ${singleIdleS.toFixed(2)} s single, >= ${threadsIdleS.toFixed(2)} s on 2 threads (${(singleIdleS / threadsIdleS).toFixed(2)}x)`);
    if (lance) {
      console.log(`  vs lancedb's single build: 2 threads ${(b / lance.s).toFixed(2)}x its wall time, ${(cpu[1]! / lance.cpuS).toFixed(2)}x its CPU` + (c === undefined ? "" : `; BullMQ ${(c / lance.s).toFixed(2)}x its wall time, ${(cpu[2]! / lance.cpuS).toFixed(2)}x its CPU`));
    }
    if (runs > 1) console.log(`  rounds: ${times.map((t) => t.map((x) => x.toFixed(1)).join("/")).join("  ")} s; CPU ${cpus.map((t) => t.map((x) => x.toFixed(1)).join("/")).join("  ")} s`);
    distributed.push({
      type,
      column,
      singleS: a,
      singleCpuS: cpu[0]!,
      threadsS: b,
      threadsCpuS: cpu[1]!,
      threadsCriticalCpuS: critical,
      threadsImbalanceS: median(imbalances),
      singleMainCpuS: main[0]!,
      idleSpeedup: singleIdleS / threadsIdleS,
      ...(c === undefined ? {} : { bullmqS: c, bullmqCpuS: cpu[2]! }),
      ...(lance ? { lancedbS: lance.s, lancedbCpuS: lance.cpuS } : {}),
      runs,
      load: loadAverage(),
    });
  }
  const pool = sharedWorkerPool().stats();
  console.log(`worker threads: ${pool.code} code, ${pool.threadsStarted} started for ${pool.tasksRun} segments (one pool for every build)`);
  record("distributed", { rows, fragments: Math.ceil(rows / BATCH), threadCode: pool.code, builds: distributed });
} finally {
  await closeSharedWorkerPool();
  for (const c of children) c.kill("SIGKILL");
}
