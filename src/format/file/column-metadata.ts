// Column metadata of Lance 2.x files (lance.file.v2.ColumnMetadata) and the
// schema descriptor in global buffer 0 (lance.file.FileDescriptor), converted
// to plain types. Page encodings stay as serialized Any payloads until a
// decoder asks for them.

import { fromBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { CorruptFileError } from "../../core/errors.js";
import { ColumnMetadataSchema, type Encoding as PbEncoding } from "../pb/file2_pb.js";
import { FileDescriptorSchema } from "../pb/file_pb.js";
import { fieldFromProto, safeNumber } from "../table/proto-convert.js";
import type { LanceField } from "../table/types.js";

export interface EncodingRef {
  /** e.g. "/lance.encodings21.PageLayout" */
  typeUrl: string;
  value: Uint8Array;
}

export interface PageInfo {
  bufferOffsets: number[];
  bufferSizes: number[];
  /** Rows in the page. */
  numRows: number;
  encoding: EncodingRef;
  /** Row number of the page's first row. */
  priority: number;
}

export interface ColumnInfo {
  encoding: EncodingRef | undefined;
  pages: PageInfo[];
  bufferOffsets: number[];
  bufferSizes: number[];
}

export interface FileSchema {
  fields: LanceField[];
  metadata: Record<string, Uint8Array>;
  numRows: number;
}

function decodeOrCorrupt<T>(path: string, byteOffset: number, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new CorruptFileError(path, byteOffset, `cannot decode ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function encodingRef(enc: PbEncoding | undefined, path: string, byteOffset: number, what: string): EncodingRef | undefined {
  if (!enc || enc.location.case === undefined || enc.location.case === "none") return undefined;
  if (enc.location.case === "indirect") {
    throw new CorruptFileError(path, byteOffset, `${what} uses an indirect encoding, which Lance does not write`);
  }
  const bytes = enc.location.value.encoding;
  const any = decodeOrCorrupt(path, byteOffset, `${what} encoding`, () => fromBinary(AnySchema, bytes));
  return { typeUrl: any.typeUrl, value: any.value };
}

export function decodeColumnMetadata(bytes: Uint8Array, byteOffset: number, fileSize: number, path: string, columnIndex: number): ColumnInfo {
  const pb = decodeOrCorrupt(path, byteOffset, `metadata of column ${columnIndex}`, () => fromBinary(ColumnMetadataSchema, bytes));
  const where = `column ${columnIndex}`;
  const pages = pb.pages.map((p, i): PageInfo => {
    const bufferOffsets = p.bufferOffsets.map((v) => safeNumber(v, `${where} page ${i} buffer offset`, path));
    const bufferSizes = p.bufferSizes.map((v) => safeNumber(v, `${where} page ${i} buffer size`, path));
    if (bufferOffsets.length !== bufferSizes.length) {
      throw new CorruptFileError(path, byteOffset, `${where} page ${i} has ${bufferOffsets.length} buffer offsets but ${bufferSizes.length} sizes`);
    }
    for (let b = 0; b < bufferOffsets.length; b++) {
      if (bufferOffsets[b]! + bufferSizes[b]! > fileSize) {
        throw new CorruptFileError(path, byteOffset, `${where} page ${i} buffer ${b} (${bufferSizes[b]} bytes at ${bufferOffsets[b]}) passes the end of the file (size ${fileSize})`);
      }
    }
    const encoding = encodingRef(p.encoding, path, byteOffset, `${where} page ${i}`);
    if (!encoding) throw new CorruptFileError(path, byteOffset, `${where} page ${i} has no encoding`);
    return {
      bufferOffsets,
      bufferSizes,
      numRows: safeNumber(p.length, `${where} page ${i} length`, path),
      encoding,
      priority: safeNumber(p.priority, `${where} page ${i} priority`, path),
    };
  });
  const bufferOffsets = pb.bufferOffsets.map((v) => safeNumber(v, `${where} buffer offset`, path));
  const bufferSizes = pb.bufferSizes.map((v) => safeNumber(v, `${where} buffer size`, path));
  return { encoding: encodingRef(pb.encoding, path, byteOffset, where), pages, bufferOffsets, bufferSizes };
}

export function decodeFileSchema(bytes: Uint8Array, byteOffset: number, path: string): FileSchema {
  const pb = decodeOrCorrupt(path, byteOffset, "schema descriptor (global buffer 0)", () => fromBinary(FileDescriptorSchema, bytes));
  if (!pb.schema) throw new CorruptFileError(path, byteOffset, "schema descriptor has no schema");
  return {
    fields: pb.schema.fields.map(fieldFromProto),
    metadata: { ...pb.schema.metadata },
    numRows: safeNumber(pb.length, "file row count", path),
  };
}
