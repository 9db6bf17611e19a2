// The tail of a legacy (v1) Lance data file, footer version 0.1/0.2
// (lance.file.Metadata in protos/file.proto):
//
//   ... pages ... [page table][dictionaries][manifest?][u32 len, Metadata][footer, 16 bytes]
//
//   footer:     i64 metadata_position | u16 major | u16 minor | "LANC"
//   page table: for each field id min..=max, for each batch: (i64 position, i64 length)
//               where length counts values (rows, or rows + 1 for list and binary positions)
//
// A self-describing file (index files) also stores its schema as a
// lance.table.Manifest at manifest_position; data files get theirs from the
// dataset manifest.

import { fromBinary } from "@bufbuild/protobuf";
import { ByteReader } from "../../../core/bytes.js";
import { CorruptFileError } from "../../../core/errors.js";
import { MetadataSchema } from "../../pb/file_pb.js";
import { ManifestSchema } from "../../pb/table_pb.js";
import { fieldFromProto, safeNumber } from "../../table/proto-convert.js";
import type { LanceField } from "../../table/types.js";

export const LEGACY_FOOTER_BYTES = 16;

export interface LegacyMetadata {
  /** batchOffsets[i] is the first row of batch i; the last entry is the row count. */
  batchOffsets: number[];
  pageTablePosition: number;
  /** 0 when the file does not describe itself. */
  manifestPosition: number;
}

/** A page of one field in one batch. */
export interface LegacyPage {
  position: number;
  /** Values in the page: rows, or rows + 1 for list and binary positions. */
  length: number;
}

/** The metadata position from the 16-byte footer, checked to lie before it. */
export function decodeLegacyFooter(tail: Uint8Array, fileSize: number, path: string): number {
  const r = new ByteReader(tail, path, fileSize - tail.byteLength);
  r.seek(tail.byteLength - LEGACY_FOOTER_BYTES);
  const position = r.i64Number("metadata position");
  if (position < 0 || position + 4 > fileSize - LEGACY_FOOTER_BYTES) {
    throw new CorruptFileError(path, fileSize - LEGACY_FOOTER_BYTES, `metadata position ${position} is outside the file body (size ${fileSize})`);
  }
  return position;
}

/** Length of a u32-prefixed message at the start of `bytes`, checked against `limit` (its last allowed byte). */
export function prefixedLength(bytes: Uint8Array, byteOffset: number, limit: number, path: string, what: string): number {
  const r = new ByteReader(bytes, path, byteOffset);
  const len = r.u32(`${what} length`);
  if (byteOffset + 4 + len > limit) throw new CorruptFileError(path, byteOffset, `${what} of ${len} bytes passes byte ${limit}`);
  return len;
}

function decodeProto<T>(path: string, byteOffset: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new CorruptFileError(path, byteOffset, `cannot decode ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Decodes the Metadata message (without its length prefix); positions are checked against the file size. */
export function decodeLegacyMetadata(bytes: Uint8Array, byteOffset: number, fileSize: number, path: string): LegacyMetadata {
  const pb = decodeProto(path, byteOffset, "legacy file metadata", () => fromBinary(MetadataSchema, bytes));
  const pageTablePosition = safeNumber(pb.pageTablePosition, "page table position", path);
  const manifestPosition = safeNumber(pb.manifestPosition, "manifest position", path);
  if (pageTablePosition > fileSize) throw new CorruptFileError(path, byteOffset, `page table position ${pageTablePosition} is past the end of the file (size ${fileSize})`);
  if (manifestPosition > fileSize) throw new CorruptFileError(path, byteOffset, `manifest position ${manifestPosition} is past the end of the file (size ${fileSize})`);
  const batchOffsets = [...pb.batchOffsets];
  if (batchOffsets.length > 0 && batchOffsets[0] !== 0) throw new CorruptFileError(path, byteOffset, `the first batch starts at row ${batchOffsets[0]}, not 0`);
  for (let i = 1; i < batchOffsets.length; i++) {
    if (batchOffsets[i]! < batchOffsets[i - 1]!) {
      throw new CorruptFileError(path, byteOffset, `batch ${i - 1} ends at row ${batchOffsets[i]}, before it starts (${batchOffsets[i - 1]})`);
    }
  }
  return { batchOffsets, pageTablePosition, manifestPosition };
}

export function legacyBatchCount(meta: LegacyMetadata): number {
  return Math.max(0, meta.batchOffsets.length - 1);
}

export function legacyRowCount(meta: LegacyMetadata): number {
  return meta.batchOffsets.length > 0 ? meta.batchOffsets[meta.batchOffsets.length - 1]! : 0;
}

/** Bytes of a page table over field ids minFieldId..=maxFieldId and `numBatches` batches. */
export function pageTableByteLength(minFieldId: number, maxFieldId: number, numBatches: number): number {
  return (maxFieldId - minFieldId + 1) * numBatches * 16;
}

/**
 * Decodes the page table: pages.get(fieldId)[batch]. Entries of (0, 0) are
 * pages a field does not have (structs, ids outside the file); lengths and
 * positions must be non-negative and positions inside the file.
 */
export function decodePageTable(
  bytes: Uint8Array,
  byteOffset: number,
  minFieldId: number,
  maxFieldId: number,
  numBatches: number,
  fileSize: number,
  path: string,
): Map<number, LegacyPage[]> {
  const r = new ByteReader(bytes, path, byteOffset);
  const out = new Map<number, LegacyPage[]>();
  for (let id = minFieldId; id <= maxFieldId; id++) {
    const pages: LegacyPage[] = [];
    for (let b = 0; b < numBatches; b++) {
      const at = r.position;
      const position = r.i64Number(`field ${id} batch ${b} page position`);
      const length = r.i64Number(`field ${id} batch ${b} page length`);
      if (position < 0 || position > fileSize) r.fail(`field ${id} batch ${b} page position ${position} is outside the file (size ${fileSize})`, at);
      if (length < 0) r.fail(`field ${id} batch ${b} page has negative length ${length}`, at);
      pages.push({ position, length });
    }
    out.set(id, pages);
  }
  return out;
}

/** The schema a self-describing legacy file keeps as a lance.table.Manifest (message bytes without the prefix). */
export function decodeLegacyManifestSchema(bytes: Uint8Array, byteOffset: number, path: string): { fields: LanceField[]; metadata: Record<string, Uint8Array> } {
  const pb = decodeProto(path, byteOffset, "embedded manifest", () => fromBinary(ManifestSchema, bytes));
  return { fields: pb.fields.map(fieldFromProto), metadata: { ...pb.schemaMetadata } };
}
