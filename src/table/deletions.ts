// Loading a fragment's deletion file into the sorted list of deleted offsets.

import { LanceError } from "../core/errors.js";
import { decodeArrowDeletionFile, decodeBitmapDeletionFile } from "../format/table/deletion-file.js";
import type { Fragment } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { maxDeletionFileBytes, readWhole } from "./whole-reads.js";

export function deletionFilePathOf(fragment: Fragment): string | undefined {
  const d = fragment.deletionFile;
  if (!d) return undefined;
  return `_deletions/${fragment.id}-${d.readVersion}-${d.id}.${d.fileType === "bitmap" ? "bin" : "arrow"}`;
}

/** The offsets a fragment's deletion file holds, sorted, unchecked against the manifest; empty without one. */
export async function readDeletionFile(store: ObjectStore, fragment: Fragment): Promise<Uint32Array> {
  const path = deletionFilePathOf(fragment);
  if (!path) return new Uint32Array(0);
  const bytes = await readWhole(store, path, maxDeletionFileBytes(fragment.physicalRows), "deletion file");
  return fragment.deletionFile!.fileType === "bitmap" ? decodeBitmapDeletionFile(bytes, path) : decodeArrowDeletionFile(bytes, path);
}

/** Deleted physical row offsets of a fragment, sorted; empty when it has no deletion file. */
export async function readDeletedOffsets(store: ObjectStore, fragment: Fragment): Promise<Uint32Array> {
  const path = deletionFilePathOf(fragment);
  if (!path) return new Uint32Array(0);
  const offsets = await readDeletionFile(store, fragment);
  if (offsets.length !== fragment.deletionFile!.numDeletedRows) {
    throw new LanceError("CORRUPT_FILE", `corrupt file ${path}: holds ${offsets.length} deleted rows, the manifest says ${fragment.deletionFile!.numDeletedRows}`);
  }
  const last = offsets[offsets.length - 1];
  if (last !== undefined && last >= fragment.physicalRows) {
    throw new LanceError("CORRUPT_FILE", `corrupt file ${path}: deletes row ${last} of a fragment with ${fragment.physicalRows} rows`);
  }
  return offsets;
}

/** Offsets 0..physicalRows-1 that are not deleted. */
export function liveOffsets(physicalRows: number, deleted: Uint32Array): Int32Array {
  const out = new Int32Array(physicalRows - deleted.length);
  let d = 0;
  let k = 0;
  for (let i = 0; i < physicalRows; i++) {
    if (d < deleted.length && deleted[d] === i) {
      d++;
      continue;
    }
    out[k++] = i;
  }
  return out;
}
