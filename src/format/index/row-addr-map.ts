// RowAddrTreeMap serialization (index files' row sets): u32 entry count, then
// per fragment in ascending order u32 fragment id, u32 byte length and a
// portable 32-bit roaring bitmap of row offsets (length 0 = whole fragment).

import { ByteReader, ByteWriter } from "../../core/bytes.js";
import { encodeRoaring32, encodeRoaring32Into, readRoaring32, roaring32ByteLength } from "../../core/roaring.js";

/** Encodes row ids (fragment << 32 | offset, as numbers), which need not be sorted or distinct. */
export function encodeRowAddrTreeMap(rowIds: ArrayLike<number>): Uint8Array {
  // sorted as numbers, the ids group by fragment with ascending offsets
  let isSorted = true;
  for (let i = 1; i < rowIds.length && isSorted; i++) isSorted = rowIds[i - 1]! <= rowIds[i]!;
  // ids already in order (a build's usual case) are read in place
  let sorted: ArrayLike<number>;
  if (isSorted) sorted = rowIds;
  else sorted = (rowIds instanceof Float64Array ? rowIds.slice() : Float64Array.from(rowIds)).sort();
  // per fragment its distinct offsets, packed one fragment after another
  const offsets = new Uint32Array(sorted.length);
  const fragmentIds: number[] = [];
  const ends: number[] = [];
  let n = 0;
  for (let i = 0; i < sorted.length; ) {
    const fragment = Math.floor(sorted[i]! / 0x1_0000_0000);
    const base = fragment * 0x1_0000_0000;
    const start = n;
    for (; i < sorted.length && sorted[i]! < base + 0x1_0000_0000; i++) {
      const offset = sorted[i]! - base;
      if (n === start || offsets[n - 1] !== offset) offsets[n++] = offset;
    }
    fragmentIds.push(fragment);
    ends.push(n);
  }
  let total = 4;
  const sizes = new Float64Array(fragmentIds.length);
  for (let f = 0; f < sizes.length; f++) {
    sizes[f] = roaring32ByteLength(offsets.subarray(f === 0 ? 0 : ends[f - 1]!, ends[f]!));
    total += 8 + sizes[f]!;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, fragmentIds.length, true);
  let at = 4;
  for (let f = 0; f < fragmentIds.length; f++) {
    view.setUint32(at, fragmentIds[f]!, true);
    view.setUint32(at + 4, sizes[f]!, true);
    at = encodeRoaring32Into(offsets.subarray(f === 0 ? 0 : ends[f - 1]!, ends[f]!), out, at + 8);
  }
  return out;
}

/** One fragment's rows of a decoded map: sorted, distinct offsets. */
export interface FragmentOffsets {
  fragmentId: number;
  offsets: Uint32Array;
}

/** Decodes to row offsets per fragment; whole-fragment entries are returned separately. */
export function decodeRowAddrTreeMap(bytes: Uint8Array, path: string): { fragments: FragmentOffsets[]; wholeFragments: number[] } {
  const r = new ByteReader(bytes, path);
  const n = r.u32("row address map entry count");
  const fragments: FragmentOffsets[] = [];
  const wholeFragments: number[] = [];
  for (let e = 0; e < n; e++) {
    const fragment = r.u32("fragment id");
    const len = r.u32("bitmap length");
    if (len === 0) {
      wholeFragments.push(fragment);
      continue;
    }
    const inner = new ByteReader(r.take(len, "fragment bitmap"), path, r.baseOffset + r.position - len);
    fragments.push({ fragmentId: fragment, offsets: readRoaring32(inner) });
  }
  return { fragments, wholeFragments };
}

/**
 * The union of encoded maps of disjoint row sets: entries of a fragment found
 * in one map are copied as they are, a fragment found in several has its
 * offsets merged and re-encoded. The result equals encodeRowAddrTreeMap of
 * all the row ids together (the encoding is canonical).
 */
export function unionRowAddrTreeMaps(maps: readonly Uint8Array[], path: string): Uint8Array {
  if (maps.length === 1) return maps[0]!;
  const entries: { fragment: number; bytes: Uint8Array; baseOffset: number }[] = [];
  for (const map of maps) {
    const r = new ByteReader(map, path);
    const n = r.u32("row address map entry count");
    for (let e = 0; e < n; e++) {
      const fragment = r.u32("fragment id");
      const len = r.u32("bitmap length");
      const baseOffset = r.baseOffset + r.position;
      entries.push({ fragment, bytes: r.take(len, "fragment bitmap"), baseOffset });
    }
  }
  entries.sort((a, b) => a.fragment - b.fragment);
  const out: { fragment: number; bytes: Uint8Array }[] = [];
  let total = 4;
  for (let i = 0; i < entries.length; ) {
    let j = i + 1;
    while (j < entries.length && entries[j]!.fragment === entries[i]!.fragment) j++;
    const group = entries.slice(i, j);
    let bytes: Uint8Array;
    if (group.length === 1) bytes = group[0]!.bytes;
    else if (group.some((g) => g.bytes.byteLength === 0)) bytes = new Uint8Array(0); // a whole fragment covers the rest
    else {
      const parts = group.map((g) => readRoaring32(new ByteReader(g.bytes, path, g.baseOffset)));
      const all = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      all.sort();
      let n = 0;
      for (let k = 0; k < all.length; k++) if (n === 0 || all[n - 1] !== all[k]) all[n++] = all[k]!;
      bytes = encodeRoaring32(all.subarray(0, n));
    }
    out.push({ fragment: entries[i]!.fragment, bytes });
    total += 8 + bytes.byteLength;
    i = j;
  }
  const w = new ByteWriter(total);
  w.u32(out.length);
  for (const o of out) w.u32(o.fragment).u32(o.bytes.byteLength).bytes(o.bytes);
  return w.finish();
}
