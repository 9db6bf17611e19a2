// The tail of a Lance 2.x data file (file format, section 1):
//
//   [column metadata 0..C-1][CMO table: C x (u64 pos, u64 size)]
//   [GBO table: G x (u64 pos, u64 size)][footer, 40 bytes]
//
//   footer: u64 column_meta_start | u64 cmo_table_pos | u64 gbo_table_pos
//           u32 num_global_buffers | u32 num_columns | u16 major | u16 minor | "LANC"
//
// Every Lance file, legacy (v1) ones included, ends with the version words and
// the magic, so those are read and checked before any version-specific field.

import { ByteReader, utf8Decode } from "../../core/bytes.js";
import { CorruptFileError, LanceError } from "../../core/errors.js";

export const FILE_FOOTER_BYTES = 40;
export const FILE_MAGIC = "LANC";

export interface FileFooter {
  columnMetaStart: number;
  cmoTablePos: number;
  gboTablePos: number;
  numGlobalBuffers: number;
  numColumns: number;
  majorVersion: number;
  minorVersion: number;
  /** "2.0", "2.1", "2.2" or "2.3". */
  fileVersion: string;
}

export interface BufferRange {
  position: number;
  size: number;
}

/** The smallest footer of any Lance file: a legacy (v1) footer (u64 metadata position, versions, magic). */
export const MIN_FOOTER_BYTES = 16;

/** Maps footer version words to the data storage version they denote ("legacy" for v1 files). */
export function fileVersionOf(major: number, minor: number, path: string, byteOffset: number): string {
  if ((major === 0 && minor === 3) || (major === 2 && minor === 0)) return "2.0";
  if (major === 2 && minor >= 1 && minor <= 3) return `2.${minor}`;
  if (major === 0 && minor <= 2) return "legacy";
  throw new CorruptFileError(path, byteOffset, `unknown Lance file version ${major}.${minor}`);
}

export interface FileVersionWords {
  majorVersion: number;
  minorVersion: number;
  /** "legacy", "2.0", "2.1", "2.2" or "2.3". */
  fileVersion: string;
}

/**
 * Reads the magic and the version words that end every Lance file (legacy
 * and 2.x alike), before anything version specific is trusted.
 */
export function decodeFileVersion(tail: Uint8Array, fileSize: number, path: string): FileVersionWords {
  if (fileSize < MIN_FOOTER_BYTES || tail.byteLength < MIN_FOOTER_BYTES) {
    throw new CorruptFileError(path, 0, `file has ${fileSize} bytes, fewer than the smallest (${MIN_FOOTER_BYTES}-byte) Lance footer`);
  }
  const r = new ByteReader(tail, path, fileSize - tail.byteLength);
  r.seek(tail.byteLength - 8);
  const majorVersion = r.u16("major version");
  const minorVersion = r.u16("minor version");
  const magic = utf8Decode(r.take(4));
  if (magic !== FILE_MAGIC) r.fail(`bad magic ${JSON.stringify(magic)}, expected "LANC"`, tail.byteLength - 4);
  return { majorVersion, minorVersion, fileVersion: fileVersionOf(majorVersion, minorVersion, path, fileSize - 8) };
}

/** Decodes the 40-byte footer of a 2.x file; `fileSize` bounds every position. */
export function decodeFileFooter(tail: Uint8Array, fileSize: number, path: string): FileFooter {
  const { majorVersion, minorVersion, fileVersion } = decodeFileVersion(tail, fileSize, path);
  if (fileVersion === "legacy") {
    throw new LanceError("NOT_SUPPORTED", `${path} is a legacy (v1) Lance file (footer version ${majorVersion}.${minorVersion}); open it with openFileReader`);
  }
  if (fileSize < FILE_FOOTER_BYTES) {
    throw new CorruptFileError(path, 0, `file has ${fileSize} bytes, fewer than the ${FILE_FOOTER_BYTES}-byte footer`);
  }
  const base = fileSize - tail.byteLength;
  const r = new ByteReader(tail, path, base);
  r.seek(tail.byteLength - FILE_FOOTER_BYTES);
  const columnMetaStart = r.u64Number("column metadata start");
  const cmoTablePos = r.u64Number("column metadata offset table position");
  const gboTablePos = r.u64Number("global buffer offset table position");
  const numGlobalBuffers = r.u32("global buffer count");
  const numColumns = r.u32("column count");
  const footerPos = fileSize - FILE_FOOTER_BYTES;
  if (numGlobalBuffers < 1) throw new CorruptFileError(path, footerPos + 24, "file has no global buffers (the schema is global buffer 0)");
  if (cmoTablePos + numColumns * 16 > footerPos) {
    throw new CorruptFileError(path, footerPos + 8, `column offset table of ${numColumns} entries at ${cmoTablePos} passes the footer at ${footerPos}`);
  }
  if (gboTablePos + numGlobalBuffers * 16 > footerPos) {
    throw new CorruptFileError(path, footerPos + 16, `global buffer table of ${numGlobalBuffers} entries at ${gboTablePos} passes the footer at ${footerPos}`);
  }
  if (columnMetaStart > footerPos) {
    throw new CorruptFileError(path, footerPos, `column metadata start ${columnMetaStart} is past the footer at ${footerPos}`);
  }
  return { columnMetaStart, cmoTablePos, gboTablePos, numGlobalBuffers, numColumns, majorVersion, minorVersion, fileVersion };
}

/** Decodes an offset table of `count` (u64 position, u64 size) entries, each within `fileSize`. */
export function decodeOffsetTable(bytes: Uint8Array, byteOffset: number, count: number, fileSize: number, path: string, what: string): BufferRange[] {
  const r = new ByteReader(bytes, path, byteOffset);
  const out: BufferRange[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.position;
    const position = r.u64Number(`${what} ${i} position`);
    const size = r.u64Number(`${what} ${i} size`);
    if (position + size > fileSize) r.fail(`${what} ${i} (${size} bytes at ${position}) passes the end of the file (size ${fileSize})`, at);
    out.push({ position, size });
  }
  return out;
}
