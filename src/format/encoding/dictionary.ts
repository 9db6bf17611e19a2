// Dictionary encoding of variable-width values for 2.1/2.2 mini-block pages
// (MiniBlockLayout fields 4 and 5): every distinct value once, in order of
// first appearance, and a u32 index per value. The dictionary travels as one
// block in the `variable` block form:
//
//   u32 bits_per_offset (32) | u32 bytes_start | (n + 1) u32 offsets from 0 | bytes
//
// Distinct values are found with an open-addressing table of byte hashes, so
// no value becomes a JS string; counting stops as soon as the page has more
// distinct values than the caller can use.

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

function sameBytes(data: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; a + k < aEnd; k++) if (data[a + k] !== data[b + k]) return false;
  return true;
}

/** Values sampled to estimate the number of distinct values. */
const SAMPLE_VALUES = 4096;

/**
 * Whether `numValues` values very likely hold more than `limit` distinct
 * values, judged from a sample of one pseudo-random position in each of s
 * equal strata (even spacing would alias with periodic data, and no position
 * is drawn twice): s sampled values with d
 * repeats suggest about s² / 2d distinct values in all. The answer is "no"
 * unless that estimate is over twice the limit, so a page near the limit is
 * still counted exactly; it only spares pages of nearly unique values the
 * full count.
 */
export function likelyMoreDistinctThan(offsets: ArrayLike<number>, data: Uint8Array, numValues: number, limit: number): boolean {
  return sampledEstimate(data, numValues, (i) => offsets[i]!, (i) => offsets[i + 1]!) > 2 * limit;
}

/** The sample's estimate of the distinct values (0 for pages too small to sample: they are always counted exactly). */
function sampledEstimate(data: Uint8Array, numValues: number, startOf: (i: number) => number, endOf: (i: number) => number): number {
  if (numValues <= 2 * SAMPLE_VALUES) return 0;
  const step = numValues / SAMPLE_VALUES;
  let seed = 0x2545f491;
  const capacity = 4 * SAMPLE_VALUES;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity);
  const hashes = new Uint32Array(capacity);
  let repeats = 0;
  for (let k = 0; k < SAMPLE_VALUES; k++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const i = Math.min(numValues - 1, Math.floor((k + seed / 4294967296) * step));
    const start = startOf(i);
    const end = endOf(i);
    const h = hashBytes(data, start, end);
    let slot = h & mask;
    for (;;) {
      const seen = slots[slot]! - 1;
      if (seen < 0) {
        slots[slot] = i + 1;
        hashes[slot] = h;
        break;
      }
      if (hashes[slot] === h && sameBytes(data, startOf(seen), endOf(seen), start, end)) {
        repeats++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return (SAMPLE_VALUES * SAMPLE_VALUES) / (2 * Math.max(repeats, 0.5));
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
    let slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 0 & mask;
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

/** Whether `numValues` values of `width` bytes each very likely hold more than `limit` distinct values (see likelyMoreDistinctThan). */
export function likelyMoreDistinctFixed(data: Uint8Array, width: number, numValues: number, limit: number): boolean {
  return sampledEstimate(data, numValues, (i) => i * width, (i) => (i + 1) * width) > 2 * limit;
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
