// Entry point for browsers, web workers and other runtimes without Node's
// built-ins: the platform-neutral engine over any ObjectStore (MemoryStore
// here, or one of the caller's own). Nothing reachable from this file imports
// node:*, Buffer, process, BullMQ, ioredis or piscina; test/layers.test.ts and
// test/browser/browser.test.ts check that. Strings are validated as UTF-8 by
// the portable check in core/utf8.ts.

import "./index/dataset-methods.js";
import "./query/full-text.js";
import "./query/filtered-scan.js";
import type { ObjectStore } from "./io/object-store.js";
import { Dataset, type OpenOptions } from "./table/dataset.js";
import { writeDatasetTo, type WriteInput, type WriteOptions } from "./table/write.js";

export { LanceError, CorruptFileError, CommitConflictError, isLanceError } from "./core/errors.js";
export type { LanceErrorCode } from "./core/errors.js";
export type { ObjectStore, ObjectMeta } from "./io/object-store.js";
export { MemoryStore } from "./io/memory-store.js";
export type { CleanupFile, CleanupKind, CleanupOptions, CleanupResult } from "./table/cleanup.js";
export type { WriteInput, WriteMode, WriteOptions, DataStorageVersion } from "./table/write.js";
export type { CountOptions, ScanOptions, Scanner } from "./table/scan.js";
export { Dataset } from "./table/dataset.js";
export type { DataFileInfo, FragmentInfo, IndexDescription, IndexSegmentInfo, OpenOptions, VersionInfo } from "./table/dataset.js";
export { InProcessExecutor } from "./index/segments-api.js";
export type { IndexExecutor, IndexBuildJob, SegmentBuildTask, SegmentProgress, IndexParams, CreateScalarIndexOptions } from "./index/segments-api.js";
export type { IndexSegment } from "./index/segment.js";
export { planFragmentGroups } from "./index/plan.js";

/** Opens the dataset stored in `store`. */
export async function openDataset(store: ObjectStore, options: OpenOptions = {}): Promise<Dataset> {
  return Dataset.open(store, options);
}

/** Creates, appends to or overwrites the dataset in `store`. */
export async function writeDataset(store: ObjectStore, data: WriteInput, options: WriteOptions = {}): Promise<Dataset> {
  return writeDatasetTo((s, o) => Dataset.open(s, o), store, data, options);
}
