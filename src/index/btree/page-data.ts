// How a BTREE segment's sorted rows are cut into pages of page_data.lance.
// page_lookup.lance has one entry per batch of batch_size rows, and searches
// read page_data.lance by row range, so a file page may hold several
// batches: Lance writes pages of about half a million int64 rows. For
// numeric columns a page holds as many whole batches as fit in
// PAGE_DATA_PAGE_BYTES of values and row ids (encoding a page costs about
// as much for 4,096 rows as for 65,536); other columns keep a page per batch.
// The rule depends on the column's type alone, so every way of building a
// segment cuts the same pages.

import type { Data, DataType } from "apache-arrow";
import { takeData } from "../../core/arrow-data.js";
import { fixedWidthBits } from "../../format/file/arrow-build.js";
import type { DataCollector } from "../arrow-columns.js";
import { hasNumericKeys } from "./key-sort.js";

/** Decoded bytes (values and row ids) a page of a numeric column's page_data.lance holds at most. */
export const PAGE_DATA_PAGE_BYTES = 1 << 20;
/** Most batches in one page. */
const MAX_BATCHES_PER_PAGE = 128;

/** Batches of `batchSize` rows written as one page of page_data.lance for values of `type`. */
export function batchesPerPage(type: DataType, batchSize: number): number {
  if (!hasNumericKeys(type)) return 1;
  const rowBytes = fixedWidthBits(type)! / 8 + 8;
  return Math.max(1, Math.min(MAX_BATCHES_PER_PAGE, Math.floor(PAGE_DATA_PAGE_BYTES / (batchSize * rowBytes))));
}

/**
 * The page_lookup entries of the batches of one page: first and last value
 * of each batch of `batchSize` rows of `values`, and its nulls, the page's
 * `nulls` null rows coming first.
 */
export function pushBatchBounds(values: Data, batchSize: number, nulls: number, mins: DataCollector, maxs: DataCollector, nullCounts: number[]): void {
  const n = values.length;
  const batches = Math.ceil(n / batchSize);
  const firsts = new Int32Array(batches);
  const lasts = new Int32Array(batches);
  for (let k = 0; k < batches; k++) {
    const start = k * batchSize;
    const end = Math.min(n, start + batchSize);
    firsts[k] = start;
    lasts[k] = end - 1;
    nullCounts.push(Math.max(0, Math.min(end, nulls) - start));
  }
  mins.push(takeData(values, firsts));
  maxs.push(takeData(values, lasts));
}
