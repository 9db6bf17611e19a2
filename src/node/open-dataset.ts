// Opening datasets by URI. Local paths and file:// URIs map to the local
// filesystem store; s3://, az://, abfs[s]://, gs://, http(s):// and memory://
// to the object stores of object-store-uri.ts; any other scheme is refused.

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LanceError } from "../core/errors.js";
import type { ObjectStore } from "../io/object-store.js";
import { Dataset, type DatasetOpenOptions } from "../dataset/dataset.js";
import type { Engine } from "../dataset/engine.js";
import type { WriteInput, WriteOptions } from "../table/write.js";
import { LocalFileStore } from "./fs-store.js";
import { openObjectStore } from "./object-store-uri.js";

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
  throw new LanceError("NOT_SUPPORTED", `URI scheme "${scheme}://" is not supported (${uri}); use a local path, file://, s3://, az://, abfs[s]://, gs://, http(s):// or memory:// (all but the first two through openDataset or openObjectStore)`);
}

/** Lance's storage options (aws_region, azure_storage_account_name, google_service_account, ...) for s3://, az://, gs:// and http(s):// URIs. */
export interface StorageOpenOptions {
  storageOptions?: Record<string, string>;
}

async function storeOf(uri: string | ObjectStore, storageOptions: Record<string, string> | undefined): Promise<ObjectStore> {
  if (typeof uri !== "string") return uri;
  return (await openObjectStore(uri, storageOptions)) ?? storeForUri(uri);
}

/** Opens a dataset at a local path, a file://, s3://, az://, abfs[s]://, gs://, http(s):// (read-only) or memory:// URI, or in a given ObjectStore. */
export async function openDataset(uri: string | ObjectStore, options: DatasetOpenOptions & StorageOpenOptions = {}): Promise<Dataset> {
  const { storageOptions, ...open } = options;
  return Dataset.open(await storeOf(uri, storageOptions), open);
}

/** Creates, appends to or overwrites the dataset at `uri` (a local path, a file://, s3://, az://, abfs[s]://, gs:// or memory:// URI, or an ObjectStore). */
export async function writeDataset(uri: string | ObjectStore, data: WriteInput, options: WriteOptions & StorageOpenOptions & { engine?: Engine } = {}): Promise<Dataset> {
  const { storageOptions, engine, ...write } = options;
  return Dataset.write(await storeOf(uri, storageOptions), data, write, engine);
}
