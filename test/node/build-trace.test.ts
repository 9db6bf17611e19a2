// The opt-in trace of builds on worker threads: a LocalExecutor given onTrace
// reports every segment with its thread, phases in order, the thread's CPU
// time and the module it ran; a build given no group size plans one segment
// per thread of the executor, and its segments share the executor's memory
// budget; the summary adds segments up per thread.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { formatBuildTrace, summarizeBuildTrace, threadClock, type BuildTrace, type SegmentTrace } from "../../src/node/build-trace.js";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { DEFAULT_YOUNG_GENERATION_MB, WorkerPool } from "../../src/node/worker-pool.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

let source: string;
const pool = new WorkerPool({ threads: 2 });

function rows(n: number, start: number): Table {
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(start + i) % 5}`), new Utf8()),
  });
}

before(async () => {
  const dir = tempDir();
  // fragments of unequal size: 3000, 1000, 1000, 1000 rows
  const t = await (await connect(dir)).createTable("src", rows(3000, 0));
  for (let k = 0; k < 3; k++) await t.add(rows(1000, 3000 + k * 1000));
  source = tablePath(dir, "src");
});

after(async () => {
  await pool.close();
});

function segment(over: Partial<SegmentTrace>): SegmentTrace {
  return {
    threadId: 1,
    workerUrl: "file:///w.js",
    threadStartedAt: 0,
    startedAt: 1000,
    openedAt: 1100,
    builtAt: 3000,
    cpuMs: 1500,
    runQueueMs: 200,
    ioWaitMs: 100,
    heapBytes: 1,
    groupIndex: 0,
    plannedRows: 10,
    fragmentIds: [0],
    queuedAt: 1000,
    finishedAt: 3010,
    ...over,
  };
}

describe("build trace", () => {
  test("a traced 2-thread build: a segment per thread planned by rows, phases in order, CPU measured, Lance uses the index", async () => {
    const path = copyDataset(source);
    const traces: BuildTrace[] = [];
    const executor = new LocalExecutor({ pool, maxConcurrency: 2, onTrace: (t) => traces.push(t) });
    assert.equal(executor.parallelism, 2);
    const ds = await (await openDataset(path)).createScalarIndex("id", "BTREE", { executor });
    assert.equal(traces.length, 1);
    const trace = traces[0]!;
    // no group size, no minGroups: one segment per thread, balanced by rows (3000 | 1000 + 1000 + 1000)
    assert.deepEqual(
      trace.segments.map((s) => [s.groupIndex, s.fragmentIds, s.plannedRows]),
      [
        [0, [0], 3000],
        [1, [1, 2, 3], 3000],
      ],
    );
    assert.deepEqual(ds.describeIndices()[0]!.segments.map((s) => s.fragmentIds), [[0], [1, 2, 3]]);
    for (const s of trace.segments) {
      assert.ok(trace.startedAt <= s.queuedAt && s.queuedAt <= s.startedAt && s.startedAt <= s.openedAt && s.openedAt <= s.builtAt && s.builtAt <= s.finishedAt, JSON.stringify(s));
      assert.ok(s.finishedAt <= trace.commitStartedAt && trace.commitStartedAt <= trace.committedAt);
      assert.ok(pool.stats().threadIds.includes(s.threadId), `thread ${s.threadId} is one of the pool's`);
      assert.match(s.workerUrl, /segment-worker\.mjs$/, "the threads ran the bundle of the sources");
      assert.ok(s.ioWaitMs >= 0 && s.heapBytes > 0);
      assert.equal(s.memoryBytes, 128 * 1024 * 1024, "2 threads share the default 256 MiB budget");
      assert.equal(s.youngGenerationMb, DEFAULT_YOUNG_GENERATION_MB, "threads start with the pool's young generation limit");
      if (threadClock()) assert.ok(s.cpuMs! > 0 && s.runQueueMs! >= 0, "thread CPU time is measured on Linux");
    }
    const summary = summarizeBuildTrace(trace);
    assert.equal(summary.threads.reduce((n, t) => n + t.rows, 0), 6000);
    assert.equal(summary.threads.reduce((n, t) => n + t.segments, 0), 2);
    const db = await connect(join(path, ".."));
    const table = await db.openTable("copy");
    assert.match(await table.query().where("id = 4321").explainPlan(true), /ScalarIndexQuery/);
    assert.equal((await table.query().where("id = 4321").toArray()).length, 1);
  });

  test("segments built at once share the executor's budget; a build's own memoryBytes is each segment's", async () => {
    const MiB = 1024 * 1024;
    const traces: BuildTrace[] = [];
    const executor = new LocalExecutor({ pool, maxConcurrency: 2, memoryBytes: 96 * MiB, onTrace: (t) => traces.push(t) });
    await (await openDataset(copyDataset(source))).createScalarIndex("category", "BITMAP", { executor });
    assert.deepEqual(traces[0]!.segments.map((s) => s.memoryBytes), [48 * MiB, 48 * MiB]);
    await (await openDataset(copyDataset(source))).createScalarIndex("id", "BTREE", { executor, params: { memoryBytes: 20 * MiB } });
    assert.deepEqual(traces[1]!.segments.map((s) => s.memoryBytes), [20 * MiB, 20 * MiB]);
    // one segment: the whole budget
    await (await openDataset(copyDataset(source))).createScalarIndex("id", "BTREE", { executor, minGroups: 1 });
    assert.deepEqual(traces[2]!.segments.map((s) => s.memoryBytes), [96 * MiB]);
    assert.throws(() => new LocalExecutor({ memoryBytes: 1000 }), (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT");
  });

  test("a pool's threads run with its young generation limit; a bad limit is refused", async () => {
    const own = new WorkerPool({ threads: 1, youngGenerationMb: 24 });
    try {
      const traces: BuildTrace[] = [];
      await (await openDataset(copyDataset(source))).createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ pool: own, onTrace: (t) => traces.push(t) }) });
      assert.deepEqual(traces[0]!.segments.map((s) => s.youngGenerationMb), [24]);
    } finally {
      await own.close();
    }
    for (const bad of [0, 1.5, -2]) assert.throws(() => new WorkerPool({ youngGenerationMb: bad }), (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT");
  });

  test("an executor of one thread plans one segment, untraced", async () => {
    const ds = await (await openDataset(copyDataset(source))).createScalarIndex("category", "BITMAP", { executor: new LocalExecutor({ pool, maxConcurrency: 1 }) });
    assert.deepEqual(ds.describeIndices()[0]!.segments.map((s) => s.fragmentIds), [[0, 1, 2, 3]], "one thread: one segment");
  });

  test("the summary adds segments up per thread: critical path, lanes apart, thread start", () => {
    const trace: BuildTrace = {
      startedAt: 1000,
      commitStartedAt: 9000,
      committedAt: 9500,
      coordinatorCpuMs: 40,
      segments: [
        segment({ threadId: 1, threadStartedAt: 1200, startedAt: 1500, builtAt: 4000, cpuMs: 2000, groupIndex: 0, plannedRows: 10 }),
        segment({ threadId: 2, threadStartedAt: 1200, startedAt: 1600, builtAt: 8000, cpuMs: 5000, groupIndex: 1, plannedRows: 30 }),
        segment({ threadId: 1, threadStartedAt: 1200, startedAt: 4000, builtAt: 6000, cpuMs: 1500, groupIndex: 2, plannedRows: 5 }),
      ],
    };
    const s = summarizeBuildTrace(trace);
    assert.equal(s.wallMs, 8500);
    assert.equal(s.commitMs, 500);
    assert.equal(s.workerCpuMs, 8500);
    assert.equal(s.criticalCpuMs, 5000);
    assert.deepEqual(
      s.threads.map((t) => [t.threadId, t.segments, t.rows, t.cpuMs, t.busyMs, t.doneAtMs]),
      [
        [1, 2, 15, 3500, 4500, 5000],
        [2, 1, 30, 5000, 6400, 7000],
      ],
    );
    assert.equal(s.imbalanceMs, 2000);
    // threads started inside this build: the time from their start to their first task
    assert.equal(s.threadStartMs, 300 + 400);
    assert.match(formatBuildTrace(trace), /critical path 5\.00 s\), lanes end 2\.00 s apart/);
  });
});
