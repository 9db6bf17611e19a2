// Matching rows of an index search, collected per fragment in typed arrays (a
// segment may match more rows than a JS Set holds) and handed out as sorted,
// distinct physical offsets.

import { GrowableArray } from "../core/growable-array.js";
import { isSortedUnique, sortUnique } from "../core/sorted-offsets.js";

export class RowCollector {
  private readonly byFragment = new Map<number, GrowableArray<Uint32Array>>();
  private lastFragment = -1;
  private lastList: GrowableArray<Uint32Array> | undefined;

  private of(fragment: number): GrowableArray<Uint32Array> {
    if (fragment === this.lastFragment) return this.lastList!;
    let list = this.byFragment.get(fragment);
    if (!list) this.byFragment.set(fragment, (list = new GrowableArray(Uint32Array)));
    this.lastFragment = fragment;
    this.lastList = list;
    return list;
  }

  addAddress(address: number): void {
    const fragment = Math.floor(address / 0x1_0000_0000);
    this.of(fragment).push(address - fragment * 0x1_0000_0000);
  }

  /** A row address given as its two 32-bit halves: fragment id and offset. */
  addAddressHalves(fragment: number, offset: number): void {
    this.of(fragment).push(offset);
  }

  addOffsets(fragment: number, offsets: ArrayLike<number>): void {
    this.of(fragment).append(offsets);
  }

  addRange(fragment: number, start: number, end: number): void {
    const list = this.of(fragment);
    for (let o = start; o < end; o++) list.push(o);
  }

  finish(): Map<number, Uint32Array> {
    const out = new Map<number, Uint32Array>();
    // zone ranges and bitmap rows arrive in order: sorted only when they are not
    for (const [fragment, list] of this.byFragment) {
      const rows = list.view();
      out.set(fragment, isSortedUnique(rows) ? rows : sortUnique(rows));
    }
    return out;
  }
}
