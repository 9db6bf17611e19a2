// RowAddrTreeMap serialization (index files' row sets): u32 entry count, then
// per fragment in ascending order u32 fragment id, u32 byte length and a
// portable 32-bit roaring bitmap of row offsets (length 0 = whole fragment).

import { ByteReader, ByteWriter } from "../../core/bytes.js";
import { encodeRoaring32, readRoaring32 } from "../../core/roaring.js";

/** Encodes row ids (fragment << 32 | offset, as numbers), which need not be sorted or distinct. */
export function encodeRowAddrTreeMap(rowIds: ArrayLike<number>): Uint8Array {
  // sorted as numbers, the ids group by fragment with ascending offsets
  const sorted = Float64Array.from(rowIds).sort();
  let fragments = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || Math.floor(sorted[i]! / 0x1_0000_0000) !== Math.floor(sorted[i - 1]! / 0x1_0000_0000)) fragments++;
  const w = new ByteWriter(16 + sorted.length * 2);
  w.u32(fragments);
  const offsets = new Uint32Array(sorted.length);
  for (let i = 0; i < sorted.length; ) {
    const fragment = Math.floor(sorted[i]! / 0x1_0000_0000);
    const base = fragment * 0x1_0000_0000;
    let n = 0;
    for (; i < sorted.length && sorted[i]! < base + 0x1_0000_0000; i++) {
      const offset = sorted[i]! - base;
      if (n === 0 || offsets[n - 1] !== offset) offsets[n++] = offset;
    }
    const bitmap = encodeRoaring32(offsets.subarray(0, n));
    w.u32(fragment).u32(bitmap.byteLength).bytes(bitmap);
  }
  return w.finish();
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
