// The segment-index API: build uncommitted segments over fragment groups,
// merge them, and commit many segments as one index in a single CreateIndex
// transaction (Lance's create_index_uncommitted / merge_existing_index_segments /
// commit_existing_index_segments).

import { CommitConflictError, LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import { parseScalarIndexType, SYSTEM_INDEX_NAMES, TYPE_URLS, type ScalarIndexType } from "../format/index/index-type.js";
import type { IndexMetadata } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { commitTransaction, newTransactionUuid } from "../table/commit.js";
import { Dataset } from "../table/dataset.js";
import { buildBitmap } from "./bitmap/build.js";
import { BTREE_BATCH_SIZE, buildBTree } from "./btree/build.js";
import { checkSegmentList, segmentFromBuilt, segmentToIndexMetadata, type BuiltSegmentFiles, type IndexSegment } from "./segment.js";
import { loadTrainingData, resolveColumn } from "./training.js";
import { indexableType } from "./value-order.js";
import { buildZoneMap } from "./zonemap/build.js";
import { planFragmentGroups } from "./plan.js";
import { buildInverted } from "./inverted/build.js";
import type { TokenizerParams } from "./inverted/tokenizer.js";

export interface IndexParams {
  /** ZONEMAP: live rows per zone (default 8192). */
  rowsPerZone?: number;
  /** ZONEMAP: plant and harvest seeds (default: Lance's rule for the column type). */
  useSeeds?: boolean;
  /** BTREE: rows per page (default 4096). */
  batchSize?: number;
  /** INVERTED / FTS tokenizer options (defaults are Lance's). */
  baseTokenizer?: "simple" | "whitespace" | "raw";
  language?: string;
  maxTokenLength?: number | null;
  lowerCase?: boolean;
  stem?: boolean;
  removeStopWords?: boolean;
  asciiFolding?: boolean;
}

function tokenizerParams(params: IndexParams): Partial<TokenizerParams> {
  const out: Partial<TokenizerParams> = {};
  if (params.baseTokenizer !== undefined) out.baseTokenizer = params.baseTokenizer;
  if (params.language !== undefined) out.language = params.language;
  if (params.maxTokenLength !== undefined) out.maxTokenLength = params.maxTokenLength;
  if (params.lowerCase !== undefined) out.lowerCase = params.lowerCase;
  if (params.stem !== undefined) out.stem = params.stem;
  if (params.removeStopWords !== undefined) out.removeStopWords = params.removeStopWords;
  if (params.asciiFolding !== undefined) out.asciiFolding = params.asciiFolding;
  return out;
}

export interface CreateIndexUncommittedOptions {
  name?: string;
  fragmentIds: number[];
  /** Accepted for API parity with Lance; segments are told apart by uuid. */
  shardId?: number;
  params?: IndexParams;
  /** Called with the number of rows read so far. */
  onProgress?: (rowsDone: number) => void;
}

export function parseIndexType(indexType: string): ScalarIndexType {
  const t = parseScalarIndexType(indexType);
  if (!t) throw new LanceError("INVALID_INPUT", `unknown index type "${indexType}"; use BTREE, BITMAP, ZONEMAP or INVERTED (FTS)`);
  return t;
}

export function segmentDir(uuid: string): string {
  return `_indices/${uuid}`;
}

export async function removeSegmentFiles(store: ObjectStore, uuid: string): Promise<void> {
  for (const f of await store.list(`${segmentDir(uuid)}/`)) await store.delete(f.path).catch(() => undefined);
}

function checkNameFree(ds: Dataset, name: string, fieldId: number, indexType: ScalarIndexType): IndexMetadata[] {
  if (SYSTEM_INDEX_NAMES.has(name)) throw new LanceError("INVALID_INPUT", `index name "${name}" is reserved`);
  const same = ds.indices.filter((i) => i.name === name);
  for (const existing of same) {
    if (existing.fields[0] !== fieldId) {
      throw new LanceError("INVALID_INPUT", `index "${name}" already exists on column "${ds.fieldPath(existing.fields[0]!)}"; choose another name`);
    }
    if (ds.indexType(existing) !== indexType) {
      throw new LanceError("INVALID_INPUT", `index "${name}" already exists as a ${ds.indexType(existing)} index, not ${indexType}`);
    }
  }
  return same;
}

function checkFragments(ds: Dataset, fragmentIds: readonly number[]): void {
  const present = new Set(ds.manifest.fragments.map((f) => f.id));
  const missing = fragmentIds.filter((id) => !present.has(id));
  if (missing.length > 0) throw new LanceError("NOT_FOUND", `fragment${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist in version ${ds.version}`);
}

/** The column exists and has a type the index type accepts: checked from the schema alone. */
function checkIndexable(ds: Dataset, column: string, indexType: ScalarIndexType): ReturnType<typeof resolveColumn> {
  const found = resolveColumn(ds, column);
  const type = ds.schema.fields[found.index]!.type;
  if (indexType === "FTS" && found.lance.logicalType !== "string" && found.lance.logicalType !== "large_string") {
    throw new LanceError("INVALID_INPUT", `an INVERTED (FTS) index needs a string column; column "${column}" has type ${String(type)}`);
  }
  indexableType(type, column, indexType);
  return found;
}

export async function createIndexUncommitted(ds: Dataset, column: string, indexTypeText: string, options: CreateIndexUncommittedOptions): Promise<IndexSegment> {
  ds.checkWritable();
  const indexType = parseIndexType(indexTypeText);
  const { lance } = checkIndexable(ds, column, indexType);
  const fragmentIds = [...new Set(options.fragmentIds ?? [])];
  if (fragmentIds.length === 0) throw new LanceError("INVALID_INPUT", "fragmentIds is empty: a segment must cover at least one fragment");
  checkFragments(ds, fragmentIds);
  const name = options.name ?? `${column}_idx`;
  checkNameFree(ds, name, lance.id, indexType);
  const params = options.params ?? {};
  let rowsDone = 0;
  const training = await loadTrainingData(ds, column, fragmentIds, (rows) => {
    rowsDone += rows;
    options.onProgress?.(rowsDone);
  });
  const uuid = randomUUID();
  const dir = segmentDir(uuid);
  let built: BuiltSegmentFiles;
  try {
    if (indexType === "BTREE") built = await buildBTree(ds.store, dir, training, params.batchSize ?? BTREE_BATCH_SIZE);
    else if (indexType === "BITMAP") built = await buildBitmap(ds.store, dir, training);
    else if (indexType === "FTS") built = await buildInverted(ds.store, dir, training, tokenizerParams(params));
    else built = await buildZoneMap(ds.store, dir, training, params);
  } catch (err) {
    await removeSegmentFiles(ds.store, uuid);
    throw err;
  }
  return segmentFromBuilt(built, { uuid, name, column, fieldId: lance.id, indexType, fragmentIds, datasetVersion: ds.version });
}

function validateSegments(ds: Dataset, name: string, column: string, segments: readonly IndexSegment[]): { fieldId: number; indexType: ScalarIndexType } {
  if (segments.length === 0) throw new LanceError("INVALID_INPUT", "no segments to commit");
  const { lance } = resolveColumn(ds, column);
  const indexType = segments[0]!.indexType;
  const uuids = new Set<string>();
  const covered = new Map<number, string>();
  for (const s of segments) {
    if (s.column !== column || s.fieldId !== lance.id) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} indexes column "${s.column}", not "${column}"`);
    if (s.indexType !== indexType) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} is a ${s.indexType} segment; the others are ${indexType}`);
    if (s.indexDetails.typeUrl !== TYPE_URLS[indexType]) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} has details ${s.indexDetails.typeUrl}, expected ${TYPE_URLS[indexType]}`);
    if (uuids.has(s.uuid)) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} is listed twice`);
    uuids.add(s.uuid);
    if (s.fragmentIds.length === 0) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} covers no fragments`);
    for (const f of s.fragmentIds) {
      const other = covered.get(f);
      if (other) throw new LanceError("INVALID_INPUT", `segments ${other} and ${s.uuid} both cover fragment ${f}; segment fragment sets must be disjoint`);
      covered.set(f, s.uuid);
    }
    if (s.datasetVersion > ds.version) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} was built from version ${s.datasetVersion}, newer than ${ds.version}`);
    if (ds.indices.some((i) => i.uuid === s.uuid)) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} is already committed`);
  }
  checkFragments(ds, [...covered.keys()]);
  checkNameFree(ds, name, lance.id, indexType);
  return { fieldId: lance.id, indexType };
}

async function checkFiles(store: ObjectStore, segments: readonly IndexSegment[]): Promise<void> {
  for (const s of segments) {
    for (const f of s.files) {
      const path = `${segmentDir(s.uuid)}/${f.path}`;
      let size: number;
      try {
        size = await store.size(path);
      } catch (err) {
        if (err instanceof LanceError && err.code === "NOT_FOUND") throw new LanceError("NOT_FOUND", `segment ${s.uuid} file ${path} does not exist`);
        throw err;
      }
      if (size !== f.sizeBytes) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} file ${path} has ${size} bytes, the segment says ${f.sizeBytes}`);
    }
  }
}

