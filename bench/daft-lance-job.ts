// bench/daft-lance-job: the lancets side of bench/daft-lance.ts, one job per
// process so that its wall time and peak memory are the whole job's.
//   build  --path P --type T --column C --executor threads|bullmq|single [--redis URL --prefix X] [--memory-bytes N]
//          2 segments, on 2 worker threads, on 2 lancets worker processes, or
//          one after another in this process; prints the process's CPU time
//          and peak RSS (VmHWM) and, on threads, each thread's CPU time
//   verify --path P --type T --queries JSON
//          answers of lancets' planner over the committed index, and whether it used it

import { readFileSync } from "node:fs";
import { InProcessExecutor } from "../src/distributed/in-process-executor.js";
import type { IndexExecutor } from "../src/distributed/jobs.js";
import { BullMQExecutor } from "../src/node/bullmq.js";
import { summarizeBuildTrace, type BuildTrace } from "../src/node/build-trace.js";
import { LocalExecutor } from "../src/node/local-executor.js";
import { openDataset } from "../src/node/open-dataset.js";
import { closeSharedWorkerPool } from "../src/node/worker-pool.js";

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} is required`);
  return process.argv[i + 1]!;
}

const command = process.argv[2];
const path = arg("path");
const type = arg("type");

if (command === "build") {
  const column = arg("column");
  const kind = arg("executor");
  const traces: BuildTrace[] = [];
  const executor: IndexExecutor =
    kind === "threads"
      ? new LocalExecutor({ maxConcurrency: 2, onTrace: (t) => traces.push(t), ...(process.argv.includes("--memory-bytes") ? { memoryBytes: Number(arg("memory-bytes")) } : {}) })
      : kind === "single"
        ? new InProcessExecutor()
        : new BullMQExecutor({ redisUrl: arg("redis"), prefix: arg("prefix") });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const ds = await (await openDataset(path)).createScalarIndex(column, type, { name: `${column}_idx`, executor, minGroups: 2 });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await closeSharedWorkerPool();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  const trace = traces[0] ? summarizeBuildTrace(traces[0]) : undefined;
  console.log(
    JSON.stringify({
      seconds,
      cpuS: (used.user + used.system) / 1e6,
      peakMiB: hwm ? Number(hwm[1]) / 1024 : undefined,
      ...(trace ? { threadCpuS: trace.threads.map((t) => t.cpuMs / 1000), threadHeapMiB: traces[0]!.segments.map((s) => s.heapBytes / 2 ** 20) } : {}),
      segments: ds.describeIndices().map((i) => i.segments.length),
    }),
  );
} else if (command === "verify") {
  const ds = await openDataset(path);
  const out: Record<string, { count: number; sum: number; usedIndex: boolean }> = {};
  for (const q of JSON.parse(arg("queries")) as string[]) {
    const fts = type === "INVERTED";
    const table = await ds.scan(fts ? { fullTextSearch: { query: q }, limit: 1_000_000, columns: ["id"] } : { filter: q, columns: ["id"] }).toArrow();
    let count = 0;
    let sum = 0;
    for (const id of table.getChild("id")!) {
      count++;
      sum += Number(id);
    }
    // a full-text search runs on the index only; a filter used it when no fragment was scanned
    const usedIndex = fts ? ds.describeIndices().some((i) => i.indexType === "FTS" || i.indexType === "INVERTED") : /fragments scanned: none/.test(await ds.explain(q)) && / index \S+_idx/.test(await ds.explain(q));
    out[q] = { count, sum, usedIndex };
  }
  console.log(JSON.stringify(out));
} else {
  throw new Error(`unknown command ${command}`);
}
