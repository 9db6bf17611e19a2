// Blob columns: the descriptions Lance keeps in the column in place of the
// bytes, decoded to the Arrow structs Lance's scans return by default.
//
// Blob v1 (a large_binary field with `lance-encoding:blob`, file format 2.1):
// a blob page wraps a mini-block page of packed (position u64, size u64)
// pairs, 16 bytes a row. `position` is the byte offset of the value in the
// data file. A null row has size 0 and its definition (and repetition) level
// smuggled into position (def << 16 | rep, never 0); an empty value is (0, 0).
// File format 2.0 stores the same pairs as a packed struct page; Lance's scans
// of such files return a null's pair as it is, so the nulls stay pairs there.
//
// Blob v2 (extension `lance.blob.v2`, file format 2.2 and later): the data
// file holds one packed struct column of descriptors, each row
//   kind u8 | position u64 | size u64 | blob_id u32 | uri length u32 | uri bytes
// (a full-zip item, nulls by definition level). kind 0: the bytes are inside
// the data file at position; 1: in the packed sidecar file blob_id, at
// position; 2: the whole dedicated sidecar file blob_id; 3: at position of
// the external object blob_uri (size 0 with position 0: the whole object).

import { Field, makeData, Struct, Uint32, Uint64, Uint8, Utf8, type Data, type DataType } from "apache-arrow";
import { LanceError } from "../../core/errors.js";
import { corrupt, type DecodeContext } from "../encoding/data-block.js";
import type { LanceField } from "../table/types.js";

export const BLOB_META_KEY = "lance-encoding:blob";
export const BLOB_V2_EXTENSION = "lance.blob.v2";

export type BlobVersion = 1 | 2;

export const BLOB_KIND_INLINE = 0;
export const BLOB_KIND_PACKED = 1;
export const BLOB_KIND_DEDICATED = 2;
export const BLOB_KIND_EXTERNAL = 3;

function metadataText(field: LanceField, key: string): string | undefined {
  const v = field.metadata[key];
  return v === undefined ? undefined : new TextDecoder().decode(v);
}

/** The blob version of a top-level field of a manifest or a data file, or undefined for other fields. */
export function blobVersionOf(field: LanceField): BlobVersion | undefined {
  const extension = field.extensionName || metadataText(field, "ARROW:extension:name");
  if (extension === BLOB_V2_EXTENSION) return 2;
  if (metadataText(field, BLOB_META_KEY) !== "true") return undefined;
  // a data file names the v2 descriptor column by its packed struct type, the manifest by the extension
  return field.logicalType === "struct" ? 2 : 1;
}

/** The Arrow field a scan of a blob column returns: its descriptions. */
export function blobDescriptionField(name: string, nullable: boolean, version: BlobVersion): Field {
  const blob = new Map([[BLOB_META_KEY, "true"]]);
  if (version === 1) {
    return new Field(name, new Struct([new Field("position", new Uint64(), true), new Field("size", new Uint64(), true)]), nullable, blob);
  }
  const children = [
    new Field("kind", new Uint8(), false),
    new Field("position", new Uint64(), false),
    new Field("size", new Uint64(), false),
    new Field("blob_id", new Uint32(), false),
    new Field("blob_uri", new Utf8(), false),
  ];
  return new Field(name, new Struct(children), nullable, new Map([["lance-encoding:packed", "true"], ...blob]));
}

function bitmapBytes(n: number): Uint8Array {
  return new Uint8Array((n + 7) >> 3);
}