export interface CommitSegmentsOptions {
  /** Replace every existing segment of this index (default: only those covering the same fragments). */
  replace?: boolean;
}

export async function commitExistingIndexSegments(ds: Dataset, name: string, column: string, input: readonly IndexSegment[], options: CommitSegmentsOptions = {}): Promise<Dataset> {
  const segments = checkSegmentList(input);
  ds.checkWritable();
  const latestDs = await Dataset.open(ds.store);
  validateSegments(latestDs, name, column, segments);
  await checkFiles(ds.store, segments);
  const newIndices = segments.map((s) => ({ ...segmentToIndexMetadata(s), name }));
  const incoming = new Set(segments.flatMap((s) => s.fragmentIds));
  const replaced = (indices: readonly IndexMetadata[]): IndexMetadata[] =>
    indices.filter((i) => i.name === name && (options.replace || (i.fragmentIds ?? []).some((f) => incoming.has(f)) || (i.fragmentIds ?? []).length === 0));
  const txn = {
    readVersion: latestDs.version,
    uuid: newTransactionUuid(),
    operation: { kind: "createIndex" as const, newIndices, removedIndices: replaced(latestDs.indices) },
  };
  return commitTransaction(
    (store, opts) => Dataset.open(store, opts),
    ds.store,
    txn,
    (latest) => {
      const current = new Set(latest!.manifest.fragments.map((f) => f.id));
      const gone = [...incoming].filter((f) => !current.has(f));
      if (gone.length > 0) {
        throw new CommitConflictError(`fragments ${gone.join(", ")} were removed (e.g. by compaction) after the segments were built; rebuild the index`, true);
      }
      const removed = new Set(replaced(latest!.indices).map((i) => i.uuid));
      return { manifest: latest!.manifest, indices: [...latest!.indices.filter((i) => !removed.has(i.uuid)), ...newIndices] };
    },
  );
}

