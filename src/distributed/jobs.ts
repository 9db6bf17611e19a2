// Index build jobs: the plain-JSON tasks a distributed build is made of (one
// per fragment group), the executor interface that runs them, and the two
// steps every executor shares: build one task's segment, commit the job.

import type { ScalarIndexType } from "../format/index/index-type.js";
import type { IndexParams, ScalarIndexPlugin } from "../index/plugins.js";
import { checkSegmentList, type IndexSegment } from "../index/segment.js";
import { commitExistingIndexSegments, createIndexUncommitted } from "../index/segments-api.js";
import { Snapshot } from "../table/snapshot.js";

/** One segment to build: plain JSON, sent to worker threads and other machines. */
export interface SegmentBuildTask {
  /** Dataset location as the workers see it. */
  uri: string;
  /** The version every segment of the job is built from. */
  version: number;
  column: string;
  indexType: ScalarIndexType;
  name: string;
  fragmentIds: number[];
  params: IndexParams;
  groupIndex: number;
  /** Live rows in the group's fragments. */
  plannedRows: number;
}

/** A whole index build: the segments to build, then one commit. */
export interface IndexBuildJob {
  uri: string;
  version: number;
  column: string;
  indexType: ScalarIndexType;
  name: string;
  replace: boolean;
  tasks: SegmentBuildTask[];
}

export interface SegmentProgress {
  groupIndex: number;
  rowsDone: number;
  rowsPlanned: number;
  done: boolean;
}

/** Runs index build jobs: builds every segment, then commits them; returns the committed version. */
export interface IndexExecutor {
  /** Segments it builds at once; a build given neither a group size nor minGroups plans that many groups. */
  readonly parallelism?: number;
  run(ds: Snapshot, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Snapshot>;
}

/** Builds one planned segment from the job's dataset version. */
export async function runSegmentTask(ds: Snapshot, task: SegmentBuildTask, plugins: readonly ScalarIndexPlugin[], onRows?: (rowsDone: number) => void): Promise<IndexSegment> {
  const at = ds.version === task.version ? ds : await ds.checkout(task.version);
  return createIndexUncommitted(
    at,
    task.column,
    task.indexType,
    {
      name: task.name,
      fragmentIds: task.fragmentIds,
      params: task.params,
      ...(onRows ? { onProgress: onRows } : {}),
    },
    plugins,
  );
}

/**
 * Commits a job's segments; running it again after a success is harmless
 * (segments already in the index are not committed twice).
 */
export async function commitJob(ds: Snapshot, job: Pick<IndexBuildJob, "name" | "column" | "replace">, input: readonly IndexSegment[]): Promise<Snapshot> {
  const segments = checkSegmentList(input);
  const latest = await Snapshot.open(ds.store);
  const committed = new Set(latest.indices.map((i) => i.uuid));
  if (segments.length > 0 && segments.every((s) => committed.has(s.uuid))) return latest;
  return commitExistingIndexSegments(latest, job.name, job.column, segments, { replace: job.replace });
}
