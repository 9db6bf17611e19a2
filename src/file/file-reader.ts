// Reads Lance 2.0/2.1/2.2 data files from an ObjectStore (open-file-reader.ts
// picks this reader or the legacy one from the footer): the tail is read
// speculatively so footer, offset tables, column metadata and schema usually
// arrive in one request; page buffers of a column are fetched in coalesced
// ranges, decoded and assembled into Arrow data.

import { DataType, Field, FixedSizeBinary, LargeBinary, type Data } from "apache-arrow";
import { concatData } from "../core/arrow-data.js";
import { CorruptFileError, LanceError } from "../core/errors.js";
import type { DecodeContext } from "../format/encoding/data-block.js";
import { leafShape } from "../format/file/arrow-build.js";
import { assembleField, mergePages, sliceLeaf } from "../format/file/assemble-v21.js";
import { assembleFieldV20 } from "../format/file/assemble-v20.js";
import { blobDescriptionField, blobVersionOf, decodeBlobV1Descriptions, decodeBlobV2Descriptions } from "../format/file/blob-descriptions.js";
import { decodeColumnMetadata, decodeFileSchema, type ColumnInfo, type FileSchema } from "../format/file/column-metadata.js";
import { decodeFileFooter, decodeOffsetTable, MIN_FOOTER_BYTES, type BufferRange, type FileFooter } from "../format/file/footer.js";
import { decodeListPageV20, decodePageV20, isListPageV20, type PageV20 } from "../format/file/page-v20.js";
import { blockToU32, takeFromBlock } from "../format/encoding/data-block.js";
import { decodePageLayout, decodePageV21, miniBlockByteSpan, type BufferPart, type DecodedPage, type MiniBlockValueCodec } from "../format/file/page-v21.js";
import { fullZipByteSpan, fullZipRepIndexWidth } from "../format/file/page-full-zip.js";
import { isFlatMiniBlock } from "../format/file/page-take.js";
import { PLANAR_LAYOUT_URL, translatePageV23 } from "../format/file/page-v23.js";
import { lanceToArrowSchema } from "../format/table/arrow-schema.js";
import type { LanceField } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { coalesceByBudget, type CoalesceBudget } from "./coalesce-ranges.js";
import { listItemStarts, readRangesV20, type V20Source } from "./read-ranges-v20.js";
import { checkRows, hasList, readRowsByRanges, readRowsV21, type RowsSource } from "./read-rows.js";
import { checkRowRanges } from "./row-ranges.js";

const TAIL_BYTES = 64 * 1024;
/** The most bytes of page metadata (chunk sizes, repetition indexes) one reader keeps; see pageMetaBuffers. */
const PAGE_META_CACHE_BYTES = 1024 * 1024;

/**
 * A row read (a take) that needs page metadata of a column held for another
 * page fetches that of every mini-block page of the column at once when there
 * are at most this many buffers to fetch and they fit half the page metadata
 * budget (see rowsMetaBuffers).
 */
const ROWS_META_PREFETCH_BUFFERS = 64;

/** Full-zip repetition indexes up to this size are fetched whole and kept (see readSpanBuffers); larger ones entry by entry. */
const ZIP_INDEX_KEPT_BYTES = 64 * 1024;
/**
 * Bytes beyond the proportional estimate of a span's chunks that a page's first
 * read fetches with its chunk metadata (see readSpanBuffers): enough for the
 * chunk the estimate ends in, so that one request usually covers both.
 */
const SPAN_ESTIMATE_SLACK_BYTES = 4 * 1024;
/** How page reads are merged: across alignment padding. */
const PAGE_FETCH_BUDGET: CoalesceBudget = { maxGapBytes: 4096 };
/**
 * How the chunks of selected rows are merged: across alignment padding, and
 * across gaps of up to 1 MiB (unselected chunks) while the bytes read beyond
 * those asked are no more than those asked. Scans do not bridge such gaps:
 * their next window would fetch the bridged bytes again.
 */
const ROWS_FETCH_BUDGET: CoalesceBudget = { maxGapBytes: 4096, budgetGapBytes: 1024 * 1024, wasteRatio: 1 };

/** Ranges of a read this many rows apart or more are read apart in mini-block columns (see readSparseRanges). */
const SPARSE_GAP_ROWS = 4096;
/** Reads of more groups of ranges than this fetch the chunks between them instead. */
const MAX_SPARSE_GROUPS = 64;

/** A buffer of a page by key "column/page/buffer" and where it lies in the file. */
interface PageMetaRange extends BufferRange {
  key: string;
}
const PAGE_LAYOUT_URL = "/lance.encodings21.PageLayout";
const ARRAY_ENCODING_URL = "/lance.encodings.ArrayEncoding";
/** Page layouts of encodings packages newer than encodings21 (encodings23 and later). */
const NEWER_LAYOUT_URL = /^\/lance\.encodings(2[3-9]|[3-9]\d)\./;
const BINARY_LOGICAL_TYPES = new Set(["string", "binary", "large_string", "large_binary"]);

/** A 2.1+ page layout as lance.encodings21.PageLayout bytes, with what a rewritten 2.3 page brings along. */
interface PageLayoutBytes {
  value: Uint8Array;
  valueCodec?: MiniBlockValueCodec;
  /** Buffers to decode instead of the stored ones. */
  buffers?: Uint8Array[];
  /** Or buffers to decode worked out from the stored ones (2.3 sparse planes). */
  levelBuffers?: (stored: Uint8Array[]) => Uint8Array[];
}

/** The buffers a page is decoded from: the stored ones, or those its translated layout puts in their place. */
function decodeBuffers(layout: PageLayoutBytes, stored: Uint8Array[]): Uint8Array[] {
  return layout.buffers ?? (layout.levelBuffers ? layout.levelBuffers(stored) : stored);
}

export interface OpenFileOptions {
  /** The file size when known (from the manifest), saving a request. */
  sizeBytes?: number;
}

/** A slice of the file that was read, addressed by absolute position. */
class FileBytes {
  constructor(
    readonly position: number,
    readonly bytes: Uint8Array,
  ) {}

  covers(position: number, size: number): boolean {
    return position >= this.position && position + size <= this.position + this.bytes.byteLength;
  }

  slice(position: number, size: number): Uint8Array {
    return this.bytes.subarray(position - this.position, position - this.position + size);
  }
}

