// Numeric BTREE input as order keys: each non-null value becomes an unsigned
// (hi, lo) pair of 32-bit words whose order is the value order of
// value-order.ts (numericKeys), carried with its row id through an LSD radix
// sort that moves keys and ids together, so every pass reads and writes
// sequentially instead of loading keys through a permutation. The keys map
// back to the values bit for bit (valuesFromKeys), so sorted pages are built
// from keys alone and the input batches need not be kept.

import { makeData, Type, type Data, type DataType } from "apache-arrow";
import { fixedWidthBits } from "../../format/file/arrow-build.js";

/** Rows as parallel arrays: order keys (hi, lo) and row ids. */
export interface KeyRows {
  hi: Uint32Array;
  lo: Uint32Array;
  ids: Float64Array;
}

export function allocKeyRows(rows: number): KeyRows {
  return { hi: new Uint32Array(rows), lo: new Uint32Array(rows), ids: new Float64Array(rows) };
}

/** Types whose values sort as numeric (hi, lo) keys: what numericKeys accepts. */
export function hasNumericKeys(type: DataType): boolean {
  const id = type.typeId;
  if (id !== Type.Int && id !== Type.Float && id !== Type.Date && id !== Type.Timestamp && id !== Type.Time && id !== Type.Duration) return false;
  return fixedWidthBits(type) !== undefined;
}

/** Widest radix digit: with 2^8 buckets the rows' scatter stays in cache; wider digits save passes but each costs twice as much. */
const MAX_DIGIT_BITS = 8;

/** Whether ids[0, n) is ascending. */
function ascending(ids: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (ids[i - 1]! > ids[i]!) return false;
  return true;
}

/** Whether rows [0, n) are already in (hi, lo, row id) order. */
export function keysInOrder(rows: KeyRows, n: number): boolean {
  const { hi, lo, ids } = rows;
  for (let i = 1; i < n; i++) {
    const a = hi[i - 1]!;
    const b = hi[i]!;
    if (a < b) continue;
    if (a > b) return false;
    const c = lo[i - 1]!;
    const d = lo[i]!;
    if (c > d || (c === d && ids[i - 1]! > ids[i]!)) return false;
  }
  return true;
}

/** The bits in which words[i * stride + offset] differ from the first row's, for i < n. */
function varyingBits(words: Uint32Array, stride: number, offset: number, n: number): number {
  const first = words[offset]!;
  let mask = 0;
  for (let i = 1; i < n; i++) mask |= words[i * stride + offset]! ^ first;
  return mask >>> 0;
}

/** Digits (shift, width) that cover the varying bits of a word in as few passes as MAX_DIGIT_BITS allows, least significant first. */
function digitsOf(mask: number): { shift: number; bits: number }[] {
  if (mask === 0) return [];
  const low = 31 - Math.clz32(mask & -mask);
  const span = 32 - Math.clz32(mask) - low;
  const passes = Math.ceil(span / MAX_DIGIT_BITS);
  const bits = Math.ceil(span / passes);
  return Array.from({ length: passes }, (_, k) => ({ shift: low + k * bits, bits: Math.min(bits, span - k * bits) }));
}

/** One histogram per digit of a word (at most four), filled in a single sweep. */
function histograms(words: Uint32Array, stride: number, offset: number, n: number, digits: readonly { shift: number; bits: number }[]): Int32Array[] {
  const counts = digits.map((d) => new Int32Array(1 << d.bits));
  // missing digits count into a spare histogram
  const spare = new Int32Array(1);
  const [a = spare, b = spare, c = spare, d = spare] = counts;
  const shift = (k: number): number => digits[k]?.shift ?? 0;
  const mask = (k: number): number => (digits[k] ? (1 << digits[k].bits) - 1 : 0);
  const [sa, sb, sc, sd] = [shift(0), shift(1), shift(2), shift(3)];
  const [ma, mb, mc, md] = [mask(0), mask(1), mask(2), mask(3)];
  for (let i = 0; i < n; i++) {
    const w = words[i * stride + offset]!;
    a[(w >>> sa) & ma]!++;
    b[(w >>> sb) & mb]!++;
    c[(w >>> sc) & mc]!++;
    d[(w >>> sd) & md]!++;
  }
  return counts;
}

/** Turns counts into starting positions. */
function prefixSums(counts: Int32Array): void {
  let sum = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
}

function scatter(words: Uint32Array, stride: number, offset: number, shift: number, mask: number, starts: Int32Array, src: KeyRows, dst: KeyRows, n: number): void {
  const { hi: sHi, lo: sLo, ids: sIds } = src;
  const { hi: dHi, lo: dLo, ids: dIds } = dst;
  for (let i = 0; i < n; i++) {
    const p = starts[(words[i * stride + offset]! >>> shift) & mask]!++;
    dHi[p] = sHi[i]!;
    dLo[p] = sLo[i]!;
    dIds[p] = sIds[i]!;
  }
}

