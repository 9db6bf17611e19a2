// Portable 64-bit roaring treemaps (roaring-rs RoaringTreemap serialization),
// the posting lists of Lance's NGRAM index:
//   u64 bitmap count n
//   n x (u32 high 32 bits of the values, portable 32-bit roaring bitmap of the low 32 bits)
// little-endian, bitmaps in ascending order of their high word.

import { ByteReader } from "../../core/bytes.js";
import { encodeRoaring32Into, readRoaring32, roaring32ByteLength, viewRoaring32, type Roaring32View } from "../../core/roaring.js";
import { intersectRoaring32 } from "../../core/roaring-intersect.js";

const HIGH = 0x1_0000_0000;

/** Encodes sorted, distinct integers below 2^53 (row ids as numbers). */
export function encodeRoaringTreemap(values: ArrayLike<number>): Uint8Array {
  const lows = new Uint32Array(values.length);
  const highs: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const high = Math.floor(values[i]! / HIGH);
    lows[i] = values[i]! - high * HIGH;
    if (highs.at(-1) !== high) {
      if (highs.length > 0) ends.push(i);
      highs.push(high);
    }
  }
  if (highs.length > 0) ends.push(values.length);
  let total = 8;
  for (let k = 0; k < highs.length; k++) total += 4 + roaring32ByteLength(lows.subarray(k === 0 ? 0 : ends[k - 1]!, ends[k]!));
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, highs.length, true);
  let at = 8;
  for (let k = 0; k < highs.length; k++) {
    view.setUint32(at, highs[k]!, true);
    at = encodeRoaring32Into(lows.subarray(k === 0 ? 0 : ends[k - 1]!, ends[k]!), out, at + 4);
  }
  return out;
}

/** Decodes a treemap into its values as numbers, ascending; CORRUPT_FILE (naming `path`) on malformed bytes. */
export function decodeRoaringTreemap(bytes: Uint8Array, path: string): Float64Array {
  const r = new ByteReader(bytes, path);
  const count = r.u64("roaring treemap bitmap count");
  if (count > BigInt(bytes.byteLength)) r.fail(`roaring treemap claims ${count} bitmaps in ${bytes.byteLength} bytes`, 0);
  const parts: { high: number; lows: Uint32Array }[] = [];
  let total = 0;
  for (let k = 0; k < Number(count); k++) {
    const high = r.u32("roaring treemap high word");
    if (high >= 0x20_0000) r.fail(`roaring treemap value high word ${high} is past 2^53`, r.position - 4);
    if (parts.length > 0 && high <= parts.at(-1)!.high) r.fail(`roaring treemap high words out of order (${high} after ${parts.at(-1)!.high})`, r.position - 4);
    const lows = readRoaring32(r);
    parts.push({ high, lows });
    total += lows.length;
  }
  const out = new Float64Array(total);
  let n = 0;
  for (const { high, lows } of parts) for (let i = 0; i < lows.length; i++) out[n++] = high * HIGH + lows[i]!;
  return out;
}

/** A treemap's 32-bit bitmaps by high word, their containers undecoded. */
export interface RoaringTreemapView {
  highs: Uint32Array;
  bitmaps: Roaring32View[];
  cardinality: number;
}

/** Reads a treemap's structure (CORRUPT_FILE, naming `path`, on malformed bytes) without decoding its containers. */
export function viewRoaringTreemap(bytes: Uint8Array, path: string): RoaringTreemapView {
  const r = new ByteReader(bytes, path);
  const count = r.u64("roaring treemap bitmap count");
  if (count > BigInt(bytes.byteLength)) r.fail(`roaring treemap claims ${count} bitmaps in ${bytes.byteLength} bytes`, 0);
  const highs = new Uint32Array(Number(count));
  const bitmaps: Roaring32View[] = [];
  let cardinality = 0;
  for (let k = 0; k < highs.length; k++) {
    const high = r.u32("roaring treemap high word");
    if (high >= 0x20_0000) r.fail(`roaring treemap value high word ${high} is past 2^53`, r.position - 4);
    if (k > 0 && high <= highs[k - 1]!) r.fail(`roaring treemap high words out of order (${high} after ${highs[k - 1]})`, r.position - 4);
    highs[k] = high;
    const view = viewRoaring32(r);
    bitmaps.push(view);
    cardinality += view.cardinality;
  }
  return { highs, bitmaps, cardinality };
}

/**
 * The values every treemap holds, ascending, by high word: high words present
 * in all of them, then the containers of keys present in all (see
 * intersectRoaring32). Empty parts are left out.
 */
export function intersectRoaringTreemaps(views: readonly RoaringTreemapView[]): { high: number; lows: Uint32Array }[] {
  if (views.length === 0) return [];
  const ordered = [...views].sort((a, b) => a.cardinality - b.cardinality);
  const out: { high: number; lows: Uint32Array }[] = [];
  for (let h = 0; h < ordered[0]!.highs.length; h++) {
    const high = ordered[0]!.highs[h]!;
    const parts: Roaring32View[] = [];
    for (const v of ordered) {
      const at = v.highs.indexOf(high);
      if (at < 0) break;
      parts.push(v.bitmaps[at]!);
    }
    if (parts.length < ordered.length) continue;
    const lows = intersectRoaring32(parts);
    if (lows.length > 0) out.push({ high, lows });
  }
  return out;
}
