// Opening datasets by URI. Local paths and file:// URIs map to the local
// filesystem store; any other scheme is refused until a store exists for it.

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LanceError } from "../core/errors.js";
import type { ObjectStore } from "../io/object-store.js";
import { Dataset, type DatasetOpenOptions } from "../dataset/dataset.js";
import type { Engine } from "../dataset/engine.js";
import type { WriteInput, WriteOptions } from "../table/write.js";
import { LocalFileStore } from "./fs-store.js";

/** Resolves a dataset URI to an ObjectStore rooted at the dataset directory. */
export function storeForUri(uri: string): ObjectStore {
  if (typeof uri !== "string" || uri.length === 0) {
    throw new LanceError("INVALID_INPUT", "a dataset URI must be a non-empty string");
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (scheme === undefined) return new LocalFileStore(resolve(uri));
  if (scheme.toLowerCase() === "file") {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `cannot parse file URI ${uri}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new LocalFileStore(resolve(path));
  }
  throw new LanceError("NOT_SUPPORTED", `URI scheme "${scheme}://" is not supported yet (${uri}); use a local path or file://`);
}

/** Opens a dataset at a local path, a file:// URI, or in a given ObjectStore. */
export async function openDataset(uri: string | ObjectStore, options: DatasetOpenOptions = {}): Promise<Dataset> {
  const store = typeof uri === "string" ? storeForUri(uri) : uri;
  return Dataset.open(store, options);
}

/** Creates, appends to or overwrites the dataset at `uri` (a local path, file:// URI or ObjectStore). */
export async function writeDataset(uri: string | ObjectStore, data: WriteInput, options: WriteOptions & { engine?: Engine } = {}): Promise<Dataset> {
  const store = typeof uri === "string" ? storeForUri(uri) : uri;
  const { engine, ...write } = options;
  return Dataset.write(store, data, write, engine);
}
