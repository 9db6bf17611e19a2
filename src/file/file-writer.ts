// Writes an Arrow table as a standalone Lance file (index files, and any file
// whose schema is its own): field ids are assigned depth-first from 0.

import type { Data, Schema, Table } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { concatData, dataByteLength, nullData } from "../core/arrow-data.js";
import { utf8Encode } from "../core/bytes.js";
import { encodeLanceFile, type EncodedColumn } from "../format/file/layout-writer.js";
import { arrowToLanceFields } from "../format/table/arrow-schema.js";
import { encodeColumnPages } from "./column-pages.js";
import type { ObjectStore } from "../io/object-store.js";

export interface ArrowFileOptions {
  /** "2.0" (default), "2.1" or "2.2". */
  fileVersion?: string;
  /** Schema metadata stored in the file, besides the table's own. */
  metadata?: Record<string, string>;
  /** Extra global buffers; the first is global buffer 1. */
  globalBuffers?: Uint8Array[];
  /** Rows per page, so readers can fetch part of a column (default: pages are cut only by size, see column-pages.ts). */
  rowsPerPage?: number;
}

export function encodeArrowFile(table: Table, options: ArrowFileOptions = {}): Uint8Array {
  const fileVersion = options.fileVersion ?? "2.0";
  const fields = arrowToLanceFields(table.schema);
  const columns: EncodedColumn[] = [];
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    const data = vector.data.length === 0 ? nullData(field.type, 0) : concatData(vector.data);
    columns.push(...encodeColumnPages(field.name, data, fileVersion, options.rowsPerPage ? { rowsPerPage: options.rowsPerPage } : {}));
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
      const part = datas[k]!;
      const encoded = encodeColumnPages(field.name, part, fileVersion, { rowsPerPage: Math.max(1, part.length) });
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
