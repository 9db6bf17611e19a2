// BTREE segment files (Lance scalar index "btree", index_version 0):
//   page_data.lance    values T (nullable), ids UInt64 -- every indexed row,
//                      nulls first then ascending, in batches of batch_size rows
//                      (several to a file page for numeric columns: page-data.ts)
//   page_lookup.lance  min T, max T, null_count UInt32, page_idx UInt32 -- one row per batch
//   metadata: batch_size, range_partitioned = "false"
// Within a memory budget the input is streamed: while it fits, it is sorted in
// memory as a whole; past the budget, sorted runs are spilled to temporary
// files under the segment folder and merged, page_data written page by page as
// the merge fills pages. Numeric columns are sorted and spilled as order keys
// (key-sort.ts, key-runs.ts), other types as Arrow data (external-sort.ts).
// Every way gives the files buildBTree writes in memory.

import type { Data } from "apache-arrow";
import { concatData, nullData, takeData } from "../../core/arrow-data.js";
import { LanceError } from "../../core/errors.js";
import { PagedFileWriter, writeArrowFile } from "../../file/file-writer.js";
import { btreeDetails } from "../../format/index/details.js";
import type { ObjectStore } from "../../io/object-store.js";
import { DataCollector, tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingBatch, TrainingData, TrainingInput } from "../training.js";
import { mergeRuns, reduceRuns, rowBytes, spillRun, type SortedRun, type SpillSpace } from "./external-sort.js";
import { numericKeys, numericSortOrder, sortOrder, valueAccess } from "../value-order.js";
import { emitSorted, KeyBlock, mergeKeyRuns, reduceKeyRuns, spillKeyRun, type KeyRun, type SortedKeys } from "./key-runs.js";
import { allocKeyRows, appendKeys, hasNumericKeys, keysInOrder, sortKeyRows, valuesFromKeys, type KeyRows } from "./key-sort.js";
import { packRows, planPacking, sortPacked } from "./packed-sort.js";
import { OrderedPages } from "./ordered-pages.js";
import { batchesPerPage, pushBatchBounds } from "./page-data.js";

export const BTREE_BATCH_SIZE = 4096;
/** Default memory budget of a BTREE build. */
export const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;
/**
 * page_data.lance is written as Lance 12 and 14 write it: a 2.2 file, whose
 * mini-block pages bit-pack the values and row ids (a quarter of a 2.0 file's
 * bytes for shuffled int64 ids).
 */
export const PAGE_DATA_FILE_VERSION = "2.2";

/** The smallest budget a build accepts. */
export const MIN_MEMORY_BYTES = 1024 * 1024;

