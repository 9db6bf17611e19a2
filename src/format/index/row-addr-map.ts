// RowAddrTreeMap serialization (index files' row sets): u32 entry count, then
// per fragment in ascending order u32 fragment id, u32 byte length and a
// portable 32-bit roaring bitmap of row offsets (length 0 = whole fragment).

import { ByteReader, ByteWriter } from "../../core/bytes.js";
import { encodeRoaring32, readRoaring32 } from "../../core/roaring.js";

/** Encodes row ids (fragment << 32 | offset, as numbers), which need not be sorted. */
export function encodeRowAddrTreeMap(rowIds: ArrayLike<number>): Uint8Array {
  const byFragment = new Map<number, number[]>();
  for (let i = 0; i < rowIds.length; i++) {
    const id = rowIds[i]!;
    const fragment = Math.floor(id / 0x1_0000_0000);
    const offset = id - fragment * 0x1_0000_0000;
    const list = byFragment.get(fragment);
    if (list) list.push(offset);
    else byFragment.set(fragment, [offset]);
  }
  const fragments = [...byFragment.keys()].sort((a, b) => a - b);
  const w = new ByteWriter(16 + rowIds.length * 2);
  w.u32(fragments.length);
  for (const f of fragments) {
    const offsets = byFragment.get(f)!.sort((a, b) => a - b);
    const unique = offsets.filter((v, i) => i === 0 || v !== offsets[i - 1]);
    const bitmap = encodeRoaring32(unique);
    w.u32(f).u32(bitmap.byteLength).bytes(bitmap);
  }
  return w.finish();
}

/** Decodes to row ids as numbers; whole-fragment entries are returned separately. */
export function decodeRowAddrTreeMap(bytes: Uint8Array, path: string): { rowIds: number[]; wholeFragments: number[] } {
  const r = new ByteReader(bytes, path);
  const n = r.u32("row address map entry count");
  const rowIds: number[] = [];
  const wholeFragments: number[] = [];
  for (let e = 0; e < n; e++) {
    const fragment = r.u32("fragment id");
    const len = r.u32("bitmap length");
    if (len === 0) {
      wholeFragments.push(fragment);
      continue;
    }
    const inner = new ByteReader(r.take(len, "fragment bitmap"), path, r.baseOffset + r.position - len);
    for (const offset of readRoaring32(inner)) rowIds.push(fragment * 0x1_0000_0000 + offset);
  }
  return { rowIds, wholeFragments };
}
