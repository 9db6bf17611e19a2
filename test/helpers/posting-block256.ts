// Posting lists of 256-document blocks and their impact entries built by hand
// as Lance 14 lays them out (see src/format/index/posting-block256.ts), for
// the tests of their decoding and of searches over them.

import { IMPACT_GROUP_BLOCKS, quantizeDocLength } from "../../src/format/index/posting-block256.js";
import type { PostingTailCodec } from "../../src/format/index/posting.js";

function leb(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function u32(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** 256 values at `bits` bits, BitPacker8x-interleaved. */
function pack8x(out: number[], values: ArrayLike<number>, bits: number): void {
  if (bits === 0) return;
  const words = new Uint32Array(8 * bits);
  for (let k = 0; k < 256; k++) {
    const lane = k % 8;
    const bit = Math.floor(k / 8) * bits;
    const word = Math.floor(bit / 32);
    const shift = bit % 32;
    const v = values[k]! >>> 0;
    words[word * 8 + lane] = (words[word * 8 + lane]! | (v << shift)) >>> 0;
    if (shift + bits > 32) words[(word + 1) * 8 + lane] = (words[(word + 1) * 8 + lane]! | (v >>> (32 - shift))) >>> 0;
  }
  for (const w of words) u32(out, w);
}

export const width = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(v));

/** One posting list's blocks; frequencies above `freqWidth` bits become exceptions (undefined: no exceptions). */
export function encodeBlocks(docIds: Uint32Array, freqs: Uint32Array, tail: PostingTailCodec, freqWidth?: number): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (let start = 0; start < docIds.length; start += 256) {
    const n = Math.min(256, docIds.length - start);
    const out: number[] = [];
    if (n === 256) {
      const deltas = new Uint32Array(256);
      for (let i = 1; i < 256; i++) deltas[i] = docIds[start + i]! - docIds[start + i - 1]!;
      u32(out, docIds[start]!);
      const bits = Math.max(...Array.from(deltas, width));
      out.push(bits);
      pack8x(out, deltas, bits);
      const f = freqs.subarray(start, start + 256);
      const w = freqWidth ?? Math.max(...Array.from(f, width));
      const exceptions: number[] = [];
      let count = 0;
      const low = Uint32Array.from(f, (v, i) => {
        if (width(v) > w) {
          exceptions.push(i);
          leb(exceptions, Math.floor(v / 2 ** w));
          count++;
        }
        return w === 32 ? v : v % 2 ** w;
      });
      out.push(w, count);
      pack8x(out, low, w);
      out.push(...exceptions);
    } else if (tail === "varint_delta_v1") {
      for (let i = 0; i < n; i++) leb(out, i === 0 ? docIds[start]! : docIds[start + i]! - docIds[start + i - 1]!);
      for (let i = 0; i < n; i++) leb(out, freqs[start + i]!);
    } else {
      for (let i = 0; i < n; i++) u32(out, docIds[start + i]!);
      for (let i = 0; i < n; i++) u32(out, freqs[start + i]!);
    }
    blocks.push(Uint8Array.from(out));
  }
  return blocks;
}

/** An impact entry over documents (freq, length) as Lance builds it: for each frequency its shortest document, dominated pairs dropped, equal norms merged. */
export function encodeImpact(lastDoc: number, docs: [freq: number, length: number][]): Uint8Array {
  const shortest = new Map<number, number>();
  for (const [f, l] of docs) shortest.set(f, Math.min(shortest.get(f) ?? Infinity, l));
  const byFreq = [...shortest].sort((a, b) => a[0] - b[0]);
  const frontier: [number, number][] = [];
  let best = Infinity;
  for (let i = byFreq.length - 1; i >= 0; i--) {
    if (byFreq[i]![1] < best) {
      frontier.unshift(byFreq[i]!);
      best = byFreq[i]![1];
    }
  }
  const pairs: [number, number][] = [];
  for (const [f, l] of frontier) {
    const norm = quantizeDocLength(l);
    if (pairs.length > 0 && pairs[pairs.length - 1]![1] === norm) pairs[pairs.length - 1]![0] = f;
    else pairs.push([f, norm]);
  }
  const out: number[] = [];
  leb(out, lastDoc);
  leb(out, pairs.length);
  let pf = 0;
  let pn = 0;
  for (const [f, n] of pairs) {
    const explicit = n - pn !== 1;
    leb(out, (f - pf - 1) * 2 + (explicit ? 1 : 0));
    if (explicit) out.push(n - pn);
    pf = f;
    pn = n;
  }
  return Uint8Array.from(out);
}

export function impactsOf(docIds: Uint32Array, freqs: Uint32Array, lengths: ArrayLike<number>): Uint8Array[] {
  const level0: Uint8Array[] = [];
  const level1: Uint8Array[] = [];
  let group: [number, number][] = [];
  for (let start = 0, b = 0; start < docIds.length; start += 256, b++) {
    const end = Math.min(docIds.length, start + 256);
    const docs: [number, number][] = [];
    for (let i = start; i < end; i++) docs.push([freqs[i]!, lengths[docIds[i]!]!]);
    level0.push(encodeImpact(docIds[end - 1]!, docs));
    group.push(...docs);
    if ((b + 1) % IMPACT_GROUP_BLOCKS === 0 || end === docIds.length) {
      level1.push(encodeImpact(docIds[end - 1]!, group));
      group = [];
    }
  }
  return [...level0, ...level1];
}