export async function buildBTree(store: ObjectStore, dir: string, training: TrainingData, batchSize = BTREE_BATCH_SIZE): Promise<BuiltSegmentFiles> {
  const n = training.rowIds.length;
  const access = valueAccess(training.values);
  const order = numericSortOrder(training.values, training.rowIds) ?? sortOrder(access, training.rowIds, n);
  const sortedValues = takeData(training.values, order);
  const sortedIds = new Float64Array(n);
  for (let i = 0; i < n; i++) sortedIds[i] = training.rowIds[order[i]!]!;
  // one page per batch, so a search fetches only the batches it needs; written as the pages are encoded
  const writer = await PagedFileWriter.open(store, `${dir}/page_data.lance`, pageDataSchema(training.values), { fileVersion: PAGE_DATA_FILE_VERSION });
  const pageRows = batchSize * batchesPerPage(training.values.type, batchSize);
  let dataSize: number;
  try {
    for (let start = 0; start < n; start += pageRows) {
      const count = Math.min(pageRows, n - start);
      await writer.addPage([sortedValues.slice(start, count), uint64Data(sortedIds.subarray(start, start + count))]);
    }
    if (n === 0) await writer.addPage([sortedValues, uint64Data(sortedIds)]);
    dataSize = await writer.finish();
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  const pages = Math.ceil(n / batchSize);
  const firsts = new Int32Array(pages);
  const lasts = new Int32Array(pages);
  const nullCounts: number[] = [];
  for (let p = 0; p < pages; p++) {
    const start = p * batchSize;
    const end = Math.min(n, start + batchSize);
    firsts[p] = order[start]!;
    lasts[p] = order[end - 1]!;
    let nulls = 0;
    for (let i = start; i < end; i++) if (access.isNull(order[i]!)) nulls++;
    nullCounts.push(nulls);
  }
  return writePageLookup(store, dir, dataSize, takeData(training.values, firsts), takeData(training.values, lasts), nullCounts, batchSize);
}

/** The schema of page_data.lance for values of `values`' type. */
function pageDataSchema(values: Data) {
  return tableOf([
    { name: "values", data: nullData(values.type, 0), nullable: true },
    { name: "ids", data: uint64Data([]), nullable: false },
  ]).schema;
}

async function writePageLookup(store: ObjectStore, dir: string, dataSize: number, min: Data, max: Data, nullCounts: number[], batchSize: number): Promise<BuiltSegmentFiles> {
  const pages = nullCounts.length;
  const lookupSize = await writeArrowFile(
    store,
    `${dir}/page_lookup.lance`,
    tableOf(
      [
        { name: "min", data: min, nullable: true },
        { name: "max", data: max, nullable: true },
        { name: "null_count", data: uint32Data(nullCounts), nullable: false },
        { name: "page_idx", data: uint32Data(Array.from({ length: pages }, (_, i) => i)), nullable: false },
      ],
      { batch_size: String(batchSize), range_partitioned: "false" },
    ),
  );
  return {
    files: [
      { path: "page_data.lance", sizeBytes: dataSize },
      { path: "page_lookup.lance", sizeBytes: lookupSize },
    ],
    details: btreeDetails(),
    indexVersion: 0,
  };
}

export interface BTreeBuildOptions {
  batchSize: number;
  /** Memory budget in bytes for the rows held, sorted and merged. */
  memoryBytes: number;
  /** Most runs merged at once (default: what the budget holds). */
  maxFanIn?: number;
}

/** A memory budget: a whole number of bytes, at least MIN_MEMORY_BYTES. */
export function checkMemoryBytes(memoryBytes: unknown): number {
  if (typeof memoryBytes !== "number" || !Number.isSafeInteger(memoryBytes) || memoryBytes < MIN_MEMORY_BYTES) {
    throw new LanceError("INVALID_INPUT", `memoryBytes must be a whole number of bytes, at least ${MIN_MEMORY_BYTES} (1 MiB), got ${String(memoryBytes)}`);
  }
  return memoryBytes;
}

function concatBatches(batches: readonly TrainingBatch[], type: TrainingInput["valueType"]): TrainingData {
  let n = 0;
  for (const b of batches) n += b.rowIds.length;
  const rowIds = new Float64Array(n);
  let at = 0;
  for (const b of batches) {
    rowIds.set(b.rowIds, at);
    at += b.rowIds.length;
  }
  return { values: batches.length > 0 ? concatData(batches.map((b) => b.values)) : nullData(type, 0), rowIds, fragments: [] };
}

/** The merge builds pages of batchSize rows from pieces, a few copies of a page at once. */
function checkPageFits(budget: number, batchSize: number, bytesPerRow: number): void {
  if (8 * batchSize * bytesPerRow > budget) {
    throw new LanceError("INVALID_INPUT", `memoryBytes ${budget} is too small to build pages of ${batchSize} rows of about ${Math.ceil(bytesPerRow)} bytes each; give at least ${Math.ceil(8 * batchSize * bytesPerRow)} bytes`);
  }
}

/** Blocks a held run is sorted in: the radix sort's scratch is one block, and the sorted blocks are merged as they are written. */
const SORT_BLOCKS = 4;
/** Bytes a row of numeric input takes while it is sorted: two key words and a row id, and its share of the scratch. */
const KEY_ROW_BYTES = 16 + 16 / SORT_BLOCKS;

/**
 * A BTREE segment over a numeric column: the input is turned into order keys
 * batch by batch and held until half the budget fills (the rest is left to
 * the process's decoding and writing); held rows whose keys and row ids pack
 * in 64 bits are sorted packed (packed-sort.ts) and unpacked as pages are
 * written, others are sorted in SORT_BLOCKS blocks and the blocks merged as
 * pages are written when everything fits, or as a run is spilled otherwise;
 * spilled runs are merged k ways. Pages,
 * and so the files, are the ones buildBTree writes. Input in order is first
 * written straight through (ordered-pages.ts); should a later batch break the
 * order, that file is dropped and the input read again the general way
 * (`inOrder` false).
 */
async function buildNumericBTree(store: ObjectStore, dir: string, input: TrainingInput, options: BTreeBuildOptions, inOrder = true): Promise<BuiltSegmentFiles> {
  const budget = options.memoryBytes;
  const type = input.valueType;
  // a typed array holds at most 2^32 elements, whatever the budget
  const capacity = Math.min(2 ** 32, Math.max(SORT_BLOCKS, Math.floor(budget / 2 / KEY_ROW_BYTES)));
  const chunkRows = Math.max(1, Math.floor(budget / 128 / 16));
  const space: SpillSpace = { store, dir: `${dir}/tmp-sort`, live: new Set(), written: 0 };
  const runs: KeyRun[] = [];
  // sized once when the input's row count is known, so the held rows are never grown and copied
  let rows: KeyRows = allocKeyRows(Math.min(capacity, input.maxRows ?? 1 << 16));
  let count = 0;
  let nullIds = new Float64Array(Math.min(capacity, 1024));
  let nullCount = 0;
  const pushNull = (id: number): void => {
    if (nullCount === nullIds.length) {
      const grown = new Float64Array(Math.min(capacity, 2 * nullIds.length));
      grown.set(nullIds);
      nullIds = grown;
    }
    nullIds[nullCount++] = id;
  };
  const reserve = (n: number): void => {
    if (count + n <= rows.hi.length) return;
    const grown = allocKeyRows(Math.min(capacity, Math.max(count + n, 2 * rows.hi.length)));
    grown.hi.set(rows.hi.subarray(0, count));
    grown.lo.set(rows.lo.subarray(0, count));
    grown.ids.set(rows.ids.subarray(0, count));
    rows = grown;
  };
  /** Sorts the rows held: returns the sorted null ids and the key rows sorted (packed, or as sorted blocks). */
  const sortHeld = (): { nulls: Float64Array; blocks: SortedKeys } => {
    const nulls = nullIds.subarray(0, nullCount).sort();
    const whole = { hi: rows.hi.subarray(0, count), lo: rows.lo.subarray(0, count), ids: rows.ids.subarray(0, count) };
    if (keysInOrder(whole, count)) return { nulls, blocks: [whole] };
    const layout = planPacking(rows, count);
    // packed rows free the row id array, which then serves as the sort's scratch
    if (layout) return { nulls, blocks: sortPacked(packRows(rows, count, layout), new Uint32Array(rows.ids.buffer, rows.ids.byteOffset, 2 * count)) };
    const blockRows = Math.ceil(count / SORT_BLOCKS);
    const scratch = allocKeyRows(blockRows);
    const blocks: KeyRows[] = [];
    for (let at = 0; at < count; at += blockRows) {
      const end = Math.min(count, at + blockRows);
      const block = { hi: rows.hi.subarray(at, end), lo: rows.lo.subarray(at, end), ids: rows.ids.subarray(at, end) };
      const sorted = sortKeyRows(block, scratch, end - at);
      if (sorted !== block) {
        block.hi.set(sorted.hi.subarray(0, end - at));
        block.lo.set(sorted.lo.subarray(0, end - at));
        block.ids.set(sorted.ids.subarray(0, end - at));
      }
      blocks.push(block);
    }
    return { nulls, blocks };
  };
  const spill = async (): Promise<void> => {
    const { nulls, blocks } = sortHeld();
    runs.push(await spillKeyRun(space, nulls, blocks, chunkRows));
    count = 0;
    nullCount = 0;
  };
  let ordered = inOrder ? new OrderedPages(store, `${dir}/page_data.lance`, pageDataSchema(nullData(type, 0)), type, options.batchSize, PAGE_DATA_FILE_VERSION) : undefined;
  let reread = false;
  try {
    let checked = false;
    for await (const batch of input.batches()) {
      const n = batch.rowIds.length;
      if (n === 0) continue;
      if (!checked) {
        checkPageFits(budget, options.batchSize, rowBytes(batch.values) / n);
        checked = true;
      }
      if (ordered) {
        if (ordered.accepts(batch)) {
          await ordered.add(batch);
          continue;
        }
        // rows already written: they are read again with the rest; none yet: this batch starts the general way
        if (ordered.rows > 0) {
          reread = true;
          break;
        }
        ordered = undefined;
      }
      for (let at = 0; at < n; ) {
        if (count + nullCount >= capacity) await spill();
        const take = Math.min(n - at, capacity - count - nullCount);
        const values = at === 0 && take === n ? batch.values : batch.values.slice(at, take);
        reserve(take);
        count += appendKeys(values, numericKeys(values)!, batch.rowIds.subarray(at, at + take), rows, count, pushNull);
        at += take;
      }
    }
    if (reread) {
      await ordered!.abort();
      ordered = undefined;
      return await buildNumericBTree(store, dir, input, options, false);
    }
    if (ordered && ordered.rows > 0) {
      const dataSize = await ordered.finish();
      const { mins, maxs, nullCounts } = ordered;
      ordered = undefined;
      return await writePageLookup(store, dir, dataSize, mins.finish(), maxs.finish(), nullCounts, options.batchSize);
    }
    ordered = undefined;
    if (runs.length === 0 && count + nullCount === 0) return await buildBTree(store, dir, concatBatches([], type), options.batchSize);
    const writer = await PagedFileWriter.open(store, `${dir}/page_data.lance`, pageDataSchema(nullData(type, 0)), { fileVersion: PAGE_DATA_FILE_VERSION });
    const mins = new DataCollector(type);
    const maxs = new DataCollector(type);
    const nullCounts: number[] = [];
    // a block is a page of page_data.lance: whole batches, nulls first
    const pageRows = options.batchSize * batchesPerPage(type, options.batchSize);
    const onPage = async (block: KeyBlock): Promise<void> => {
      const values = valuesFromKeys(type, block.rows.hi, block.rows.lo, block.nulls, block.length - block.nulls, block.nulls);
      await writer.addPage([values, uint64Data(block.rows.ids.subarray(0, block.length))]);
      pushBatchBounds(values, options.batchSize, block.nulls, mins, maxs, nullCounts);
    };
    let dataSize: number;
    try {
      if (runs.length === 0) {
        const { nulls, blocks } = sortHeld();
        await emitSorted(nulls, blocks, new KeyBlock(pageRows), onPage);
      } else {
        await spill();
        rows = allocKeyRows(0);
        nullIds = new Float64Array(0);
        const merged = await reduceKeyRuns(space, runs, options.maxFanIn ?? 32, chunkRows);
        await mergeKeyRuns(space, merged, new KeyBlock(pageRows), false, onPage);
      }
      dataSize = await writer.finish();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
    return await writePageLookup(store, dir, dataSize, mins.finish(), maxs.finish(), nullCounts, options.batchSize);
  } finally {
    // a failure while writing in order leaves no file behind
    await ordered?.abort().catch(() => undefined);
    for (const path of space.live) await store.delete(path).catch(() => undefined);
  }
}

/**
 * A BTREE segment from streamed input within `memoryBytes`: the input is
 * held until a quarter of the budget fills (sorting takes about three times
 * the rows' bytes); if it all fits, the segment is built in memory, otherwise
 * each quarter is sorted and spilled as a run, and the runs merged.
 */
export async function buildBTreeStreaming(store: ObjectStore, dir: string, input: TrainingInput, options: BTreeBuildOptions): Promise<BuiltSegmentFiles> {
  const budget = checkMemoryBytes(options.memoryBytes);
  const batchSize = options.batchSize;
  if (hasNumericKeys(input.valueType)) return buildNumericBTree(store, dir, input, { ...options, memoryBytes: budget });
  const runBytes = Math.floor(budget / 4);
  // chunks of 1/128 of the budget: the merge holds up to two per run it reads, so 32 runs fit a quarter
  const chunkBytes = Math.floor(budget / 128);
  const fanIn = options.maxFanIn ?? 32;
  const space: SpillSpace = { store, dir: `${dir}/tmp-sort`, live: new Set(), written: 0 };
  const runs: SortedRun[] = [];
  let pending: TrainingBatch[] = [];
  let pendingBytes = 0;
  let bytesPerRow = 0;
  const spill = async (): Promise<void> => {
    const { values, rowIds } = concatBatches(pending, input.valueType);
    pending = [];
    pendingBytes = 0;
    runs.push(await spillRun(space, values, rowIds, Math.max(1, Math.floor(chunkBytes / bytesPerRow))));
  };
  try {
    for await (const batch of input.batches()) {
      if (batch.rowIds.length === 0) continue;
      const bytes = rowBytes(batch.values);
      if (bytesPerRow === 0) {
        bytesPerRow = bytes / batch.rowIds.length;
        checkPageFits(budget, batchSize, bytesPerRow);
      }
      if (pendingBytes + bytes > runBytes && pending.length > 0) await spill();
      pending.push(batch);
      pendingBytes += bytes;
    }
    if (runs.length === 0) return await buildBTree(store, dir, concatBatches(pending, input.valueType), batchSize);
    await spill();
    const merged = await reduceRuns(space, runs, fanIn, Math.max(1, Math.floor(chunkBytes / bytesPerRow)));
    const writer = await PagedFileWriter.open(store, `${dir}/page_data.lance`, pageDataSchema(nullData(input.valueType, 0)), { fileVersion: PAGE_DATA_FILE_VERSION });
    const mins = new DataCollector(input.valueType);
    const maxs = new DataCollector(input.valueType);
    const nullCounts: number[] = [];
    let dataSize: number;
    try {
      await mergeRuns(space, merged, batchSize, async (values, rowIds) => {
        await writer.addPage([values, uint64Data(rowIds)]);
        mins.push(takeData(values, Int32Array.of(0)));
        maxs.push(takeData(values, Int32Array.of(values.length - 1)));
        nullCounts.push(values.nullCount);
      });
      dataSize = await writer.finish();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
    return await writePageLookup(store, dir, dataSize, mins.finish(), maxs.finish(), nullCounts, batchSize);
  } finally {
    for (const path of space.live) await store.delete(path).catch(() => undefined);
  }
}
