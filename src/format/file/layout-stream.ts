// Lance 2.x data file layout produced piece by piece (file format, section 1),
// for writers that upload a file as it is encoded: page buffers are laid out
// as pages arrive, and only their positions are kept; the tail
//   [extra global buffers][global buffer 0 = FileDescriptor]
//   [column metadata...][CMO table][GBO table][footer]
// is produced at the end. Given the pages of each column in column order, the
// bytes equal encodeLanceFile's; pages of different columns may also be
// interleaved (each column's pages in row order), as Lance's own writer does.

import { create, toBinary } from "@bufbuild/protobuf";
import { ByteWriter } from "../../core/bytes.js";
import { LanceError } from "../../core/errors.js";
import { EncodingSchema } from "../pb/file2_pb.js";
import { FileDescriptorSchema, SchemaSchema } from "../pb/file_pb.js";
import { fieldToProto } from "../table/proto-convert.js";
import type { LanceField } from "../table/types.js";
import { columnEncoding, directEncoding, footerVersion, type EncodedPage } from "./layout-writer.js";

const ALIGNMENT = 64;

function varint(w: ByteWriter, value: number): void {
  let v = value;
  while (v >= 0x80) {
    w.u8((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  w.u8(v);
}

function varintField(w: ByteWriter, field: number, value: number): void {
  varint(w, field << 3);
  varint(w, value);
}

function lengthDelimited(w: ByteWriter, field: number, bytes: Uint8Array): void {
  varint(w, (field << 3) | 2);
  varint(w, bytes.byteLength);
  w.bytes(bytes);
}

/** A packed repeated uint64 field; nothing when empty. */
function packedVarints(w: ByteWriter, field: number, values: readonly bigint[]): void {
  if (values.length === 0) return;
  const packed = new ByteWriter(10 * values.length);
  for (const v of values) varint(packed, Number(v));
  lengthDelimited(w, field, packed.finish());
}
/** Zero bytes for padding; handed out as views, never written to. */
const ZEROS = new Uint8Array(ALIGNMENT);

interface PagePosition {
  offsets: bigint[];
  sizes: bigint[];
  numRows: number;
  encoding: Uint8Array;
  typeUrl: string;
}

export interface FileTail {
  /** Fields stored in the file, pre-order, with the dataset's ids. */
  fields: LanceField[];
  schemaMetadata: Record<string, Uint8Array>;
  numRows: number;
  /** Extra global buffers; the first gets index 1. */
  globalBuffers?: Uint8Array[];
}

/**
 * Lays out one Lance file as pieces of bytes to append in order. Every call
 * returns the pieces to write next; together they are the file.
 */
export class LanceFileLayout {
  private readonly columns: PagePosition[][] = [];
  private position = 0;
  private finished = false;

  /** `numColumns`: columns the file has at least (more appear as pages name them). */
  constructor(
    private readonly fileVersion: string,
    numColumns = 0,
  ) {
    // refuse an unknown version before any page is laid out
    footerVersion(fileVersion);
    for (let c = 0; c < numColumns; c++) this.columns.push([]);
  }

  /** Bytes laid out so far. */
  get byteLength(): number {
    return this.position;
  }

  /** Lays out the next page of column `column` (numbered from 0). */
  addPage(column: number, page: EncodedPage): Uint8Array[] {
    if (this.finished) throw new LanceError("INTERNAL", "a page was added to a Lance file after its tail was written");
    if (!Number.isSafeInteger(column) || column < 0) throw new LanceError("INTERNAL", `column index ${column} is not a non-negative integer`);
    const pieces: Uint8Array[] = [];
    const offsets: bigint[] = [];
    const sizes: bigint[] = [];
    for (const buffer of page.buffers) {
      this.pad(pieces);
      offsets.push(BigInt(this.position));
      sizes.push(BigInt(buffer.byteLength));
      if (buffer.byteLength > 0) pieces.push(buffer);
      this.position += buffer.byteLength;
    }
    while (this.columns.length <= column) this.columns.push([]);
    this.columns[column]!.push({ offsets, sizes, numRows: page.numRows, encoding: page.encoding, typeUrl: page.typeUrl });
    return pieces;
  }

  /** The rest of the file: extra global buffers, the schema, column metadata, offset tables and footer. */
  finish(tail: FileTail): Uint8Array[] {
    if (this.finished) throw new LanceError("INTERNAL", "the tail of a Lance file was written twice");
    this.finished = true;
    const pieces: Uint8Array[] = [];
    const extra: { position: number; size: number }[] = [];
    for (const buffer of tail.globalBuffers ?? []) {
      this.pad(pieces);
      extra.push({ position: this.position, size: buffer.byteLength });
      if (buffer.byteLength > 0) pieces.push(buffer);
      this.position += buffer.byteLength;
    }
    const descriptor = create(FileDescriptorSchema, {
      schema: create(SchemaSchema, { fields: tail.fields.map(fieldToProto), metadata: { ...tail.schemaMetadata } }),
      length: BigInt(tail.numRows),
    });
    const schemaBytes = toBinary(FileDescriptorSchema, descriptor);
    // 2.1+ readers require every global buffer, the schema included, to start 64-byte aligned
    this.pad(pieces);
    const globals = [{ position: this.position, size: schemaBytes.byteLength }, ...extra];
    pieces.push(schemaBytes);
    this.position += schemaBytes.byteLength;

    const w = new ByteWriter(1 << 12);
    const columnMetaStart = this.position;
    const cmo: { position: number; size: number }[] = [];
    // column metadata written field by field (protobuf wire format, as toBinary writes it): a
    // file of many pages spends far less than building and serializing a message per page
    const encodings = new Map<string, Uint8Array>();
    const encodingOf = (p: PagePosition): Uint8Array => {
      const key = `${p.typeUrl}\u0000${String.fromCharCode(...p.encoding)}`;
      let bytes = encodings.get(key);
      if (!bytes) {
        bytes = toBinary(EncodingSchema, directEncoding(p.typeUrl, p.encoding));
        encodings.set(key, bytes);
      }
      return bytes;
    };
    const columnEncodingBytes = toBinary(EncodingSchema, columnEncoding());
    for (const pages of this.columns) {
      const column = new ByteWriter(64 + 48 * pages.length);
      lengthDelimited(column, 1, columnEncodingBytes);
      let firstRow = 0;
      for (const p of pages) {
        const page = new ByteWriter(64);
        packedVarints(page, 1, p.offsets);
        packedVarints(page, 2, p.sizes);
        if (p.numRows > 0) varintField(page, 3, p.numRows);
        lengthDelimited(page, 4, encodingOf(p));
        if (firstRow > 0) varintField(page, 5, firstRow);
        firstRow += p.numRows;
        lengthDelimited(column, 2, page.finish());
      }
      const bytes = column.finish();
      cmo.push({ position: columnMetaStart + w.length, size: bytes.byteLength });
      w.bytes(bytes);
    }
    const cmoPos = columnMetaStart + w.length;
    for (const c of cmo) w.u64(c.position).u64(c.size);
    const gboPos = columnMetaStart + w.length;
    for (const g of globals) w.u64(g.position).u64(g.size);
    const { major, minor } = footerVersion(this.fileVersion);
    w.u64(columnMetaStart).u64(cmoPos).u64(gboPos).u32(globals.length).u32(this.columns.length).u16(major).u16(minor);
    for (const ch of "LANC") w.u8(ch.charCodeAt(0));
    const rest = w.finish();
    pieces.push(rest);
    this.position += rest.byteLength;
    return pieces;
  }

  private pad(pieces: Uint8Array[]): void {
    const gap = (ALIGNMENT - (this.position % ALIGNMENT)) % ALIGNMENT;
    if (gap === 0) return;
    pieces.push(ZEROS.subarray(0, gap));
    this.position += gap;
  }
}
