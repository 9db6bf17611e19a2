// Reads selected rows (sorted, distinct row numbers of a file) rather than
// ranges. In 2.1+ files, fields without lists read, page by page, only the
// mini-block chunks holding a selected row, and decode of each chunk only the
// selected values (format/file/page-take.ts); pages of other layouts decode
// from the first to the last selected row and keep the selected. Everything
// else (2.0 and legacy files, list columns) reads the rows as ranges, nearby
// rows sharing one, and takes the selected rows from them.

import type { Data, Field } from "apache-arrow";
import { DataType } from "apache-arrow";
import { takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import type { DecodeContext } from "../format/encoding/data-block.js";
import { assembleField, mergePages } from "../format/file/assemble-v21.js";
import type { BufferRange } from "../format/file/footer.js";
import { chunkOfRow, isFlatMiniBlock, miniBlockChunks, takeDecodedRows, takeMiniBlockRows, type MiniBlockChunk } from "../format/file/page-take.js";
import type { DecodedPage, MiniBlockValueCodec } from "../format/file/page-v21.js";

/** Rows fewer than this apart share a range when rows are read as ranges. */
export const ROW_RANGE_GAP = 64;

/** Checks that rows are sorted, distinct and inside a file of numRows rows. */
export function checkRows(rows: Uint32Array, numRows: number, path: string): void {
  let prev = -1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r >= numRows) throw new LanceError("INVALID_INPUT", `row ${r} is outside ${path} (${numRows} rows)`);
    if (r <= prev) throw new LanceError("INTERNAL", `rows asked of ${path} are not sorted and distinct`);
    prev = r;
  }
}

/** Row ranges covering sorted, distinct rows (neighbours closer than ROW_RANGE_GAP share one), and each row's position in them. */
export function rowsAsRanges(rows: ArrayLike<number>): { ranges: { start: number; end: number }[]; local: Int32Array } {
  const ranges: { start: number; end: number }[] = [];
  const local = new Int32Array(rows.length);
  let base = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const last = ranges[ranges.length - 1];
    if (last && r - last.end < ROW_RANGE_GAP) {
      local[i] = base + r - last.start;
      last.end = r + 1;
    } else {
      if (last) base += last.end - last.start;
      ranges.push({ start: r, end: r + 1 });
      local[i] = base;
    }
  }
  return { ranges, local };
}

/** Selected rows read as ranges, then taken. */
export async function readRowsByRanges(
  reader: { readFieldRanges(fieldIds: number[], ranges: { start: number; end: number }[] | undefined): Promise<Map<number, Data>> },
  fieldIds: number[],
  rows: Uint32Array,
): Promise<Map<number, Data>> {
  const { ranges, local } = rowsAsRanges(rows);
  const read = await reader.readFieldRanges(fieldIds, ranges.length > 0 ? ranges : [{ start: 0, end: 0 }]);
  const contiguous = ranges.length === 0 || (ranges.length === 1 && ranges[0]!.end - ranges[0]!.start === rows.length);
  return new Map([...read].map(([id, d]) => [id, contiguous ? d : takeData(d, local)]));
}

export function hasList(type: DataType): boolean {
  if (DataType.isList(type)) return true;
  return (type.children ?? []).some((c) => hasList(c.type));
}

/** What the 2.1+ reader offers this module (see LanceFileReader.rowsSource). */
export interface RowsSource {
  path: string;
  fileVersion: string;
  /** Per column: its pages' row counts, buffer positions and sizes. */
  pages(ci: number): readonly { numRows: number; bufferOffsets: readonly number[]; bufferSizes: readonly number[] }[];
  /** The page layout bytes (lance.encodings21.PageLayout), with the buffers and value codec of a rewritten 2.3 page. */
  layout(ci: number, p: number): { value: Uint8Array; valueCodec?: MiniBlockValueCodec; buffers?: Uint8Array[] };
  /** Page buffers other than the values (kept on the reader), by "column/page/buffer". */
  metaBuffers(wanted: (BufferRange & { key: string })[]): Promise<Map<string, Uint8Array>>;
  fetchRanges(ranges: BufferRange[]): Promise<(position: number, size: number) => Uint8Array>;
  decodePage(ci: number, p: number, leaf: Field, buffers: Uint8Array[], rows: { start: number; end: number }): DecodedPage;
  ctx(ci: number, p: number): DecodeContext;
  leafFields(field: Field): Field[];
  columnsOf(fieldId: number): number[];
}

interface PageRead {
  ci: number;
  leaf: Field;
  p: number;
  /** Page-relative selected rows. */
  rows: Uint32Array;
  /** Mini-block pages read by chunk: their chunks, and buffers other than the values. */
  chunks?: readonly MiniBlockChunk[];
  meta?: Uint8Array[];
}

/**
 * Selected rows (sorted, distinct, checked by the caller) of fields without
 * lists of a 2.1+ file, keyed by field id.
 */
