// Intersection of portable 32-bit roaring bitmaps (layout and views in roaring.ts)
// without decoding them: a view reads only the container headers (key,
// cardinality, kind, where the container's bytes start); the intersection
// walks the keys present in every bitmap, smallest bitmap first, and decodes
// only those containers, each against the survivors of the ones before it.
// Survivors are kept as sorted 16-bit lows (an array) or, while every
// container so far was a full bitmap, as 65,536 bits.

import { ByteReader } from "./bytes.js";
import { ARRAY, BITMAP, RUN, type Roaring32View } from "./roaring.js";

const BITMAP_BYTES = 8192;

function fail(view: Roaring32View, container: number, detail: string): never {
  return new ByteReader(view.bytes, view.path, view.baseOffset).fail(`roaring container ${view.keys[container]}: ${detail}`, view.starts[container]!);
}

function u16At(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

/** Survivors within one key: sorted lows, or 65,536 bits (as 2,048 words). */
type Survivors = { lows: Uint16Array } | { bits: Uint32Array };

/** The lows of an array container, checked strictly increasing. */
function arrayLows(view: Roaring32View, c: number): Uint16Array {
  const n = view.cardinalities[c]!;
  const out = new Uint16Array(n);
  const at = view.starts[c]!;
  let prev = -1;
  for (let k = 0; k < n; k++) {
    const v = u16At(view.bytes, at + 2 * k);
    if (v <= prev) fail(view, c, "array container not strictly increasing");
    out[k] = v;
    prev = v;
  }
  return out;
}

/** The runs of a run container as [start, end) pairs, checked against its cardinality. */
function runBounds(view: Roaring32View, c: number): Uint32Array {
  const at = view.starts[c]!;
  const runs = u16At(view.bytes, at);
  const out = new Uint32Array(2 * runs);
  let total = 0;
  let prevEnd = 0;
  for (let k = 0; k < runs; k++) {
    const s = u16At(view.bytes, at + 2 + 4 * k);
    const len = u16At(view.bytes, at + 4 + 4 * k) + 1;
    if (s < prevEnd || s + len > 65536) fail(view, c, `run ${s}+${len} overlaps its predecessor or passes 65536`);
    out[2 * k] = s;
    out[2 * k + 1] = s + len;
    prevEnd = s + len;
    total += len;
  }
  if (total !== view.cardinalities[c]) fail(view, c, `run container holds ${total} values, header says ${view.cardinalities[c]}`);
  return out;
}

/** A bitmap container's words, its cardinality checked. */
function bitmapWords(view: Roaring32View, c: number): Uint32Array {
  const at = view.starts[c]!;
  const b = view.bytes;
  const out = new Uint32Array(BITMAP_BYTES / 4);
  let total = 0;
  for (let w = 0; w < out.length; w++) {
    const p = at + 4 * w;
    const word = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    out[w] = word;
    total += popcount(word);
  }
  if (total !== view.cardinalities[c]) fail(view, c, `bitmap container holds ${total} values, header says ${view.cardinalities[c]}`);
  return out;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function decodeContainer(view: Roaring32View, c: number): Survivors {
  const kind = view.kinds[c];
  if (kind === BITMAP) return { bits: bitmapWords(view, c) };
  if (kind === ARRAY) return { lows: arrayLows(view, c) };
  const runs = runBounds(view, c);
  const lows = new Uint16Array(view.cardinalities[c]!);
  let n = 0;
  for (let k = 0; k < runs.length; k += 2) for (let v = runs[k]!; v < runs[k + 1]!; v++) lows[n++] = v;
  return { lows };
}

/** The survivors that container `c` of `view` also holds. */
function andContainer(current: Survivors, view: Roaring32View, c: number): Survivors {
  const kind = view.kinds[c];
  if ("bits" in current) {
    if (kind === BITMAP) {
      const words = bitmapWords(view, c);
      for (let w = 0; w < words.length; w++) words[w]! &= current.bits[w]!;
      return { bits: words };
    }
    // the other container is the smaller: keep its lows whose bits are set
    const other = decodeContainer(view, c) as { lows: Uint16Array };
    return { lows: other.lows.filter((v) => ((current.bits[v >>> 5]! >>> (v & 31)) & 1) === 1) };
  }
  const lows = current.lows;
  const out = new Uint16Array(lows.length);
  let n = 0;
  if (kind === BITMAP) {
    const at = view.starts[c]!;
    const b = view.bytes;
    for (let i = 0; i < lows.length; i++) {
      const v = lows[i]!;
      if ((b[at + (v >>> 3)]! >>> (v & 7)) & 1) out[n++] = v;
    }
    // lows tested against bits are not checked against the container's cardinality: check it once
    if (n > 0) bitmapWords(view, c);
  } else if (kind === ARRAY) {
    const other = arrayLows(view, c);
    for (let i = 0, j = 0; i < lows.length && j < other.length; ) {
      if (lows[i]! < other[j]!) i++;
      else if (lows[i]! > other[j]!) j++;
      else {
        out[n++] = lows[i]!;
        i++;
        j++;
      }
    }
  } else {
    const runs = runBounds(view, c);
    for (let i = 0, k = 0; i < lows.length && k < runs.length; ) {
      if (lows[i]! < runs[k]!) i++;
      else if (lows[i]! >= runs[k + 1]!) k += 2;
      else out[n++] = lows[i++]!;
    }
  }
  return { lows: out.subarray(0, n) };
}

function isEmpty(s: Survivors): boolean {
  if ("lows" in s) return s.lows.length === 0;
  for (let w = 0; w < s.bits.length; w++) if (s.bits[w] !== 0) return false;
  return true;
}

/** Index of `key` among `keys` at or after `from`, or -1. */
function findKey(keys: Uint16Array, key: number, from: number): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo < keys.length && keys[lo] === key ? lo : -1;
}

/**
 * The 32-bit values held by all of `views`, ascending. Only the containers
 * whose key every bitmap holds are decoded, smallest bitmap first; a key
 * stops at the first container that leaves nothing.
 */
export function intersectRoaring32(views: readonly Roaring32View[]): Uint32Array {
  if (views.length === 0) return new Uint32Array(0);
  const ordered = [...views].sort((a, b) => a.cardinality - b.cardinality);
  const first = ordered[0]!;
  // no more values than the smallest bitmap holds
  const out = new Uint32Array(first.cardinality);
  let n = 0;
  // where each bitmap's key search resumes (keys ascend)
  const cursors = new Int32Array(ordered.length);
  const found = new Int32Array(ordered.length);
  for (let c = 0; c < first.keys.length; c++) {
    const key = first.keys[c]!;
    found[0] = c;
    let inAll = true;
    for (let k = 1; k < ordered.length && inAll; k++) {
      const at = findKey(ordered[k]!.keys, key, cursors[k]!);
      if (at < 0) inAll = false;
      else {
        found[k] = at;
        cursors[k] = at + 1;
      }
    }
    if (!inAll) continue;
    let survivors = decodeContainer(first, c);
    for (let k = 1; k < ordered.length && !isEmpty(survivors); k++) survivors = andContainer(survivors, ordered[k]!, found[k]!);
    const high = key * 65536;
    if ("lows" in survivors) for (let i = 0; i < survivors.lows.length; i++) out[n++] = high + survivors.lows[i]!;
    else {
      const bits = survivors.bits;
      for (let w = 0; w < bits.length; w++) {
        let word = bits[w]!;
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          out[n++] = high + w * 32 + bit;
          word &= word - 1;
        }
      }
    }
  }
  return out.subarray(0, n);
}
