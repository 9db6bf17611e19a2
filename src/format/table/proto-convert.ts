// Conversions between the generated protobuf messages of table.proto/file.proto
// and the plain domain types in types.ts. Decoding keeps the source message as
// an opaque handle; encoding starts from a clone of it so unknown fields (and
// oneofs lancets does not model) are written back unchanged.

import { clone, create } from "@bufbuild/protobuf";
import { CorruptFileError } from "../../core/errors.js";
import { decodeRoaring32, encodeRoaring32 } from "../../core/roaring.js";
import { uuidToBytes, uuidToString } from "../../core/uuid.js";
import {
  BasePathSchema,
  DataFileSchema,
  DataFragmentSchema,
  DeletionFile_DeletionFileType,
  DeletionFileSchema,
  IndexFileSchema,
  IndexMetadataSchema,
  UUIDSchema,
  type BasePath as PbBasePath,
  type DataFile as PbDataFile,
  type DataFragment as PbDataFragment,
  type DeletionFile as PbDeletionFile,
  type IndexMetadata as PbIndexMetadata,
} from "../pb/table_pb.js";
import { Encoding as PbEncoding, FieldSchema, type Field as PbField } from "../pb/file_pb.js";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import type {
  BasePath,
  DataFile,
  DeletionFile,
  Fragment,
  IndexMetadata,
  LanceField,
  ProtoHandle,
} from "./types.js";

export function handle(message: object): ProtoHandle {
  return message as unknown as ProtoHandle;
}

export function unwrap<T>(h: ProtoHandle): T {
  return h as unknown as T;
}

/** A u64 that must fit a JS number; anything larger means a corrupt file. */
export function safeNumber(value: bigint, what: string, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CorruptFileError(path, undefined, `${what} ${value} exceeds 2^53`);
  }
  return Number(value);
}

const ENCODING_NAMES: Record<number, string> = {
  [PbEncoding.NONE]: "none",
  [PbEncoding.PLAIN]: "plain",
  [PbEncoding.VAR_BINARY]: "var_binary",
  [PbEncoding.DICTIONARY]: "dictionary",
  [PbEncoding.RLE]: "rle",
};
const ENCODING_VALUES: Record<string, PbEncoding> = Object.fromEntries(
  Object.entries(ENCODING_NAMES).map(([k, v]) => [v, Number(k) as PbEncoding]),
);

export function fieldFromProto(pb: PbField): LanceField {
  const out: LanceField = {
    id: pb.id,
    parentId: pb.parentId,
    name: pb.name,
    logicalType: pb.logicalType,
    nullable: pb.nullable,
    metadata: { ...pb.metadata },
    encoding: ENCODING_NAMES[pb.encoding] ?? "none",
    extensionName: pb.extensionName,
    unenforcedPrimaryKey: pb.unenforcedPrimaryKey,
    proto: handle(pb),
  };
  if (pb.dictionary && (pb.dictionary.offset > 0n || pb.dictionary.length > 0n)) {
    const byteOffset = Number(pb.dictionary.offset);
    const length = Number(pb.dictionary.length);
    if (Number.isSafeInteger(byteOffset) && Number.isSafeInteger(length) && byteOffset >= 0 && length >= 0) out.dictionary = { byteOffset, length };
  }
  return out;
}

export function fieldToProto(f: LanceField): PbField {
  const pb = f.proto ? clone(FieldSchema, unwrap<PbField>(f.proto)) : create(FieldSchema);
  pb.id = f.id;
  pb.parentId = f.parentId;
  pb.name = f.name;
  pb.logicalType = f.logicalType;
  pb.nullable = f.nullable;
  pb.metadata = { ...f.metadata };
  pb.encoding = ENCODING_VALUES[f.encoding] ?? PbEncoding.NONE;
  pb.extensionName = f.extensionName;
  pb.unenforcedPrimaryKey = f.unenforcedPrimaryKey;
  return pb;
}

export function dataFileFromProto(pb: PbDataFile, path: string): DataFile {
  const out: DataFile = {
    path: pb.path,
    fields: [...pb.fields],
    columnIndices: [...pb.columnIndices],
    fileMajorVersion: pb.fileMajorVersion,
    fileMinorVersion: pb.fileMinorVersion,
    fileSizeBytes: safeNumber(pb.fileSizeBytes, "data file size", path),
    proto: handle(pb),
  };
  if (pb.baseId !== undefined) out.baseId = pb.baseId;
  return out;
}

export function dataFileToProto(d: DataFile): PbDataFile {
  const pb = d.proto ? clone(DataFileSchema, unwrap<PbDataFile>(d.proto)) : create(DataFileSchema);
  pb.path = d.path;
  pb.fields = [...d.fields];
  pb.columnIndices = [...d.columnIndices];
  pb.fileMajorVersion = d.fileMajorVersion;
  pb.fileMinorVersion = d.fileMinorVersion;
  pb.fileSizeBytes = BigInt(d.fileSizeBytes);
  pb.baseId = d.baseId;
  return pb;
}

export function deletionFileFromProto(pb: PbDeletionFile, path: string): DeletionFile {
  const out: DeletionFile = {
    fileType: pb.fileType === DeletionFile_DeletionFileType.BITMAP ? "bitmap" : "arrow",
    readVersion: safeNumber(pb.readVersion, "deletion file read version", path),
    id: pb.id,
    numDeletedRows: safeNumber(pb.numDeletedRows, "deleted row count", path),
    proto: handle(pb),
  };
  if (pb.fileType !== DeletionFile_DeletionFileType.BITMAP && pb.fileType !== DeletionFile_DeletionFileType.ARROW_ARRAY) {
    throw new CorruptFileError(path, undefined, `unknown deletion file type ${pb.fileType}`);
  }
  if (pb.baseId !== undefined) out.baseId = pb.baseId;
  return out;
}

