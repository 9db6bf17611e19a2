// The segment-index API: build uncommitted segments over fragment groups,
// merge them, and commit many segments as one index in a single CreateIndex
// transaction (Lance's create_index_uncommitted / merge_existing_index_segments /
// commit_existing_index_segments).

import { DataType } from "apache-arrow";
import { CommitConflictError, LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import { checkSameRowIdentity, parseScalarIndexType, SYSTEM_INDEX_NAMES, TYPE_URLS, type ScalarIndexType } from "../format/index/index-type.js";
import type { IndexMetadata } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { commitTransaction, newTransactionUuid } from "../table/commit.js";
import { Snapshot } from "../table/snapshot.js";
import { checkSegmentRows } from "./segment-limits.js";
import { pluginFor, type IndexParams, type ScalarIndexPlugin } from "./plugins.js";
import { checkSegmentList, segmentFromBuilt, segmentToIndexMetadata, type BuiltSegmentFiles, type IndexSegment } from "./segment.js";
import { resolveColumn, trainingInput } from "./training.js";
import { checkStagedFiles, finalizeStagedSegment, isStagedSegment, removeStagedFiles } from "./inverted/staged.js";
import { indexableType } from "./value-order.js";
import { bloomFilterType } from "./bloomfilter/build.js";
import { ngramType } from "./ngram/build.js";
import { cleanupUnreferenced } from "../table/cleanup.js";

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
  if (!t) throw new LanceError("INVALID_INPUT", `unknown index type "${indexType}"; use BTREE, BITMAP, ZONEMAP, INVERTED (FTS), LABEL_LIST, BLOOMFILTER or NGRAM`);
  return t;
}

export function segmentDir(uuid: string): string {
  return `_indices/${uuid}`;
}

export async function removeSegmentFiles(store: ObjectStore, uuid: string): Promise<void> {
  for (const f of await store.list(`${segmentDir(uuid)}/`)) await store.delete(f.path).catch(() => undefined);
}

