// Writes an Arrow table as a standalone Lance file (index files, and any file
// whose schema is its own): field ids are assigned depth-first from 0. Files
// are written to the store as they are encoded (lance-file-writer.ts).

import type { Data, Schema, Table } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { concatData, nullData } from "../core/arrow-data.js";
import { utf8Encode } from "../core/bytes.js";
import { encodeLanceFile, type EncodedColumn } from "../format/file/layout-writer.js";
import { arrowToLanceFields } from "../format/table/arrow-schema.js";
import { PageScratch } from "../format/file/page-scratch.js";
import { encodeColumnPages, encodeColumnPagesEach } from "./column-pages.js";
import type { ObjectStore } from "../io/object-store.js";
import { LanceFileWriter, writeLanceFile } from "./lance-file-writer.js";

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

function fileSchemaMetadata(schema: Schema, extra: Record<string, string> | undefined): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  // the table's own schema metadata, then any given in options
  for (const [k, v] of schema.metadata) out[k] = utf8Encode(v);
  for (const [k, v] of Object.entries(extra ?? {})) out[k] = utf8Encode(v);
  return out;
}

function columnData(table: Table, index: number): Data {
  const field = table.schema.fields[index]!;
  const vector = table.getChild(field.name)!;
  return vector.data.length === 0 ? nullData(field.type, 0) : concatData(vector.data);
}

function pageOptions(options: ArrowFileOptions): { rowsPerPage?: number } {
  return options.rowsPerPage ? { rowsPerPage: options.rowsPerPage } : {};
}

/** The whole file in memory (writeArrowFile writes the same bytes without assembling them). */
export function encodeArrowFile(table: Table, options: ArrowFileOptions = {}): Uint8Array {
  const fileVersion = options.fileVersion ?? "2.0";
  const columns: EncodedColumn[] = [];
  table.schema.fields.forEach((field, k) => columns.push(...encodeColumnPages(field.name, columnData(table, k), fileVersion, pageOptions(options))));
  return encodeLanceFile({
    fileVersion,
    fields: arrowToLanceFields(table.schema),
    schemaMetadata: fileSchemaMetadata(table.schema, options.metadata),
    numRows: table.numRows,
    columns,
    globalBuffers: options.globalBuffers ?? [],
  });
}

/**
 * Writes the file one page at a time, field after field; returns its size in
 * bytes. The bytes equal encodeArrowFile's, except that the columns of a field
 * with several (a 2.0 struct) alternate page by page.
 */
export async function writeArrowFile(store: ObjectStore, path: string, table: Table, options: ArrowFileOptions = {}): Promise<number> {
  const fileVersion = options.fileVersion ?? "2.0";
  const fields = arrowToLanceFields(table.schema);
  const scratch = new PageScratch();
  return writeLanceFile(store, path, fileVersion, async (writer) => {
    let base = 0;
    for (let k = 0; k < table.schema.fields.length; k++) {
      let width = 0;
      for (const page of encodeColumnPagesEach(table.schema.fields[k]!.name, columnData(table, k), fileVersion, { ...pageOptions(options), scratch })) {
        for (let c = 0; c < page.length; c++) for (const p of page[c]!.pages) await writer.writePage(base + c, p);
        width = page.length;
      }
      base += width;
    }
    return { fields, schemaMetadata: fileSchemaMetadata(table.schema, options.metadata), numRows: table.numRows, globalBuffers: options.globalBuffers ?? [] };
  });
}

/**
 * Writes a standalone Lance file page by page, as rows arrive: each added
 * page becomes one page of every column and goes to the store at once, so
 * only the page being encoded is held. Pages of the columns alternate in the
 * file (page 0 of every column, then page 1, ...).
 */
export class PagedFileWriter {
  /** The first column of each top-level field, once the first page is known. */
  private bases: number[] | undefined;
  private numRows = 0;
  /** Reused by every page this file's columns encode. */
  private readonly scratch = new PageScratch();

  private constructor(
    private readonly writer: LanceFileWriter,
    private readonly schema: Schema,
    private readonly options: Omit<ArrowFileOptions, "rowsPerPage">,
  ) {}

  static async open(store: ObjectStore, path: string, schema: Schema, options: Omit<ArrowFileOptions, "rowsPerPage"> = {}): Promise<PagedFileWriter> {
    return new PagedFileWriter(await LanceFileWriter.open(store, path, options.fileVersion ?? "2.0"), schema, options);
  }

  /** Adds one page: the Data of each top-level field, of equal lengths (a page larger than PAGE_BYTES is cut further, as column-pages.ts cuts). */
  async addPage(datas: readonly Data[]): Promise<void> {
    const fileVersion = this.options.fileVersion ?? "2.0";
    const fields = this.schema.fields;
    const bases = this.bases ?? [];
    let at = 0;
    for (let k = 0; k < fields.length; k++) {
      const part = datas[k]!;
      if (!this.bases) bases.push(at);
      let width = 0;
      for (const columns of encodeColumnPagesEach(fields[k]!.name, part, fileVersion, { rowsPerPage: Math.max(1, part.length), scratch: this.scratch })) {
        for (let c = 0; c < columns.length; c++) for (const p of columns[c]!.pages) await this.writer.writePage(bases[k]! + c, p);
        width = columns.length;
      }
      at += width;
    }
    this.bases = bases;
    this.numRows += datas[0]?.length ?? 0;
  }

  /** Writes the tail and makes the file visible; returns its size in bytes. */
  async finish(): Promise<number> {
    if (!this.bases) throw new LanceError("INTERNAL", "a paged file needs at least one page");
    return this.writer.finish({
      fields: arrowToLanceFields(this.schema),
      schemaMetadata: fileSchemaMetadata(this.schema, this.options.metadata),
      numRows: this.numRows,
      globalBuffers: this.options.globalBuffers ?? [],
    });
  }

  /** Discards the file. */
  async abort(): Promise<void> {
    await this.writer.abort();
  }
}
