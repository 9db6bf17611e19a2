// Worker-thread entry: builds one index segment (a SegmentBuildTask) and
// reports rows read through the given port.

import type { MessagePort } from "node:worker_threads";
import { runSegmentTask, type SegmentBuildTask } from "../distributed/jobs.js";
import type { IndexSegment } from "../index/segment.js";
import { openDataset } from "./open-dataset.js";

export interface WorkerTask {
  task: SegmentBuildTask;
  port?: MessagePort;
  /** For object-store datasets: the options the caller's store was opened with (this process only). */
  storageOptions?: Record<string, string>;
}

export default async function buildSegment({ task, port, storageOptions }: WorkerTask): Promise<IndexSegment> {
  try {
    const ds = await openDataset(task.uri, { version: task.version, ...(storageOptions ? { storageOptions } : {}) });
    return await runSegmentTask(ds.snapshot, task, ds.engine.indexPlugins, (rowsDone) => port?.postMessage({ rowsDone }));
  } finally {
    port?.close();
  }
}