export function deletionFileToProto(d: DeletionFile): PbDeletionFile {
  const pb = d.proto ? clone(DeletionFileSchema, unwrap<PbDeletionFile>(d.proto)) : create(DeletionFileSchema);
  pb.fileType = d.fileType === "bitmap" ? DeletionFile_DeletionFileType.BITMAP : DeletionFile_DeletionFileType.ARROW_ARRAY;
  pb.readVersion = BigInt(d.readVersion);
  pb.id = d.id;
  pb.numDeletedRows = BigInt(d.numDeletedRows);
  pb.baseId = d.baseId;
  return pb;
}

export function fragmentFromProto(pb: PbDataFragment, path: string): Fragment {
  const out: Fragment = {
    id: safeNumber(pb.id, "fragment id", path),
    files: pb.files.map((f) => dataFileFromProto(f, path)),
    physicalRows: safeNumber(pb.physicalRows, "physical row count", path),
    proto: handle(pb),
  };
  if (pb.deletionFile) out.deletionFile = deletionFileFromProto(pb.deletionFile, path);
  if (pb.rowIdSequence.case !== undefined || pb.createdAtVersionSequence.case !== undefined || pb.lastUpdatedAtVersionSequence.case !== undefined) {
    out.rowIdMeta = handle(pb);
  }
  return out;
}

export function fragmentToProto(f: Fragment): PbDataFragment {
  const pb = f.proto ? clone(DataFragmentSchema, unwrap<PbDataFragment>(f.proto)) : create(DataFragmentSchema);
  pb.id = BigInt(f.id);
  pb.files = f.files.map(dataFileToProto);
  pb.physicalRows = BigInt(f.physicalRows);
  pb.deletionFile = f.deletionFile ? deletionFileToProto(f.deletionFile) : undefined;
  if (f.rowIdMeta) {
    const src = unwrap<PbDataFragment>(f.rowIdMeta);
    pb.rowIdSequence = clone(DataFragmentSchema, src).rowIdSequence;
    pb.createdAtVersionSequence = clone(DataFragmentSchema, src).createdAtVersionSequence;
    pb.lastUpdatedAtVersionSequence = clone(DataFragmentSchema, src).lastUpdatedAtVersionSequence;
  } else {
    pb.rowIdSequence = { case: undefined };
    pb.createdAtVersionSequence = { case: undefined };
    pb.lastUpdatedAtVersionSequence = { case: undefined };
  }
  return pb;
}

export function indexMetadataFromProto(pb: PbIndexMetadata, path: string): IndexMetadata {
  if (!pb.uuid || pb.uuid.uuid.byteLength !== 16) {
    throw new CorruptFileError(path, undefined, `index "${pb.name}" has a UUID of ${pb.uuid?.uuid.byteLength ?? 0} bytes, expected 16`);
  }
  let fragmentIds: number[] | undefined;
  if (pb.fragmentBitmap.byteLength > 0) {
    fragmentIds = Array.from(decodeRoaring32(pb.fragmentBitmap, `${path} (fragment bitmap of index "${pb.name}")`));
  }
  const out: IndexMetadata = {
    uuid: uuidToString(pb.uuid.uuid),
    fields: [...pb.fields],
    name: pb.name,
    datasetVersion: safeNumber(pb.datasetVersion, "index dataset version", path),
    fragmentIds,
    files: pb.files.map((f) => ({ path: f.path, sizeBytes: safeNumber(f.sizeBytes, "index file size", path) })),
    coveringFields: [...pb.coveringFields],
    proto: handle(pb),
  };
  if (pb.indexDetails) out.indexDetails = { typeUrl: pb.indexDetails.typeUrl, value: pb.indexDetails.value };
  if (pb.indexVersion !== undefined) out.indexVersion = pb.indexVersion;
  if (pb.createdAt !== undefined) out.createdAt = safeNumber(pb.createdAt, "index creation time", path);
  if (pb.baseId !== undefined) out.baseId = pb.baseId;
  return out;
}

export function indexMetadataToProto(m: IndexMetadata): PbIndexMetadata {
  const pb = m.proto ? clone(IndexMetadataSchema, unwrap<PbIndexMetadata>(m.proto)) : create(IndexMetadataSchema);
  pb.uuid = create(UUIDSchema, { uuid: uuidToBytes(m.uuid) });
  pb.fields = [...m.fields];
  pb.name = m.name;
  pb.datasetVersion = BigInt(m.datasetVersion);
  pb.fragmentBitmap = m.fragmentIds === undefined ? new Uint8Array(0) : encodeRoaring32([...m.fragmentIds].sort((a, b) => a - b));
  pb.indexDetails = m.indexDetails ? create(AnySchema, { typeUrl: m.indexDetails.typeUrl, value: m.indexDetails.value }) : undefined;
  pb.indexVersion = m.indexVersion;
  pb.createdAt = m.createdAt === undefined ? undefined : BigInt(m.createdAt);
  pb.baseId = m.baseId;
  pb.files = m.files.map((f) => create(IndexFileSchema, { path: f.path, sizeBytes: BigInt(f.sizeBytes) }));
  pb.coveringFields = [...m.coveringFields];
  return pb;
}

export function basePathFromProto(pb: PbBasePath): BasePath {
  const out: BasePath = { id: pb.id, isDatasetRoot: pb.isDatasetRoot, path: pb.path };
  if (pb.name !== undefined) out.name = pb.name;
  return out;
}

export function basePathToProto(b: BasePath): PbBasePath {
  return create(BasePathSchema, { id: b.id, name: b.name, isDatasetRoot: b.isDatasetRoot, path: b.path });
}
