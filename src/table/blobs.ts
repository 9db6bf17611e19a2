// Reading the bytes of blob columns (what Lance's take_blobs / read_blobs
// give): rows are taken as their descriptions (format/file/blob-descriptions.ts),
// then each value is read from where its description points: the row's data
// file (blob v1, and v2 kind 0), a packed or dedicated sidecar file beside it
// (v2 kinds 1 and 2), or an external object (v2 kind 3, read through the
// caller's `readExternal`, as the table layer opens no other stores).

import type { Data, Table } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { BLOB_KIND_DEDICATED, BLOB_KIND_EXTERNAL, BLOB_KIND_INLINE, BLOB_KIND_PACKED, blobSidecarPath, blobVersionOf, isNullDescription } from "../format/file/blob-descriptions.js";
import type { Snapshot } from "./snapshot.js";
import { takeRows } from "./take.js";

/** Reads the bytes of an external blob: `size` bytes at `position` of the object at `uri` (size undefined: all of it). */
export type ReadExternalBlob = (uri: string, position: number, size: number | undefined) => Promise<Uint8Array>;

export interface ReadBlobsOptions {
  readExternal?: ReadExternalBlob;
}

/** A blob value and the row address it was read from. */
export interface BlobValue {
  rowAddress: bigint;
  /** The bytes, or null for a null value. */
  bytes: Uint8Array | null;
}

/** The most bytes one blob may hold to be read into memory. */
const MAX_BLOB_BYTES = 2 ** 31 - 1;

function safeSize(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new LanceError("CORRUPT_FILE", `${what} of ${value} is out of range`);
  return Number(value);
}

/**
 * Bytes of the blob column `column` at the given row addresses, in the order
 * given; deleted rows are skipped, as in take.
 */
export async function readBlobs(ds: Snapshot, column: string, rowAddresses: ArrayLike<bigint | number>, options: ReadBlobsOptions = {}): Promise<BlobValue[]> {
  const field = ds.manifest.fields.find((f) => f.parentId === -1 && f.name === column);
  if (!field) throw new LanceError("INVALID_INPUT", `column "${column}" does not exist`);
  const version = blobVersionOf(field);
  if (version === undefined) throw new LanceError("INVALID_INPUT", `column "${column}" is not a blob column (its values are read by scan and take)`);
  const taken: Table = await takeRows(ds, rowAddresses, { columns: [column], withRowAddress: true });
  const descriptions = taken.getChild(column)!.data;
  const addresses = taken.getChild("_rowaddr")!.toArray() as BigUint64Array;
  const children = (name: string): Data[] => descriptions.map((d) => d.children[(d.type.children as { name: string }[]).findIndex((c) => c.name === name)]!);
  const column64 = (name: string): bigint[] => children(name).flatMap((d) => Array.from(d.values as BigUint64Array).slice(d.offset, d.offset + d.length));
  const positions = column64("position");
  const sizes = column64("size");
  const kinds = version === 2 ? children("kind").flatMap((d) => Array.from((d.values as Uint8Array).subarray(d.offset, d.offset + d.length))) : [];
  const blobIds = version === 2 ? children("blob_id").flatMap((d) => Array.from((d.values as Uint32Array).subarray(d.offset, d.offset + d.length))) : [];
  const uriColumn = taken.getChild(column)!;
  const valid = Array.from({ length: taken.numRows }, (_, i) => uriColumn.isValid(i));

  const dataFileOf = (rowAddress: bigint): string => {
    const fragmentId = Number(rowAddress >> 32n);
    const fragment = ds.manifest.fragments.find((f) => f.id === fragmentId)!;
    const file = fragment.files.findLast((f) => f.fields.includes(field.id));
    if (!file) throw new LanceError("CORRUPT_FILE", `fragment ${fragmentId} has no data file holding blob column "${column}"`);
    return `data/${file.path}`;
  };

  return Promise.all(
    Array.from({ length: taken.numRows }, async (_, i): Promise<BlobValue> => {
      const rowAddress = addresses[i]!;
      // a blob v1 null read from a 2.0 file is still its description
      if (!valid[i] || (version === 1 && isNullDescription(positions[i]!, sizes[i]!))) return { rowAddress, bytes: null };
      const position = safeSize(positions[i]!, "blob position");
      const size = safeSize(sizes[i]!, "blob size");
      if (size > MAX_BLOB_BYTES) throw new LanceError("NOT_SUPPORTED", `blob at row address ${rowAddress} holds ${size} bytes, more than lancets reads into memory at once (${MAX_BLOB_BYTES})`);
      const kind = version === 1 ? BLOB_KIND_INLINE : kinds[i]!;
      switch (kind) {
        case BLOB_KIND_INLINE:
          return { rowAddress, bytes: size === 0 ? new Uint8Array(0) : await ds.store.readRange(dataFileOf(rowAddress), position, size) };
        case BLOB_KIND_PACKED:
        case BLOB_KIND_DEDICATED: {
          const path = blobSidecarPath(dataFileOf(rowAddress), blobIds[i]!);
          return { rowAddress, bytes: size === 0 ? new Uint8Array(0) : await ds.store.readRange(path, kind === BLOB_KIND_PACKED ? position : 0, size) };
        }
        case BLOB_KIND_EXTERNAL: {
          const uri = uriColumn.get(i)!.blob_uri as string;
          if (!options.readExternal) throw new LanceError("NOT_SUPPORTED", `blob at row address ${rowAddress} is kept outside the dataset (${uri}); pass readExternal to read it`);
          return { rowAddress, bytes: await options.readExternal(uri, position, size === 0 && position === 0 ? undefined : size) };
        }
        default:
          throw new LanceError("NOT_SUPPORTED", `blob at row address ${rowAddress} has kind ${kind}, which lancets does not know`);
      }
    }),
  );
}
