// Numeric BTREE rows packed two words a row for the sort: each order key as
// its distance from the held rows' least key (without the low bits every key
// shares), each row id without the bits every id shares, side by side, so
// that an LSD radix pass moves 8 bytes a row instead of 16 and the ids need
// no separate pass. When they fit in 64 bits (a column of int64 spanning
// less than 2^40 with millions of row addresses does), the rows are packed
// in place of their key words, sorted with the row id array's memory as
// scratch, and unpacked page by page; otherwise the caller sorts the
// unpacked rows.
//
// A packed row (w = keyBits, k = max(0, w - 32), c = compact row id):
//   a: the key distance's low 32 bits (all of it when w <= 32)
//   b: bits 0..k-1 the key distance's bits 32.., bits k.. the compact row id
// The compact row id is the varying window of the id's high word above the
// varying window of its low word: it orders as the ids do.

import type { KeyRows } from "./key-sort.js";

/** How rows were packed: the windows kept and the bits every held row shares outside them. */
export interface PackedLayout {
  /** Low bits every key shares (dropped), and the width of the distance that is kept (0: all keys equal). */
  keyShift: number;
  keyBits: number;
  /** The least key, as (hi, lo). */
  minHi: number;
  minLo: number;
  /** Windows of the row id's low and high 32-bit words, and their shared bits. */
  idLoShift: number;
  idLoBits: number;
  idLo: number;
  idHiShift: number;
  idHiBits: number;
  idHi: number;
  /** Whether the rows arrived with ascending row ids (the sort then leaves ties in arrival order). */
  idsAscending: boolean;
}

/** Packed rows: word arrays a and b, `length` rows, sorted once sortPacked returns them. */
export interface PackedRows {
  layout: PackedLayout;
  a: Uint32Array;
  b: Uint32Array;
  length: number;
}

/** Widest radix digit: a pass over random keys costs 80 ms per 5M rows at 8 bits, 140 ms at 12. */
const MAX_DIGIT_BITS = 8;
function lowMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : (1 << bits) - 1;
}

function shr(x: number, s: number): number {
  return s >= 32 ? 0 : x >>> s;
}

function shl(x: number, s: number): number {
  return s >= 32 ? 0 : (x << s) >>> 0;
}

/** The lowest set bit and the width up to the highest of a 32-bit mask (shift 0, width 0 when empty). */
function window32(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  const shift = 31 - Math.clz32(mask & -mask);
  return { shift, bits: 32 - Math.clz32(mask) - shift };
}

/**
 * The packing of rows [0, n), or undefined when the key window and the
 * compact row id take more than 64 bits (k + id bits > 32) or there are no rows.
 */
export function planPacking(rows: KeyRows, n: number): PackedLayout | undefined {
  if (n === 0) return undefined;
  const { hi, lo, ids } = rows;
  const hi0 = hi[0]!;
  const lo0 = lo[0]!;
  const id0 = ids[0]!;
  const idLo0 = id0 >>> 0;
  const idHi0 = (id0 - idLo0) / 0x1_0000_0000;
  let minHi = hi0;
  let minLo = lo0;
  let maxHi = hi0;
  let maxLo = lo0;
  let hiX = 0;
  let loX = 0;
  let idLoX = 0;
  let idHiX = 0;
  let ascending = true;
  let prev = id0;
  for (let i = 1; i < n; i++) {
    const h = hi[i]!;
    const l = lo[i]!;
    hiX |= h ^ hi0;
    loX |= l ^ lo0;
    if (h < minHi || (h === minHi && l < minLo)) {
      minHi = h;
      minLo = l;
    } else if (h > maxHi || (h === maxHi && l > maxLo)) {
      maxHi = h;
      maxLo = l;
    }
    const id = ids[i]!;
    const il = id >>> 0;
    idLoX |= il ^ idLo0;
    idHiX |= (id - il) / 0x1_0000_0000 ^ idHi0;
    if (id < prev) ascending = false;
    prev = id;
  }
  // low bits shared by every key stay out of the distance
  const keyShift = loX !== 0 ? window32(loX >>> 0).shift : hiX !== 0 ? 32 + window32(hiX >>> 0).shift : 0;
  const rangeLo = (maxLo - minLo) >>> 0;
  const rangeHi = (maxHi - minHi - (maxLo < minLo ? 1 : 0)) >>> 0;
  const { hi: wh, lo: wl } = shiftRight(rangeHi, rangeLo, keyShift);
  const keyBits = wh !== 0 ? 64 - Math.clz32(wh) : 32 - Math.clz32(wl);
  const idLoW = window32(idLoX >>> 0);
  const idHiW = window32(idHiX >>> 0);
  if (Math.max(0, keyBits - 32) + idLoW.bits + idHiW.bits > 32) return undefined;
  return {
    keyShift,
    keyBits,
    minHi,
    minLo,
    idLoShift: idLoW.shift,
    idLoBits: idLoW.bits,
    idLo: (idLo0 & ~shl(lowMask(idLoW.bits), idLoW.shift)) >>> 0,
    idHiShift: idHiW.shift,
    idHiBits: idHiW.bits,
    idHi: (idHi0 & ~shl(lowMask(idHiW.bits), idHiW.shift)) >>> 0,
    idsAscending: ascending,
  };
}