/** One uncommitted segment covering the union of `segments`, rebuilt from their fragments. */
export async function mergeExistingIndexSegments(ds: Dataset, input: readonly IndexSegment[], params: IndexParams = {}): Promise<IndexSegment> {
  const segments = checkSegmentList(input);
  if (segments.length === 0) throw new LanceError("INVALID_INPUT", "no segments to merge");
  const first = segments[0]!;
  const fragments = new Set<number>();
  for (const s of segments) {
    if (s.column !== first.column || s.indexType !== first.indexType || s.name !== first.name) {
      throw new LanceError("INVALID_INPUT", `segment ${s.uuid} (${s.indexType} "${s.name}" on "${s.column}") cannot be merged with ${first.uuid} (${first.indexType} "${first.name}" on "${first.column}")`);
    }
    for (const f of s.fragmentIds) {
      if (fragments.has(f)) throw new LanceError("INVALID_INPUT", `segments to merge both cover fragment ${f}`);
      fragments.add(f);
    }
  }
  return createIndexUncommitted(ds, first.column, first.indexType, { name: first.name, fragmentIds: [...fragments].sort((a, b) => a - b), params });
}

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

/** Runs index build jobs: builds every segment, then commits them. */
export interface IndexExecutor {
  run(ds: Dataset, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Dataset>;
}

/** Builds one planned segment from the job's dataset version. */
export async function runSegmentTask(ds: Dataset, task: SegmentBuildTask, onRows?: (rowsDone: number) => void): Promise<IndexSegment> {
  const at = ds.version === task.version ? ds : await ds.checkout(task.version);
  return createIndexUncommitted(at, task.column, task.indexType, {
    name: task.name,
    fragmentIds: task.fragmentIds,
    params: task.params,
    ...(onRows ? { onProgress: onRows } : {}),
  });
}

/**
 * Commits a job's segments; running it again after a success is harmless
 * (segments already in the index are not committed twice).
 */
export async function commitJob(ds: Dataset, job: Pick<IndexBuildJob, "name" | "column" | "replace">, input: readonly IndexSegment[]): Promise<Dataset> {
  const segments = checkSegmentList(input);
  const latest = await Dataset.open(ds.store);
  const committed = new Set(latest.indices.map((i) => i.uuid));
  if (segments.length > 0 && segments.every((s) => committed.has(s.uuid))) return latest;
  return commitExistingIndexSegments(latest, job.name, job.column, segments, { replace: job.replace });
}

/** Builds the segments one after another in this process. */
export class InProcessExecutor implements IndexExecutor {
  async run(ds: Dataset, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Dataset> {
    const segments: IndexSegment[] = [];
    try {
      for (const task of job.tasks) {
        segments.push(
          await runSegmentTask(ds, task, (rowsDone) => onProgress?.({ groupIndex: task.groupIndex, rowsDone, rowsPlanned: task.plannedRows, done: false })),
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

export interface CreateScalarIndexOptions {
  name?: string;
  replace?: boolean;
  params?: IndexParams;
  /** Fragments per segment (default: one group per worker, or all fragments in one segment in process). */
  fragmentGroupSize?: number;
  /** Where segments are built (default: in this process). */
  executor?: IndexExecutor;
  /** Groups to plan when no group size is given (e.g. the number of workers). */
  minGroups?: number;
  onProgress?: (p: SegmentProgress) => void;
  /** The dataset location as workers see it (default: the store's own location). */
  uri?: string;
}

export async function createScalarIndex(ds: Dataset, column: string, indexTypeText: string, options: CreateScalarIndexOptions = {}): Promise<Dataset> {
  ds.checkWritable();
  const indexType = parseIndexType(indexTypeText);
  const name = options.name ?? `${column}_idx`;
  // everything that needs no data is checked before any worker starts
  const { lance } = checkIndexable(ds, column, indexType);
  const existing = checkNameFree(ds, name, lance.id, indexType);
  if (existing.length > 0 && !options.replace) throw new LanceError("INVALID_INPUT", `index "${name}" already exists; pass replace: true to rebuild it`);
  if (ds.manifest.fragments.length === 0) throw new LanceError("INVALID_INPUT", "the dataset has no fragments to index");
  const sizes = ds.manifest.fragments.map((f) => ({ id: f.id, numRows: f.physicalRows - (f.deletionFile?.numDeletedRows ?? 0) }));
  const groups = planFragmentGroups(sizes, {
    ...(options.fragmentGroupSize !== undefined ? { fragmentGroupSize: options.fragmentGroupSize } : {}),
    minGroups: options.minGroups ?? 1,
  });
  const rowsOf = new Map(sizes.map((f) => [f.id, f.numRows]));
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
      plannedRows: fragmentIds.reduce((n, id) => n + rowsOf.get(id)!, 0),
    })),
  };
  return (options.executor ?? new InProcessExecutor()).run(ds, job, options.onProgress);
}

export async function dropIndex(ds: Dataset, name: string): Promise<Dataset> {
  const latestDs = await Dataset.open(ds.store);
  const segments = latestDs.indices.filter((i) => i.name === name);
  if (segments.length === 0 || SYSTEM_INDEX_NAMES.has(name)) throw new LanceError("INDEX_NOT_FOUND", `index "${name}" does not exist in version ${latestDs.version}`);
  const txn = { readVersion: latestDs.version, uuid: newTransactionUuid(), operation: { kind: "createIndex" as const, newIndices: [], removedIndices: segments } };
  return commitTransaction(
    (store, opts) => Dataset.open(store, opts),
    ds.store,
    txn,
    (latest) => ({ manifest: latest!.manifest, indices: latest!.indices.filter((i) => i.name !== name) }),
  );
}

/**
 * Removes index segment directories that no version of the dataset references
 * (left by failed or abandoned builds) and whose newest file is older than
 * `olderThanMs` (default one hour). Committed segments, of any version, are
 * never touched. Returns the removed segment uuids.
 */
export async function cleanupIndexFiles(ds: Dataset, options: { olderThanMs?: number; dryRun?: boolean } = {}): Promise<string[]> {
  return (await ds.cleanup({ ...options, kinds: ["index"] })).indexSegments;
}
