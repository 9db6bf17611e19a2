// Files lancets reads whole (manifests, the version hint, transactions,
// deletion files) are checked against the largest size their format allows
// before anything is allocated: a damaged or hostile file of gigabytes is
// CORRUPT_FILE, not an allocation of its size (or a process abort on reads
// beyond 2 GiB).

import { CorruptFileError } from "../core/errors.js";
import type { ObjectStore } from "../io/object-store.js";

/** A manifest describes millions of fragments in far less. */
export const MAX_MANIFEST_BYTES = 1024 ** 3;
/** The hint is a small JSON object. */
export const MAX_VERSION_HINT_BYTES = 1024 ** 2;
export const MAX_TRANSACTION_BYTES = 1024 ** 3;

/**
 * A deletion file lists at most every row of its fragment: 4 bytes a row as
 * an Arrow int32 array, less as a roaring bitmap, plus headers.
 */
export function maxDeletionFileBytes(physicalRows: number): number {
  return Math.min(2 ** 31 - 1, 65_536 + 8 * Math.max(0, physicalRows));
}

/** Reads `path` whole when its size (`knownSize`, or asked from the store) is at most `maxBytes`. */
export async function readWhole(store: ObjectStore, path: string, maxBytes: number, what: string, knownSize?: number): Promise<Uint8Array> {
  const size = knownSize ?? (await store.size(path));
  if (size > maxBytes) {
    throw new CorruptFileError(`${store.uri}/${path}`, undefined, `${what} of ${size} bytes is larger than any valid one (at most ${maxBytes}); not read`);
  }
  return store.read(path);
}