/** (hi, lo) >> s for s in [0, 64). */
function shiftRight(hi: number, lo: number, s: number): { hi: number; lo: number } {
  if (s === 0) return { hi, lo };
  if (s < 32) return { hi: hi >>> s, lo: ((lo >>> s) | (hi << (32 - s))) >>> 0 };
  return { hi: 0, lo: hi >>> (s - 32) };
}

/**
 * Packs rows [0, n) in place: a over rows.lo, b over rows.hi (the row ids
 * are read before their row is written, so rows.ids is free afterwards).
 */
export function packRows(rows: KeyRows, n: number, layout: PackedLayout): PackedRows {
  const { hi, lo, ids } = rows;
  const { keyShift, keyBits, idLoShift, idLoBits, idHiShift, idHiBits } = layout;
  const keyHighBits = Math.max(0, keyBits - 32);
  const lowKeyMask = lowMask(Math.min(32, keyBits));
  const highKeyMask = lowMask(keyHighBits);
  const idLoMask = lowMask(idLoBits);
  const idHiMask = lowMask(idHiBits);
  const { minHi, minLo } = layout;
  for (let i = 0; i < n; i++) {
    const l = lo[i]!;
    const id = ids[i]!;
    const il = id >>> 0;
    const ih = (id - il) / 0x1_0000_0000;
    // the distance from the least key, 64 bits wide, shifted right by keyShift: (wh, wl)
    const dl = (l - minLo) >>> 0;
    const dh = (hi[i]! - minHi - (l < minLo ? 1 : 0)) >>> 0;
    let wl: number;
    let wh: number;
    if (keyShift === 0) {
      wl = dl;
      wh = dh;
    } else if (keyShift < 32) {
      wl = (dl >>> keyShift) | (dh << (32 - keyShift));
      wh = dh >>> keyShift;
    } else {
      wl = dh >>> (keyShift - 32);
      wh = 0;
    }
    const compact = shl(shr(ih, idHiShift) & idHiMask, idLoBits) | (shr(il, idLoShift) & idLoMask);
    lo[i] = wl & lowKeyMask;
    hi[i] = (wh & highKeyMask) | shl(compact, keyHighBits);
  }
  return { layout, a: lo.subarray(0, n), b: hi.subarray(0, n), length: n };
}

/** Digits (shift, width) covering the set bits of `mask`, least significant first, as few as MAX_DIGIT_BITS allows. */
function digitsOf(mask: number): { shift: number; bits: number }[] {
  const { shift: low, bits: span } = window32(mask >>> 0);
  if (span === 0) return [];
  const passes = Math.ceil(span / MAX_DIGIT_BITS);
  const bits = Math.ceil(span / passes);
  return Array.from({ length: passes }, (_, k) => ({ shift: low + k * bits, bits: Math.min(bits, span - k * bits) }));
}

interface Digit {
  shift: number;
  bits: number;
  /** Rows per digit value, then (prefix sums) where each digit value's rows start. */
  counts: Int32Array;
}

/** Counts the digits of words[0, n), up to four in one sweep. */
function countDigits(words: Uint32Array, n: number, digits: readonly Digit[]): void {
  for (let at = 0; at < digits.length; at += 4) {
    const spare = new Int32Array(1);
    const [a, b = a, c = a, d = a] = digits.slice(at, at + 4);
    const [ca, cb, cc, cd] = [a!.counts, b === a ? spare : b!.counts, c === a ? spare : c!.counts, d === a ? spare : d!.counts];
    const [sa, sb, sc, sd] = [a!.shift, b!.shift, c!.shift, d!.shift];
    const [ma, mb, mc, md] = [(1 << a!.bits) - 1, b === a ? 0 : (1 << b!.bits) - 1, c === a ? 0 : (1 << c!.bits) - 1, d === a ? 0 : (1 << d!.bits) - 1];
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      ca[(w >>> sa) & ma]!++;
      cb[(w >>> sb) & mb]!++;
      cc[(w >>> sc) & mc]!++;
      cd[(w >>> sd) & md]!++;
    }
  }
  for (const { counts } of digits) {
    let sum = 0;
    for (let v = 0; v < counts.length; v++) {
      const c = counts[v]!;
      counts[v] = sum;
      sum += c;
    }
  }
}