/** The file size (known or asked) and its last bytes, speculatively enough for most footers and metadata. */
export async function readFileTail(store: ObjectStore, path: string, options: OpenFileOptions): Promise<{ fileSize: number; tailStart: number; tailBytes: Uint8Array }> {
  const fileSize = options.sizeBytes && options.sizeBytes > 0 ? options.sizeBytes : await store.size(path);
  if (fileSize < MIN_FOOTER_BYTES) throw new CorruptFileError(path, 0, `file has ${fileSize} bytes, fewer than the smallest (${MIN_FOOTER_BYTES}-byte) Lance footer`);
  const tailStart = Math.max(0, fileSize - TAIL_BYTES);
  const tailBytes = await store.readRange(path, tailStart, fileSize - tailStart);
  if (tailBytes.byteLength !== fileSize - tailStart) {
    throw new CorruptFileError(path, tailStart, `read ${tailBytes.byteLength} bytes of the file tail, expected ${fileSize - tailStart} (size ${fileSize})`);
  }
  return { fileSize, tailStart, tailBytes };
}

export class LanceFileReader {
  readonly store: ObjectStore;
  readonly path: string;
  readonly fileSize: number;
  readonly footer: FileFooter;
  readonly columns: ColumnInfo[];
  readonly globalBuffers: BufferRange[];
  readonly schema: FileSchema;
  private readonly columnOfField = new Map<number, number>();
  /** First columns of 2.0 string and binary fields stored as lists of u8. */
  private readonly listEncoded = new Set<number>();
  /** Items before each page of 2.0 list columns, by column (see read-ranges-v20.ts). */
  private readonly listItemStarts = new Map<number, number[]>();
  private readonly tail: FileBytes;
  /** 2.3 pages rewritten as 2.1/2.2 layouts, by "column/page", translated when first read. */
  private readonly translated = new Map<string, PageLayoutBytes>();
  /** See pageMetaBuffers. */
  private readonly pageMeta = new Map<string, Promise<Uint8Array>>();
  private pageMetaBytes = 0;
  /** Pages of each column whose metadata row reads asked for (see rowsMetaBuffers). */
  private readonly metaPagesOf = new Map<number, Set<number>>();
  private readonly miniBlockColumns = new Map<number, boolean>();

  private constructor(store: ObjectStore, path: string, fileSize: number, footer: FileFooter, columns: ColumnInfo[], globalBuffers: BufferRange[], schema: FileSchema, tail: FileBytes) {
    this.store = store;
    this.path = path;
    this.fileSize = fileSize;
    this.footer = footer;
    this.columns = columns;
    this.globalBuffers = globalBuffers;
    this.schema = schema;
    this.tail = tail;
    // 2.0 gives every field a column; 2.1+ only leaves (fields without children).
    // Pre-release 2.0 strings take two columns (list offsets, then bytes).
    const hasChildren = new Set(schema.fields.map((f) => f.parentId));
    let next = 0;
    for (const f of schema.fields) {
      if (footer.fileVersion === "2.0" || !hasChildren.has(f.id)) {
        const column = next++;
        this.columnOfField.set(f.id, column);
        if (footer.fileVersion === "2.0" && BINARY_LOGICAL_TYPES.has(f.logicalType) && this.isListColumn(column)) {
          this.listEncoded.add(column);
          next++;
        }
      }
    }
    if (next !== columns.length) {
      throw new CorruptFileError(path, undefined, `schema implies ${next} columns but the file has ${columns.length}`);
    }
  }

  /** Opens a 2.x file (legacy files fail with NOT_SUPPORTED; openFileReader opens either). */
  static async open(store: ObjectStore, path: string, options: OpenFileOptions = {}): Promise<LanceFileReader> {
    const { fileSize, tailStart, tailBytes } = await readFileTail(store, path, options);
    return LanceFileReader.fromTail(store, path, fileSize, tailStart, tailBytes);
  }

  /** Opens a 2.x file whose last bytes (from tailStart to the end) were already read. */
  static async fromTail(store: ObjectStore, path: string, fileSize: number, tailStart: number, tailBytes: Uint8Array): Promise<LanceFileReader> {
    let tail = new FileBytes(tailStart, tailBytes);
    const footer = decodeFileFooter(tail.bytes, fileSize, path);
    // Everything from the first piece of metadata to the footer.
    const metaStart = Math.min(footer.columnMetaStart, footer.cmoTablePos, footer.gboTablePos);
    if (metaStart < tail.position) tail = new FileBytes(metaStart, await store.readRange(path, metaStart, fileSize - metaStart));
    const cmo = decodeOffsetTable(tail.slice(footer.cmoTablePos, footer.numColumns * 16), footer.cmoTablePos, footer.numColumns, fileSize, path, "column metadata");
    const gbo = decodeOffsetTable(tail.slice(footer.gboTablePos, footer.numGlobalBuffers * 16), footer.gboTablePos, footer.numGlobalBuffers, fileSize, path, "global buffer");
    const schemaRange = gbo[0]!;
    let first = schemaRange.position;
    for (const c of cmo) first = Math.min(first, c.position);
    if (first < tail.position) tail = new FileBytes(first, await store.readRange(path, first, fileSize - first));
    const columns = cmo.map((c, i) => decodeColumnMetadata(tail.slice(c.position, c.size), c.position, fileSize, path, i));
    const schema = decodeFileSchema(tail.slice(schemaRange.position, schemaRange.size), schemaRange.position, path);
    return new LanceFileReader(store, path, fileSize, footer, columns, gbo, schema, tail);
  }

  private isListColumn(column: number): boolean {
    const page = this.columns[column]?.pages[0];
    return page !== undefined && page.encoding.typeUrl === ARRAY_ENCODING_URL && isListPageV20(page.encoding.value, this.ctx(column, 0));
  }

  get fileVersion(): string {
    return this.footer.fileVersion;
  }

  /** Pages per column, in column order. */
  columnPageCounts(): number[] {
    return this.columns.map((c) => c.pages.length);
  }

  get numRows(): number {
    return this.schema.numRows;
  }

  /** Global buffer `index` (0 is the schema; extra buffers start at 1). */
  async readGlobalBuffer(index: number): Promise<Uint8Array> {
    const range = this.globalBuffers[index];
    if (!range) throw new LanceError("INVALID_INPUT", `${this.path} has ${this.globalBuffers.length} global buffers, no buffer ${index}`);
    if (this.tail.covers(range.position, range.size)) return this.tail.slice(range.position, range.size);
    return this.store.readRange(this.path, range.position, range.size);
  }

