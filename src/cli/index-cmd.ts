// `lancets index create|list|drop`: scalar index segments from the command line.

import { availableParallelism } from "node:os";
import type { IndexExecutor } from "../distributed/jobs.js";
import { cleanupIndexFiles } from "../index/segments-api.js";
import { BullMQExecutor } from "../node/bullmq.js";
import { LocalExecutor } from "../node/local-executor.js";
import { openDataset } from "../node/open-dataset.js";
import { formatTable, toJson } from "./output.js";
import { buildProgress } from "./progress.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

export interface IndexCreateOptions {
  column: string;
  type: string;
  name?: string;
  groupSize?: number;
  replace?: boolean;
  rowsPerZone?: number;
  /** BTREE memory budget in bytes. */
  memory?: number;
  seeds?: boolean;
  workers?: number;
  redis?: string;
  prefix?: string;
  progress?: boolean;
  /** Seconds to wait for a distributed build before withdrawing it. */
  timeout?: number;
}

export async function runIndexCreate(uri: string, options: IndexCreateOptions & StorageCliOptions, print: (text: string) => void, status: (text: string) => void = print): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const started = Date.now();
  const workers = options.workers ?? availableParallelism();
  // Ctrl-C withdraws a distributed build, so no worker that connects later commits it
  const cancel = new AbortController();
  const onInterrupt = (): void => cancel.abort();
  if (options.redis) process.once("SIGINT", onInterrupt);
  const executor: IndexExecutor = options.redis
    ? new BullMQExecutor({
        redisUrl: options.redis,
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
        signal: cancel.signal,
        onStatus: status,
      })
    : new LocalExecutor({ maxConcurrency: workers });
  const progress = buildProgress(options.progress !== false, `${options.type.toUpperCase()} on ${options.column}`);
  let next;
  try {
    next = await ds.createScalarIndex(options.column, options.type, {
      ...(options.name ? { name: options.name } : {}),
      ...(options.groupSize ? { fragmentGroupSize: options.groupSize } : { minGroups: workers }),
      replace: options.replace ?? false,
      ...(options.rowsPerZone || options.seeds || options.memory
        ? { params: { ...(options.rowsPerZone ? { rowsPerZone: options.rowsPerZone } : {}), ...(options.seeds ? { useSeeds: true } : {}), ...(options.memory ? { memoryBytes: options.memory } : {}) } }
        : {}),
      uri,
      executor,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onInterrupt);
  }
  const name = options.name ?? `${options.column}_idx`;
  const index = next.describeIndices().find((i) => i.name === name)!;
  print(`created ${index.indexType} index "${name}" on ${options.column}: ${index.segments.length} segment${index.segments.length === 1 ? "" : "s"}, ${index.numIndexedRows} rows, version ${next.version} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export async function runIndexList(uri: string, options: { json?: boolean } & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const indices = ds.describeIndices();
  if (options.json) {
    print(toJson(indices));
    return;
  }
  if (indices.length === 0) {
    print("no indices");
    return;
  }
  print(
    formatTable(
      ["name", "type", "columns", "segments", "indexed rows", "unindexed rows"],
      indices.map((i) => [i.name, i.indexType, i.columns.join(","), String(i.segments.length), String(i.numIndexedRows), String(i.numUnindexedRows)]),
    ),
  );
}

export async function runIndexDrop(uri: string, options: { name: string } & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const next = await ds.dropIndex(options.name);
  print(`dropped index "${options.name}": version ${next.version}`);
}

export async function runIndexCleanup(uri: string, options: { olderThanSeconds?: number; olderThan?: number; dryRun?: boolean } & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const olderThanMs = options.olderThan ?? (options.olderThanSeconds ?? 3600) * 1000;
  const removed = await cleanupIndexFiles(ds, { olderThanMs, dryRun: options.dryRun ?? false });
  const verb = options.dryRun ? "would remove" : "removed";
  print(removed.length === 0 ? "nothing to remove" : `${verb} ${removed.length} uncommitted segment${removed.length === 1 ? "" : "s"}: ${removed.join(", ")}`);
}

export async function runIndexOptimize(uri: string, options: { name?: string } & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const { dataset, indices } = await ds.optimizeIndices(options.name ? { names: [options.name] } : {});
  if (indices.length === 0) {
    print("no indices");
    return;
  }
  print(
    formatTable(
      ["name", "type", "new fragments", "from seeds", "scanned"],
      indices.map((r) => [r.name, r.indexType, String(r.fragments.length), String(r.fragmentsFromSeeds), String(r.fragmentsScanned)]),
    ),
  );
  print(dataset.version === ds.version ? "every index was up to date" : `version ${dataset.version}`);
}
