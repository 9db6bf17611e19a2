// Byte layout of a manifest file in _versions/ (Lance table format, manifest.rs):
//
//   [u32 len][IndexSection]      only when the version has indices
//   [u32 len][Transaction]       the inline transaction
//   [u32 len][Manifest]          ends exactly 16 bytes before EOF
//   [i64 manifest_pos][u16 0][u16 2]["LANC"]
//
// Manifest.index_section / transaction_section hold the offsets of the length
// prefixes of those sections.

import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ByteReader, ByteWriter, utf8Decode } from "../../core/bytes.js";
import { CorruptFileError } from "../../core/errors.js";
import {
  IndexSectionSchema,
  Manifest_DataStorageFormatSchema,
  Manifest_WriterVersionSchema,
  ManifestSchema,
  type Manifest as PbManifest,
} from "../pb/table_pb.js";
import {
  basePathFromProto,
  basePathToProto,
  fieldFromProto,
  fieldToProto,
  fragmentFromProto,
  fragmentToProto,
  handle,
  indexMetadataFromProto,
  indexMetadataToProto,
  safeNumber,
  unwrap,
} from "./proto-convert.js";
import type { IndexMetadata, LanceField, Manifest, ManifestFile } from "./types.js";

export const MANIFEST_MAGIC = "LANC";
const FOOTER_BYTES = 16;

