// When a partition's posting lists are read one by one and when the rest of
// them at once. Lance reads the whole posting region of part_N_invert.lance on
// its first search and keeps it; lancets fetches the lists the first search of
// an open asks for one by one, far less than the region (an open that searches
// once, as a cold search does, fetches only its terms' lists). A second search
// that needs a list not held reads every row not fetched yet in one pass and
// keeps them, so later searches fetch no posting list, and an open's posting
// bytes are about the region's, as Lance's are, however many searches follow.
// Within one search, once the lists fetched one by one, plus what the next
// would cost, pass half of what reading the whole region costs, the rest is
// read at once too; and the lists already fetched are not fetched again.

/** Rows [start, end) of the posting file. */
export interface RowRange {
  start: number;
  end: number;
}

/** How a region reads its rows, supplied by the segment reader. */
export interface RegionSource<T> {
  /** Bytes that reading every row of the region fetches. */
  regionBytes: number;
  numRows: number;
  /** Bytes one row is expected to cost when fetched alone. */
  estimateBytes(row: number): number;
  /** Bytes fetched through the posting file so far (counted at the store). */
  fetchedBytes(): number;
  fetchRow(row: number): Promise<T>;
  /** The rows of these ranges (sorted, not overlapping), each range read on its own (nothing between them is fetched). */
  fetchRanges(ranges: RowRange[]): Promise<(row: number) => T>;
}

/** Part of the region's bytes the lists fetched one by one may reach before the rest is read at once. */
export const ROW_BY_ROW_SHARE = 0.5;

/**
 * The rest is read in at most this many separate reads, between the largest
 * lists already fetched; lists fetched already that are smaller than
 * SMALL_ROW_BYTES, or beyond the largest ones, are read again with the rest
 * rather than cost a request of their own.
 */
export const MAX_REST_READS = 64;
export const SMALL_ROW_BYTES = 1024;

/** The ranges of [0, numRows) that hold none of `taken` (sorted, distinct). */
export function rangesWithout(taken: number[], numRows: number): RowRange[] {
  const ranges: RowRange[] = [];
  let start = 0;
  for (const row of taken) {
    if (row > start) ranges.push({ start, end: row });
    start = Math.max(start, row + 1);
  }
  if (start < numRows) ranges.push({ start, end: numRows });
  return ranges;
}

export class PostingRegion<T> {
  /** Rows fetched one by one (in flight or done) before the rest was read. */
  private readonly early = new Map<number, Promise<T>>();
  private rest: Promise<(row: number) => T> | undefined;
  private restRanges: RowRange[] = [];
  /** Searches that fetched rows one by one. */
  private searchesAlone = 0;

  constructor(private readonly source: RegionSource<T>) {}

  /** Whether the rest of the region has been read (or is being read). */
  get readWhole(): boolean {
    return this.rest !== undefined;
  }

  /**
   * A search is about to ask for these rows: the first search that needs rows
   * not held fetches them one by one; a later one reads the rest of the
   * region first.
   */
  beginSearch(rows: Iterable<number>): void {
    if (this.rest) return;
    let fresh = false;
    for (const row of rows) {
      if (!this.early.has(row)) {
        fresh = true;
        break;
      }
    }
    if (!fresh) return;
    if (this.searchesAlone > 0) this.readRest();
    else this.searchesAlone++;
  }

  get(row: number): Promise<T> {
    const early = this.early.get(row);
    if (early) return early;
    if (!this.rest) {
      const budget = this.source.regionBytes * ROW_BY_ROW_SHARE;
      if (this.source.fetchedBytes() + this.source.estimateBytes(row) <= budget) {
        const fetched = this.source.fetchRow(row);
        this.early.set(row, fetched);
        fetched.catch(() => {
          if (this.early.get(row) === fetched) this.early.delete(row);
        });
        return fetched;
      }
      this.readRest();
    }
    if (!this.inRest(row)) {
      // a row fetched alone whose fetch failed: fetch it alone again
      const again = this.source.fetchRow(row);
      this.early.set(row, again);
      again.catch(() => {
        if (this.early.get(row) === again) this.early.delete(row);
      });
      return again;
    }
    return this.rest!.then((rowOf) => rowOf(row));
  }

  /** Reads every row not fetched yet, leaving out the largest rows already fetched. */
  private readRest(): void {
    const skipped = [...this.early.keys()]
      .map((r) => ({ r, bytes: this.source.estimateBytes(r) }))
      .filter((x) => x.bytes >= SMALL_ROW_BYTES)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, MAX_REST_READS - 1)
      .map((x) => x.r);
    this.restRanges = rangesWithout(skipped.sort((a, b) => a - b), this.source.numRows);
    const rest = this.source.fetchRanges(this.restRanges);
    this.rest = rest;
    rest.catch(() => {
      if (this.rest === rest) this.rest = undefined;
    });
  }

  private inRest(row: number): boolean {
    let lo = 0;
    let hi = this.restRanges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.restRanges[mid]!;
      if (row < r.start) hi = mid - 1;
      else if (row >= r.end) lo = mid + 1;
      else return true;
    }
    return false;
  }
}