function isValid(data: Data, i: number): boolean {
  if (!data.nullBitmap || data.nullCount === 0) return true;
  const bit = data.offset + i;
  return (data.nullBitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/**
 * Blob v1 descriptions from the column's 16-byte rows (as fixed-size
 * binary), the smuggled levels turned back into nulls.
 */
export function decodeBlobV1Descriptions(field: Field, rows: Data, ctx: DecodeContext, nullsFromLevels = true): Data {
  const n = rows.length;
  const bytes = rows.values as Uint8Array;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < (rows.offset + n) * 16) corrupt(ctx, `blob descriptions of ${n} rows need ${n * 16} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + rows.offset * 16, n * 16);
  const position = new BigUint64Array(n);
  const size = new BigUint64Array(n);
  const validity = bitmapBytes(n);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const p = view.getBigUint64(i * 16, true);
    const s = view.getBigUint64(i * 16 + 8, true);
    if ((nullsFromLevels && isNullDescription(p, s)) || !isValid(rows, i)) {
      nullCount++;
      continue;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    position[i] = p;
    size[i] = s;
  }
  const type = field.type as Struct;
  const children = [makeData({ type: new Uint64(), length: n, data: position }), makeData({ type: new Uint64(), length: n, data: size })];
  return makeData({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? validity : null, children });
}

/** A blob v1 description of a null value: no bytes, and levels (never 0) in place of a position. */
export function isNullDescription(position: bigint, size: bigint): boolean {
  return size === 0n && position !== 0n;
}

/** Blob v2 descriptions from the column's packed rows (as large binary, one item a row). */
export function decodeBlobV2Descriptions(field: Field, rows: Data, ctx: DecodeContext): Data {
  const n = rows.length;
  const offsets = rows.valueOffsets as BigInt64Array | Int32Array;
  const bytes = rows.values as Uint8Array;
  const kind = new Uint8Array(n);
  const position = new BigUint64Array(n);
  const size = new BigUint64Array(n);
  const blobId = new Uint32Array(n);
  const uriOffsets = new Int32Array(n + 1);
  const uriParts: Uint8Array[] = [];
  const validity = bitmapBytes(n);
  let nullCount = 0;
  let uriBytes = 0;
  for (let i = 0; i < n; i++) {
    uriOffsets[i] = uriBytes;
    if (!isValid(rows, i)) {
      nullCount++;
      continue;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    const start = Number(offsets[rows.offset + i]!);
    const end = Number(offsets[rows.offset + i + 1]!);
    if (end - start < 25) corrupt(ctx, `blob descriptor of row ${i} has ${end - start} bytes, at least 25 expected`);
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
    kind[i] = view.getUint8(0);
    position[i] = view.getBigUint64(1, true);
    size[i] = view.getBigUint64(9, true);
    blobId[i] = view.getUint32(17, true);
    const uriLength = view.getUint32(21, true);
    if (25 + uriLength !== end - start) corrupt(ctx, `blob descriptor of row ${i} has ${end - start} bytes, its uri of ${uriLength} bytes needs ${25 + uriLength}`);
    if (kind[i]! > BLOB_KIND_EXTERNAL) throw new LanceError("NOT_SUPPORTED", `blob descriptor of row ${i} in ${ctx.path} has kind ${kind[i]}, which lancets does not know (0-3)`);
    if (uriLength > 0) uriParts.push(bytes.subarray(start + 25, end));
    uriBytes += uriLength;
  }
  uriOffsets[n] = uriBytes;
  const uris = new Uint8Array(uriBytes);
  let at = 0;
  for (const part of uriParts) {
    uris.set(part, at);
    at += part.byteLength;
  }
  const type = field.type as Struct;
  const child = (t: DataType, data: ArrayLike<number> | ArrayLike<bigint>): Data => makeData({ type: t, length: n, data } as never);
  const children = [
    child(new Uint8(), kind),
    child(new Uint64(), position),
    child(new Uint64(), size),
    child(new Uint32(), blobId),
    makeData({ type: new Utf8(), length: n, valueOffsets: uriOffsets, data: uris }),
  ];
  return makeData({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? validity : null, children });
}

/**
 * The sidecar file holding blob `blobId` of data file `dataFilePath`
 * (e.g. "data/abc.lance" -> "data/abc/<32 bits of the id, least significant first>.blob").
 */
export function blobSidecarPath(dataFilePath: string, blobId: number): string {
  const stem = dataFilePath.replace(/\.lance$/, "");
  let bits = "";
  for (let b = 0; b < 32; b++) bits += (blobId >>> b) & 1 ? "1" : "0";
  return `${stem}/${bits}.blob`;
}
