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
  /** Without a group size: this many groups (e.g. one per worker), or one per fragment if there are fewer. */
  minGroups?: number;
}

/**
 * Splits fragments into groups balanced by row count: fragments, largest first,
 * go to the group with the fewest rows that still has room. With a group size,
 * a group holds at most that many fragments (Lance's fragment_group_size);
 * without one, `minGroups` groups are balanced by rows alone, so that parallel
 * builds end together (five fragments of 4M, 1M, 1M, 1M, 1M rows: 4M and 4M,
 * not 5M and 3M as three fragments a group would give). Each group's fragment
 * ids are sorted; no group is empty.
 */
export function planFragmentGroups(fragments: readonly FragmentSize[], options: GroupPlanOptions = {}): number[][] {
  if (fragments.length === 0) return [];
  const size = options.fragmentGroupSize ?? fragments.length;
  if (!Number.isSafeInteger(size) || size <= 0) throw new LanceError("INVALID_INPUT", `fragmentGroupSize must be a positive integer, got ${size}`);
  const count = options.fragmentGroupSize === undefined ? Math.max(1, Math.min(fragments.length, options.minGroups ?? 1)) : Math.ceil(fragments.length / size);
  const groups = Array.from({ length: count }, () => ({ ids: [] as number[], rows: 0 }));
  const bySize = [...fragments].sort((a, b) => b.numRows - a.numRows || a.id - b.id);
  for (const f of bySize) {
    let best: (typeof groups)[number] | undefined;
    // fewest rows first; among equals the group with fewer fragments, so an empty group is filled first
    for (const g of groups) if (g.ids.length < size && (!best || g.rows < best.rows || (g.rows === best.rows && g.ids.length < best.ids.length))) best = g;
    best!.ids.push(f.id);
    best!.rows += f.numRows;
  }
  return groups.map((g) => g.ids.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}
