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
  const out: CoalescedRead[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.position;
    let end = start + sorted[i]!.size;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.position <= end + maxGapBytes) {
      const next = Math.max(end, sorted[j]!.position + sorted[j]!.size);
      if (next - start > maxBytes) break;
      end = next;
      j++;
    }
    out.push({ start, end, first: i, last: j });
    i = j;
  }
  return out;
}
