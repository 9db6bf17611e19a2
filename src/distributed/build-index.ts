// A whole scalar index build: plan fragment groups into a job of segment
// tasks (checking everything that needs no data first), run it on an
// executor, and commit the segments as one index.

import { LanceError } from "../core/errors.js";
import { pluginFor, type IndexParams, type ScalarIndexPlugin } from "../index/plugins.js";
import { checkSegmentRows } from "../index/segment-limits.js";
import { checkIndexable, checkNameFree, parseIndexType } from "../index/segments-api.js";
import type { Snapshot } from "../table/snapshot.js";
import { InProcessExecutor } from "./in-process-executor.js";
import type { IndexBuildJob, IndexExecutor, SegmentProgress } from "./jobs.js";
import { planFragmentGroups } from "./plan.js";

export interface CreateScalarIndexOptions {
  name?: string;
  replace?: boolean;
  params?: IndexParams;
  /** Fragments per segment (default: one group per thread of the executor, or all fragments in one segment in process). */
  fragmentGroupSize?: number;
  /** Where segments are built (default: in this process). */
  executor?: IndexExecutor;
  /** Groups to plan when no group size is given (default: the executor's parallelism, or 1). */
  minGroups?: number;
  onProgress?: (p: SegmentProgress) => void;
  /** The dataset location as workers see it (default: the store's own location). */
  uri?: string;
}

/** The job that builds an index on `column`: one task per fragment group, from this version. */
export function planIndexBuild(ds: Snapshot, column: string, indexTypeText: string, options: Omit<CreateScalarIndexOptions, "onProgress"> = {}): IndexBuildJob {
  ds.checkWritable();
  const indexType = parseIndexType(indexTypeText);
  const name = options.name ?? `${column}_idx`;
  // everything that needs no data is checked before any worker starts
  const { lance, index } = checkIndexable(ds, column, indexType);
  const existing = checkNameFree(ds, name, lance.id, indexType);
  if (existing.length > 0 && !options.replace) throw new LanceError("INVALID_INPUT", `index "${name}" already exists; pass replace: true to rebuild it`);
  if (ds.manifest.fragments.length === 0) throw new LanceError("INVALID_INPUT", "the dataset has no fragments to index");
  const sizes = ds.manifest.fragments.map((f) => ({ id: f.id, numRows: f.physicalRows - (f.deletionFile?.numDeletedRows ?? 0) }));
  const valueType = ds.schema.fields[index]!.type;
  // without a group size: a segment per thread of the executor, so that every thread has work
  const minGroups = options.minGroups ?? options.executor?.parallelism ?? 1;
  const groups = planFragmentGroups(sizes, options.fragmentGroupSize !== undefined ? { fragmentGroupSize: options.fragmentGroupSize } : { minGroups });
  const rowsOf = new Map(sizes.map((f) => [f.id, f.numRows]));
  const plannedRows = groups.map((ids) => ids.reduce((n, id) => n + rowsOf.get(id)!, 0));
  // a segment too large to build fails here, before any worker reads data
  groups.forEach((ids, g) => checkSegmentRows(indexType, valueType, plannedRows[g]!, ids.length));
  const uri = options.uri ?? ds.uri;
  const params = options.params ?? {};
  const job: IndexBuildJob = {
    uri,
    version: ds.version,
    column,
    indexType,
    name,
    replace: options.replace ?? false,
    tasks: groups.map((fragmentIds, groupIndex) => ({
      uri,
      version: ds.version,
      column,
      indexType,
      name,
      fragmentIds,
      params,
      groupIndex,
      plannedRows: plannedRows[groupIndex]!,
    })),
  };
  return job;
}

/** Builds and commits a scalar index, one segment per fragment group, on `options.executor` (default: in this process with `plugins`). */
export async function createScalarIndex(ds: Snapshot, column: string, indexTypeText: string, options: CreateScalarIndexOptions, plugins: readonly ScalarIndexPlugin[]): Promise<Snapshot> {
  const job = planIndexBuild(ds, column, indexTypeText, options);
  pluginFor(plugins, job.indexType);
  return (options.executor ?? new InProcessExecutor(plugins)).run(ds, job, options.onProgress);
}
