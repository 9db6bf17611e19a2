// Assembles a Lance 2.x data file (file format, section 1):
//   [page buffers, 64-byte aligned][extra global buffers, 64-byte aligned]
//   [global buffer 0 = FileDescriptor][column metadata...][CMO table][GBO table][footer]

import { create, toBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { ByteWriter } from "../../core/bytes.js";
import { LanceError } from "../../core/errors.js";
import { ColumnMetadata_PageSchema, ColumnMetadataSchema, DirectEncodingSchema, EncodingSchema } from "../pb/file2_pb.js";
import { FileDescriptorSchema, SchemaSchema } from "../pb/file_pb.js";
import { fieldToProto } from "../table/proto-convert.js";
import type { LanceField } from "../table/types.js";

export const PAGE_LAYOUT_TYPE_URL = "/lance.encodings21.PageLayout";
export const ARRAY_ENCODING_TYPE_URL = "/lance.encodings.ArrayEncoding";
const COLUMN_ENCODING_TYPE_URL = "/lance.encodings.ColumnEncoding";
/** ColumnEncoding { values: Empty } */
const COLUMN_ENCODING_VALUES = Uint8Array.of(0x0a, 0x00);

export interface EncodedPage {
  buffers: Uint8Array[];
  numRows: number;
  /** Serialized page encoding message (PageLayout or ArrayEncoding). */
  encoding: Uint8Array;
  typeUrl: string;
}

export interface EncodedColumn {
  pages: EncodedPage[];
}

export type FileVersionWords = { major: number; minor: number };

export function footerVersion(fileVersion: string): FileVersionWords {
  switch (fileVersion) {
    case "2.0":
      return { major: 0, minor: 3 };
    case "2.1":
      return { major: 2, minor: 1 };
    case "2.2":
      return { major: 2, minor: 2 };
    default:
      throw new LanceError("NOT_SUPPORTED", `lancets writes file versions 2.0, 2.1 and 2.2, not ${fileVersion}`);
  }
}

export function directEncoding(typeUrl: string, value: Uint8Array) {
  const any = toBinary(AnySchema, create(AnySchema, { typeUrl, value }));
  return create(EncodingSchema, { location: { case: "direct", value: create(DirectEncodingSchema, { encoding: any }) } });
}

/** The column-level encoding every column of a file written by lancets has. */
export function columnEncoding() {
  return directEncoding(COLUMN_ENCODING_TYPE_URL, COLUMN_ENCODING_VALUES);
}

export interface FileContents {
  fileVersion: string;
  /** Fields stored in the file, pre-order, with the dataset's ids. */
  fields: LanceField[];
  schemaMetadata: Record<string, Uint8Array>;
  numRows: number;
  columns: EncodedColumn[];
  /** Extra global buffers; the first gets index 1. */
  globalBuffers?: Uint8Array[];
}

export function encodeLanceFile(contents: FileContents): Uint8Array {
  const w = new ByteWriter(1 << 16);
  const columnMetas = contents.columns.map((column) => {
    let firstRow = 0;
    const pages = column.pages.map((page) => {
      const offsets: bigint[] = [];
      const sizes: bigint[] = [];
      for (const buffer of page.buffers) {
        w.padTo(64);
        offsets.push(BigInt(w.length));
        sizes.push(BigInt(buffer.byteLength));
        w.bytes(buffer);
      }
      const meta = create(ColumnMetadata_PageSchema, {
        bufferOffsets: offsets,
        bufferSizes: sizes,
        length: BigInt(page.numRows),
        encoding: directEncoding(page.typeUrl, page.encoding),
        priority: BigInt(firstRow),
      });
      firstRow += page.numRows;
      return meta;
    });
    return toBinary(ColumnMetadataSchema, create(ColumnMetadataSchema, { encoding: columnEncoding(), pages }));
  });
  const globals: { position: number; size: number }[] = [];
  const extra: { position: number; size: number }[] = [];
  for (const buffer of contents.globalBuffers ?? []) {
    w.padTo(64);
    extra.push({ position: w.length, size: buffer.byteLength });
    w.bytes(buffer);
  }
  const descriptor = create(FileDescriptorSchema, {
    schema: create(SchemaSchema, { fields: contents.fields.map(fieldToProto), metadata: { ...contents.schemaMetadata } }),
    length: BigInt(contents.numRows),
  });
  const schemaBytes = toBinary(FileDescriptorSchema, descriptor);
  // 2.1+ readers require every global buffer, the schema included, to start 64-byte aligned
  w.padTo(64);
  globals.push({ position: w.length, size: schemaBytes.byteLength });
  w.bytes(schemaBytes);
  globals.push(...extra);
  const columnMetaStart = w.length;
  const cmo: { position: number; size: number }[] = [];
  for (const meta of columnMetas) {
    cmo.push({ position: w.length, size: meta.byteLength });
    w.bytes(meta);
  }
  const cmoPos = w.length;
  for (const c of cmo) w.u64(c.position).u64(c.size);
  const gboPos = w.length;
  for (const g of globals) w.u64(g.position).u64(g.size);
  const { major, minor } = footerVersion(contents.fileVersion);
  w.u64(columnMetaStart).u64(cmoPos).u64(gboPos).u32(globals.length).u32(columnMetas.length).u16(major).u16(minor);
  for (const ch of "LANC") w.u8(ch.charCodeAt(0));
  return w.finish();
}
