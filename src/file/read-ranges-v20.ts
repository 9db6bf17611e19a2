// Row ranges of a top-level field of a Lance 2.0 file, reading only the pages
// that hold them. 2.0 gives every field a column in pre-order (structs and
// lists included): a struct's children hold the same rows as the struct, and a
// list column's pages hold, per row, end offsets into the item column, so the
// rows asked of a list become item ranges asked of its item column, level by
// level, and a list of gigabytes of items costs only the items of those rows.

import { DataType, Field as ArrowField, List as ArrowList, makeData, Uint8, type Data, type Field, type List, type Struct } from "apache-arrow";
import { concatData, nullData } from "../core/arrow-data.js";
import { CorruptFileError } from "../core/errors.js";
import type { DecodeContext } from "../format/encoding/data-block.js";
import { leafShape } from "../format/file/arrow-build.js";
import { assembleFieldV20, binaryFromList } from "../format/file/assemble-v20.js";
import type { ColumnInfo } from "../format/file/column-metadata.js";
import { decodeListPageV20, decodePageV20, listPageItemCount, type PageV20 } from "../format/file/page-v20.js";
import type { RowRange } from "./row-ranges.js";

/** What the ranged 2.0 reader needs of a file. */
export interface V20Source {
  path: string;
  columns: ColumnInfo[];
  /** First columns of string and binary fields stored as lists of u8. */
  listEncoded: ReadonlySet<number>;
  /** Buffers of the given pages of a column (other pages' entries are empty). */
  fetchPages(columnIndex: number, pages: Set<number>): Promise<Uint8Array[][]>;
  /** Items before each page of a list column, and the column's item count last (kept across reads). */
  listItemStarts(columnIndex: number): number[];
  /** Checks a page's encoding is a 2.0 array encoding. */
  checkPage(columnIndex: number, pageIndex: number): void;
  ctx(columnIndex: number, pageIndex: number): DecodeContext;
}

interface Built {
  /** The rows of every range, concatenated in order. */
  data: Data;
  /** The column after the field's last one. */
  next: number;
}

/** First row of every page of a column, and the column's row count last. */
function pageStarts(column: ColumnInfo): number[] {
  const starts = [0];
  for (const page of column.pages) starts.push(starts[starts.length - 1]! + page.numRows);
  return starts;
}

/** Pages holding rows of any non-empty range. */
function pagesFor(starts: number[], ranges: readonly RowRange[]): Set<number> {
  const pages = new Set<number>();
  let p = 0;
  for (const range of ranges) {
    if (range.end <= range.start) continue;
    while (p + 1 < starts.length - 1 && starts[p + 1]! <= range.start) p++;
    for (let q = p; q < starts.length - 1 && starts[q]! < range.end; q++) pages.add(q);
  }
  return pages;
}

/** Index of the page holding row `row` (rows past the end map to the last page). */
function pageOf(starts: number[], row: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function concatPieces(pieces: Data[], type: DataType): Data {
  if (pieces.length === 0) return nullData(type, 0);
  return pieces.length === 1 ? pieces[0]! : concatData(pieces);
}

function checkWithin(source: V20Source, columnIndex: number, field: Field, ranges: readonly RowRange[], numRows: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last.end > numRows) {
    throw new CorruptFileError(source.path, undefined, `field "${field.name}" needs rows up to ${last.end} of column ${columnIndex}, which holds ${numRows}`);
  }
}

/**
 * Rows `ranges` (sorted, not overlapping, inside the column) of `field`, whose
 * first column is `columnIndex`, concatenated in order.
 */
export async function readRangesV20(source: V20Source, field: Field, columnIndex: number, ranges: readonly RowRange[]): Promise<Built> {
  const column = source.columns[columnIndex];
  if (!column) throw new CorruptFileError(source.path, undefined, `field "${field.name}" needs column ${columnIndex}, the file has ${source.columns.length}`);
  const starts = pageStarts(column);
  checkWithin(source, columnIndex, field, ranges, starts[starts.length - 1]!);
  if (source.listEncoded.has(columnIndex)) {
    const asList = new ArrowField(field.name, new ArrowList(new ArrowField("item", new Uint8(), false)), field.nullable);
    const built = await readList(source, asList, columnIndex, starts, ranges);
    return { data: binaryFromList(field, built.data, source.ctx(columnIndex, 0)), next: built.next };
  }
  if (DataType.isStruct(field.type)) return readStruct(source, field, columnIndex, starts, ranges);
  if (DataType.isList(field.type)) return readList(source, field, columnIndex, starts, ranges);
  return { data: await readLeaf(source, field, columnIndex, starts, ranges), next: columnIndex + 1 };
}

/** Items before each page of a 2.0 list column, from every page's encoding (no buffers needed), and the item count last. */
export function listItemStarts(source: Pick<V20Source, "columns" | "checkPage" | "ctx">, columnIndex: number): number[] {
  const starts: number[] = [0];
  source.columns[columnIndex]!.pages.forEach((page, p) => {
    source.checkPage(columnIndex, p);
    starts.push(starts[p]! + listPageItemCount(page.encoding.value, source.ctx(columnIndex, p)));
  });
  return starts;
}

async function readStruct(source: V20Source, field: Field, columnIndex: number, starts: number[], ranges: readonly RowRange[]): Promise<Built> {
  const numRows = starts[starts.length - 1]!;
  let next = columnIndex + 1;
  const children: Data[] = [];
  for (const child of (field.type as Struct).children) {
    const childColumn = source.columns[next];
    const childRows = childColumn ? pageStarts(childColumn).at(-1)! : 0;
    if (childRows !== numRows) throw new CorruptFileError(source.path, undefined, `struct child "${child.name}" has ${childRows} rows, struct "${field.name}" has ${numRows}`);
    const built = await readRangesV20(source, child, next, ranges);
    children.push(built.data);
    next = built.next;
  }
  let length = 0;
  for (const r of ranges) length += r.end - r.start;
  return { data: makeData({ type: field.type as Struct, length, nullCount: 0, children } as never), next };
}

