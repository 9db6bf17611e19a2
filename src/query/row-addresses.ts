// Row id -> row address lookups on datasets with stable row ids, for index
// segments (which store row ids) and full-text search. Live rows are kept as
// runs of consecutive ids at consecutive offsets (Lance assigns ids in ranges,
// so a fragment is usually one run), in typed arrays sorted by first id and
// searched by bisection: memory grows with the number of runs, not rows, and
// no JS Map (capped at 2^24 entries) is involved.

import { FLAG_STABLE_ROW_IDS } from "../format/table/feature-flags.js";
import { readDeletedOffsets } from "../table/deletions.js";
import type { Snapshot } from "../table/snapshot.js";
import { readStableRowIds } from "../table/scan.js";

/** Growable Float64 column. */
class Column {
  data = new Float64Array(64);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

export class RowAddressIndex {
  private constructor(
    private readonly firstIds: Float64Array,
    private readonly lengths: Float64Array,
    private readonly firstAddresses: Float64Array,
  ) {}

  /** Number of runs of consecutive ids. */
  get numRuns(): number {
    return this.firstIds.length;
  }

  /** The row address of a live row id, or undefined when no live row has it. */
  lookup(rowId: number): number | undefined {
    let lo = 0;
    let hi = this.firstIds.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const first = this.firstIds[mid]!;
      if (rowId < first) hi = mid - 1;
      else if (rowId >= first + this.lengths[mid]!) lo = mid + 1;
      else return this.firstAddresses[mid]! + (rowId - first);
    }
    return undefined;
  }

  /** The index over every live row of `ds`, or undefined on datasets whose row ids are row addresses. */
  static async build(ds: Snapshot): Promise<RowAddressIndex | undefined> {
    if ((ds.manifest.readerFeatureFlags & FLAG_STABLE_ROW_IDS) === 0n) return undefined;
    const firsts = new Column();
    const lengths = new Column();
    const addresses = new Column();
    let sorted = true;
    for (const fragment of ds.manifest.fragments) {
      const ids = await readStableRowIds(ds, fragment);
      if (!ids) continue;
      const deleted = await readDeletedOffsets(ds.store, fragment);
      let d = 0;
      const base = fragment.id * 0x1_0000_0000;
      for (let offset = 0; offset < ids.length; offset++) {
        if (d < deleted.length && deleted[d] === offset) {
          d++;
          continue;
        }
        const id = ids[offset]!;
        const last = firsts.length - 1;
        if (last >= 0 && id === firsts.data[last]! + lengths.data[last]! && base + offset === addresses.data[last]! + lengths.data[last]!) {
          lengths.data[last]! += 1;
          continue;
        }
        if (last >= 0 && id < firsts.data[last]!) sorted = false;
        firsts.push(id);
        lengths.push(1);
        addresses.push(base + offset);
      }
    }
    const n = firsts.length;
    if (sorted) return new RowAddressIndex(firsts.data.slice(0, n), lengths.data.slice(0, n), addresses.data.slice(0, n));
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => firsts.data[a]! - firsts.data[b]!);
    const f = new Float64Array(n);
    const l = new Float64Array(n);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      f[i] = firsts.data[order[i]!]!;
      l[i] = lengths.data[order[i]!]!;
      a[i] = addresses.data[order[i]!]!;
    }
    return new RowAddressIndex(f, l, a);
  }
}
