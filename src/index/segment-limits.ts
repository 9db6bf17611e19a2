// How many rows one segment of each index kind can hold, checked on the
// planned row count before any data is read, so that a segment too large to
// build fails at once with the advice to split the index into more segments.
// Index files are written page by page and builds hold at most their memory
// budget, so neither file size nor memory limits a segment; what remains are
// the formats' own counters and the largest single value a page holds:
//   BTREE    page_lookup.lance numbers pages with a UInt32 page_idx: at most
//            2^32 pages of BTREE_BATCH_SIZE rows (2^44 rows).
//   BITMAP   each distinct value's bitmap (RowAddrTreeMap) is one Binary value
//            with Int32 offsets, so at most 2^31 - 1 bytes. Its size is
//            bounded by that of a value in every row: per fragment 24 bytes
//            (fragment id and size, roaring header) and a last, partial
//            container of at most min(2 * its rows, 8 KiB) bytes, and per
//            65,536 rows a full container of at most 8,200 bytes (8-byte
//            header, 8 KiB of bits or 2-byte values).
//   ZONEMAP  O(zones) memory and a file of one row per zone,
//   FTS      a partition is written each time the budget fills, documents
//            numbered within their partition: no limit below the 2^53 row
//            ids numbers hold.
// Distinct values and tokens live in sharded maps (core/sharded-map.ts), so
// V8's 2^24 entries per Map does not bound them either.

import type { DataType } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import type { ScalarIndexType } from "../format/index/index-type.js";
import { BTREE_BATCH_SIZE } from "./btree/build.js";

/** Most pages page_lookup.lance can number (UInt32 page_idx). */
const MAX_BTREE_PAGES = 2 ** 32;
/** Most bytes of one Binary value (Int32 offsets). */
export const MAX_BINARY_VALUE_BYTES = 2 ** 31 - 1;
/** Bytes of one full roaring container of 65,536 rows at most: its key, cardinality and offset, and 8 KiB of bits or values. */
const CONTAINER_BYTES = 8 + 8192;
/** Bytes a fragment adds to a RowAddrTreeMap besides its containers' contents: fragment id and size, roaring header, one more container header. */
const FRAGMENT_BYTES = 24;

/** Most bytes of the bitmap of a value in each of `rows` rows over `fragments` fragments. */
export function maxBitmapBytes(rows: number, fragments: number): number {
  return 4 + FRAGMENT_BYTES * fragments + Math.min(2 * rows, 8192 * fragments) + (rows / 65536) * CONTAINER_BYTES;
}

/** Most rows one segment of `indexType` can hold when its rows are spread over `numFragments` fragments. */
export function maxSegmentRows(indexType: ScalarIndexType, numFragments = 1): number {
  switch (indexType) {
    case "BTREE":
      return MAX_BTREE_PAGES * BTREE_BATCH_SIZE;
    case "BITMAP":
    case "LABEL_LIST": {
      // the most rows whose maxBitmapBytes fits one Binary value: small fragments are bounded by 2 bytes a row, large ones by their containers
      const f = Math.max(1, numFragments);
      const perRow = CONTAINER_BYTES / 65536;
      const fewRows = Math.floor((MAX_BINARY_VALUE_BYTES - 4 - FRAGMENT_BYTES * f) / (2 + perRow));
      if (fewRows <= 4096 * f) return Math.max(0, fewRows);
      return Math.floor((MAX_BINARY_VALUE_BYTES - 4 - (FRAGMENT_BYTES + 8192) * f) / perRow);
    }
    default:
      return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * NOT_SUPPORTED when a segment of `plannedRows` rows is more than one segment
 * of `indexType` holds; the message gives the limit and how to split.
 */
export function checkSegmentRows(indexType: ScalarIndexType, valueType: DataType, plannedRows: number, numFragments: number): void {
  if (!Number.isSafeInteger(plannedRows)) {
    throw new LanceError("NOT_SUPPORTED", `a ${indexType} segment of ${plannedRows} rows is more than row ids can number (2^53); split the index into segments of fewer rows`);
  }
  const limit = maxSegmentRows(indexType, numFragments);
  if (plannedRows <= limit) return;
  const segments = limit > 0 ? Math.ceil(plannedRows / limit) : numFragments;
  const perFragment = plannedRows / Math.max(1, numFragments);
  const groupSize = Math.max(1, Math.floor(limit / Math.max(1, perFragment)));
  throw new LanceError(
    "NOT_SUPPORTED",
    `a ${indexType} segment of ${plannedRows.toLocaleString("en")} rows is more than one segment holds (at most ${limit.toLocaleString("en")} rows of ${String(valueType)} over ${numFragments.toLocaleString("en")} fragments); ` +
      `split the index into at least ${segments} segments: fragmentGroupSize (CLI --group-size) of at most ${groupSize} fragments` +
      (perFragment > limit ? `, after splitting fragments of ${Math.round(perFragment).toLocaleString("en")} rows into smaller ones` : ""),
  );
}
