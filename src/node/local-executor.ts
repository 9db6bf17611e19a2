// Builds index segments on worker threads of this machine (piscina), then
// commits them from the calling thread. The default executor of the CLI.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { LanceError } from "../core/errors.js";
import { commitJob, type IndexBuildJob, type IndexExecutor, type SegmentProgress } from "../distributed/jobs.js";
import { removeSegmentFiles } from "../index/segments-api.js";
import type { IndexSegment } from "../index/segment.js";
import type { Snapshot } from "../table/snapshot.js";
import type { WorkerTask } from "./segment-worker.js";

export interface LocalExecutorOptions {
  /** Worker threads (default: the number of cores). */
  maxConcurrency?: number;
}

export function workerFile(): string {
  const compiled = new URL("./segment-worker.js", import.meta.url);
  if (import.meta.url.endsWith(".js") && existsSync(fileURLToPath(compiled))) return fileURLToPath(compiled);
  return fileURLToPath(new URL("./worker-shim.mjs", import.meta.url));
}

export class LocalExecutor implements IndexExecutor {
  readonly maxConcurrency: number;

  constructor(options: LocalExecutorOptions = {}) {
    this.maxConcurrency = options.maxConcurrency ?? availableParallelism();
    if (!Number.isSafeInteger(this.maxConcurrency) || this.maxConcurrency < 1) {
      throw new LanceError("INVALID_INPUT", `maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    }
  }

  async run(ds: Snapshot, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Snapshot> {
    if (/^memory:/i.test(ds.store.uri)) {
      // another thread has memory of its own: it would find no dataset there
      throw new LanceError("NOT_SUPPORTED", `${ds.store.uri} lives in this thread's memory, which worker threads cannot reach; build its index without an executor (in this thread)`);
    }
    // threads of this process open an object-store dataset with the options its store was opened with
    const storageOptions = ds.store.storageOptions;
    const { Piscina } = await import("piscina");
    const pool = new Piscina({ filename: workerFile(), maxThreads: Math.min(this.maxConcurrency, job.tasks.length), minThreads: 1 });
    const segments: IndexSegment[] = [];
    try {
      const results = await Promise.allSettled(
        job.tasks.map(async (task) => {
          const { port1, port2 } = new MessageChannel();
          port1.on("message", (m: { rowsDone: number }) => onProgress?.({ groupIndex: task.groupIndex, rowsDone: m.rowsDone, rowsPlanned: task.plannedRows, done: false }));
          try {
            const payload: WorkerTask = { task, port: port2, ...(storageOptions ? { storageOptions: { ...storageOptions } } : {}) };
            const segment = (await pool.run(payload, { transferList: [port2] })) as IndexSegment;
            segments.push(segment);
            onProgress?.({ groupIndex: task.groupIndex, rowsDone: task.plannedRows, rowsPlanned: task.plannedRows, done: true });
            return segment;
          } finally {
            port1.close();
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason instanceof Error ? failed.reason : new LanceError("INTERNAL", String(failed.reason));
      const ordered = job.tasks.map((t) => segments.find((s) => s.fragmentIds.join() === [...t.fragmentIds].sort((a, b) => a - b).join())!);
      return await commitJob(ds, job, ordered);
    } catch (err) {
      for (const s of segments) await removeSegmentFiles(ds.store, s.uuid);
      throw err instanceof LanceError ? err : new LanceError("INTERNAL", `segment build failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      await pool.destroy();
    }
  }
}
