// Portable 64-bit roaring treemaps (roaring-rs RoaringTreemap serialization),
// the posting lists of Lance's NGRAM index:
//   u64 bitmap count n
//   n x (u32 high 32 bits of the values, portable 32-bit roaring bitmap of the low 32 bits)
// little-endian, bitmaps in ascending order of their high word.

import { ByteReader } from "../../core/bytes.js";
import { encodeRoaring32Into, readRoaring32, roaring32ByteLength } from "../../core/roaring.js";

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
