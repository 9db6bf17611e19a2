// How many rows one segment of each index kind can hold, checked on the
// planned row count before any data is read, so that a segment too large to
// build fails at once with the advice to split the index into more segments.
//   BTREE    page_data.lance is encoded whole in one Uint8Array (at most 2^32
//            bytes) before it is written: at least 8 bytes of row id plus the
//            value's width per row (2^28 rows of int64).
//   BITMAP   bitmap_page_lookup.lance likewise: at most 2 bytes a row of
//            roaring array containers, plus 8 bytes per fragment entry.
//   ZONEMAP  O(zones) memory and a file of one row per zone: no limit below
//            the 2^53 row ids numbers hold.
//   FTS      a partition is written each time the budget fills, documents are
//            numbered within their partition: no limit below 2^53 either.

import type { DataType } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { fixedWidthBits } from "../format/file/arrow-build.js";
import type { ScalarIndexType } from "../format/index/index-type.js";

/** Bytes a whole-file index file may take (the largest Uint8Array). */
export const MAX_FILE_BYTES = 2 ** 32;

/** Most rows one segment of `indexType` over values of `valueType` can hold. */
export function maxSegmentRows(indexType: ScalarIndexType, valueType: DataType): number {
  switch (indexType) {
    case "BTREE": {
      const bits = fixedWidthBits(valueType);
      // variable-width values take at least their 4-byte offset
      const valueBytes = bits === undefined ? 4 : Math.max(1, Math.ceil(bits / 8));
      return Math.floor(MAX_FILE_BYTES / (8 + valueBytes));
    }
    case "BITMAP":
    case "LABEL_LIST":
      return MAX_FILE_BYTES / 2;
    default:
      return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * NOT_SUPPORTED when a segment of `plannedRows` rows is more than one segment
 * of `indexType` holds; the message gives the limit and how to split.
 */
export function checkSegmentRows(indexType: ScalarIndexType, valueType: DataType, plannedRows: number, numFragments: number): void {
  const limit = maxSegmentRows(indexType, valueType);
  if (plannedRows <= limit) return;
  const segments = Math.ceil(plannedRows / limit);
  const perFragment = plannedRows / Math.max(1, numFragments);
  const groupSize = Math.max(1, Math.floor(limit / Math.max(1, perFragment)));
  throw new LanceError(
    "NOT_SUPPORTED",
    `a ${indexType} segment of ${plannedRows.toLocaleString("en")} rows is more than one segment holds (at most ${limit.toLocaleString("en")} rows of ${String(valueType)}); ` +
      `split the index into at least ${segments} segments: fragmentGroupSize (CLI --group-size) of at most ${groupSize} fragments` +
      (perFragment > limit ? `, after splitting fragments of ${Math.round(perFragment).toLocaleString("en")} rows into smaller ones` : ""),
  );
}
