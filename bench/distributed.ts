// bench/distributed: index builds on a dataset written by lancedb, three ways in
// one run: in a single process, on 2 worker threads (LocalExecutor), and on 2
// lancets worker processes through BullMQ on a private Redis. Prints times,
// speedups and CPU time per index type: the process's own (all its threads)
// and, for BullMQ, the worker processes' too. With --trace, the thread builds
// print their trace (build-trace.ts): CPU, run-queue and I/O wait per thread,
// the critical path and how far apart the two lanes finished. A first,
// untimed BTREE build in this process and on the threads warms both up.
// Run: npx tsx bench/distributed.ts [--rows N] [--types BTREE,FTS] [--no-bullmq] [--trace]

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
const printTraces = process.argv.includes("--trace");
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
console.log(`bench/distributed: ${rows} rows, ${Math.ceil(rows / BATCH)} fragments, 2 segments per build; load average ${loadAverage()}`);
console.log("type     column     single s (CPU s)   threads s (speedup, CPU s, critical CPU s)   BullMQ s (speedup, CPU s)");
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
  load: string;
}
const distributed: Build[] = [];
try {
  // untimed: the first build of a process loads and compiles the code and starts the pool's
  // threads; every timed build then finds both warm, whichever executor comes first
  for (const [, make] of executors.slice(0, 2)) {
    const path = join(base, "copy.lance");
    rmSync(path, { recursive: true, force: true });
    cpSync(join(base, "source.lance"), path, { recursive: true });
    await (await openDataset(path)).createScalarIndex("id", "BTREE", { executor: make(), minGroups: 2 });
  }
  for (const [type, column] of ([["BTREE", "id"], ["BITMAP", "category"], ["ZONEMAP", "value"], ["FTS", "text"]] as const).filter(([t]) => onlyTypes.includes(t))) {
    const times: number[] = [];
    const cpus: number[] = [];
    const mains: number[] = [];
    for (const [, make] of executors) {
      const path = join(base, "copy.lance");
      rmSync(path, { recursive: true, force: true });
      cpSync(join(base, "source.lance"), path, { recursive: true });
      const ds = await openDataset(path);
      const cpu0 = ownCpuS() + workerProcesses.reduce((n, c) => n + childCpuS(c), 0);
      const main0 = threadClock();
      const t0 = performance.now();
      await ds.createScalarIndex(column, type, { executor: make(), minGroups: 2 });
      times.push((performance.now() - t0) / 1000);
      cpus.push(ownCpuS() + workerProcesses.reduce((n, c) => n + childCpuS(c), 0) - cpu0);
      const main1 = threadClock();
      mains.push(main0 && main1 ? (main1.cpuMs - main0.cpuMs) / 1000 : Number.NaN);
    }
    const [a, b, c] = times as [number, number, number | undefined];
    const trace = summarizeBuildTrace(lastTrace!);
    // on 2 idle cores a build takes at least its longest thread's CPU time and half of all its CPU
    // time: the single process's main thread, or the worker threads' critical path and the coordinator
    const singleIdleS = Math.max(mains[0]!, cpus[0]! / 2);
    const threadsIdleS = Math.max(trace.criticalCpuMs / 1000 + mains[1]!, cpus[1]! / 2);
    console.log(
      `${type.padEnd(8)} ${column.padEnd(9)} ${a.toFixed(2).padStart(8)} (${cpus[0]!.toFixed(2)})   ${b.toFixed(2).padStart(9)} (${(a / b).toFixed(2)}x, ${cpus[1]!.toFixed(2)}, ${(trace.criticalCpuMs / 1000).toFixed(2)})` +
        (c === undefined ? "" : `   ${c.toFixed(2).padStart(8)} (${(a / c).toFixed(2)}x, ${cpus[2]!.toFixed(2)})`) +
        `   load ${loadAverage()}`,
    );
    console.log(`  single: main thread CPU ${mains[0]!.toFixed(2)} s; 2 idle cores would take >= ${singleIdleS.toFixed(2)} s single, >= ${threadsIdleS.toFixed(2)} s on 2 threads (${(singleIdleS / threadsIdleS).toFixed(2)}x)`);
    if (printTraces) console.log(formatBuildTrace(lastTrace!));
    distributed.push({
      type,
      column,
      singleS: a,
      singleCpuS: cpus[0]!,
      threadsS: b,
      threadsCpuS: cpus[1]!,
      threadsCriticalCpuS: trace.criticalCpuMs / 1000,
      threadsImbalanceS: trace.imbalanceMs / 1000,
      singleMainCpuS: mains[0]!,
      idleSpeedup: singleIdleS / threadsIdleS,
      ...(c === undefined ? {} : { bullmqS: c, bullmqCpuS: cpus[2]! }),
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
