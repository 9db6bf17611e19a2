// One data file written as its rows arrive: each column's rows wait until
// about a page's worth (PAGE_BYTES) has gathered, then are encoded and go to
// the store's ObjectWriter, so an append holds a page or so per column, never
// a whole data file. Columns fill at different rates, so their pages
// alternate in the file in the order they fill (each column's pages in row
// order), as in files Lance writes. Seeds observe the rows as they arrive and
// become extra global buffers at the end. Nothing is visible until `finish`;
// `abort` discards the upload.

import type { Data, Schema } from "apache-arrow";
import { concatData, dataByteSize } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { utf8Encode } from "../core/bytes.js";
import type { DataFile, Fragment, LanceField } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { encodePage, PAGE_BYTES, pageRowCounts } from "../file/column-pages.js";
import { LanceFileWriter } from "../file/lance-file-writer.js";
import { compactData } from "../format/file/leaf-values.js";
import { PageScratch } from "../format/file/page-scratch.js";
import { SEED_KEY_PREFIX, type SeedWriter } from "./seeds.js";

/** The ids of the fields that get a column in a file of `fileVersion` (2.0: every field; 2.1+: leaves), in file order. */
export function fileFieldIds(fields: readonly LanceField[], fileVersion: string): number[] {
  const parents = new Set(fields.map((f) => f.parentId));
  return fields.filter((f) => fileVersion === "2.0" || !parents.has(f.id)).map((f) => f.id);
}

/** A seed writer and the position of its column among the top-level fields. */
export interface FileSeed {
  fieldIndex: number;
  writer: SeedWriter;
}

interface ColumnBuffer {
  /** Index of the field's first column in the file. */
  base: number;
  /** How many columns the field has in the file. */
  width: number;
  pending: Data[];
  pendingBytes: number;
}

export class DataFileWriter {
  private numRows = 0;
  /** Reused by every page this file's columns encode. */
  private readonly scratch = new PageScratch();

  private constructor(
    private readonly writer: LanceFileWriter,
    /** File name under data/. */
    readonly name: string,
    private readonly fields: LanceField[],
    private readonly schemaMetadata: Record<string, Uint8Array>,
    private readonly arrowSchema: Schema,
    private readonly fileVersion: string,
    private readonly seeds: FileSeed[],
    private readonly buffers: ColumnBuffer[],
    private readonly pageBytes: number,
  ) {}

  /**
   * Starts data/<name> for rows of `arrowSchema` (the top-level fields of
   * `fields`). `pageBytes` is how much of a column gathers before it is
   * written as pages (default PAGE_BYTES).
   */
  static async open(
    store: ObjectStore,
    name: string,
    fields: LanceField[],
    schemaMetadata: Record<string, Uint8Array>,
    arrowSchema: Schema,
    fileVersion: string,
    seeds: FileSeed[],
    pageBytes = PAGE_BYTES,
  ): Promise<DataFileWriter> {
    const ids = new Set(fileFieldIds(fields, fileVersion));
    const top = fields.filter((f) => f.parentId === -1);
    if (top.length !== arrowSchema.fields.length) throw new LanceError("INTERNAL", `${top.length} top-level fields for ${arrowSchema.fields.length} Arrow fields`);
    // columns are the file fields in pre-order, so each top-level field's columns are consecutive
    const buffers: ColumnBuffer[] = [];
    let base = 0;
    for (const field of top) {
      const width = subtreeIds(fields, field.id).filter((id) => ids.has(id)).length;
      buffers.push({ base, width, pending: [], pendingBytes: 0 });
      base += width;
    }
    const writer = await LanceFileWriter.open(store, `data/${name}`, fileVersion, base);
    return new DataFileWriter(writer, name, fields, schemaMetadata, arrowSchema, fileVersion, seeds, buffers, pageBytes);
  }

  get rows(): number {
    return this.numRows;
  }