function decodeMessage<T>(path: string, byteOffset: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new CorruptFileError(path, byteOffset, `cannot decode ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Reads `[u32 len][message]` at `byteOffset`, checking it ends before `limit`. */
function readPrefixed(r: ByteReader, byteOffset: number, limit: number, what: string): Uint8Array {
  if (byteOffset < 0 || byteOffset + 4 > limit) {
    r.fail(`${what} offset ${byteOffset} is outside the file body (size ${limit})`, byteOffset < 0 ? 0 : Math.min(byteOffset, limit));
  }
  r.seek(byteOffset, what);
  const len = r.u32(`${what} length`);
  if (byteOffset + 4 + len > limit) r.fail(`${what} of ${len} bytes ends past ${limit}`, byteOffset);
  return r.take(len, what);
}

/** Milliseconds truncated, as Lance reports commit times. */
function timestampToDate(ts: Timestamp): Date {
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6));
}

/**
 * Fields form a tree listed parents first (Lance writes them in pre-order):
 * every id is unique and every parent appears before its children, which
 * also rules out cycles.
 */
function checkFieldTree(fields: readonly LanceField[], path: string): void {
  const seen = new Set<number>();
  for (const f of fields) {
    if (seen.has(f.id)) throw new CorruptFileError(path, undefined, `field id ${f.id} ("${f.name}") appears twice in the schema`);
    if (f.parentId !== -1 && !seen.has(f.parentId)) {
      throw new CorruptFileError(path, undefined, `field ${f.id} ("${f.name}") references parent id ${f.parentId}, which must appear earlier in the schema`);
    }
    seen.add(f.id);
  }
}

export function manifestFromProto(pb: PbManifest, path: string): Manifest {
  const out: Manifest = {
    fields: pb.fields.map(fieldFromProto),
    schemaMetadata: { ...pb.schemaMetadata },
    fragments: pb.fragments.map((f) => fragmentFromProto(f, path)),
    version: safeNumber(pb.version, "version", path),
    timestamp: pb.timestamp ? timestampToDate(pb.timestamp) : undefined,
    tag: pb.tag,
    readerFeatureFlags: pb.readerFeatureFlags,
    writerFeatureFlags: pb.writerFeatureFlags,
    maxFragmentId: pb.maxFragmentId,
    transactionFile: pb.transactionFile,
    nextRowId: pb.nextRowId,
    dataFormat: pb.dataFormat ? { fileFormat: pb.dataFormat.fileFormat, version: pb.dataFormat.version } : undefined,
    config: { ...pb.config },
    tableMetadata: { ...pb.tableMetadata },
    basePaths: pb.basePaths.map(basePathFromProto),
    proto: handle(pb),
  };
  checkFieldTree(out.fields, path);
  if (pb.writerVersion) {
    out.writerVersion = { library: pb.writerVersion.library, version: pb.writerVersion.version };
    if (pb.writerVersion.prerelease !== undefined) out.writerVersion.prerelease = pb.writerVersion.prerelease;
    if (pb.writerVersion.buildMetadata !== undefined) out.writerVersion.buildMetadata = pb.writerVersion.buildMetadata;
  }
  if (pb.branch !== undefined) out.branch = pb.branch;
  return out;
}

export function manifestToProto(m: Manifest): PbManifest {
  const source = m.proto ? unwrap<PbManifest>(m.proto) : undefined;
  const pb = source ? clone(ManifestSchema, source) : create(ManifestSchema);
  pb.fields = m.fields.map(fieldToProto);
  pb.schemaMetadata = { ...m.schemaMetadata };
  pb.fragments = m.fragments.map(fragmentToProto);
  pb.version = BigInt(m.version);
  // Keep the stored nanoseconds when the millisecond time is unchanged.
  if (!m.timestamp) pb.timestamp = undefined;
  else if (!source?.timestamp || timestampToDate(source.timestamp).getTime() !== m.timestamp.getTime()) pb.timestamp = timestampFromDate(m.timestamp);
  pb.tag = m.tag;
  pb.readerFeatureFlags = m.readerFeatureFlags;
  pb.writerFeatureFlags = m.writerFeatureFlags;
  pb.maxFragmentId = m.maxFragmentId;
  pb.transactionFile = m.transactionFile;
  pb.nextRowId = m.nextRowId;
  if (m.writerVersion) {
    const wv = source?.writerVersion ? clone(Manifest_WriterVersionSchema, source.writerVersion) : create(Manifest_WriterVersionSchema);
    wv.library = m.writerVersion.library;
    wv.version = m.writerVersion.version;
    wv.prerelease = m.writerVersion.prerelease;
    wv.buildMetadata = m.writerVersion.buildMetadata;
    pb.writerVersion = wv;
  } else {
    pb.writerVersion = undefined;
  }
  if (m.dataFormat) {
    const df = source?.dataFormat ? clone(Manifest_DataStorageFormatSchema, source.dataFormat) : create(Manifest_DataStorageFormatSchema);
    df.fileFormat = m.dataFormat.fileFormat;
    df.version = m.dataFormat.version;
    pb.dataFormat = df;
  } else {
    pb.dataFormat = undefined;
  }
  pb.config = { ...m.config };
  pb.tableMetadata = { ...m.tableMetadata };
  pb.basePaths = m.basePaths.map(basePathToProto);
  pb.branch = m.branch;
  return pb;
}

/** Decodes a whole manifest file. `path` only shapes error messages. */
export function decodeManifestFile(bytes: Uint8Array, path: string): ManifestFile {
  const size = bytes.byteLength;
  if (size < FOOTER_BYTES + 4) {
    throw new CorruptFileError(path, 0, `manifest file has ${size} bytes, too short for a manifest (at least ${FOOTER_BYTES + 4})`);
  }
  const r = new ByteReader(bytes, path);
  r.seek(size - 4);
  const magic = utf8Decode(r.take(4));
  if (magic !== MANIFEST_MAGIC) {
    r.fail(`bad magic ${JSON.stringify(magic)}, expected "LANC"`, size - 4);
  }
  r.seek(size - FOOTER_BYTES);
  const manifestPos = r.i64Number("manifest position");
  const body = size - FOOTER_BYTES;
  if (manifestPos < 0 || manifestPos + 4 > body) {
    r.fail(`manifest position ${manifestPos} is outside the file body (size ${size})`, size - FOOTER_BYTES);
  }
  r.seek(manifestPos);
  const len = r.u32("manifest length");
  if (manifestPos + 4 + len !== body) {
    r.fail(`manifest of ${len} bytes at ${manifestPos} does not end at the footer (${body})`, manifestPos);
  }
  const manifestBytes = r.take(len, "manifest");
  const pb = decodeMessage(path, manifestPos + 4, "Manifest message", () => fromBinary(ManifestSchema, manifestBytes));
  const manifest = manifestFromProto(pb, path);

  let indices: IndexMetadata[] = [];
  if (pb.indexSection !== undefined) {
    const at = safeNumber(pb.indexSection, "index section offset", path);
    const sectionBytes = readPrefixed(r, at, body, "index section");
    const section = decodeMessage(path, at + 4, "IndexSection message", () => fromBinary(IndexSectionSchema, sectionBytes));
    indices = section.indices.map((i) => indexMetadataFromProto(i, path));
  }
  let transactionBytes: Uint8Array | undefined;
  if (pb.transactionSection !== undefined) {
    const at = safeNumber(pb.transactionSection, "transaction section offset", path);
    transactionBytes = readPrefixed(r, at, body, "transaction section");
  }
  return { manifest, indices, transactionBytes };
}

/**
 * Manifest fields of newer Lance versions that hold a position in the manifest
 * file: field 23 is the offset of the inline transaction in the manifests
 * Lance 14 writes (a u32 length, then the Transaction message), where older
 * versions use transaction_section (21).
 */
const POSITION_FIELDS: ReadonlySet<number> = new Set([23]);

/** Encodes a manifest file; the section offsets in the manifest are recomputed. */
export function encodeManifestFile(file: ManifestFile): Uint8Array {
  const w = new ByteWriter(4096);
  const pb = manifestToProto(file.manifest);
  pb.indexSection = undefined;
  pb.transactionSection = undefined;
  // Unknown fields are kept, except positions in the old file, which would point into other bytes here.
  if (pb.$unknown) pb.$unknown = pb.$unknown.filter((u) => !POSITION_FIELDS.has(u.no));
  if (file.indices.length > 0) {
    const section = create(IndexSectionSchema, { indices: file.indices.map(indexMetadataToProto) });
    const bytes = toBinary(IndexSectionSchema, section);
    pb.indexSection = BigInt(w.length);
    w.u32(bytes.byteLength).bytes(bytes);
  }
  if (file.transactionBytes !== undefined) {
    pb.transactionSection = BigInt(w.length);
    w.u32(file.transactionBytes.byteLength).bytes(file.transactionBytes);
  }
  const manifestPos = w.length;
  const manifestBytes = toBinary(ManifestSchema, pb);
  w.u32(manifestBytes.byteLength).bytes(manifestBytes);
  w.i64(manifestPos).u16(0).u16(2);
  for (const ch of MANIFEST_MAGIC) w.u8(ch.charCodeAt(0));
  return w.finish();
}