/**
 * Sorts rows [0, n) of `rows` by (hi, lo), ties by row id, using `scratch`
 * (at least n rows); returns whichever of the two holds the sorted rows.
 * Only the bits in which keys differ are sorted on, in digits of up to 8 bits.
 */
export function sortKeyRows(rows: KeyRows, scratch: KeyRows, n: number): KeyRows {
  // a column stored in order (ids, timestamps) needs no pass at all
  if (keysInOrder(rows, n)) return rows;
  let src = rows;
  let dst = scratch;
  const pass = (words: (r: KeyRows) => Uint32Array, stride: number, offset: number): void => {
    const digits = digitsOf(varyingBits(words(src), stride, offset, n));
    if (digits.length === 0) return;
    const counts = histograms(words(src), stride, offset, n, digits);
    digits.forEach((d, k) => {
      prefixSums(counts[k]!);
      scatter(words(src), stride, offset, d.shift, (1 << d.bits) - 1, counts[k]!, src, dst, n);
      [src, dst] = [dst, src];
    });
  };
  // row ids first (non-negative doubles order as their bit patterns), so the stable key passes leave ties by row id
  if (!ascending(rows.ids, n)) {
    const idWords = (r: KeyRows): Uint32Array => new Uint32Array(r.ids.buffer, r.ids.byteOffset, 2 * r.ids.length);
    pass(idWords, 2, 0);
    pass(idWords, 2, 1);
  }
  pass((r) => r.lo, 1, 0);
  pass((r) => r.hi, 1, 0);
  return src;
}

/** Writes the order keys of the non-null rows of `data` at `at` of `rows`, their row ids beside; the null rows' ids go to `nullIds`. Returns the rows written. */
export function appendKeys(data: Data, keys: { hi: Uint32Array; lo: Uint32Array }, rowIds: Float64Array, rows: KeyRows, at: number, onNull: (rowId: number) => void): number {
  const n = data.length;
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.byteLength === 0) {
    rows.hi.set(keys.hi, at);
    rows.lo.set(keys.lo, at);
    rows.ids.set(rowIds.subarray(0, n), at);
    return n;
  }
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  let k = at;
  for (let i = 0; i < n; i++) {
    if (((bitmap[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 0) onNull(rowIds[i]!);
    else {
      rows.hi[k] = keys.hi[i]!;
      rows.lo[k] = keys.lo[i]!;
      rows.ids[k++] = rowIds[i]!;
    }
  }
  return k - at;
}

/**
 * Values of `type` from `count` order keys at `start`, after `nulls` null
 * rows (value slots zero): the inverse of numericKeys.
 */
export function valuesFromKeys(type: DataType, hi: Uint32Array, lo: Uint32Array, start: number, count: number, nulls: number): Data {
  const length = nulls + count;
  const bits = fixedWidthBits(type)!;
  const bytes = new Uint8Array((bits / 8) * length);
  const signed = type.typeId === Type.Int ? (type as unknown as { isSigned: boolean }).isSigned : true;
  if (type.typeId === Type.Float && bits === 64) {
    const w = new Uint32Array(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const h = hi[start + i]!;
      const l = lo[start + i]!;
      const k = 2 * (nulls + i);
      // keys of non-negative values have the top bit set; negative values had every bit flipped
      if (h & 0x80000000) {
        w[k + 1] = h ^ 0x80000000;
        w[k] = l;
      } else {
        w[k + 1] = ~h;
        w[k] = ~l;
      }
    }
  } else if (type.typeId === Type.Float && bits === 32) {
    const w = new Uint32Array(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const l = lo[start + i]!;
      w[nulls + i] = l & 0x80000000 ? l ^ 0x80000000 : ~l;
    }
  } else if (type.typeId === Type.Float) {
    const w = new Uint16Array(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const l = lo[start + i]!;
      w[nulls + i] = l & 0x8000 ? l ^ 0x8000 : ~l;
    }
  } else if (bits === 64) {
    const w = new Uint32Array(bytes.buffer);
    const flip = signed ? 0x80000000 : 0;
    for (let i = 0; i < count; i++) {
      w[2 * (nulls + i)] = lo[start + i]!;
      w[2 * (nulls + i) + 1] = hi[start + i]! ^ flip;
    }
  } else {
    // 8-32 bit values were widened (signed ones offset by 2^31); the narrow store keeps the low bits
    const w = bits === 32 ? new Int32Array(bytes.buffer) : bits === 16 ? new Int16Array(bytes.buffer) : new Int8Array(bytes.buffer);
    const flip = signed ? 0x80000000 : 0;
    for (let i = 0; i < count; i++) w[nulls + i] = lo[start + i]! ^ flip;
  }
  if (nulls === 0) return makeData({ type, length, nullCount: 0, data: bytes } as never);
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  for (let i = nulls; i < length; i++) nullBitmap[i >> 3] = nullBitmap[i >> 3]! | (1 << (i & 7));
  return makeData({ type, length, nullCount: nulls, nullBitmap, data: bytes } as never);
}
