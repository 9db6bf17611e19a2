// The package entry for Node: the portable engine plus local files, dataset
// URIs, worker threads and BullMQ (piscina, BullMQ and ioredis load only when
// a build uses them).

export * from "./portable.js";
export { LocalFileStore } from "./node/fs-store.js";
export { openDataset, storeForUri, writeDataset } from "./node/open-dataset.js";
export type { StorageOpenOptions } from "./node/open-dataset.js";
export { openObjectStore } from "./node/object-store-uri.js";
export { memoryStores, MemoryStoreRegistry } from "./node/memory-stores.js";
export { LocalExecutor } from "./node/local-executor.js";
export type { LocalExecutorOptions } from "./node/local-executor.js";
export { WorkerPool, sharedWorkerPool, closeSharedWorkerPool } from "./node/worker-pool.js";
export type { WorkerPoolOptions, WorkerPoolStats } from "./node/worker-pool.js";
export { summarizeBuildTrace, formatBuildTrace } from "./node/build-trace.js";
export type { BuildTrace, BuildTraceSummary, SegmentTrace, SegmentWorkTrace } from "./node/build-trace.js";
export { BullMQExecutor, startWorker, checkRedis } from "./node/bullmq.js";
export type { BullMQExecutorOptions, WorkerOptions, RunningWorker } from "./node/bullmq.js";
