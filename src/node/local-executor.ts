// Builds index segments on worker threads of this machine, then commits them
// from the calling thread. The default executor of the CLI. Threads come from
// a WorkerPool (by default the process's own, kept across builds). The
// segments built at once share one memory budget (distributed/memory-share.ts).

import { MessageChannel } from "node:worker_threads";
import { LanceError } from "../core/errors.js";
import { checkSharedMemoryBytes, memoryShareBytes, withMemoryShare } from "../distributed/memory-share.js";
import { commitJob, type IndexBuildJob, type IndexExecutor, type SegmentBuildTask, type SegmentProgress } from "../distributed/jobs.js";
import { removeSegmentFiles } from "../index/segments-api.js";
import type { IndexSegment } from "../index/segment.js";
import type { Snapshot } from "../table/snapshot.js";
import { nowMs, threadClock, type BuildTrace, type SegmentTrace } from "./build-trace.js";
import type { WorkerTask } from "./segment-worker.js";
import { sharedWorkerPool, type WorkerPool } from "./worker-pool.js";

export interface LocalExecutorOptions {
  /** Segments built at once (default: the pool's threads, which default to the number of cores). */
  maxConcurrency?: number;
  /** Threads to build on (default: the process's shared pool, sharedWorkerPool()). */
  pool?: WorkerPool;
  /** Called once a build is committed with how it went: phases per segment and thread (costs a few small reads per segment). */
  onTrace?: (trace: BuildTrace) => void;
  /**
   * Memory budget the segments built at once share, in bytes (default 256 MiB, one build's default
   * budget in a single process): each gets an equal part (at least 16 MiB), unless the build's params
   * give memoryBytes, which is then each segment's own.
   */
  memoryBytes?: number;
}

export class LocalExecutor implements IndexExecutor {
  readonly maxConcurrency: number | undefined;
  readonly #pool: WorkerPool | undefined;
  readonly #onTrace: ((trace: BuildTrace) => void) | undefined;
  readonly #memoryBytes: number | undefined;

  constructor(options: LocalExecutorOptions = {}) {
    this.maxConcurrency = options.maxConcurrency;
    if (this.maxConcurrency !== undefined && (!Number.isSafeInteger(this.maxConcurrency) || this.maxConcurrency < 1)) {
      throw new LanceError("INVALID_INPUT", `maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    }
    this.#pool = options.pool;
    this.#onTrace = options.onTrace;
    this.#memoryBytes = options.memoryBytes === undefined ? undefined : checkSharedMemoryBytes(options.memoryBytes);
  }

  /** Segments built at once: a build given no group size plans this many. */
  get parallelism(): number {
    return this.maxConcurrency ?? this.#pool?.threads ?? sharedWorkerPool().threads;
  }

  /** The pool this executor builds on: its own, or the process's shared one. */
  pool(): WorkerPool {
    if (this.#pool) {
      if (this.maxConcurrency !== undefined) this.#pool.widen(this.maxConcurrency);
      return this.#pool;
    }
    return sharedWorkerPool(this.maxConcurrency);
  }

  async run(ds: Snapshot, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Snapshot> {
    if (/^memory:/i.test(ds.store.uri)) {
      // another thread has memory of its own: it would find no dataset there
      throw new LanceError("NOT_SUPPORTED", `${ds.store.uri} lives in this thread's memory, which worker threads cannot reach; build its index without an executor (in this thread)`);
    }
    // threads of this process open an object-store dataset with the options its store was opened with
    const storageOptions = ds.store.storageOptions;
    const onTrace = this.#onTrace;
    const startedAt = nowMs();
    const clock = onTrace ? threadClock() : undefined;
    const traces: SegmentTrace[] = [];
    const pool = this.pool();
    const concurrency = Math.min(this.maxConcurrency ?? pool.threads, job.tasks.length);
    const share = memoryShareBytes(concurrency, this.#memoryBytes);
    const segments: IndexSegment[] = [];
    const failures: unknown[] = [];
    const buildOne = async (task: SegmentBuildTask): Promise<void> => {
      const { port1, port2 } = new MessageChannel();
      port1.on("message", (m: { rowsDone: number }) => onProgress?.({ groupIndex: task.groupIndex, rowsDone: m.rowsDone, rowsPlanned: task.plannedRows, done: false }));
      try {
        const payload: WorkerTask = { task: withMemoryShare(task, share), port: port2, ...(storageOptions ? { storageOptions: { ...storageOptions } } : {}), ...(onTrace ? { trace: true } : {}) };
        const queuedAt = nowMs();
        const { segment, trace } = await pool.run(payload, [port2]);
        segments.push(segment);
        if (trace) traces.push({ ...trace, groupIndex: task.groupIndex, plannedRows: task.plannedRows, fragmentIds: task.fragmentIds, queuedAt, finishedAt: nowMs() });
        onProgress?.({ groupIndex: task.groupIndex, rowsDone: task.plannedRows, rowsPlanned: task.plannedRows, done: true });
      } finally {
        port1.close();
      }
    };
    // `concurrency` lanes take the next task until none is left or one has failed
    const queue = [...job.tasks];
    const lane = async (): Promise<void> => {
      for (let task = queue.shift(); task && failures.length === 0; task = queue.shift()) {
        try {
          await buildOne(task);
        } catch (err) {
          failures.push(err);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, lane));
      const failed = failures[0];
      if (failures.length > 0) throw failed instanceof Error ? failed : new LanceError("INTERNAL", String(failed));
      const ordered = job.tasks.map((t) => segments.find((s) => s.fragmentIds.join() === [...t.fragmentIds].sort((a, b) => a - b).join())!);
      const commitStartedAt = nowMs();
      const committed = await commitJob(ds, job, ordered);
      if (onTrace) {
        const end = threadClock();
        traces.sort((a, b) => a.groupIndex - b.groupIndex);
        onTrace({ startedAt, commitStartedAt, committedAt: nowMs(), segments: traces, ...(clock && end ? { coordinatorCpuMs: end.cpuMs - clock.cpuMs } : {}) });
      }
      return committed;
    } catch (err) {
      for (const s of segments) await removeSegmentFiles(ds.store, s.uuid);
      throw err instanceof LanceError ? err : new LanceError("INTERNAL", `segment build failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}
