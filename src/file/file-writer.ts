// Writes an Arrow table as a standalone Lance file (index files, and any file
// whose schema is its own): field ids are assigned depth-first from 0.

import type { Data, Schema, Table } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { concatData, dataByteLength, nullData } from "../core/arrow-data.js";
import { utf8Encode } from "../core/bytes.js";
import { encodeFieldV20 } from "../format/file/encode-v20.js";
import { encodeFieldV21 } from "../format/file/encode-v21.js";
import { compactData } from "../format/file/leaf-values.js";
import { encodeLanceFile, type EncodedColumn } from "../format/file/layout-writer.js";
import { arrowToLanceFields } from "../format/table/arrow-schema.js";
import type { ObjectStore } from "../io/object-store.js";

export interface ArrowFileOptions {
  /** "2.0" (default), "2.1" or "2.2". */
  fileVersion?: string;
  /** Schema metadata stored in the file, besides the table's own. */
  metadata?: Record<string, string>;
  /** Extra global buffers; the first is global buffer 1. */
  globalBuffers?: Uint8Array[];
  /** Rows per page, so readers can fetch part of a column (default: one page per column, split past PAGE_TARGET_BYTES). */
  rowsPerPage?: number;
}

/**
 * Without rowsPerPage, a column larger than this is cut into pages of about
 * this size: readers refuse pages that claim more than 2^28 values or bytes,
 * and an index over a large table (a BITMAP with millions of keys, a big
 * vocabulary) easily holds more.
 */
export const PAGE_TARGET_BYTES = 64 * 1024 * 1024;

function defaultRowsPerPage(data: Data): number {
  const bytes = dataByteLength(data);
  if (bytes <= PAGE_TARGET_BYTES) return Math.max(1, data.length);
  return Math.max(1, Math.floor((data.length * PAGE_TARGET_BYTES) / bytes));
}

export function encodeArrowFile(table: Table, options: ArrowFileOptions = {}): Uint8Array {
  const fileVersion = options.fileVersion ?? "2.0";
  const fields = arrowToLanceFields(table.schema);
  const columns: EncodedColumn[] = [];
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    const data = vector.data.length === 0 ? nullData(field.type, 0) : concatData(vector.data);
    const step = options.rowsPerPage && options.rowsPerPage > 0 ? options.rowsPerPage : defaultRowsPerPage(data);
    let merged: EncodedColumn[] | undefined;
    for (let start = 0; start < Math.max(1, data.length); start += step) {
      const part = step >= data.length ? data : compactData(data.slice(start, Math.min(step, data.length - start)));
      const encoded = fileVersion === "2.0" ? encodeFieldV20(field.name, part) : encodeFieldV21(field.name, part, fileVersion);
      if (!merged) merged = encoded;
      else encoded.forEach((c, k) => merged![k]!.pages.push(...c.pages));
    }
    columns.push(...merged!);
  }
  const schemaMetadata: Record<string, Uint8Array> = {};
  // the table's own schema metadata, then any given in options
  for (const [k, v] of table.schema.metadata) schemaMetadata[k] = utf8Encode(v);
  for (const [k, v] of Object.entries(options.metadata ?? {})) schemaMetadata[k] = utf8Encode(v);
  return encodeLanceFile({ fileVersion, fields, schemaMetadata, numRows: table.numRows, columns, globalBuffers: options.globalBuffers ?? [] });
}

/** Writes the file; returns its size in bytes. */
export async function writeArrowFile(store: ObjectStore, path: string, table: Table, options: ArrowFileOptions = {}): Promise<number> {
  const bytes = encodeArrowFile(table, options);
  await store.put(path, bytes);
  return bytes.byteLength;
}

/**
 * Encodes a standalone Lance file page by page, as rows arrive: each added
 * page becomes one page of every column, so only the encoded pages are held.
 * The bytes equal encodeArrowFile's for the same rows with rowsPerPage set to
 * the page size.
 */
export class PagedFileEncoder {
  private readonly columns: EncodedColumn[][] = [];
  private numRows = 0;

  constructor(
    private readonly schema: Schema,
    private readonly options: Omit<ArrowFileOptions, "rowsPerPage"> = {},
  ) {}

  /** Adds one page: the Data of each top-level field, of equal lengths. */
  addPage(datas: readonly Data[]): void {
    const fileVersion = this.options.fileVersion ?? "2.0";
    this.schema.fields.forEach((field, k) => {
      const part = compactData(datas[k]!);
      const encoded = fileVersion === "2.0" ? encodeFieldV20(field.name, part) : encodeFieldV21(field.name, part, fileVersion);
      const merged = this.columns[k];
      if (!merged) this.columns[k] = encoded;
      else encoded.forEach((c, i) => merged[i]!.pages.push(...c.pages));
    });
    this.numRows += datas[0]?.length ?? 0;
  }

  finish(): Uint8Array {
    const fileVersion = this.options.fileVersion ?? "2.0";
    if (this.numRows === 0) throw new LanceError("INTERNAL", "a paged file needs at least one row");
    const schemaMetadata: Record<string, Uint8Array> = {};
    for (const [k, v] of this.schema.metadata) schemaMetadata[k] = utf8Encode(v);
    for (const [k, v] of Object.entries(this.options.metadata ?? {})) schemaMetadata[k] = utf8Encode(v);
    return encodeLanceFile({
      fileVersion,
      fields: arrowToLanceFields(this.schema),
      schemaMetadata,
      numRows: this.numRows,
      columns: this.columns.flat(),
      globalBuffers: this.options.globalBuffers ?? [],
    });
  }
}
