// Dataset scans: fragments are read file by file into Arrow record batches,
// deletion files applied, optional _rowid / _rowaddr columns added.

import { Field, makeData, RecordBatch, Schema, Struct, Table, Uint64, type Data } from "apache-arrow";
import { dataByteLength, nullData, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { lowerBound } from "../core/sorted-offsets.js";
import { FLAG_STABLE_ROW_IDS } from "../format/table/feature-flags.js";
import { decodeRowIdSequence, fragmentRowIdSource } from "../format/table/row-ids.js";
import type { DataFile, Fragment, LanceField, Manifest } from "../format/table/types.js";
import { openFileReaderCached, type DataFileReader } from "../file/open-file-reader.js";
import { liveOffsets, readDeletedOffsets } from "./deletions.js";
import { legacyDictionaries, needsLegacyDictionaries } from "./legacy-dictionaries.js";
import type { Snapshot } from "./snapshot.js";

export interface ScanOptions {
  /** Top-level column names; all columns when omitted. */
  columns?: string[];
  /** Fragments to read, in this order; all fragments when omitted. */
  fragmentIds?: number[];
  /** Adds `_rowid` (UInt64). */
  withRowId?: boolean;
  /** Adds `_rowaddr` (UInt64): fragment id << 32 | row offset. */
  withRowAddress?: boolean;
  /** Rows per batch (default 8192). */
  batchSize?: number;
  /** Stop after this many rows. */
  limit?: number;
  /**
   * Full-text search: rows matching `query` in a text column, best first, with
   * a `_score` column (BM25 as Lance scores it); `limit` defaults to 10. With
   * `filter`, only rows matching it are ranked (a prefilter, as in Lance).
   */
  fullTextSearch?: { query: string; columns?: string[] };
  /**
   * A SQL filter (comparisons, BETWEEN, IN, IS [NOT] NULL, LIKE, AND / OR /
   * NOT); index segments answer what they can and every row is rechecked.
   */
  filter?: string;
  /** Let index segments answer filter predicates (default true); false evaluates the filter on every row. */
  useIndex?: boolean;
}

export interface CountOptions {
  /** false: evaluate the filter on every row instead of asking the index segments (default true). */
  useIndex?: boolean;
}

export const ROW_ID = "_rowid";
export const ROW_ADDRESS = "_rowaddr";

/** Row addresses fragmentId << 32 | offset as UInt64 data, built without BigInt. */
export function rowAddressData(fragmentId: number, offsets: Int32Array): Data {
  const words = new Uint32Array(offsets.length * 2);
  for (let i = 0; i < offsets.length; i++) {
    words[2 * i] = offsets[i]!;
    words[2 * i + 1] = fragmentId;
  }
  return makeData({ type: new Uint64(), length: offsets.length, nullCount: 0, data: words } as never);
}

interface Projection {
  fields: { lance: LanceField; arrow: Field }[];
  schema: Schema;
}

export function planProjection(ds: Snapshot, options: Pick<ScanOptions, "columns" | "withRowId" | "withRowAddress">): Projection {
  const top = ds.manifest.fields.filter((f) => f.parentId === -1);
  const arrowFields = ds.schema.fields;
  const names = options.columns ?? top.map((f) => f.name);
  const seen = new Set<string>();
  const fields = names.map((name) => {
    if (seen.has(name)) throw new LanceError("INVALID_INPUT", `column "${name}" is listed twice`);
    seen.add(name);
    const index = top.findIndex((f) => f.name === name);
    if (index < 0) {
      throw new LanceError("INVALID_INPUT", `column "${name}" does not exist; the dataset has ${top.map((f) => f.name).join(", ")}`);
    }
    return { lance: top[index]!, arrow: arrowFields[index]! };
  });
  const schemaFields = fields.map((f) => f.arrow);
  if (options.withRowId) schemaFields.push(new Field(ROW_ID, new Uint64(), true));
  if (options.withRowAddress) schemaFields.push(new Field(ROW_ADDRESS, new Uint64(), true));
  return { fields, schema: new Schema(schemaFields, ds.schema.metadata) };
}

function leafIds(ds: Snapshot, field: LanceField): Set<number> {
  const ids = new Set<number>([field.id]);
  for (const f of ds.manifest.fields) if (ids.has(f.parentId)) ids.add(f.id);
  return ids;
}

/**
 * Reads columns of one fragment keyed by field id: all physical rows, the
 * physical rows [range.start, range.end) of one or more ranges, or selected
 * physical rows (a Uint32Array, sorted and distinct); fields with no data file
 * in the fragment read as nulls.
 */
export async function readFragmentColumns(
  ds: Snapshot,
  fragment: Fragment,
  fields: { lance: LanceField; arrow: Field }[],
  range?: { start: number; end: number } | { start: number; end: number }[] | Uint32Array,
): Promise<Map<number, Data>> {
  // a Uint32Array selects rows (sorted, distinct offsets), read without the rows between them
  const rows = range instanceof Uint32Array ? range : undefined;
  const ranges = range === undefined || rows ? undefined : Array.isArray(range) ? range : [range as { start: number; end: number }];
  const numRows = rows ? rows.length : ranges ? ranges.reduce((n, r) => n + r.end - r.start, 0) : fragment.physicalRows;
  checkColumnIndices(fragment);
  const out = new Map<number, Data>();
  const byFile = new Map<number, LanceField[]>();
  for (const f of fields) {
    const ids = leafIds(ds, f.lance);
    // Field ids are unique within a fragment, except in tables Lance 0.10 damaged by dropping and
    // re-adding columns: there the ids were reused, and the newest data file holding an id holds the
    // field's data (the older ones hold the dropped column), as Lance's schema repair decides.
    const fileIndex = fragment.files.findLastIndex((file) => file.fields.some((id) => ids.has(id)));
    if (fileIndex < 0) {
      out.set(f.lance.id, nullData(f.arrow.type, numRows));
      continue;
    }
    const list = byFile.get(fileIndex) ?? [];
    list.push(f.lance);
    byFile.set(fileIndex, list);
  }
  await Promise.all(
    [...byFile].map(async ([fileIndex, wanted]) => {
      const file = fragment.files[fileIndex]!;
      const inFile = new Set(file.fields);
      const fileFields = ds.manifest.fields.filter((f) => inFile.has(f.id));
      const reader = await openFileReaderCached(ds.store, `data/${file.path}`, {
        sizeBytes: file.fileSizeBytes,
        // legacy (v1) data files take their schema, and dictionaries, from the manifest
        fields: fileFields,
        fieldIds: file.fields,
        ...(needsLegacyDictionaries(fileFields) ? { dictionaries: await legacyDictionaries(ds) } : {}),
      });
      checkDataFileSchema(ds, fragment, file, reader);
      if (reader.numRows !== fragment.physicalRows) {
        throw new LanceError("CORRUPT_FILE", `corrupt file data/${file.path}: holds ${reader.numRows} rows, fragment ${fragment.id} has ${fragment.physicalRows}`);
      }
      const ids = wanted.map((f) => f.id);
      const data = rows ? await reader.readFieldRows(ids, rows) : await reader.readFieldRanges(ids, ranges);
      for (const [id, d] of data) out.set(id, d);
    }),
  );
  return out;
}

const checkedReaders = new WeakMap<DataFileReader, Set<Manifest>>();

/** A 2.x data file lists one column index per field id, as Lance requires (legacy files list none). */
function checkColumnIndices(fragment: Fragment): void {
  for (const file of fragment.files) {
    const legacy = file.fileMajorVersion === 0 && file.fileMinorVersion < 3;
    if (!legacy && file.fields.length !== file.columnIndices.length) {
      throw new LanceError("CORRUPT_FILE", `corrupt file data/${file.path} (fragment ${fragment.id}): the manifest gives it ${file.fields.length} field ids but ${file.columnIndices.length} column indices`);
    }
  }
}

/**
 * A data file must agree with the manifest on what it holds, or its values would be read as
 * something else: every field the manifest credits it with has, in the file's own schema, the same logical
 * type and the same parent. Names may differ (renames change only the manifest).
 */
function checkDataFileSchema(ds: Snapshot, fragment: Fragment, file: DataFile, reader: DataFileReader): void {
  let seen = checkedReaders.get(reader);
  if (seen?.has(ds.manifest)) return;
  const where = `corrupt file data/${file.path} (fragment ${fragment.id})`;
  const inFile = new Map(reader.schema.fields.map((f) => [f.id, f]));
  const byId = new Map(ds.manifest.fields.map((f) => [f.id, f]));
  for (const id of file.fields) {
    const expected = byId.get(id);
    const actual = inFile.get(id);
    // ids the schema no longer has (dropped columns) or the file lacks are handled where fields are read
    if (!expected || !actual) continue;
    if (expected.logicalType !== actual.logicalType) {
      throw new LanceError("CORRUPT_FILE", `${where}: field ${id} ("${expected.name}") is ${expected.logicalType} in the manifest but ${actual.logicalType} in the file`);
    }
    if (expected.parentId !== actual.parentId) {
      throw new LanceError("CORRUPT_FILE", `${where}: field ${id} ("${expected.name}") has parent ${expected.parentId} in the manifest but ${actual.parentId} in the file`);
    }
  }
  if (!seen) checkedReaders.set(reader, (seen = new Set()));
  seen.add(ds.manifest);
}

/** Stable row ids of a fragment's physical rows; undefined on datasets where row ids are row addresses. */
export async function readStableRowIds(ds: Snapshot, fragment: Fragment): Promise<Float64Array | undefined> {
  if ((ds.manifest.readerFeatureFlags & FLAG_STABLE_ROW_IDS) === 0n) return undefined;
  const source = fragmentRowIdSource(fragment);
  if (!source) throw new LanceError("CORRUPT_FILE", `fragment ${fragment.id} of ${ds.uri} has no row ids although the dataset uses stable row ids`);
  const where = `${ds.uri} fragment ${fragment.id} row ids`;
  const bytes = "inline" in source ? source.inline : await ds.store.readRange(source.path, source.byteOffset, source.byteLength);
  const ids = decodeRowIdSequence(bytes, where);
  if (ids.length !== fragment.physicalRows) {
    throw new LanceError("CORRUPT_FILE", `corrupt ${where}: ${ids.length} ids for ${fragment.physicalRows} rows`);
  }
  return ids;
}

/** UInt64 data of ids[offsets[i]], built from 32-bit halves. */
export function rowIdData(ids: Float64Array, offsets: Int32Array): Data {
  const words = new Uint32Array(offsets.length * 2);
  for (let i = 0; i < offsets.length; i++) {
    const v = ids[offsets[i]!]!;
    words[2 * i] = v % 0x1_0000_0000;
    words[2 * i + 1] = Math.floor(v / 0x1_0000_0000);
  }
  return makeData({ type: new Uint64(), length: offsets.length, nullCount: 0, data: words } as never);
}

/** Options from JavaScript callers are checked by shape, so a wrong one is INVALID_INPUT naming it, never a TypeError. */
export function checkScanOptions(options: unknown): asserts options is ScanOptions {
  const fail = (what: string): never => {
    throw new LanceError("INVALID_INPUT", `scan option ${what}`);
  };
  if (typeof options !== "object" || options === null || Array.isArray(options)) fail(`object expected, got ${options === null ? "null" : typeof options}`);
  const o = options as Record<string, unknown>;
  const names = (key: string, value: unknown): void => {
    if (value !== undefined && (!Array.isArray(value) || !value.every((c) => typeof c === "string"))) fail(`${key} must be an array of column names, got ${JSON.stringify(value)}`);
  };
  names("columns", o.columns);
  if (o.fragmentIds !== undefined && (!Array.isArray(o.fragmentIds) || !o.fragmentIds.every((f) => Number.isSafeInteger(f) && (f as number) >= 0))) {
    fail(`fragmentIds must be an array of fragment ids, got ${JSON.stringify(o.fragmentIds)}`);
  }
  for (const key of ["withRowId", "withRowAddress", "useIndex"]) if (o[key] !== undefined && typeof o[key] !== "boolean") fail(`${key} must be true or false, got ${JSON.stringify(o[key])}`);
  if (o.filter !== undefined && typeof o.filter !== "string") fail(`filter must be a SQL string, got ${JSON.stringify(o.filter)}`);
  const fts = o.fullTextSearch as Record<string, unknown> | undefined;
  if (fts !== undefined) {
    if (typeof fts !== "object" || fts === null || typeof fts.query !== "string") fail(`fullTextSearch must be { query: string, columns?: string[] }, got ${JSON.stringify(fts)}`);
    names("fullTextSearch.columns", fts!.columns);
  }
}

/** Windows a scan reads beyond the one being consumed (see TableScanner). */
export const READ_AHEAD_WINDOWS = 2;

/**
 * How much a scan holds: decoded bytes it aims at per window and windows read
 * ahead. An index build, which consumes each window as it comes, asks for less
 * than a query's scan does.
 */
export interface ScanWindowing {
  windowBytes?: number;
  readAheadWindows?: number;
  /**
   * Most rows per window (default MAX_WINDOW_ROWS, or the batch size when larger). A build that
   * reads a column whose pages cover many rows asks for windows as large as its bytes allow, so
   * each page is fetched once rather than once per window.
   */
  maxWindowRows?: number;
}

/** One window of a scan: live rows [start, end) of a fragment, physical rows [physicalStart, physicalEnd). */
interface ScanWindow {
  fragment: Fragment;
  /** The fragment's live physical rows when it has deletions. */
  live: Int32Array | undefined;
  stableIds: Float64Array | undefined;
  start: number;
  end: number;
  physicalStart: number;
  physicalEnd: number;
}

/** Rows of the first window a scan reads, before anything is known of their size. */
const PROBE_ROWS = 1024;
/** Decoded bytes a scan aims to hold per window. */
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Most rows per window however small they are, unless batchSize asks for more. */
const MAX_WINDOW_ROWS = 1 << 17;
/** Decoded bytes a window never reaches, so string columns stay within Arrow's 32-bit offsets. */
const MAX_WINDOW_BYTES = 1024 * 1024 * 1024;

/**
 * Rows of the next window from the decoded bytes per physical row measured in
 * the last one: about WINDOW_BYTES, at least a batch (unless a batch would pass
 * MAX_WINDOW_BYTES, which then yields smaller batches), at most
 * max(maxWindowRows, batchSize) (default MAX_WINDOW_ROWS).
 */
export function nextWindowRows(bytesPerRow: number, batchSize: number, windowBytes = WINDOW_BYTES, maxWindowRows = MAX_WINDOW_ROWS): number {
  const perRow = Math.max(bytesPerRow, 1);
  const byBytes = Math.floor(windowBytes / perRow);
  const atLeast = Math.min(batchSize, Math.floor(MAX_WINDOW_BYTES / perRow));
  return Math.max(1, Math.min(Math.max(byBytes, atLeast), Math.max(maxWindowRows, batchSize)));
}

/**
 * A scan without filter or full-text search: the rows of the projected
 * columns, fragment by fragment (query/scanner.ts adds filters and search).
 */
export class TableScanner implements AsyncIterable<RecordBatch> {
  readonly schema: Schema;
  private readonly projection: Projection;

  constructor(
    private readonly ds: Snapshot,
    private readonly options: ScanOptions = {},
    private readonly windowing: ScanWindowing = {},
  ) {
    checkScanOptions(options);
    this.projection = planProjection(ds, options);
    this.schema = this.projection.schema;
    const batchSize = options.batchSize ?? 8192;
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new LanceError("INVALID_INPUT", `batchSize must be a positive integer, got ${options.batchSize}`);
    if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
      throw new LanceError("INVALID_INPUT", `limit must be a non-negative integer, got ${options.limit}`);
    }
    this.fragments();
  }

  private fragments(): Fragment[] {
    const all = this.ds.manifest.fragments;
    if (!this.options.fragmentIds) return all;
    return this.options.fragmentIds.map((id) => {
      const f = all.find((x) => x.id === id);
      if (!f) throw new LanceError("NOT_FOUND", `fragment ${id} does not exist in version ${this.ds.version} (fragments: ${all.map((x) => x.id).join(", ")})`);
      return f;
    });
  }

  /**
   * The windows of the scan, fragment by fragment: rows [start, end) of the
   * fragment's live rows, at most `state.windowRows` each (read when the
   * window is planned, so windows planned later follow the latest measure),
   * and no more rows in all than the limit.
   */
  private async *planWindows(state: { windowRows: number }, batchSize: number): AsyncGenerator<ScanWindow> {
    let unplanned = this.options.limit ?? Infinity;
    for (const fragment of this.fragments()) {
      if (unplanned <= 0) return;
      const [deleted, stableIds] = await Promise.all([
        readDeletedOffsets(this.ds.store, fragment),
        this.options.withRowId ? readStableRowIds(this.ds, fragment) : Promise.resolve(undefined),
      ]);
      const live = deleted.length > 0 ? liveOffsets(fragment.physicalRows, deleted) : undefined;
      const numRows = live ? live.length : fragment.physicalRows;
      // an empty fragment's files are still opened, so a missing or damaged one is reported
      if (fragment.physicalRows === 0) await readFragmentColumns(this.ds, fragment, this.projection.fields);
      for (let start = 0; start < numRows && unplanned > 0; ) {
        const windowRows = state.windowRows;
        let end = Math.min(numRows, start + unplanned, start + windowRows);
        // with deletions the window is bounded in physical rows too
        if (live) end = lowerBound(live, live[start]! + windowRows, start + 1, end);
        if (end - start > batchSize && end < numRows && end - start < unplanned) end = start + Math.floor((end - start) / batchSize) * batchSize;
        const physicalStart = live ? live[start]! : start;
        const physicalEnd = live ? live[end - 1]! + 1 : end;
        unplanned -= end - start;
        yield { fragment, live, stableIds, start, end, physicalStart, physicalEnd };
        start = end;
      }
    }
  }

  /** Starts reading a window's columns. */
  private readWindow(w: ScanWindow): Promise<Map<number, Data>> {
    const whole = w.physicalStart === 0 && w.physicalEnd === w.fragment.physicalRows;
    return readFragmentColumns(this.ds, w.fragment, this.projection.fields, whole ? undefined : { start: w.physicalStart, end: w.physicalEnd });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    const batchSize = this.options.batchSize ?? 8192;
    let remaining = this.options.limit ?? Infinity;
    // Fragments are read in windows of rows, never whole: the first window is small, later ones
    // are sized from the decoded bytes per row measured so far (see nextWindowRows), so a file
    // whose pages expand to gigabytes is held a window at a time and `limit` reads only its rows.
    // Once the first window has measured the rows, up to READ_AHEAD_WINDOWS further windows are
    // read while the current one is decoded and its batches are consumed, so a remote store's
    // round trips overlap; a scan stopped early leaves their results unused.
    const state = { windowRows: Math.min(batchSize, PROBE_ROWS) };
    const plans = this.planWindows(state, batchSize);
    const queue: { window: ScanWindow; read: Promise<Map<number, Data>> }[] = [];
    let planned = false;
    // plans and starts windows until `count` of them are queued
    const fill = async (count: number): Promise<void> => {
      while (!planned && queue.length < count) {
        const next = await plans.next();
        if (next.done) planned = true;
        else {
          const read = this.readWindow(next.value);
          // a window read ahead may fail before it is awaited: its error is raised when it is reached
          read.catch(() => undefined);
          queue.push({ window: next.value, read });
        }
      }
    };
    try {
      await fill(1);
      while (queue.length > 0) {
        const { window: w, read } = queue.shift()!;
        const columns = await read;
        const { fragment, live, stableIds, start, end, physicalStart, physicalEnd } = w;
        let datas = this.projection.fields.map((f) => columns.get(f.lance.id)!);
        let decodedBytes = 0;
        for (const d of datas) decodedBytes += dataByteLength(d);
        state.windowRows = nextWindowRows(decodedBytes / (physicalEnd - physicalStart), batchSize, this.windowing.windowBytes, this.windowing.maxWindowRows);
        await fill(Math.max(1, this.windowing.readAheadWindows ?? READ_AHEAD_WINDOWS));
        let offsets: Int32Array;
        if (live) {
          offsets = live.subarray(start, end);
          const local = physicalStart === 0 ? offsets : offsets.map((o) => o - physicalStart);
          datas = datas.map((d) => takeData(d, local));
        } else {
          offsets = new Int32Array(end - start);
          if (this.options.withRowId || this.options.withRowAddress) for (let i = 0; i < offsets.length; i++) offsets[i] = start + i;
        }
        const count = end - start;
        for (let at = 0; at < count && remaining > 0; at += batchSize) {
          const n = Math.min(count - at, batchSize, remaining);
          const children = datas.map((d) => d.slice(at, n));
          if (this.options.withRowId || this.options.withRowAddress) {
            const addr = rowAddressData(fragment.id, offsets.subarray(at, at + n));
            if (this.options.withRowId) children.push(stableIds ? rowIdData(stableIds, offsets.subarray(at, at + n)) : addr);
            if (this.options.withRowAddress) children.push(addr);
          }
          const struct = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
          remaining -= n;
          yield new RecordBatch(this.schema, struct);
        }
      }
    } finally {
      // windows read ahead and never consumed (the scan stopped or failed) are dropped
      queue.length = 0;
      await plans.return(undefined);
    }
  }

  async toArrow(): Promise<Table> {
    const batches: RecordBatch[] = [];
    for await (const b of this) batches.push(b);
    return batches.length > 0 ? new Table(batches) : new Table(this.schema);
  }
}