  hasField(fieldId: number): boolean {
    return this.schema.fields.some((f) => f.id === fieldId);
  }

  /** Bytes of every page buffer of these top-level fields: what reading them whole fetches. */
  fieldBytes(fieldIds: number[]): number {
    let bytes = 0;
    for (const id of fieldIds) {
      const field = this.schema.fields.find((f) => f.id === id && f.parentId === -1);
      if (!field) throw new LanceError("INVALID_INPUT", `${this.path} has no top-level field ${id}`);
      for (const ci of this.columnsOf(field)) for (const page of this.columns[ci]!.pages) for (const size of page.bufferSizes) bytes += size;
    }
    return bytes;
  }

  /**
   * Pages of a column that hold rows [start, end), and the row number of the
   * first of them. Page row counts are summed rather than trusting priorities.
   */
  private pagesInRange(ci: number, start: number, end: number): { pages: Set<number>; firstRow: number } {
    const pages = new Set<number>();
    let firstRow = -1;
    let row = 0;
    this.columns[ci]!.pages.forEach((page, p) => {
      const next = row + page.numRows;
      if (next > start && row < end) {
        pages.add(p);
        if (firstRow < 0) firstRow = row;
      }
      row = next;
    });
    if (pages.size === 0 && this.columns[ci]!.pages.length > 0) {
      // an empty range still needs one page to give the column its shape
      pages.add(0);
      firstRow = 0;
    }
    return { pages, firstRow: Math.max(firstRow, 0) };
  }

  /**
   * Bytes [start, end) of the file. What the tail read at open already holds
   * is not fetched again: a range inside it costs no request, a range that
   * runs into it fetches only the part before it.
   */
  private async readBytes(start: number, end: number): Promise<FileBytes> {
    const tail = this.tail;
    if (tail.covers(start, end - start)) return new FileBytes(start, tail.slice(start, end - start));
    if (end <= tail.position || start >= tail.position) return new FileBytes(start, await this.store.readRange(this.path, start, end - start));
    const head = await this.store.readRange(this.path, start, tail.position - start);
    const whole = new Uint8Array(end - start);
    whole.set(head, 0);
    whole.set(tail.slice(tail.position, end - tail.position), head.byteLength);
    return new FileBytes(start, whole);
  }

  /**
   * The buffers other than the values (chunk metadata, repetition index) of
   * mini-block pages read in part, by key: kept on the reader, up to a byte
   * budget, so a later read of other rows of the same page (the next point
   * lookup, a take) fetches only the chunks it needs. Concurrent reads share
   * one request.
   */
  private async pageMetaBuffers(wanted: PageMetaRange[]): Promise<Map<string, Uint8Array>> {
    const local = new Map<string, Promise<Uint8Array>>();
    const missing = wanted.filter((w) => !this.pageMeta.has(w.key));
    if (missing.length > 0) {
      const fetched = this.fetchRanges(missing);
      for (const w of missing) {
        const one = fetched.then((find) => find(w.position, w.size).slice());
        if (this.pageMetaBytes + w.size > PAGE_META_CACHE_BYTES) {
          local.set(w.key, one);
          continue;
        }
        this.pageMeta.set(w.key, one);
        this.pageMetaBytes += w.size;
        one.catch(() => {
          if (this.pageMeta.get(w.key) !== one) return;
          this.pageMeta.delete(w.key);
          this.pageMetaBytes -= w.size;
        });
      }
    }
    const out = new Map<string, Uint8Array>();
    await Promise.all(wanted.map(async (w) => out.set(w.key, await (local.get(w.key) ?? this.pageMeta.get(w.key)!))));
    return out;
  }

  /**
   * Page metadata for a row read. A read that needs the metadata of a page of
   * a column whose metadata is held for another page (a point lookup after
   * one elsewhere in the file) fetches that of every mini-block page of the
   * column in the same round (up to ROWS_META_PREFETCH_BUFFERS buffers, within
   * half the budget), as Lance loads a column's page metadata on first use:
   * later lookups in other pages then fetch their chunks in one round trip
   * instead of two, while reads within one page (a lookup on a fresh open,
   * even in several steps) fetch only that page's.
   */
  private rowsMetaBuffers(wanted: PageMetaRange[]): Promise<Map<string, Uint8Array>> {
    const pagesOf = (w: PageMetaRange): [number, number] => {
      const [ci, p] = w.key.split("/");
      return [Number(ci), Number(p)];
    };
    const revisited = new Set<number>();
    for (const w of wanted) {
      if (this.pageMeta.has(w.key)) continue;
      const [ci, p] = pagesOf(w);
      const seen = this.metaPagesOf.get(ci);
      if (seen && [...seen].some((q) => q !== p)) revisited.add(ci);
    }
    for (const w of wanted) {
      const [ci, p] = pagesOf(w);
      let seen = this.metaPagesOf.get(ci);
      if (!seen) this.metaPagesOf.set(ci, (seen = new Set()));
      seen.add(p);
    }
    if (revisited.size === 0) return this.pageMetaBuffers(wanted);
    const asked = new Set(wanted.map((w) => w.key));
    const extra: PageMetaRange[] = [];
    let extraBytes = 0;
    for (const ci of revisited) {
      this.columns[ci]!.pages.forEach((page, p) => {
        if (page.bufferOffsets.length < 2) return;
        const layout = this.requireLayout(ci, p);
        if (layout.buffers || !isFlatMiniBlock(layout.value, this.ctx(ci, p))) return;
        page.bufferOffsets.forEach((position, b) => {
          const key = `${ci}/${p}/${b}`;
          if (b === 1 || asked.has(key) || this.pageMeta.has(key)) return;
          extra.push({ key, position, size: page.bufferSizes[b]! });
          extraBytes += page.bufferSizes[b]!;
        });
      });
    }
    if (extra.length === 0 || extra.length > ROWS_META_PREFETCH_BUFFERS || this.pageMetaBytes + extraBytes > PAGE_META_CACHE_BYTES / 2) return this.pageMetaBuffers(wanted);
    for (const w of extra) {
      const [ci, p] = pagesOf(w);
      this.metaPagesOf.get(ci)!.add(p);
    }
    return this.pageMetaBuffers([...wanted, ...extra]).then((all) => new Map([...all].filter(([key]) => asked.has(key))));
  }

