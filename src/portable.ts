// What every entry exports: the platform-neutral engine (errors, stores
// without Node, Dataset, Engine and index plugins, distributed jobs and the
// in-process executor). src/lancets.ts adds Node's pieces, src/browser.ts
// the functions that open datasets in a given store.

export { LanceError, CorruptFileError, CommitConflictError, isLanceError } from "./core/errors.js";
export type { LanceErrorCode } from "./core/errors.js";
export type { ObjectStore, ObjectMeta, ListOptions, ReadOptions } from "./io/object-store.js";
export { MemoryStore } from "./io/memory-store.js";
export { HttpStore } from "./io/http-store.js";
export type { HttpStoreOptions } from "./io/http-store.js";
export type { CleanupFile, CleanupKind, CleanupOptions, CleanupResult } from "./table/cleanup.js";
export type { WriteInput, WriteMode, WriteOptions, DataStorageVersion } from "./table/write.js";
export type { CountOptions, ScanOptions } from "./table/scan.js";
export type { Scanner } from "./query/scanner.js";
export { Dataset } from "./dataset/dataset.js";
export type { DatasetOpenOptions, OptimizeResult } from "./dataset/dataset.js";
export { createEngine } from "./dataset/engine.js";
export type { Engine, EngineOptions } from "./dataset/engine.js";
export { Snapshot } from "./table/snapshot.js";
export type { DataFileInfo, FragmentInfo, IndexDescription, IndexSegmentInfo, OpenOptions, VersionInfo } from "./table/snapshot.js";
export type { TakeOptions } from "./table/take.js";
export type { ReadBlobsOptions, ReadExternalBlob } from "./table/blobs.js";
export { scalarIndexPlugins, BTREE_PLUGIN, BITMAP_PLUGIN, ZONEMAP_PLUGIN, INVERTED_PLUGIN } from "./index/plugins.js";
export type { IndexParams, ScalarIndexPlugin } from "./index/plugins.js";
export type { SeedPlugin, SeedWriter } from "./table/seeds.js";
export type { OptimizeOptions, OptimizeReport } from "./index/optimize.js";
export type { CommitSegmentsOptions, CreateIndexUncommittedOptions } from "./index/segments-api.js";
export { cleanupIndexFiles } from "./index/segments-api.js";
export type { IndexSegment } from "./index/segment.js";
export { planFragmentGroups } from "./distributed/plan.js";
export { planIndexBuild } from "./distributed/build-index.js";
export type { CreateScalarIndexOptions } from "./distributed/build-index.js";
export { InProcessExecutor } from "./distributed/in-process-executor.js";
export type { IndexExecutor, IndexBuildJob, SegmentBuildTask, SegmentProgress } from "./distributed/jobs.js";
export { readDatasetOverview, readQueryPage, readSearchPage, jsonCell } from "./dataset/overview.js";
export type { DatasetOverview, FragmentOverview, IndexOverview, OverviewOptions, QueryPage, QueryPageOptions, SearchPage, SearchPageOptions, SegmentOverview } from "./dataset/overview.js";
export { readVersionHistory } from "./table/version-history.js";
export type { VersionHistoryEntry, VersionHistoryOptions } from "./table/version-history.js";
export { formatBytes } from "./core/format-bytes.js";
