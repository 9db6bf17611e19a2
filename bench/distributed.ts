// bench/distributed: index builds on a dataset written by lancedb, three ways in
// one run: in a single process, on 2 worker threads (LocalExecutor), and on 2
// lancets worker processes through BullMQ on a private Redis. Prints times,
// speedups and overhead per index type.
// Run: npx tsx bench/distributed.ts [--rows N]

import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import { InProcessExecutor } from "../src/distributed/in-process-executor.js";
import type { IndexExecutor } from "../src/distributed/jobs.js";
import { BullMQExecutor } from "../src/node/bullmq.js";
import { LocalExecutor } from "../src/node/local-executor.js";
import { closeSharedWorkerPool, sharedWorkerPool } from "../src/node/worker-pool.js";
import { openDataset } from "../src/node/open-dataset.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const rows = Number(arg("rows", "5000000"));
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
for (let i = 0; i < 2; i++) children.push(spawn(process.execPath, ["bin/lancets.js", "worker", "--redis", redisUrl, "--concurrency", "1", "--prefix", "bench"], { stdio: "ignore" }));
await new Promise((r) => setTimeout(r, 3000));

const executors: [string, () => IndexExecutor][] = [
  ["single process", () => new InProcessExecutor()],
  ["2 threads", () => new LocalExecutor({ maxConcurrency: 2 })],
  ["BullMQ, 2 workers", () => new BullMQExecutor({ redisUrl, prefix: "bench" })],
];
console.log(`bench/distributed: ${rows} rows, ${Math.ceil(rows / BATCH)} fragments, 2 segments per build`);
console.log("type     column     single s   threads s (speedup)   BullMQ s (speedup)");
const distributed: { type: string; column: string; singleS: number; threadsS: number; bullmqS: number }[] = [];
try {
  for (const [type, column] of [["BTREE", "id"], ["BITMAP", "category"], ["ZONEMAP", "value"], ["FTS", "text"]] as const) {
    const times: number[] = [];
    for (const [, make] of executors) {
      const path = join(base, "copy.lance");
      rmSync(path, { recursive: true, force: true });
      cpSync(join(base, "source.lance"), path, { recursive: true });
      const ds = await openDataset(path);
      const t0 = performance.now();
      await ds.createScalarIndex(column, type, { executor: make(), minGroups: 2 });
      times.push((performance.now() - t0) / 1000);
    }
    const [a, b, c] = times as [number, number, number];
    console.log(`${type.padEnd(8)} ${column.padEnd(9)} ${a.toFixed(2).padStart(9)}   ${b.toFixed(2).padStart(9)} (${(a / b).toFixed(2)}x)   ${c.toFixed(2).padStart(8)} (${(a / c).toFixed(2)}x)`);
    distributed.push({ type, column, singleS: a, threadsS: b, bullmqS: c });
  }
  const pool = sharedWorkerPool().stats();
  console.log(`worker threads: ${pool.code} code, ${pool.threadsStarted} started for ${pool.tasksRun} segments (one pool for every build)`);
  record("distributed", { rows, fragments: Math.ceil(rows / BATCH), threadCode: pool.code, builds: distributed });
} finally {
  await closeSharedWorkerPool();
  for (const c of children) c.kill("SIGKILL");
}
