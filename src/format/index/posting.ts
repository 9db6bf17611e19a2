// Posting lists of Lance's inverted index (128-document blocks):
//   full block:  f32 block max score | u32 first doc id
//                | u8 bits | BitPacker4x(128 doc-id deltas, the first 0)
//                | u8 bits | BitPacker4x(128 frequencies)
//   last block, tail codec "fixed32_v1" (format 1, and lancets' segments):
//                f32 block max score | n x u32 doc ids | n x u32 frequencies
//   last block, tail codec "varint_delta_v1" (Lance 12's format 2):
//                f32 block max score | n LEB128 doc ids (the first absolute,
//                then gaps) | n LEB128 frequencies
// BitPacker4x: value k goes to lane k % 4, row k / 4; each lane packs its 32
// values LSB-first into `bits` u32 words, and output word j interleaves the
// four lanes' word j.

import { ByteReader, ByteWriter } from "../../core/bytes.js";
import { CorruptFileError } from "../../core/errors.js";

export const POSTING_BLOCK_SIZE = 128;

function bitWidth(values: ArrayLike<number>, from: number, count: number): number {
  let max = 0;
  for (let i = 0; i < count; i++) max = Math.max(max, values[from + i]! >>> 0);
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Packs 128 values (from `values[from]`) with BitPacker4x at `bits` bits. */
export function pack4x(values: ArrayLike<number>, from: number, bits: number, w: ByteWriter): void {
  if (bits === 0) return;
  const words = new Uint32Array(4 * bits);
  for (let lane = 0; lane < 4; lane++) {
    for (let row = 0; row < 32; row++) {
      const v = values[from + row * 4 + lane]! >>> 0;
      const bit = row * bits;
      const word = bit >>> 5;
      const shift = bit & 31;
      words[word * 4 + lane] = (words[word * 4 + lane]! | (v << shift)) >>> 0;
      if (shift + bits > 32) words[(word + 1) * 4 + lane] = (words[(word + 1) * 4 + lane]! | (v >>> (32 - shift))) >>> 0;
    }
  }
  for (const word of words) w.u32(word);
}

/** Unpacks 128 values packed by pack4x. */
export function unpack4x(r: ByteReader, bits: number): Uint32Array {
  const out = new Uint32Array(128);
  if (bits === 0) return out;
  const words = new Uint32Array(4 * bits);
  for (let i = 0; i < words.length; i++) words[i] = r.u32("bit-packed word");
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  for (let lane = 0; lane < 4; lane++) {
    for (let row = 0; row < 32; row++) {
      const bit = row * bits;
      const word = bit >>> 5;
      const shift = bit & 31;
      let v = words[word * 4 + lane]! >>> shift;
      if (shift + bits > 32) v |= words[(word + 1) * 4 + lane]! << (32 - shift);
      out[row * 4 + lane] = (v & mask) >>> 0;
    }
  }
  return out;
}

/** Encodes one posting list as its blocks (doc ids ascending). */
export function encodePostingBlocks(docIds: Uint32Array, freqs: Uint32Array, blockScores: Float32Array): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const n = docIds.length;
  const f32 = new Float32Array(1);
  for (let start = 0, b = 0; start < n; start += POSTING_BLOCK_SIZE, b++) {
    const count = Math.min(POSTING_BLOCK_SIZE, n - start);
    const w = new ByteWriter(16 + count * 8);
    f32[0] = blockScores[b]!;
    w.bytes(new Uint8Array(f32.buffer.slice(0)));
    if (count === POSTING_BLOCK_SIZE) {
      const deltas = new Uint32Array(POSTING_BLOCK_SIZE);
      for (let i = 1; i < POSTING_BLOCK_SIZE; i++) deltas[i] = docIds[start + i]! - docIds[start + i - 1]!;
      w.u32(docIds[start]!);
      const dBits = bitWidth(deltas, 0, POSTING_BLOCK_SIZE);
      w.u8(dBits);
      pack4x(deltas, 0, dBits, w);
      const fBits = bitWidth(freqs, start, POSTING_BLOCK_SIZE);
      w.u8(fBits);
      pack4x(freqs, start, fBits, w);
    } else {
      for (let i = 0; i < count; i++) w.u32(docIds[start + i]!);
      for (let i = 0; i < count; i++) w.u32(freqs[start + i]!);
    }
    blocks.push(w.finish());
  }
  return blocks;
}

export type PostingTailCodec = "fixed32_v1" | "varint_delta_v1";

function varint(r: ByteReader, what: string): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = r.u8(what);
    v += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (v > 0xffffffff) r.fail(`${what} ${v} does not fit 32 bits`);
      return v;
    }
  }
  return r.fail(`${what} runs past 5 varint bytes`);
}

/** Decodes posting blocks back to doc ids and frequencies (length = document frequency). */
export function decodePostingBlocks(blocks: Uint8Array[], length: number, path: string, tail: PostingTailCodec = "fixed32_v1"): { docIds: Uint32Array; freqs: Uint32Array } {
  const docIds = new Uint32Array(length);
  const freqs = new Uint32Array(length);
  let at = 0;
  for (const block of blocks) {
    const r = new ByteReader(block, path);
    r.take(4, "block max score");
    const count = Math.min(POSTING_BLOCK_SIZE, length - at);
    if (count <= 0) r.fail(`posting list holds more blocks than its ${length} documents need`);
    if (count === POSTING_BLOCK_SIZE) {
      const first = r.u32("first doc id");
      const deltas = unpack4x(r, r.u8("doc id bit width"));
      let doc = first;
      for (let i = 0; i < POSTING_BLOCK_SIZE; i++) {
        doc += deltas[i]!;
        docIds[at + i] = doc;
      }
      freqs.set(unpack4x(r, r.u8("frequency bit width")), at);
    } else if (tail === "varint_delta_v1") {
      let doc = 0;
      for (let i = 0; i < count; i++) {
        const gap = varint(r, "doc id");
        doc = i === 0 ? gap : doc + gap;
        if (doc > 0xffffffff) r.fail(`doc id ${doc} does not fit 32 bits`);
        docIds[at + i] = doc;
      }
      for (let i = 0; i < count; i++) freqs[at + i] = varint(r, "frequency");
      if (r.remaining !== 0) r.fail(`a varint posting block has ${r.remaining} bytes after its ${count} documents`);
    } else {
      for (let i = 0; i < count; i++) docIds[at + i] = r.u32("doc id");
      for (let i = 0; i < count; i++) freqs[at + i] = r.u32("frequency");
    }
    at += count;
  }
  if (at !== length) throw new CorruptFileError(path, 0, `posting blocks hold ${at} documents, expected ${length}`);
  return { docIds, freqs };
}