export function checkNameFree(ds: Snapshot, name: string, fieldId: number, indexType: ScalarIndexType): IndexMetadata[] {
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

function checkFragments(ds: Snapshot, fragmentIds: readonly number[]): void {
  const present = new Set(ds.manifest.fragments.map((f) => f.id));
  const missing = fragmentIds.filter((id) => !present.has(id));
  if (missing.length > 0) throw new LanceError("NOT_FOUND", `fragment${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist in version ${ds.version}`);
}

/** The column exists and has a type the index type accepts: checked from the schema alone. */
export function checkIndexable(ds: Snapshot, column: string, indexType: ScalarIndexType): ReturnType<typeof resolveColumn> {
  const found = resolveColumn(ds, column);
  const type = ds.schema.fields[found.index]!.type;
  if (indexType === "FTS" && found.lance.logicalType !== "string" && found.lance.logicalType !== "large_string") {
    throw new LanceError("INVALID_INPUT", `an INVERTED (FTS) index needs a string column; column "${column}" has type ${String(type)}`);
  }
  if (indexType === "LABEL_LIST") {
    if (!DataType.isList(type)) throw new LanceError("INVALID_INPUT", `a LABEL_LIST index needs a list column; column "${column}" has type ${String(type)}`);
    indexableType(type.children[0]!.type, `${column}.item`, indexType);
    return found;
  }
  if (indexType === "NGRAM") {
    if (!ngramType(type)) throw new LanceError("INVALID_INPUT", `an NGRAM index needs a string column; column "${column}" has type ${String(type)}`);
    return found;
  }
  if (indexType === "BLOOMFILTER" && !bloomFilterType(type)) throw new LanceError("INVALID_INPUT", `a BLOOMFILTER index cannot be built on column "${column}" of type ${String(type)}`);
  indexableType(type, column, indexType);
  return found;
}

/** Builds one index segment over `options.fragmentIds` with the plugin of its kind; writes its files, commits nothing. */
export async function createIndexUncommitted(
  ds: Snapshot,
  column: string,
  indexTypeText: string,
  options: CreateIndexUncommittedOptions,
  plugins: readonly ScalarIndexPlugin[],
): Promise<IndexSegment> {
  ds.checkWritable();
  const indexType = parseIndexType(indexTypeText);
  const plugin = pluginFor(plugins, indexType);
  const { lance, index } = checkIndexable(ds, column, indexType);
  const fragmentIds = [...new Set(options.fragmentIds ?? [])];
  if (fragmentIds.length === 0) throw new LanceError("INVALID_INPUT", "fragmentIds is empty: a segment must cover at least one fragment");
  checkFragments(ds, fragmentIds);
  const wanted = new Set(fragmentIds);
  let plannedRows = 0;
  for (const f of ds.manifest.fragments) if (wanted.has(f.id)) plannedRows += f.physicalRows - (f.deletionFile?.numDeletedRows ?? 0);
  checkSegmentRows(indexType, ds.schema.fields[index]!.type, plannedRows, fragmentIds.length);
  const name = options.name ?? `${column}_idx`;
  checkNameFree(ds, name, lance.id, indexType);
  const params = options.params ?? {};
  let rowsDone = 0;
  const training = trainingInput(ds, column, fragmentIds, (rows) => {
    rowsDone += rows;
    options.onProgress?.(rowsDone);
  });
  const uuid = randomUUID();
  const dir = segmentDir(uuid);
  let built: BuiltSegmentFiles;
  try {
    built = await plugin.build(ds.store, dir, training, params);
  } catch (err) {
    // best effort: the build's own failure is what the caller needs to see
    await removeSegmentFiles(ds.store, uuid).catch(() => undefined);
    throw err;
  }
  return segmentFromBuilt(built, { uuid, name, column, fieldId: lance.id, indexType, fragmentIds, datasetVersion: ds.version });
}

function validateSegments(ds: Snapshot, name: string, column: string, segments: readonly IndexSegment[]): { fieldId: number; indexType: ScalarIndexType } {
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
  // all at once: on an object store each is a round trip
  const checks = segments.flatMap((s) =>
    s.files.map(async (f) => {
      const path = `${segmentDir(s.uuid)}/${f.path}`;
      let size: number;
      try {
        size = await store.size(path);
      } catch (err) {
        if (err instanceof LanceError && err.code === "NOT_FOUND") throw new LanceError("NOT_FOUND", `segment ${s.uuid} file ${path} does not exist`);
        throw err;
      }
      if (size !== f.sizeBytes) throw new LanceError("INVALID_INPUT", `segment ${s.uuid} file ${path} has ${size} bytes, the segment says ${f.sizeBytes}`);
    }),
  );
  // every check settles before the first failure is reported, in the order of the files
  const results = await Promise.allSettled(checks);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

export interface CommitSegmentsOptions {
  /** Replace every existing segment of this index (default: only those covering the same fragments). */
  replace?: boolean;
}

export async function commitExistingIndexSegments(ds: Snapshot, name: string, column: string, input: readonly IndexSegment[], options: CommitSegmentsOptions = {}): Promise<Snapshot> {
  const given = checkSegmentList(input);
  for (const s of given) if (isStagedSegment(s)) checkStagedFiles(s);
  ds.checkWritable();
  const latestDs = await Snapshot.open(ds.store);
  validateSegments(latestDs, name, column, given);
  await checkFiles(ds.store, given);
  // Lance 14's uncommitted full-text segments are finalized as its own commit does
  const segments = await Promise.all(given.map((s) => (isStagedSegment(s) ? finalizeStagedSegment(ds.store, s) : s)));
  const committed = await commitSegments(ds, latestDs, name, segments, options);
  await Promise.all(given.filter(isStagedSegment).map((s) => removeStagedFiles(ds.store, s)));
  return committed;
}

async function commitSegments(ds: Snapshot, latestDs: Snapshot, name: string, segments: readonly IndexSegment[], options: CommitSegmentsOptions): Promise<Snapshot> {
  const newIndices = segments.map((s) => ({ ...segmentToIndexMetadata(s), name }));
  checkSameRowIdentity(name, segments[0]!.indexType, newIndices, newIndices);
  const incoming = new Set(segments.flatMap((s) => s.fragmentIds));
  const replaced = (indices: readonly IndexMetadata[]): IndexMetadata[] =>
    indices.filter((i) => i.name === name && (options.replace || (i.fragmentIds ?? []).some((f) => incoming.has(f)) || (i.fragmentIds ?? []).length === 0));
  const txn = {
    readVersion: latestDs.version,
    uuid: newTransactionUuid(),
    operation: { kind: "createIndex" as const, newIndices, removedIndices: replaced(latestDs.indices) },
  };
  return commitTransaction(
    (store, opts) => Snapshot.open(store, opts),
    ds.store,
    txn,
    (latest) => {
      const current = new Set(latest!.manifest.fragments.map((f) => f.id));
      const gone = [...incoming].filter((f) => !current.has(f));
      if (gone.length > 0) {
        throw new CommitConflictError(`fragments ${gone.join(", ")} were removed (e.g. by compaction) after the segments were built; rebuild the index`, true);
      }
      const removed = new Set(replaced(latest!.indices).map((i) => i.uuid));
      checkSameRowIdentity(name, segments[0]!.indexType, latest!.indices.filter((i) => i.name === name && !removed.has(i.uuid)), newIndices);
      return { manifest: latest!.manifest, indices: [...latest!.indices.filter((i) => !removed.has(i.uuid)), ...newIndices] };
    },
    // the version the segments were just checked against: the first attempt builds on it without opening it again
    { latest: latestDs },
  );
}

/** One uncommitted segment covering the union of `segments`, rebuilt from their fragments. */
export async function mergeExistingIndexSegments(ds: Snapshot, input: readonly IndexSegment[], params: IndexParams, plugins: readonly ScalarIndexPlugin[]): Promise<IndexSegment> {
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
  return createIndexUncommitted(ds, first.column, first.indexType, { name: first.name, fragmentIds: [...fragments].sort((a, b) => a - b), params }, plugins);
}

export async function dropIndex(ds: Snapshot, name: string): Promise<Snapshot> {
  const latestDs = await Snapshot.open(ds.store);
  const segments = latestDs.indices.filter((i) => i.name === name);
  if (segments.length === 0 || SYSTEM_INDEX_NAMES.has(name)) throw new LanceError("INDEX_NOT_FOUND", `index "${name}" does not exist in version ${latestDs.version}`);
  const txn = { readVersion: latestDs.version, uuid: newTransactionUuid(), operation: { kind: "createIndex" as const, newIndices: [], removedIndices: segments } };
  return commitTransaction(
    (store, opts) => Snapshot.open(store, opts),
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
export async function cleanupIndexFiles(ds: { store: ObjectStore }, options: { olderThanMs?: number; dryRun?: boolean } = {}): Promise<string[]> {
  return (await cleanupUnreferenced(ds.store, { ...options, kinds: ["index"] })).indexSegments;
}