export async function readRowsV21(source: RowsSource, fields: { id: number; arrow: Field }[], rows: Uint32Array): Promise<Map<number, Data>> {
  const reads: PageRead[] = [];
  const columnsOf = new Map(fields.map((f) => [f.id, source.columnsOf(f.id)]));
  for (const f of fields) {
    const leaves = source.leafFields(f.arrow);
    const columns = columnsOf.get(f.id)!;
    if (columns.length !== leaves.length) throw new LanceError("CORRUPT_FILE", `corrupt file ${source.path}: field "${f.arrow.name}" needs ${leaves.length} columns, the file has ${columns.length}`);
    for (const [n, ci] of columns.entries()) {
      const leaf = leaves[n]!;
      let k = 0;
      let pageStart = 0;
      source.pages(ci).forEach((page, p) => {
        const pageEnd = pageStart + page.numRows;
        let last = k;
        while (last < rows.length && rows[last]! < pageEnd) last++;
        if (last > k) {
          const local = new Uint32Array(last - k);
          for (let i = k; i < last; i++) local[i - k] = rows[i]! - pageStart;
          reads.push({ ci, leaf, p, rows: local });
        }
        k = last;
        pageStart = pageEnd;
      });
      if (k !== rows.length) throw new LanceError("CORRUPT_FILE", `corrupt file ${source.path}: column ${ci}'s pages hold ${pageStart} rows, fewer than row ${rows[k]} asked`);
    }
  }
  // mini-block pages: their chunk metadata (and dictionary) first, then only the chunks holding selected rows
  const metaWanted: (BufferRange & { key: string })[] = [];
  for (const read of reads) {
    const layout = source.layout(read.ci, read.p);
    if (layout.buffers || !isFlatMiniBlock(layout.value, source.ctx(read.ci, read.p))) continue;
    const page = source.pages(read.ci)[read.p]!;
    read.meta = [];
    page.bufferOffsets.forEach((position, b) => {
      if (b !== 1) metaWanted.push({ key: `${read.ci}/${read.p}/${b}`, position, size: page.bufferSizes[b]! });
    });
  }
  const meta = await source.metaBuffers(metaWanted);
  const wanted: BufferRange[] = [];
  for (const read of reads) {
    const page = source.pages(read.ci)[read.p]!;
    const ctx = source.ctx(read.ci, read.p);
    if (read.meta) {
      read.meta = page.bufferOffsets.map((_, b) => (b === 1 ? new Uint8Array(0) : meta.get(`${read.ci}/${read.p}/${b}`)!));
      const chunks = miniBlockChunks(source.layout(read.ci, read.p).value, read.meta[0]!, source.fileVersion, page.bufferSizes[1]!, ctx);
      read.chunks = chunks;
      let c = 0;
      for (let i = 0; i < read.rows.length; ) {
        c = chunkOfRow(chunks, read.rows[i]!, c);
        const chunk = chunks[c];
        if (!chunk) break;
        wanted.push({ position: page.bufferOffsets[1]! + chunk.byteStart, size: chunk.byteLength });
        while (i < read.rows.length && read.rows[i]! < chunk.firstValue + chunk.numValues) i++;
      }
    } else if (!source.layout(read.ci, read.p).buffers) {
      page.bufferOffsets.forEach((position, b) => wanted.push({ position, size: page.bufferSizes[b]! }));
    }
  }
  const find = await source.fetchRanges(wanted);
  const decoded = new Map<string, DecodedPage>();
  for (const read of reads) {
    const page = source.pages(read.ci)[read.p]!;
    const layout = source.layout(read.ci, read.p);
    const ctx = source.ctx(read.ci, read.p);
    let out: DecodedPage;
    if (read.chunks) {
      const chunks = read.chunks;
      const valueAt = page.bufferOffsets[1]!;
      out = takeMiniBlockRows(layout.value, chunks, (c) => find(valueAt + chunks[c]!.byteStart, chunks[c]!.byteLength), read.meta![2], source.fileVersion, read.rows, ctx, layout.valueCodec);
    } else if (layout.buffers && isFlatMiniBlock(layout.value, ctx)) {
      // a rewritten 2.3 page: its buffers are already in memory
      const buffers = layout.buffers;
      const chunks = miniBlockChunks(layout.value, buffers[0]!, source.fileVersion, buffers[1]!.byteLength, ctx);
      out = takeMiniBlockRows(layout.value, chunks, (c) => buffers[1]!.subarray(chunks[c]!.byteStart, chunks[c]!.byteStart + chunks[c]!.byteLength), buffers[2], source.fileVersion, read.rows, ctx, layout.valueCodec);
    } else {
      const buffers = layout.buffers ?? page.bufferOffsets.map((position, b) => find(position, page.bufferSizes[b]!));
      const first = read.rows[0]!;
      const span = source.decodePage(read.ci, read.p, read.leaf, buffers, { start: first, end: read.rows[read.rows.length - 1]! + 1 });
      const skipped = first - (span.rowOffset ?? 0);
      const local = new Uint32Array(read.rows.length);
      for (let i = 0; i < local.length; i++) local[i] = read.rows[i]! - first + skipped;
      out = takeDecodedRows(span, local, ctx);
    }
    decoded.set(`${read.ci}/${read.p}`, out);
  }
  const result = new Map<number, Data>();
  for (const f of fields) {
    const columns = columnsOf.get(f.id)!;
    const leaves = source.leafFields(f.arrow).map((_, k) => {
      const ci = columns[k]!;
      const pages = reads.filter((r) => r.ci === ci).map((r) => decoded.get(`${ci}/${r.p}`)!);
      return mergePages(pages, source.ctx(ci, 0));
    });
    result.set(f.id, assembleField(f.arrow, leaves, rows.length, { path: source.path, byteOffset: 0 }));
  }
  return result;
}
