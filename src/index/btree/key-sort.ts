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

const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const MASK = RADIX - 1;
/** Shifts of the 11-bit digits of a 32-bit word, least significant first. */
const SHIFTS = [0, 11, 22] as const;

/** Whether ids[0, n) is ascending. */
function ascending(ids: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (ids[i - 1]! > ids[i]!) return false;
  return true;
}

/** One histogram of digits per (word, shift), filled in a single sweep over `words` with stride. */
function histograms(words: Uint32Array, stride: number, offset: number, n: number): Int32Array {
  const counts = new Int32Array(3 * RADIX);
  for (let i = 0; i < n; i++) {
    const w = words[i * stride + offset]!;
    counts[w & MASK]!++;
    counts[RADIX + ((w >>> 11) & MASK)]!++;
    counts[2 * RADIX + (w >>> 22)]!++;
  }
  return counts;
}

/** Turns counts[base, base + RADIX) into starting positions; false if one digit holds every row (the pass changes nothing). */
function prefixSums(counts: Int32Array, base: number, n: number): boolean {
  let sum = 0;
  for (let d = 0; d < RADIX; d++) {
    const c = counts[base + d]!;
    if (c === n) return false;
    counts[base + d] = sum;
    sum += c;
  }
  return true;
}

function scatter(words: Uint32Array, stride: number, offset: number, shift: number, starts: Int32Array, base: number, src: KeyRows, dst: KeyRows, n: number): void {
  const { hi: sHi, lo: sLo, ids: sIds } = src;
  const { hi: dHi, lo: dLo, ids: dIds } = dst;
  for (let i = 0; i < n; i++) {
    const d = (words[i * stride + offset]! >>> shift) & MASK;
    const p = starts[base + d]!++;
    dHi[p] = sHi[i]!;
    dLo[p] = sLo[i]!;
    dIds[p] = sIds[i]!;
  }
}

/**
 * Sorts rows [0, n) of `rows` by (hi, lo), ties by row id, using `scratch`
 * (at least n rows); returns whichever of the two holds the sorted rows.
 */
export function sortKeyRows(rows: KeyRows, scratch: KeyRows, n: number): KeyRows {
  let src = rows;
  let dst = scratch;
  const pass = (words: (r: KeyRows) => Uint32Array, stride: number, offset: number): void => {
    const counts = histograms(words(src), stride, offset, n);
    for (let k = 0; k < 3; k++) {
      if (!prefixSums(counts, k * RADIX, n)) continue;
      scatter(words(src), stride, offset, SHIFTS[k]!, counts, k * RADIX, src, dst, n);
      [src, dst] = [dst, src];
    }
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