/** One stable counting pass: rows (sa, sb) to (da, db) by the digit (shift, mask) of `keys` (sa or sb), from the digit's start positions. */
function scatter(keys: Uint32Array, shift: number, mask: number, starts: Int32Array, sa: Uint32Array, sb: Uint32Array, da: Uint32Array, db: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = starts[(keys[i]! >>> shift) & mask]!++;
    da[p] = sa[i]!;
    db[p] = sb[i]!;
  }
}

/**
 * Sorts packed rows by key, ties by row id: an LSD radix sort over the key
 * window (and before it the compact row ids, when they did not arrive
 * ascending), in digits of up to MAX_DIGIT_BITS whose counts are taken in
 * one sweep a word. `scratch` holds 2 * length words (the row id array's
 * buffer serves). Returns the sorted rows (in place or in scratch).
 */
export function sortPacked(packed: PackedRows, scratch: Uint32Array): PackedRows {
  const n = packed.length;
  if (n < 2) return packed;
  const { keyBits, idLoBits, idHiBits, idsAscending } = packed.layout;
  const keyHighBits = Math.max(0, keyBits - 32);
  const digit = (d: { shift: number; bits: number }): Digit => ({ ...d, counts: new Int32Array(1 << d.bits) });
  const idDigits = idsAscending ? [] : digitsOf(shl(lowMask(idLoBits + idHiBits), keyHighBits)).map(digit);
  const lowDigits = digitsOf(lowMask(Math.min(32, keyBits))).map(digit);
  const highDigits = digitsOf(lowMask(keyHighBits)).map(digit);
  countDigits(packed.a, n, lowDigits);
  countDigits(packed.b, n, [...idDigits, ...highDigits]);
  let sa = packed.a;
  let sb = packed.b;
  let da = scratch.subarray(0, n);
  let db = scratch.subarray(n, 2 * n);
  const passes = [...idDigits.map((d) => ({ inB: true, d })), ...lowDigits.map((d) => ({ inB: false, d })), ...highDigits.map((d) => ({ inB: true, d }))];
  for (const { inB, d } of passes) {
    scatter(inB ? sb : sa, d.shift, (1 << d.bits) - 1, d.counts, sa, sb, da, db, n);
    [sa, da] = [da, sa];
    [sb, db] = [db, sb];
  }
  return { layout: packed.layout, a: sa, b: sb, length: n };
}

/** Unpacks sorted rows [start, start + count) into `out` at `at`: order keys (hi, lo) and row ids. */
export function unpackRows(packed: PackedRows, start: number, count: number, out: KeyRows, at: number): void {
  const { a, b, layout } = packed;
  const { keyShift, keyBits, minHi, minLo, idLoShift, idLoBits, idLo, idHiShift, idHi } = layout;
  const keyHighBits = Math.max(0, keyBits - 32);
  const highKeyMask = lowMask(keyHighBits);
  const idLoMask = lowMask(idLoBits);
  const { hi: outHi, lo: outLo, ids: outIds } = out;
  for (let i = 0; i < count; i++) {
    const wl = a[start + i]!;
    const bw = b[start + i]!;
    const wh = bw & highKeyMask;
    const compact = shr(bw, keyHighBits);
    // key = least key + (distance << keyShift)
    let dh: number;
    let dl: number;
    if (keyShift === 0) {
      dl = wl;
      dh = wh;
    } else if (keyShift < 32) {
      dl = (wl << keyShift) >>> 0;
      dh = (wh << keyShift) | (wl >>> (32 - keyShift));
    } else {
      dl = 0;
      dh = wl << (keyShift - 32);
    }
    const l = dl + minLo;
    outLo[at + i] = l >>> 0;
    outHi[at + i] = (dh + minHi + (l > 0xffffffff ? 1 : 0)) >>> 0;
    const il = (shl(compact & idLoMask, idLoShift) | idLo) >>> 0;
    const ih = (shl(shr(compact, idLoBits), idHiShift) | idHi) >>> 0;
    outIds[at + i] = ih * 0x1_0000_0000 + il;
  }
}
