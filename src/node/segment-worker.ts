// Worker-thread entry: builds one index segment (a SegmentBuildTask) and
// reports rows read through the given port; asked to, it also reports how
// the thread spent the build (build-trace.ts).

import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { resourceLimits, threadId, type MessagePort } from "node:worker_threads";
import { runSegmentTask, type SegmentBuildTask } from "../distributed/jobs.js";
import { DEFAULT_MEMORY_BYTES } from "../index/btree/build.js";
import type { IndexSegment } from "../index/segment.js";
import { nowMs, threadClock, type SegmentWorkTrace } from "./build-trace.js";
import { openDataset } from "./open-dataset.js";

export interface WorkerTask {
  task: SegmentBuildTask;
  port?: MessagePort;
  /** For object-store datasets: the options the caller's store was opened with (this process only). */
  storageOptions?: Record<string, string>;
  /** Measure the build's phases and the thread's time (SegmentWorkTrace). */
  trace?: boolean;
}

export interface WorkerResult {
  segment: IndexSegment;
  trace?: SegmentWorkTrace;
}

export default async function buildSegment({ task, port, storageOptions, trace }: WorkerTask): Promise<WorkerResult> {
  const startedAt = nowMs();
  const clock = trace ? threadClock() : undefined;
  const loop = trace ? performance.eventLoopUtilization() : undefined;
  try {
    const ds = await openDataset(task.uri, { version: task.version, ...(storageOptions ? { storageOptions } : {}) });
    const openedAt = nowMs();
    const segment = await runSegmentTask(ds.snapshot, task, ds.engine.indexPlugins, (rowsDone) => port?.postMessage({ rowsDone }));
    if (!trace) return { segment };
    const builtAt = nowMs();
    const end = threadClock();
    const work: SegmentWorkTrace = {
      threadId,
      workerUrl: import.meta.url,
      // the thread's own environment was set up this long after the process started
      threadStartedAt: performance.timeOrigin + performance.nodeTiming.environment,
      startedAt,
      openedAt,
      builtAt,
      ioWaitMs: performance.eventLoopUtilization(loop).idle,
      heapBytes: getHeapStatistics().total_heap_size,
      memoryBytes: task.params.memoryBytes ?? DEFAULT_MEMORY_BYTES,
      ...(resourceLimits.maxYoungGenerationSizeMb !== undefined ? { youngGenerationMb: resourceLimits.maxYoungGenerationSizeMb } : {}),
      ...(clock && end ? { cpuMs: end.cpuMs - clock.cpuMs, runQueueMs: end.waitMs - clock.waitMs } : {}),
    };
    return { segment, trace: work };
  } finally {
    port?.close();
  }
}
