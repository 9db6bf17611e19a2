// Row ranges asked of a data file reader: inside the file, sorted, not overlapping.

import { LanceError } from "../core/errors.js";

export interface RowRange {
  start: number;
  end: number;
}

/** Throws unless every range lies within the file's `numRows` rows and follows the one before it. */
export function checkRowRanges(ranges: readonly RowRange[] | undefined, numRows: number, path: string): void {
  let prevEnd = 0;
  for (const range of ranges ?? []) {
    if (range.start < 0 || range.end > numRows || range.start > range.end) {
      throw new LanceError("INVALID_INPUT", `rows ${range.start}..${range.end} are outside ${path} (${numRows} rows)`);
    }
    if (range.start < prevEnd) throw new LanceError("INTERNAL", `row ranges of ${path} overlap or are out of order`);
    prevEnd = range.end;
  }
}