/** Rows each page must decode (relative to the page): from the first to the last row any range needs of it. */
function pageSpans(starts: number[], ranges: readonly RowRange[]): Map<number, RowRange> {
  const spans = new Map<number, RowRange>();
  for (const range of ranges) {
    if (range.end <= range.start) continue;
    for (let p = pageOf(starts, range.start); p < starts.length - 1 && starts[p]! < range.end; p++) {
      const local = { start: Math.max(range.start, starts[p]!) - starts[p]!, end: Math.min(range.end, starts[p + 1]!) - starts[p]! };
      const span = spans.get(p);
      if (!span) spans.set(p, local);
      else span.end = local.end;
    }
  }
  return spans;
}

async function readList(source: V20Source, field: Field, columnIndex: number, starts: number[], ranges: readonly RowRange[]): Promise<Built> {
  const column = source.columns[columnIndex]!;
  const spans = pageSpans(starts, ranges);
  const buffers = await source.fetchPages(columnIndex, new Set(spans.keys()));
  const itemBase = source.listItemStarts(columnIndex);
  // each page's offsets, for the rows the ranges need of it (listOffsets[0]: where the first starts)
  const decoded = new Map<number, PageV20>();
  for (const [p, span] of spans) {
    source.checkPage(columnIndex, p);
    decoded.set(p, decodeListPageV20(column.pages[p]!.encoding.value, buffers[p]!, column.pages[p]!.numRows, source.ctx(columnIndex, p), span));
  }
  let length = 0;
  for (const r of ranges) length += r.end - r.start;
  const offsets = new Int32Array(length + 1);
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  const itemRanges: RowRange[] = [];
  let at = 0;
  let items = 0;
  for (const range of ranges) {
    if (range.end <= range.start) continue;
    let first = -1;
    let prev = 0;
    for (let p = pageOf(starts, range.start); p < starts.length - 1 && starts[p]! < range.end; p++) {
      const page = decoded.get(p)!;
      const span = spans.get(p)!;
      const lo = page.listOffsets!;
      const base = itemBase[p]!;
      const from = Math.max(range.start, starts[p]!) - starts[p]! - span.start;
      const to = Math.min(range.end, starts[p + 1]!) - starts[p]! - span.start;
      if (first < 0) prev = first = base + lo[from]!;
      for (let k = from; k < to; k++) {
        const end = base + lo[k + 1]!;
        if (end < prev || end > itemBase[p + 1]!) {
          throw new CorruptFileError(source.path, column.pages[p]!.bufferOffsets[0], `list "${field.name}" row ${starts[p]! + span.start + k} ends at item ${end}, outside ${prev}..${itemBase[p + 1]} (its start and its page's last item)`);
        }
        items += end - prev;
        prev = end;
        if (!page.validity || (page.validity[k >> 3]! >> (k & 7)) & 1) bitmap[at >> 3] = bitmap[at >> 3]! | (1 << (at & 7));
        else nullCount++;
        offsets[++at] = items;
      }
    }
    if (items > 0x7fffffff) throw new CorruptFileError(source.path, undefined, `list "${field.name}" rows ${range.start}..${range.end} hold ${items} items, more than 32-bit offsets address`);
    itemRanges.push({ start: first, end: prev });
  }
  const itemField = (field.type as List).children[0]!;
  const child = await readRangesV20(source, itemField, columnIndex + 1, itemRanges);
  if (child.data.length !== items) throw new CorruptFileError(source.path, undefined, `list "${field.name}" refers to ${items} items, its item column gave ${child.data.length}`);
  const data = makeData({ type: field.type as List, length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, valueOffsets: offsets, child: child.data } as never);
  return { data, next: child.next };
}

async function readLeaf(source: V20Source, field: Field, columnIndex: number, starts: number[], ranges: readonly RowRange[]): Promise<Data> {
  const pages = pagesFor(starts, ranges);
  if (pages.size === 0) return nullData(field.type, 0);
  const column = source.columns[columnIndex]!;
  const buffers = await source.fetchPages(columnIndex, pages);
  // each page is decoded once, over the rows (relative to the page) that the ranges need of it
  const spans = pageSpans(starts, ranges);
  const decoded = new Map<number, Data>();
  for (const [p, span] of spans) {
    source.checkPage(columnIndex, p);
    const page = column.pages[p]!;
    const ctx = source.ctx(columnIndex, p);
    const rows = decodePageV20(page.encoding.value, buffers[p]!, page.numRows, leafShape(field.type, field.name), ctx, span);
    const data = assembleFieldV20(field, columnIndex, () => [rows], ctx).data;
    if (data.length !== span.end - span.start) throw new CorruptFileError(source.path, page.bufferOffsets[0], `field "${field.name}" decoded to ${data.length} rows of page ${p}, ${span.end - span.start} were asked for`);
    decoded.set(p, data);
  }
  const pieces: Data[] = [];
  for (const range of ranges) {
    if (range.end <= range.start) continue;
    for (let p = pageOf(starts, range.start); p < starts.length - 1 && starts[p]! < range.end; p++) {
      const from = Math.max(range.start, starts[p]!);
      const to = Math.min(range.end, starts[p + 1]!);
      pieces.push(decoded.get(p)!.slice(from - starts[p]! - spans.get(p)!.start, to - from));
    }
  }
  return concatPieces(pieces, field.type);
}
