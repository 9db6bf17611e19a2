// Groups byte ranges of a file into fewer, larger requests: neighbours
// separated by small gaps (alignment padding, skipped columns) are read
// together, but no group grows past a bounded size, so a file of gigabytes
// never turns into one enormous read.

/** The largest request a merge of several ranges makes (a single larger range is read alone). */
export const MAX_COALESCED_BYTES = 64 * 1024 * 1024;

export interface ByteRange {
  position: number;
  size: number;
}

/** One request: bytes [start, end) covering sorted ranges [first, last). */
export interface CoalescedRead {
  start: number;
  end: number;
  first: number;
  last: number;
}

/**
 * Coalesces ranges sorted by position. A range joins the current group when
 * it starts at most `maxGapBytes` past the group's end and the group stays
 * within `maxBytes`; otherwise it starts a new group.
 */
export function coalesceRanges(sorted: readonly ByteRange[], maxGapBytes: number, maxBytes = MAX_COALESCED_BYTES): CoalescedRead[] {
  return coalesceByBudget(sorted, { maxGapBytes, maxBytes });
}

export interface CoalesceBudget {
  /** Gaps up to this many bytes are always bridged (alignment padding, small skipped parts). */
  maxGapBytes: number;
  /**
   * Larger gaps, up to this many bytes, are bridged while the bytes a group
   * reads that no range needs stay at most `wasteRatio` times the bytes its
   * ranges need: fewer requests, but never many times the bytes asked for.
   */
  budgetGapBytes?: number;
  wasteRatio?: number;
  /** The largest request a merge of several ranges makes (a single larger range is read alone). */
  maxBytes?: number;
}

/** Coalesces ranges sorted by position within a byte budget (see CoalesceBudget). */
export function coalesceByBudget(sorted: readonly ByteRange[], budget: CoalesceBudget): CoalescedRead[] {
  const maxBytes = budget.maxBytes ?? MAX_COALESCED_BYTES;
  const budgetGap = Math.max(budget.maxGapBytes, budget.budgetGapBytes ?? 0);
  const ratio = budget.wasteRatio ?? 0;
  const out: CoalescedRead[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.position;
    let end = start + sorted[i]!.size;
    let needed = sorted[i]!.size;
    let wasted = 0;
    let j = i + 1;
    while (j < sorted.length) {
      const next = sorted[j]!;
      const gap = Math.max(0, next.position - end);
      if (gap > budgetGap) break;
      if (gap > budget.maxGapBytes && wasted + gap > ratio * (needed + next.size)) break;
      const nextEnd = Math.max(end, next.position + next.size);
      if (nextEnd - start > maxBytes) break;
      needed += nextEnd - end - gap;
      wasted += gap;
      end = nextEnd;
      j++;
    }
    out.push({ start, end, first: i, last: j });
    i = j;
  }
  return out;
}
