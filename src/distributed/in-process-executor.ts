// The executor that builds a job's segments one after another in this
// process (the default, and the one that runs in browsers and workers).

import { removeSegmentFiles } from "../index/segments-api.js";
import { scalarIndexPlugins, type ScalarIndexPlugin } from "../index/plugins.js";
import type { IndexSegment } from "../index/segment.js";
import type { Snapshot } from "../table/snapshot.js";
import { commitJob, runSegmentTask, type IndexBuildJob, type IndexExecutor, type SegmentProgress } from "./jobs.js";

/** Builds the segments one after another in this process, with the given index plugins (default: all). */
export class InProcessExecutor implements IndexExecutor {
  private readonly plugins: readonly ScalarIndexPlugin[];

  constructor(plugins: readonly ScalarIndexPlugin[] = scalarIndexPlugins()) {
    this.plugins = plugins;
  }

  async run(ds: Snapshot, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Snapshot> {
    const segments: IndexSegment[] = [];
    try {
      for (const task of job.tasks) {
        segments.push(
          await runSegmentTask(ds, task, this.plugins, (rowsDone) => onProgress?.({ groupIndex: task.groupIndex, rowsDone, rowsPlanned: task.plannedRows, done: false })),
        );
        onProgress?.({ groupIndex: task.groupIndex, rowsDone: task.plannedRows, rowsPlanned: task.plannedRows, done: true });
      }
      return await commitJob(ds, job, segments);
    } catch (err) {
      for (const s of segments) await removeSegmentFiles(ds.store, s.uuid);
      throw err;
    }
  }
}
