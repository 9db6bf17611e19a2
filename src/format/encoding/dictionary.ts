// Dictionary encoding of variable-width values for 2.1/2.2 mini-block pages
// (MiniBlockLayout fields 4 and 5): every distinct value once, in order of
// first appearance, and a u32 index per value. The dictionary travels as one
// block in the `variable` block form:
//
//   u32 bits_per_offset (32) | u32 bytes_start | (n + 1) u32 offsets from 0 | bytes
//
// Distinct values are found with an open-addressing table of byte hashes, so
// no value becomes a JS string; counting stops as soon as the page has more
// distinct values than the caller can use. Before counting, a random sample
// of the page's values decides whether the count is worth starting: pages of
// (nearly) unique values, such as ids or BTREE page data, are never counted.

import { LanceError } from "../../core/errors.js";

export interface VariableDictionary {
  /** Index of each value's dictionary item. */
  indices: Uint32Array;
  numItems: number;
  /** numItems + 1 offsets from 0 into `data`. */
  offsets: Uint32Array;
  data: Uint8Array;
}

function hashBytes(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A hash of a 64-bit value's halves whose low bits depend on every input bit (values that are multiples of 2^k spread too). */
function hash64(lo: number, hi: number): number {
  const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

function sameBytes(data: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; a + k < aEnd; k++) if (data[a + k] !== data[b + k]) return false;
  return true;
}

/**
 * Pairs of equal sampled values the sample is sized to expect when the page
 * holds just `limit` distinct values; the fewer expected, the less the sample
 * can tell a page at the limit from one of unique values.
 */
const EXPECTED_PAIRS = 64;
/** A sample larger than this fraction of the page is not drawn: the exact count (which stops at the limit) costs about as much. */
const MAX_SAMPLE_FRACTION = 1 / 4;
/** The sample never exceeds this many values. */
const MAX_SAMPLE_VALUES = 1 << 14;

/**
 * Whether `numValues` values (value i = data[offsets[i] .. offsets[i+1]])
 * very likely hold more than `limit` distinct values, judged from a sample
 * (see sampleSaysMoreDistinct); "no" means "count them exactly".
 */
export function likelyMoreDistinctThan(offsets: ArrayLike<number>, data: Uint8Array, numValues: number, limit: number): boolean {
  return sampleSaysMoreDistinct(data, numValues, limit, (i) => offsets[i]!, (i) => offsets[i + 1]!);
}

/** Whether `numValues` values of `width` bytes each very likely hold more than `limit` distinct values (see likelyMoreDistinctThan). */
export function likelyMoreDistinctFixed(data: Uint8Array, width: number, numValues: number, limit: number): boolean {
  if (width === 8 && (data.byteOffset & 3) === 0) return sampleSaysMoreDistinct64(new Uint32Array(data.buffer, data.byteOffset, 2 * numValues), numValues, limit);
  return sampleSaysMoreDistinct(data, numValues, limit, (i) => i * width, (i) => (i + 1) * width);
}

/**
 * The test behind likelyMoreDistinctThan. Positions are drawn uniformly at
 * random over the whole page (a fixed seed, so the same page always gets the
 * same answer), never in strata: in sorted or clustered pages equal values
 * sit together, and one position per stratum would never see two of them.
 * Two different random positions hold equal values with probability
 * (Σ m² - n) / (n (n - 1)) for value multiplicities m; with D distinct values
 * that is least when all m are n / D, namely 1 / D* with
 * D* = D (n - 1) / (n - D). So with at most `limit` distinct values the
 * sample's equal pairs are expected to number at least
 * E = C(s, 2) / D*(limit), whatever the values and their order; the answer
 * is "more" only when the pairs found fall 4 standard deviations (√E) below
 * that. Unique values give no pair at all. Pages too small for a sample to
 * pay are always "no".
 */
/** How many positions to draw for a page of `numValues` values and `limit`, and the D* of the limit; 0 when a sample does not pay. */
function samplePlan(numValues: number, limit: number): { sampleValues: number; effective: number } {
  if (limit >= numValues) return { sampleValues: 0, effective: 0 };
  const effective = (Math.max(limit, 1) * (numValues - 1)) / (numValues - limit);
  const sampleValues = Math.ceil(Math.sqrt(2 * EXPECTED_PAIRS * effective)) + 1;
  if (sampleValues > numValues * MAX_SAMPLE_FRACTION || sampleValues > MAX_SAMPLE_VALUES) return { sampleValues: 0, effective };
  return { sampleValues, effective };
}

/** Slots for a sample of `sampleValues` positions: a power of two, at most half full. */
function sampleCapacity(sampleValues: number): number {
  let capacity = 16;
  while (capacity < 2 * sampleValues) capacity *= 2;
  return capacity;
}

/** The next state of the xorshift32 generator that draws sample positions (the same on every run). */
function nextSeed(seed: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed;
}

/** Whether position `i` was drawn before; marks it drawn. */
function drawnBefore(taken: Int32Array, mask: number, i: number): boolean {
  let at = (Math.imul(i, 0x9e3779b1) >>> 0) & mask;
  for (;;) {
    const t = taken[at]!;
    if (t === 0) {
      taken[at] = i + 1;
      return false;
    }
    if (t === i + 1) return true;
    at = (at + 1) & mask;
  }
}

/** The verdict from the equal pairs among `drawn` distinct positions. */
function pairsSayMore(pairs: number, drawn: number, effective: number): boolean {
  const expected = (drawn * (drawn - 1)) / 2 / effective;
  return pairs < expected - 4 * Math.sqrt(expected);
}

/**
 * The test behind likelyMoreDistinctThan. Positions are drawn uniformly at
 * random over the whole page (a fixed seed, so the same page always gets the
 * same answer), never in strata: in sorted or clustered pages equal values
 * sit together, and one position per stratum would never see two of them.
 * Two different random positions hold equal values with probability
 * (Σ m² - n) / (n (n - 1)) for value multiplicities m; with D distinct values
 * that is least when all m are n / D, namely 1 / D* with
 * D* = D (n - 1) / (n - D). So with at most `limit` distinct values the
 * sample's equal pairs are expected to number at least
 * E = C(s, 2) / D*(limit), whatever the values and their order; the answer
 * is "more" only when the pairs found fall 4 standard deviations (√E) below
 * that. Unique values give no pair at all. Pages too small for a sample to
 * pay are always "no".
 */
function sampleSaysMoreDistinct(data: Uint8Array, numValues: number, limit: number, startOf: (i: number) => number, endOf: (i: number) => number): boolean {
  const { sampleValues, effective } = samplePlan(numValues, limit);
  if (sampleValues === 0) return false;
  const mask = sampleCapacity(sampleValues) - 1;
  /** Position + 1 of the first sampled value in each slot; 0 = free. */
  const slots = new Int32Array(mask + 1);
  const hashes = new Uint32Array(mask + 1);
  /** Sampled values equal to each slot's. */
  const counts = new Int32Array(mask + 1);
  /** Position + 1 per slot of a second table, so no position is drawn twice. */
  const taken = new Int32Array(mask + 1);
  let drawn = 0;
  let pairs = 0;
  let seed = 0x2545f491;
  for (let k = 0; k < sampleValues; k++) {
    seed = nextSeed(seed);
    const i = Math.floor(((seed >>> 0) / 4294967296) * numValues);
    if (drawnBefore(taken, mask, i)) continue;
    drawn++;
    const start = startOf(i);
    const end = endOf(i);
    const h = hashBytes(data, start, end);
    let slot = h & mask;
    for (;;) {
      const seen = slots[slot]! - 1;
      if (seen < 0) {
        slots[slot] = i + 1;
        hashes[slot] = h;
        counts[slot] = 1;
        break;
      }
      if (hashes[slot] === h && sameBytes(data, startOf(seen), endOf(seen), start, end)) {
        pairs += counts[slot]!;
        counts[slot]!++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return pairsSayMore(pairs, drawn, effective);
}

/** sampleSaysMoreDistinct for 64-bit values given as 32-bit halves (low first). */
function sampleSaysMoreDistinct64(halves: Uint32Array, numValues: number, limit: number): boolean {
  const { sampleValues, effective } = samplePlan(numValues, limit);
  if (sampleValues === 0) return false;
  const capacity = sampleCapacity(sampleValues);
  const mask = capacity - 1;
  // one allocation: slots (position + 1 of each slot's first value), counts, drawn positions
  const table = new Int32Array(3 * capacity);
  const slots = table.subarray(0, capacity);
  const counts = table.subarray(capacity, 2 * capacity);
  const taken = table.subarray(2 * capacity);
  let drawn = 0;
  let pairs = 0;
  let seed = 0x2545f491;
  for (let k = 0; k < sampleValues; k++) {
    seed = nextSeed(seed);
    const i = Math.floor(((seed >>> 0) / 4294967296) * numValues);
    if (drawnBefore(taken, mask, i)) continue;
    drawn++;
    const lo = halves[2 * i]!;
    const hi = halves[2 * i + 1]!;
    let slot = hash64(lo, hi) & mask;
    for (;;) {
      const seen = slots[slot]! - 1;
      if (seen < 0) {
        slots[slot] = i + 1;
        counts[slot] = 1;
        break;
      }
      if (halves[2 * seen] === lo && halves[2 * seen + 1] === hi) {
        pairs += counts[slot]!;
        counts[slot]!++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return pairsSayMore(pairs, drawn, effective);
}

/**
 * Dictionary-encodes `numValues` values (value i = data[offsets[i] ..
 * offsets[i+1]]), or returns undefined when they hold more than `maxItems`
 * distinct values.
 */
export function dictionaryEncodeVariable(offsets: ArrayLike<number>, data: Uint8Array, numValues: number, maxItems: number): VariableDictionary | undefined {
  if (offsets.length < numValues + 1) throw new LanceError("INVALID_INPUT", `dictionary: ${numValues} values need ${numValues + 1} offsets, got ${offsets.length}`);
  const limit = Math.max(0, Math.min(maxItems, numValues));
  let capacity = 16;
  while (capacity < 2 * (limit + 1)) capacity *= 2;
  const mask = capacity - 1;
  /** Item index + 1 per slot; 0 = free. */
  const slots = new Int32Array(capacity);
  const hashes = new Uint32Array(capacity);
  const firstValue = new Int32Array(limit + 1);
  const indices = new Uint32Array(numValues);
  let numItems = 0;
  for (let i = 0; i < numValues; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    const h = hashBytes(data, start, end);
    let slot = h & mask;
    for (;;) {
      const item = slots[slot]! - 1;
      if (item < 0) {
        if (numItems >= limit) return undefined;
        slots[slot] = numItems + 1;
        hashes[slot] = h;
        firstValue[numItems] = i;
        indices[i] = numItems++;
        break;
      }
      const v = firstValue[item]!;
      if (hashes[slot] === h && sameBytes(data, offsets[v]!, offsets[v + 1]!, start, end)) {
        indices[i] = item;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const itemOffsets = new Uint32Array(numItems + 1);
  for (let k = 0; k < numItems; k++) {
    const v = firstValue[k]!;
    itemOffsets[k + 1] = itemOffsets[k]! + offsets[v + 1]! - offsets[v]!;
  }
  const itemData = new Uint8Array(itemOffsets[numItems]!);
  for (let k = 0; k < numItems; k++) {
    const v = firstValue[k]!;
    itemData.set(data.subarray(offsets[v]!, offsets[v + 1]!), itemOffsets[k]!);
  }
  return { indices, numItems, offsets: itemOffsets, data: itemData };
}

export interface Fixed64Dictionary {
  indices: Uint32Array;
  numItems: number;
  /** The items' little-endian 64-bit values, numItems · 8 bytes. */
  items: Uint8Array;
}

/**
 * Dictionary-encodes `numValues` little-endian 64-bit values (read as two
 * 32-bit halves), or returns undefined when there are more than `maxItems`
 * distinct values. `data` must be 4-byte aligned.
 */
export function dictionaryEncodeFixed64(data: Uint8Array, numValues: number, maxItems: number): Fixed64Dictionary | undefined {
  if (data.byteLength < numValues * 8 || (data.byteOffset & 3) !== 0) {
    throw new LanceError("INVALID_INPUT", `dictionary: ${numValues} 64-bit values need ${numValues * 8} aligned bytes, got ${data.byteLength} at offset ${data.byteOffset}`);
  }
  const halves = new Uint32Array(data.buffer, data.byteOffset, numValues * 2);
  const limit = Math.max(0, Math.min(maxItems, numValues));
  let capacity = 16;
  while (capacity < 2 * (limit + 1)) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity);
  const items = new Uint32Array(2 * (limit + 1));
  const indices = new Uint32Array(numValues);
  let numItems = 0;
  for (let i = 0; i < numValues; i++) {
    const lo = halves[2 * i]!;
    const hi = halves[2 * i + 1]!;
    let slot = hash64(lo, hi) & mask;
    for (;;) {
      const item = slots[slot]! - 1;
      if (item < 0) {
        if (numItems >= limit) return undefined;
        slots[slot] = numItems + 1;
        items[2 * numItems] = lo;
        items[2 * numItems + 1] = hi;
        indices[i] = numItems++;
        break;
      }
      if (items[2 * item] === lo && items[2 * item + 1] === hi) {
        indices[i] = item;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { indices, numItems, items: new Uint8Array(items.buffer, 0, numItems * 8).slice() };
}


/** The `variable` block form with 32-bit offsets: header, offsets from 0, bytes. */
export function encodeVariableBlock(offsets: Uint32Array, data: Uint8Array): Uint8Array {
  const numItems = offsets.length - 1;
  const bytesStart = 8 + 4 * (numItems + 1);
  const out = new Uint8Array(bytesStart + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 32, true);
  view.setUint32(4, bytesStart, true);
  const base = offsets[0]!;
  for (let k = 0; k <= numItems; k++) view.setUint32(8 + 4 * k, offsets[k]! - base, true);
  out.set(data.subarray(base, offsets[numItems]!), bytesStart);
  return out;
}