  /** Keeps page metadata fetched along with other bytes, as pageMetaBuffers keeps what it fetches (within the same budget). */
  private keepPageMeta(key: string, size: number, bytes: Promise<Uint8Array>): void {
    if (this.pageMeta.has(key) || this.pageMetaBytes + size > PAGE_META_CACHE_BYTES) return;
    this.pageMeta.set(key, bytes);
    this.pageMetaBytes += size;
    bytes.catch(() => {
      if (this.pageMeta.get(key) !== bytes) return;
      this.pageMeta.delete(key);
      this.pageMetaBytes -= size;
    });
  }

  /** Fetches byte ranges of the file, coalescing neighbours; returns a lookup of any fetched range. */
  private async fetchRanges(ranges: BufferRange[], budget: CoalesceBudget = PAGE_FETCH_BUDGET): Promise<(position: number, size: number) => Uint8Array> {
    const sorted = [...ranges].filter((r) => r.size > 0).sort((a, b) => a.position - b.position);
    // merge ranges separated by small gaps (alignment padding), and by others as the budget
    // allows, up to a bounded request size
    const blocks = await Promise.all(coalesceByBudget(sorted, budget).map(({ start, end }) => this.readBytes(start, end)));
    return (position: number, size: number): Uint8Array => {
      if (size === 0) return new Uint8Array(0);
      // blocks are sorted and disjoint: the last one starting at or before the position
      let lo = 0;
      let hi = blocks.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (blocks[mid]!.position <= position) lo = mid + 1;
        else hi = mid;
      }
      const b = blocks[lo - 1];
      if (b && b.covers(position, size)) return b.slice(position, size);
      throw new LanceError("INTERNAL", `buffer at ${position} was not fetched`);
    };
  }

  /** Reads the page buffers of the given columns (all pages, or those selected), coalescing neighbouring ranges. */
  private async readColumnBuffers(columnIndices: number[], selected?: Map<number, Set<number>>): Promise<Map<number, Uint8Array[][]>> {
    const ranges: BufferRange[] = [];
    for (const ci of columnIndices) {
      this.columns[ci]!.pages.forEach((page, p) => {
        if (selected && !selected.get(ci)?.has(p)) return;
        page.bufferOffsets.forEach((position, b) => ranges.push({ position, size: page.bufferSizes[b]! }));
      });
    }
    const find = await this.fetchRanges(ranges);
    const out = new Map<number, Uint8Array[][]>();
    for (const ci of columnIndices) {
      out.set(
        ci,
        this.columns[ci]!.pages.map((page, p) => (selected && !selected.get(ci)?.has(p) ? [] : page.bufferOffsets.map((pos, b) => find(pos, page.bufferSizes[b]!)))),
      );
    }
    return out;
  }

  /** Rows each selected page of a column must decode: from the first to the last row any range needs of it. */
  private pageSpans(ci: number, ranges: { start: number; end: number }[]): Map<number, { start: number; end: number }> {
    const starts: number[] = [];
    let row = 0;
    for (const page of this.columns[ci]!.pages) {
      starts.push(row);
      row += page.numRows;
    }
    const spans = new Map<number, { start: number; end: number }>();
    for (const range of ranges) {
      for (const p of this.pagesInRange(ci, range.start, range.end).pages) {
        const numRows = this.columns[ci]!.pages[p]!.numRows;
        const local = { start: Math.max(0, range.start - starts[p]!), end: Math.max(0, Math.min(numRows, range.end - starts[p]!)) };
        const span = spans.get(p);
        if (!span) spans.set(p, local);
        else span.end = Math.max(span.end, local.end);
      }
    }
    return spans;
  }

  /**
   * Page buffers for decoding row spans (2.1+). Mini-block pages whose span
   * is not the whole page fetch their chunk metadata (and repetition index,
   * both kept on the reader) first, then only the value bytes of the chunks
   * the span needs: a scan whose windows split a page fetches each chunk
   * once rather than the whole page once per window. Full-zip pages with a
   * repetition index fetch the index entries of the span's first and last
   * rows (the whole index, kept on the reader, when it is small), then only
   * the span's bytes of the data buffer, as Lance does. A mini-block page
   * first read from its first row (a scan reaching it) fetches its chunk
   * metadata and the value bytes the span likely needs (its share of the
   * page's rows, and some slack) in one request, and only what the estimate
   * missed afterwards.
   */
  private async readSpanBuffers(spans: Map<number, Map<number, { start: number; end: number }>>): Promise<{ buffers: Map<number, Uint8Array[][]>; parts: Map<string, BufferPart> }> {
    const partKind = (ci: number, p: number, span: { start: number; end: number }): "miniBlock" | "fullZip" | undefined => {
      const page = this.columns[ci]!.pages[p]!;
      if (page.bufferOffsets.length < 2 || (span.start === 0 && span.end >= page.numRows)) return undefined;
      const layout = this.layoutOf(ci, p);
      if (layout === undefined || layout.buffers !== undefined || layout.levelBuffers !== undefined) return undefined;
      const kind = decodePageLayout(layout.value, this.ctx(ci, p)).layout.case;
      if (kind === "miniBlockLayout") return "miniBlock";
      return kind === "fullZipLayout" && span.end > span.start ? "fullZip" : undefined;
    };
    const first: BufferRange[] = [];
    const partial = new Map<string, "miniBlock" | "fullZip">();
    const metaWanted: PageMetaRange[] = [];
    /** Full-zip repetition index entries fetched without keeping them: the position of the first and its entry number. */
    const zipEntries = new Map<string, { position: number; size: number; firstEntry: number; width: number }>();
    /** Mini-block pages whose chunk metadata comes with the first `guess` bytes of their values, in one range. */
    const withValues = new Map<string, { position: number; size: number; metaSize: number; valueOffset: number; guess: number }>();
    for (const [ci, pages] of spans) {
      for (const [p, span] of pages) {
        const page = this.columns[ci]!.pages[p]!;
        const key = `${ci}/${p}`;
        const kind = partKind(ci, p, span);
        if (kind) partial.set(key, kind);
        page.bufferOffsets.forEach((position, b) => {
          const size = page.bufferSizes[b]!;
          if (kind === "miniBlock") {
            const valueStart = page.bufferOffsets[1]!;
            if (b === 0 && span.start === 0 && !this.pageMeta.has(`${key}/0`) && valueStart >= position + size && valueStart - position - size <= 4096) {
              const valueBytes = page.bufferSizes[1]!;
              const guess = Math.min(valueBytes, Math.ceil((valueBytes * span.end) / page.numRows) + SPAN_ESTIMATE_SLACK_BYTES);
              const range = { position, size: valueStart - position + guess, metaSize: size, valueOffset: valueStart - position, guess };
              withValues.set(key, range);
              first.push(range);
            } else if (b !== 1) metaWanted.push({ key: `${key}/${b}`, position, size });
          } else if (kind === "fullZip") {
            if (b !== 1) return;
            if (size <= ZIP_INDEX_KEPT_BYTES) {
              metaWanted.push({ key: `${key}/${b}`, position, size });
              return;
            }
            const width = fullZipRepIndexWidth(size, page.numRows, this.ctx(ci, p));
            const entries = { position: position + span.start * width, size: (span.end - span.start + 1) * width, firstEntry: span.start, width };
            zipEntries.set(key, entries);
            first.push(entries);
          } else first.push({ position, size });
        });
      }
    }
    // page metadata not kept yet is fetched in the same requests as the rest
    const missingMeta = metaWanted.filter((w) => !this.pageMeta.has(w.key));
    const firstFetch = this.fetchRanges([...first, ...missingMeta]);
    // kept at once, so a concurrent read of the same page (a window read ahead) waits for these bytes instead of fetching them again
    for (const w of missingMeta) this.keepPageMeta(w.key, w.size, firstFetch.then((found) => found(w.position, w.size).slice()));
    for (const [key, w] of withValues) this.keepPageMeta(`${key}/0`, w.metaSize, firstFetch.then((found) => found(w.position, w.metaSize).slice()));
    const find = await firstFetch;
    const metaBuffers = new Map<string, Uint8Array>();
    for (const w of missingMeta) metaBuffers.set(w.key, find(w.position, w.size));
    for (const [key, w] of withValues) metaBuffers.set(`${key}/0`, find(w.position, w.metaSize));
    // the rest was kept by earlier reads (or is on its way for a concurrent one)
    for (const [key, bytes] of await this.pageMetaBuffers(metaWanted.filter((w) => !metaBuffers.has(w.key)))) metaBuffers.set(key, bytes);
    const metaOf = (key: string, b: number): Uint8Array => metaBuffers.get(`${key}/${b}`)!;
    /** Value bytes of a span already fetched with the page's metadata, whole or the start of them. */
    const early = new Map<string, Uint8Array>();
    const second: BufferRange[] = [];
    const wanted = new Map<string, { start: number; end: number }>();
    for (const [key, kind] of partial) {
      const [ci, p] = key.split("/").map(Number) as [number, number];
      const page = this.columns[ci]!.pages[p]!;
      const span = spans.get(ci)!.get(p)!;
      let range: { start: number; end: number };
      let valueBuffer: number;
      if (kind === "fullZip") {
        valueBuffer = 0;
        const kept = zipEntries.get(key);
        const entries = kept ? find(kept.position, kept.size) : metaOf(key, 1);
        const width = kept ? kept.width : fullZipRepIndexWidth(entries.byteLength, page.numRows, this.ctx(ci, p));
        range = fullZipByteSpan(entries, width, kept ? kept.firstEntry : 0, span, page.bufferSizes[0]!, this.ctx(ci, p));
      } else {
        valueBuffer = 1;
        const meta = metaOf(key, 0);
        const last = page.bufferOffsets.length - 1;
        const repIndex = last >= 2 ? metaOf(key, last) : undefined;
        const bytes = miniBlockByteSpan(this.layoutOf(ci, p)!.value, meta, this.fileVersion, this.ctx(ci, p), span, repIndex);
        range = bytes && bytes.end <= page.bufferSizes[1]! ? bytes : { start: 0, end: page.bufferSizes[1]! };
      }
      wanted.set(key, range);
      const w = withValues.get(key);
      if (w && range.start < w.guess) {
        const have = find(w.position + w.valueOffset + range.start, Math.min(range.end, w.guess) - range.start);
        early.set(key, have);
        // what the estimate missed is fetched on its own
        if (range.end > w.guess) second.push({ position: page.bufferOffsets[valueBuffer]! + w.guess, size: range.end - w.guess });
        continue;
      }
      second.push({ position: page.bufferOffsets[valueBuffer]! + range.start, size: range.end - range.start });
    }
    const findPart = second.length > 0 ? await this.fetchRanges(second) : find;
    const buffers = new Map<number, Uint8Array[][]>();
    const parts = new Map<string, BufferPart>();
    for (const [ci, pages] of spans) {
      buffers.set(
        ci,
        this.columns[ci]!.pages.map((page, p) => {
          if (!pages.has(p)) return [];
          const key = `${ci}/${p}`;
          const range = wanted.get(key);
          const kind = partial.get(key);
          const valueBuffer = kind === "fullZip" ? 0 : 1;
          return page.bufferOffsets.map((position, b) => {
            if (range && b === valueBuffer) {
              parts.set(key, { offset: range.start, totalBytes: page.bufferSizes[b]! });
              const have = early.get(key);
              if (!have) return findPart(position + range.start, range.end - range.start);
              if (have.byteLength === range.end - range.start) return have;
              const whole = new Uint8Array(range.end - range.start);
              whole.set(have, 0);
              whole.set(findPart(position + range.start + have.byteLength, whole.byteLength - have.byteLength), have.byteLength);
              return whole;
            }
            // a full-zip page read in part decodes from its data bytes alone
            if (kind === "fullZip") return new Uint8Array(0);
            return kind ? metaOf(key, b) : find(position, page.bufferSizes[b]!);
          });
        }),
      );
    }
    return { buffers, parts };
  }

  /** The ranged 2.0 reader's view of this file. */
  private v20Source(): V20Source {
    const source: V20Source = {
      path: this.path,
      columns: this.columns,
      listEncoded: this.listEncoded,
      fetchPages: async (ci, pages) => (await this.readColumnBuffers([ci], new Map([[ci, pages]]))).get(ci)!,
      checkPage: (ci, p) => this.checkUrl(this.columns[ci]!.pages[p]!.encoding.typeUrl, ARRAY_ENCODING_URL, ci, p),
      ctx: (ci, p) => this.ctx(ci, p),
      listItemStarts: (ci) => {
        let starts = this.listItemStarts.get(ci);
        if (!starts) this.listItemStarts.set(ci, (starts = listItemStarts(source, ci)));
        return starts;
      },
    };
    return source;
  }

  private ctx(columnIndex: number, pageIndex: number): DecodeContext {
    const page = this.columns[columnIndex]?.pages[pageIndex];
    return { path: this.path, byteOffset: page?.bufferOffsets[0] ?? 0 };
  }

  /** Column indices, in order, that hold the data of a top-level field. */
  private columnsOf(field: LanceField): number[] {
    const ids = new Set<number>([field.id]);
    const out: number[] = [];
    for (const f of this.schema.fields) {
      if (f.id !== field.id && !ids.has(f.parentId)) continue;
      ids.add(f.id);
      const c = this.columnOfField.get(f.id);
      if (c !== undefined) out.push(c);
      if (c !== undefined && this.listEncoded.has(c)) out.push(c + 1);
    }
    return out;
  }

  /**
   * Reads top-level fields of the file as Arrow data, keyed by field id:
   * all rows, or rows [range.start, range.end). `fieldIds` name top-level
   * fields present in this file. Only the pages holding the range are fetched
   * and decoded.
   */
  async readFields(fieldIds: number[], range?: { start: number; end: number }): Promise<Map<number, Data>> {
    return range ? this.readFieldRanges(fieldIds, [range]) : this.readFieldRanges(fieldIds, undefined);
  }

  /**
   * Rows of several ranges (sorted, not overlapping), concatenated in order.
   * Only the pages holding them are fetched and decoded (2.0 lists: the item
   * pages holding their rows' items; 2.1+: where the layout allows, only the
   * chunks or entries holding them), whatever the column type.
   */
  async readFieldRanges(fieldIds: number[], ranges: { start: number; end: number }[] | undefined): Promise<Map<number, Data>> {
    const out = await this.readStoredRanges(fieldIds, ranges);
    for (const f of this.schema.fields) {
      const data = out.get(f.id);
      if (data && f.parentId === -1) out.set(f.id, blobDescriptions(f, data, this.path, this.fileVersion));
    }
    return out;
  }

  /** Like readFieldRanges, blob columns left as they are stored (see blobStoredField). */
  private async readStoredRanges(fieldIds: number[], ranges: { start: number; end: number }[] | undefined): Promise<Map<number, Data>> {
    checkRowRanges(ranges, this.numRows, this.path);
    const arrowSchema = lanceToArrowSchema(this.schema.fields, {});
    const topLevel = this.schema.fields.filter((f) => f.parentId === -1);
    const wanted = fieldIds.map((id) => {
      const index = topLevel.findIndex((f) => f.id === id);
      if (index < 0) throw new CorruptFileError(this.path, undefined, `the manifest says the file holds field ${id}, but its schema has no such top-level field`);
      return { lance: topLevel[index]!, arrow: blobStoredField(topLevel[index]!) ?? arrowSchema.fields[index]! };
    });
    const columnIndices = wanted.flatMap((w) => this.columnsOf(w.lance));
    const some = ranges !== undefined && !(ranges.length === 1 && ranges[0]!.start === 0 && ranges[0]!.end === this.numRows);
    const asked = ranges && ranges.length > 0 ? ranges : [{ start: 0, end: 0 }];
    if (some && this.fileVersion === "2.0") {
      // 2.0: only the pages holding the rows, level by level (lists ask their item column for the items of those rows)
      const source = this.v20Source();
      const datas = await Promise.all(wanted.map(async (w) => (await readRangesV20(source, w.arrow, this.columnsOf(w.lance)[0]!, asked)).data));
      return new Map(wanted.map((w, i) => [w.lance.id, datas[i]!]));
    }
    if (some && asked.length > 1) {
      const sparse = await this.readSparseRanges(wanted, asked);
      if (sparse) return sparse;
    }
    // 2.1+: the rows each page must decode
    const spans = some ? new Map(columnIndices.map((ci) => [ci, this.pageSpans(ci, asked)])) : undefined;
    const partial = spans !== undefined;
    let buffers: Map<number, Uint8Array[][]>;
    let parts = new Map<string, BufferPart>();
    if (spans) ({ buffers, parts } = await this.readSpanBuffers(spans));
    else buffers = await this.readColumnBuffers(columnIndices);
    const out = new Map<number, Data>();
    for (const w of wanted) {
      const ctx: DecodeContext = { path: this.path, byteOffset: 0 };
      const columns = this.columnsOf(w.lance);
      if (this.fileVersion === "2.0") {
        out.set(w.lance.id, this.assembleV20(w.arrow, columns[0]!, buffers, ctx));
      } else if (!partial) {
        const leaves = this.leafFields(w.arrow).map((leaf, k) => this.decodeLeaf(columns[k]!, leaf, buffers, undefined));
        out.set(w.lance.id, assembleField(w.arrow, leaves, this.numRows, ctx));
      } else {
        // each page is decoded once, over the span of rows all ranges need from it
        const leafFields = this.leafFields(w.arrow);
        const decoded = leafFields.map((_, k) => this.decodeSpans(columns[k]!, leafFields[k]!, buffers, spans!.get(columns[k]!)!, parts));
        const pieces = asked.map((range) => {
          const leaves = leafFields.map((leaf, k) => this.decodeLeaf(columns[k]!, leaf, buffers, range, decoded[k]));
          return assembleField(w.arrow, leaves, range.end - range.start, ctx);
        });
        out.set(w.lance.id, this.concatRanges(pieces, pieces[0]!));
      }
    }
    return out;
  }

  /**
   * Selected rows (sorted, distinct) of top-level fields, keyed by field id.
   * In 2.1+ files, fields without lists fetch only the mini-block chunks
   * holding a selected row and decode only the selected values (read-rows.ts);
   * other fields read the rows as ranges and take them.
   */
  async readFieldRows(fieldIds: number[], rows: Uint32Array): Promise<Map<number, Data>> {
    checkRows(rows, this.numRows, this.path);
    if (this.fileVersion === "2.0" || rows.length === 0) return readRowsByRanges(this, fieldIds, rows);
    const arrowSchema = lanceToArrowSchema(this.schema.fields, {});
    const topLevel = this.schema.fields.filter((f) => f.parentId === -1);
    const flat: { id: number; arrow: Field }[] = [];
    const rest: number[] = [];
    for (const id of fieldIds) {
      const index = topLevel.findIndex((f) => f.id === id);
      if (index < 0) throw new CorruptFileError(this.path, undefined, `the manifest says the file holds field ${id}, but its schema has no such top-level field`);
      const arrow = arrowSchema.fields[index]!;
      // blob columns are decoded to their descriptions by the range reader
      if (hasList(arrow.type) || blobVersionOf(topLevel[index]!) !== undefined) rest.push(id);
      else flat.push({ id, arrow });
    }
    const [selected, ranged] = await Promise.all([
      flat.length > 0 ? readRowsV21(this.rowsSource(), flat, rows) : new Map<number, Data>(),
      rest.length > 0 ? readRowsByRanges(this, rest, rows) : new Map<number, Data>(),
    ]);
    return new Map(fieldIds.map((id) => [id, selected.get(id) ?? ranged.get(id)!]));
  }

  /** The 2.1+ row reader's view of this file. */
  private rowsSource(): RowsSource {
    return {
      path: this.path,
      fileVersion: this.fileVersion,
      pages: (ci) => this.columns[ci]!.pages,
      layout: (ci, p) => this.requireLayout(ci, p),
      metaBuffers: (wanted) => this.rowsMetaBuffers(wanted),
      fetchRanges: (ranges) => this.fetchRanges(ranges, ROWS_FETCH_BUDGET),
      decodePage: (ci, p, leaf, buffers, rows) => {
        const layout = this.requireLayout(ci, p);
        return decodePageV21(layout.value, decodeBuffers(layout, buffers), this.columns[ci]!.pages[p]!.numRows, leafShape(leaf.type, leaf.name), this.fileVersion, this.ctx(ci, p), rows, undefined, false, layout.valueCodec);
      },
      ctx: (ci, p) => this.ctx(ci, p),
      leafFields: (field) => this.leafFields(field),
      columnsOf: (fieldId) => this.columnsOf(this.schema.fields.find((f) => f.id === fieldId)!),
    };
  }

  /**
   * Ranges far apart (a take of scattered rows) in mini-block columns: each
   * group of nearby ranges is read on its own, so only the chunks holding
   * them are fetched rather than every chunk between the first and the last
   * (the page's chunk metadata is fetched once, see pageMetaBuffers). Other
   * columns, and reads of many groups, take the ordinary path. Undefined when
   * nothing is split.
   */
  private async readSparseRanges(wanted: { lance: LanceField }[], asked: { start: number; end: number }[]): Promise<Map<number, Data> | undefined> {
    const groups: { start: number; end: number }[][] = [];
    for (const range of asked) {
      const group = groups[groups.length - 1];
      if (group && range.start - group[group.length - 1]!.end < SPARSE_GAP_ROWS) group.push(range);
      else groups.push([range]);
    }
    if (groups.length < 2 || groups.length > MAX_SPARSE_GROUPS) return undefined;
    const chunked = wanted.filter((w) => this.columnsOf(w.lance).every((ci) => this.allMiniBlock(ci)));
    if (chunked.length === 0) return undefined;
    const rest = wanted.filter((w) => !chunked.includes(w));
    const ids = chunked.map((w) => w.lance.id);
    const [pieces, others] = await Promise.all([
      Promise.all(groups.map((group) => this.readStoredRanges(ids, group))),
      rest.length > 0 ? this.readStoredRanges(rest.map((w) => w.lance.id), asked) : Promise.resolve(new Map<number, Data>()),
    ]);
    const out = new Map<number, Data>();
    for (const w of wanted) {
      out.set(w.lance.id, ids.includes(w.lance.id) ? this.concatRanges(pieces.map((p) => p.get(w.lance.id)!), pieces[0]!.get(w.lance.id)!) : others.get(w.lance.id)!);
    }
    return out;
  }

  /** Whether every page of a column has the mini-block layout (remembered per column). */
  private allMiniBlock(ci: number): boolean {
    let known = this.miniBlockColumns.get(ci);
    if (known === undefined) {
      known = this.columns[ci]!.pages.every(
        (page, p) => page.encoding.typeUrl === PAGE_LAYOUT_URL && page.bufferOffsets.length >= 2 && decodePageLayout(page.encoding.value, this.ctx(ci, p)).layout.case === "miniBlockLayout",
      );
      this.miniBlockColumns.set(ci, known);
    }
    return known;
  }

  private concatRanges(parts: Data[], like: Data): Data {
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 0) return like.slice(0, 0);
    return concatData(parts);
  }

  /** Decodes each page of a column that any range touches, once, over the rows the ranges need from it (see pageSpans). */
  private decodeSpans(ci: number, leaf: Field, buffers: Map<number, Uint8Array[][]>, spans: Map<number, { start: number; end: number }>, parts: Map<string, BufferPart>): Map<number, DecodedPage> {
    const shape = leafShape(leaf.type, leaf.name);
    const out = new Map<number, DecodedPage>();
    for (const [p, rows] of spans) {
      const page = this.columns[ci]!.pages[p]!;
      const layout = this.requireLayout(ci, p);
      // dictionary values are looked up per range, after slicing, not for the whole span
      out.set(p, decodePageV21(layout.value, decodeBuffers(layout, buffers.get(ci)![p]!), page.numRows, shape, this.fileVersion, this.ctx(ci, p), rows, parts.get(`${ci}/${p}`), true, layout.valueCodec));
    }
    return out;
  }

  /** One leaf column of a 2.1+ file: all rows, or rows [range.start, range.end) from pages decoded by decodeSpans. */
  private decodeLeaf(ci: number, leaf: Field, buffers: Map<number, Uint8Array[][]>, range: { start: number; end: number } | undefined, spans?: Map<number, DecodedPage>): ReturnType<typeof mergePages> {
    const shape = leafShape(leaf.type, leaf.name);
    const chosen = range ? this.pagesInRange(ci, range.start, range.end) : undefined;
    const pages: DecodedPage[] = [];
    let pageRow = 0;
    let firstRow = chosen?.firstRow ?? 0;
    this.columns[ci]!.pages.forEach((page, p) => {
      const pageStart = pageRow;
      pageRow += page.numRows;
      if (chosen && !chosen.pages.has(p)) return;
      // Within a page, only the chunks holding the range are decoded where the layout allows it.
      const rows = chosen ? { start: Math.max(0, range!.start - pageStart), end: Math.min(page.numRows, range!.end - pageStart) } : undefined;
      let decoded = spans?.get(p);
      if (!decoded) {
        const layout = this.requireLayout(ci, p);
        decoded = decodePageV21(layout.value, decodeBuffers(layout, buffers.get(ci)![p]!), page.numRows, shape, this.fileVersion, this.ctx(ci, p), rows, undefined, false, layout.valueCodec);
      }
      if (pages.length === 0) firstRow = pageStart + (decoded.rowOffset ?? 0);
      else if (decoded.rowOffset) throw new CorruptFileError(this.path, page.bufferOffsets[0], "a page after the first of a range skipped rows");
      pages.push(decoded);
    });
    const lazy = pages.length === 1 ? pages[0]!.dictionary : undefined;
    const looked = lazy
      ? pages
      : pages.map((d): DecodedPage => {
          if (!d.dictionary) return d;
          const { dictionary, ...rest } = d;
          return { ...rest, values: takeFromBlock(dictionary, blockToU32(d.values, this.ctx(ci, 0)), this.ctx(ci, 0)) };
        });
    const merged = mergePages(looked, this.ctx(ci, 0));
    const leafColumn = chosen ? sliceLeaf(merged, range!.start - firstRow, range!.end - range!.start, this.ctx(ci, 0)) : merged;
    return lazy ? { ...leafColumn, values: takeFromBlock(lazy, blockToU32(leafColumn.values, this.ctx(ci, 0)), this.ctx(ci, 0)) } : leafColumn;
  }

  /**
   * A 2.1+ page's layout as lance.encodings21.PageLayout bytes: as stored, or
   * a 2.3 planar layout rewritten (with its chunk value codec); undefined for
   * other encodings. A 2.3 layout lancets does not read fails with NOT_SUPPORTED.
   */
  private layoutOf(ci: number, p: number): PageLayoutBytes | undefined {
    const page = this.columns[ci]!.pages[p]!;
    if (page.encoding.typeUrl === PAGE_LAYOUT_URL) return page.encoding;
    if (page.encoding.typeUrl !== PLANAR_LAYOUT_URL || this.fileVersion !== "2.3") return undefined;
    const key = `${ci}/${p}`;
    let layout = this.translated.get(key);
    if (!layout) {
      const t = translatePageV23(page.encoding.value, page.numRows, this.ctx(ci, p));
      layout = { value: t.layout, ...(t.chunkValues ? { valueCodec: t.chunkValues } : {}), ...(t.buffers ? { buffers: t.buffers } : {}), ...(t.levelBuffers ? { levelBuffers: t.levelBuffers } : {}) };
      this.translated.set(key, layout);
    }
    return layout;
  }

  private requireLayout(ci: number, p: number): PageLayoutBytes {
    const layout = this.layoutOf(ci, p);
    if (layout) return layout;
    this.checkUrl(this.columns[ci]!.pages[p]!.encoding.typeUrl, PAGE_LAYOUT_URL, ci, p);
    throw new LanceError("INTERNAL", `column ${ci} page ${p} of ${this.path} has no layout`);
  }

  private checkUrl(actual: string, expected: string, column: number, page: number): void {
    if (actual !== expected && NEWER_LAYOUT_URL.test(actual)) {
      // A layout message of a newer encodings package (Lance 14 writes /lance.encodings23.* pages in
      // file format 2.3, its "next"): a format lancets does not decode, not a damaged file.
      throw new LanceError(
        "NOT_SUPPORTED",
        `${this.path}: column ${column} page ${page} uses page layout ${actual} of Lance file format ${this.fileVersion}, which lancets does not read (it reads 2.0, 2.1 and 2.2 files)`,
      );
    }
    if (actual !== expected) {
      throw new CorruptFileError(this.path, this.columns[column]?.pages[page]?.bufferOffsets[0], `column ${column} page ${page} has encoding ${actual}, expected ${expected} in a ${this.fileVersion} file`);
    }
  }

  private leafFields(field: Field): Field[] {
    if (DataType.isStruct(field.type)) return field.type.children.flatMap((c) => this.leafFields(c));
    if (DataType.isList(field.type)) return this.leafFields(field.type.children[0]!);
    return [field];
  }

  private assembleV20(field: Field, firstColumn: number, buffers: Map<number, Uint8Array[][]>, ctx: DecodeContext): Data {
    const pagesOf = (ci: number, kind: "leaf" | "list" | "struct", f: Field): PageV20[] =>
      this.columns[ci]!.pages.map((page, p) => {
        this.checkUrl(page.encoding.typeUrl, ARRAY_ENCODING_URL, ci, p);
        const bufs = buffers.get(ci)![p]!;
        if (kind === "list") return decodeListPageV20(page.encoding.value, bufs, page.numRows, this.ctx(ci, p));
        if (kind === "struct") return { numRows: page.numRows, values: { kind: "fixed", bitsPerValue: 8, numValues: 0, data: new Uint8Array(0) }, validity: null, nullCount: 0 };
        return decodePageV20(page.encoding.value, bufs, page.numRows, leafShape(f.type, f.name), this.ctx(ci, p));
      });
    const built = assembleFieldV20(field, firstColumn, pagesOf, ctx, this.listEncoded);
    if (built.data.length !== this.numRows) {
      throw new CorruptFileError(this.path, undefined, `field "${field.name}" decoded to ${built.data.length} rows, the file has ${this.numRows}`);
    }
    return built.data;
  }
}


/**
 * How a blob column is read from the file before its descriptions are
 * decoded: blob v1's 16-byte (position, size) rows as fixed-size binary, blob
 * v2's packed descriptor rows as large binary. Undefined for other fields.
 */
function blobStoredField(field: LanceField): Field | undefined {
  const version = blobVersionOf(field);
  if (version === undefined) return undefined;
  return new Field(field.name, version === 1 ? new FixedSizeBinary(16) : new LargeBinary(), field.nullable);
}

function blobDescriptions(field: LanceField, stored: Data, path: string, fileVersion: string): Data {
  const version = blobVersionOf(field);
  if (version === undefined) return stored;
  const described = blobDescriptionField(field.name, field.nullable, version);
  const ctx: DecodeContext = { path, byteOffset: 0 };
  // 2.0 files keep null blobs as descriptions (size 0), which Lance's scans return as they are
  return version === 1 ? decodeBlobV1Descriptions(described, stored, ctx, fileVersion !== "2.0") : decodeBlobV2Descriptions(described, stored, ctx);
}
