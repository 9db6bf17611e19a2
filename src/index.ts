// Public entry point of the lancets package.

export { LanceError, CorruptFileError, CommitConflictError, isLanceError } from "./core/errors.js";
export type { LanceErrorCode } from "./core/errors.js";
export type { ObjectStore, ObjectMeta } from "./io/object-store.js";
export { MemoryStore } from "./io/memory-store.js";
export { LocalFileStore } from "./node/fs-store.js";
export { openDataset, storeForUri, writeDataset } from "./node/open-dataset.js";
export type { StorageOpenOptions } from "./node/open-dataset.js";
export { openObjectStore } from "./node/object-store-uri.js";
export type { CleanupFile, CleanupKind, CleanupOptions, CleanupResult } from "./table/cleanup.js";
export type { WriteInput, WriteMode, WriteOptions, DataStorageVersion } from "./table/write.js";
export type { CountOptions, ScanOptions, Scanner } from "./table/scan.js";
export { Dataset } from "./table/dataset.js";
export type { DataFileInfo, FragmentInfo, IndexDescription, IndexSegmentInfo, OpenOptions, VersionInfo } from "./table/dataset.js";
export { LocalExecutor } from "./node/local-executor.js";
export type { LocalExecutorOptions } from "./node/local-executor.js";
export { BullMQExecutor, startWorker, checkRedis } from "./node/bullmq.js";
export type { BullMQExecutorOptions, WorkerOptions, RunningWorker } from "./node/bullmq.js";
export { InProcessExecutor, cleanupIndexFiles } from "./index/segments-api.js";
export type { IndexExecutor, IndexBuildJob, SegmentBuildTask, SegmentProgress, IndexParams, CreateScalarIndexOptions } from "./index/segments-api.js";
export type { IndexSegment } from "./index/segment.js";
export { planFragmentGroups } from "./index/plan.js";