  /** Adds the next rows: one Data per top-level field, all of `numRows` rows. */
  async add(columns: readonly Data[], numRows: number): Promise<void> {
    columns.forEach((data, c) => {
      const buffer = this.buffers[c]!;
      buffer.pending.push(data);
      buffer.pendingBytes += dataByteSize(data);
    });
    // seed statistics accumulate as the rows arrive
    for (const seed of this.seeds) seed.writer.observe(columns[seed.fieldIndex]!);
    this.numRows += numRows;
    for (let c = 0; c < this.buffers.length; c++) {
      if (this.buffers[c]!.pendingBytes >= this.pageBytes) await this.flushColumn(c, false);
    }
  }

  /** Writes the remaining pages and the file's tail, and makes the file visible; returns its fragment (id not yet assigned). */
  async finish(): Promise<Fragment> {
    for (let c = 0; c < this.buffers.length; c++) await this.flushColumn(c, true);
    // seeds become extra global buffers (numbered from 1) named in the schema metadata
    const globalBuffers: Uint8Array[] = [];
    const metadata = { ...this.schemaMetadata };
    for (const { writer } of this.seeds) {
      const { bytes, metadataValue } = writer.finish();
      globalBuffers.push(bytes);
      metadata[`${SEED_KEY_PREFIX}${writer.column}`] = utf8Encode(metadataValue(globalBuffers.length));
    }
    const size = await this.writer.finish({ fields: this.fields, schemaMetadata: metadata, numRows: this.numRows, globalBuffers });
    const ids = fileFieldIds(this.fields, this.fileVersion);
    const [major, minor] = this.fileVersion === "2.0" ? [2, 0] : [2, Number(this.fileVersion.split(".")[1])];
    const file: DataFile = {
      path: this.name,
      fields: ids,
      columnIndices: ids.map((_, i) => i),
      fileMajorVersion: major!,
      fileMinorVersion: minor!,
      fileSizeBytes: size,
    };
    return { id: 0, files: [file], physicalRows: this.numRows };
  }

  /** Discards the upload. */
  async abort(): Promise<void> {
    for (const buffer of this.buffers) {
      buffer.pending = [];
      buffer.pendingBytes = 0;
    }
    await this.writer.abort();
  }

  /**
   * Encodes column `c`'s gathered rows as pages of at most `pageBytes` and
   * writes them; unless `all`, the last page (the one not yet full) waits for
   * more rows.
   */
  private async flushColumn(c: number, all: boolean): Promise<void> {
    const buffer = this.buffers[c]!;
    if (buffer.pending.length === 0) return;
    const data = buffer.pending.length === 1 ? buffer.pending[0]! : concatData(buffer.pending);
    buffer.pending = [];
    buffer.pendingBytes = 0;
    const counts = pageRowCounts(data, { pageBytes: this.pageBytes });
    const keep = !all && counts.length > 1 ? counts.pop()! : 0;
    let start = 0;
    for (const count of counts) {
      const part = compactData(data.slice(start, count));
      start += count;
      await this.writePage(c, part);
    }
    if (keep > 0) {
      const rest = data.slice(start, keep);
      buffer.pending.push(rest);
      buffer.pendingBytes = dataByteSize(rest);
    }
  }

  private async writePage(c: number, data: Data): Promise<void> {
    const buffer = this.buffers[c]!;
    const encoded = encodePage(this.arrowSchema.fields[c]!.name, data, this.fileVersion, this.scratch);
    if (encoded.length !== buffer.width) {
      throw new LanceError("INTERNAL", `column "${this.arrowSchema.fields[c]!.name}" encoded as ${encoded.length} columns where the file has ${buffer.width}`);
    }
    for (let k = 0; k < encoded.length; k++) for (const page of encoded[k]!.pages) await this.writer.writePage(buffer.base + k, page);
  }
}

function subtreeIds(fields: readonly LanceField[], root: number): number[] {
  const out = [root];
  for (const f of fields) if (out.includes(f.parentId)) out.push(f.id);
  return out;
}
