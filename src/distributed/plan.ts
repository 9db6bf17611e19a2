// Planning fragment groups for segment builds: plain JSON that crosses worker
// and machine boundaries.

import { LanceError } from "../core/errors.js";

export interface FragmentSize {
  id: number;
  /** Live rows. */
  numRows: number;
}

export interface GroupPlanOptions {
  /** Fragments per group (segment). */
  fragmentGroupSize?: number;
  /** Without a group size: at least this many groups (e.g. one per worker), when there are enough fragments. */
  minGroups?: number;
}

/**
 * Splits fragments into groups balanced by row count: fragments, largest first,
 * go to the group with the fewest rows that still has room. Each group's
 * fragment ids are sorted.
 */
export function planFragmentGroups(fragments: readonly FragmentSize[], options: GroupPlanOptions = {}): number[][] {
  if (fragments.length === 0) return [];
  let size = options.fragmentGroupSize;
  if (size === undefined) {
    const groups = Math.max(1, Math.min(fragments.length, options.minGroups ?? 1));
    size = Math.ceil(fragments.length / groups);
  }
  if (!Number.isSafeInteger(size) || size <= 0) throw new LanceError("INVALID_INPUT", `fragmentGroupSize must be a positive integer, got ${size}`);
  const count = Math.ceil(fragments.length / size);
  const groups = Array.from({ length: count }, () => ({ ids: [] as number[], rows: 0 }));
  const bySize = [...fragments].sort((a, b) => b.numRows - a.numRows || a.id - b.id);
  for (const f of bySize) {
    let best: (typeof groups)[number] | undefined;
    for (const g of groups) if (g.ids.length < size && (!best || g.rows < best.rows)) best = g;
    best!.ids.push(f.id);
    best!.rows += f.numRows;
  }
  return groups.map((g) => g.ids.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}
