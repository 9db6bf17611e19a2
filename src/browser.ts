// The package entry for browsers, web workers and other runtimes without
// Node's built-ins: the portable engine over any ObjectStore (MemoryStore, or
// one of the caller's own). Nothing reachable from this file imports node:*,
// Buffer, process, BullMQ, ioredis or piscina; test/layers.test.ts and
// test/browser/browser.test.ts check that.

import type { ObjectStore } from "./io/object-store.js";
import { Dataset, type DatasetOpenOptions } from "./dataset/dataset.js";
import type { Engine } from "./dataset/engine.js";
import type { WriteInput, WriteOptions } from "./table/write.js";

export * from "./portable.js";

/** Opens the dataset stored in `store`. */
export async function openDataset(store: ObjectStore, options: DatasetOpenOptions = {}): Promise<Dataset> {
  return Dataset.open(store, options);
}

/** Creates, appends to or overwrites the dataset in `store`. */
export async function writeDataset(store: ObjectStore, data: WriteInput, options: WriteOptions & { engine?: Engine } = {}): Promise<Dataset> {
  const { engine, ...write } = options;
  return Dataset.write(store, data, write, engine);
}
