// Searching the pages of one BTREE segment (page_lookup.lance: per page of
// page_data.lance its min, max and null count; page_data.lance: values sorted
// ascending with their row ids). Pages are chosen from their bounds; a page
// entirely inside a range is taken whole without reading its values; other
// pages of integer-like columns find their rows by binary search over the
// sorted values, and only those rows' ids are kept. Row ids are read as two
// 32-bit halves (fragment id, offset), never as BigInts.

import { Type, type Data } from "apache-arrow";
import { evaluate, rowComparator, TRUE } from "./filter-eval.js";
import type { Literal } from "./filter-parse.js";
import type { IndexablePredicate } from "./index-search.js";
import type { RowCollector } from "./row-collector.js";

export interface BtreePages {
  mins: Data;
  maxs: Data;
  nullCounts: Uint32Array;
  /** Rows per page of page_data.lance (the last may hold fewer). */
  batchSize: number;
  numRows: number;
}

export interface BtreeData {
  readFields(fieldIds: number[], range?: { start: number; end: number }): Promise<Map<number, Data>>;
}

interface Bound {
  value: Literal;
  strict: boolean;
}

/** A predicate as value intervals (an IN list: one per value); undefined for the forms searched otherwise. */
function intervalsOf(p: IndexablePredicate): { lower?: Bound; upper?: Bound }[] | undefined {
  switch (p.kind) {
    case "cmp":
      if (p.op === "=") return [{ lower: { value: p.value, strict: false }, upper: { value: p.value, strict: false } }];
      if (p.op === ">" || p.op === ">=") return [{ lower: { value: p.value, strict: p.op === ">" } }];
      if (p.op === "<" || p.op === "<=") return [{ upper: { value: p.value, strict: p.op === "<" } }];
      return undefined;
    case "between":
      return [{ lower: { value: p.low, strict: false }, upper: { value: p.high, strict: false } }];
    case "in":
      return p.values.map((value) => ({ lower: { value, strict: false }, upper: { value, strict: false } }));
    default:
      return undefined;
  }
}

/**
 * Whether BTREE pages of this column sort as rowComparator orders its values,
 * so a binary search over a page finds every match: integers, dates and
 * timestamps (floats, strings and decimals are evaluated over the whole page).
 */
function binarySearchable(type: Data["type"]): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Date || type.typeId === Type.Timestamp;
}

/** The first row of [0, n) whose value is past `bound` on its lower side (every row before it is below the interval). */
function lowerEdge(cmp: (i: number) => number, strict: boolean, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(mid);
    if (strict ? c <= 0 : c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first row of [0, n) above the interval's upper `bound` (every row from it on is above). */
function upperEdge(cmp: (i: number) => number, strict: boolean, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(mid);
    if (strict ? c < 0 : c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, merged [start, end) row windows. */
function mergeWindows(windows: { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = windows.filter((w) => w.end > w.start).sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

/**
 * Adds the rows of the BTREE pages matching `p` to `rows`. `mayMatch(page)`
 * tests a page's bounds; `toAddress` maps row ids (version-0 segments on
 * datasets with stable row ids) to row addresses.
 */
export async function searchBtreePages(
  p: IndexablePredicate,
  pages: BtreePages,
  mayMatch: ((page: number) => boolean) | undefined,
  data: BtreeData,
  valuesId: number,
  idsId: number,
  rows: RowCollector,
  toAddress?: (rowId: number) => number | undefined,
): Promise<void> {
  const { mins, maxs, nullCounts, batchSize, numRows } = pages;
  const intervals = binarySearchable(mins.type) ? intervalsOf(p) : undefined;
  const column = p.column;
  // comparators of the page bounds with each interval's ends, made once
  const boundTests = intervals?.map((iv) => ({
    minAbove: iv.lower ? rowComparator(column, mins, iv.lower.value) : undefined,
    maxBelow: iv.upper ? rowComparator(column, maxs, iv.upper.value) : undefined,
    iv,
  }));
  /** Ids [from, to) of a page's ids: u64 row ids as little-endian halves, the high half a row address's fragment id. */
  const addIds = (ids: Data, from: number, to: number): void => {
    const words = new Uint32Array((ids.values as BigUint64Array).buffer, (ids.values as BigUint64Array).byteOffset, ids.length * 2);
    if (toAddress) {
      for (let i = from; i < to; i++) {
        const address = toAddress(words[2 * i + 1]! * 0x1_0000_0000 + words[2 * i]!);
        if (address !== undefined) rows.addAddress(address);
      }
    } else {
      for (let i = from; i < to; i++) rows.addAddressHalves(words[2 * i + 1]!, words[2 * i]!);
    }
  };
  for (let page = 0; page < mins.length; page++) {
    const start = page * batchSize;
    const end = Math.min(numRows, start + batchSize);
    const pageRows = end - start;
    const nulls = nullCounts[page]!;
    let candidate: boolean;
    if (p.kind === "isnull") candidate = p.negated ? nulls < pageRows : nulls > 0;
    else if (nulls >= pageRows) candidate = false;
    else candidate = mayMatch!(page);
    if (!candidate) continue;
    if (boundTests && nulls === 0) {
      // a page inside an interval matches whole: its ids are read, its values are not
      const whole = boundTests.some(({ minAbove, maxBelow, iv }) => {
        const lowOk = !minAbove || (iv.lower!.strict ? minAbove(page) > 0 : minAbove(page) >= 0);
        const highOk = !maxBelow || (iv.upper!.strict ? maxBelow(page) < 0 : maxBelow(page) <= 0);
        return lowOk && highOk;
      });
      if (whole) {
        const ids = (await data.readFields([idsId], { start, end })).get(idsId)!;
        addIds(ids, 0, ids.length);
        continue;
      }
      // values and ids in one read (one request; a page of ids costs little to decode), ids kept for the matching rows only
      const read = await data.readFields([valuesId, idsId], { start, end });
      const values = read.get(valuesId)!;
      const ids = read.get(idsId)!;
      for (const w of mergeWindows(
        intervals!.map((iv) => ({
          start: iv.lower ? lowerEdge(rowComparator(column, values, iv.lower.value), iv.lower.strict, values.length) : 0,
          end: iv.upper ? upperEdge(rowComparator(column, values, iv.upper.value), iv.upper.strict, values.length) : values.length,
        })),
      )) {
        addIds(ids, w.start, w.end);
      }
      continue;
    }
    // other predicates and pages holding nulls: the page's values are evaluated, the matching rows' ids read
    const read = await data.readFields([valuesId, idsId], { start, end });
    const values = read.get(valuesId)!;
    const ids = read.get(idsId)!;
    const hits = evaluate(p, () => values, values.length);
    for (let i = 0; i < hits.length; ) {
      if (hits[i] !== TRUE) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < hits.length && hits[j] === TRUE) j++;
      addIds(ids, i, j);
      i = j;
    }
  }
}
