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
  unpackWords(words, 0, bits, out);
  return out;
}

/**
 * Unpacks 128 values of `bits` bits from 4 * bits words starting at words[from] into out[0..128):
 * the four lanes' values of one row sit at the same bit offset of their lanes' words, so each
 * row's word index and shift are computed once for its four values, written in order.
 */
function unpackWords(words: Uint32Array, from: number, bits: number, out: Uint32Array): void {
  if (bits === 32) {
    for (let i = 0; i < 128; i++) out[i] = words[from + i]!;
    return;
  }
  const mask = (1 << bits) - 1;
  let o = 0;
  for (let bit = 0; o < 128; bit += bits, o += 4) {
    const w = from + ((bit >>> 5) << 2);
    const shift = bit & 31;
    if (shift + bits <= 32) {
      out[o] = (words[w]! >>> shift) & mask;
      out[o + 1] = (words[w + 1]! >>> shift) & mask;
      out[o + 2] = (words[w + 2]! >>> shift) & mask;
      out[o + 3] = (words[w + 3]! >>> shift) & mask;
    } else {
      // the value continues in the lane's next word; shift < 32 here, so 32 - shift is in 1..31
      const high = 32 - shift;
      out[o] = ((words[w]! >>> shift) | (words[w + 4]! << high)) & mask;
      out[o + 1] = ((words[w + 1]! >>> shift) | (words[w + 5]! << high)) & mask;
      out[o + 2] = ((words[w + 2]! >>> shift) | (words[w + 6]! << high)) & mask;
      out[o + 3] = ((words[w + 3]! >>> shift) | (words[w + 7]! << high)) & mask;
    }
  }
}

/**
 * As unpackWords, for doc id gaps: out[i] = first + the sum of the values up to i (values are
 * produced in order, so the running sum is kept as they are written; the store into the
 * Uint32Array wraps it as u32 arithmetic would).
 */
function unpackGaps(words: Uint32Array, bits: number, out: Uint32Array, first: number): void {
  let doc = first;
  if (bits === 32) {
    for (let i = 0; i < 128; i++) out[i] = doc = (doc + words[i]!) % 0x1_0000_0000;
    return;
  }
  const mask = (1 << bits) - 1;
  let o = 0;
  for (let bit = 0; o < 128; bit += bits, o += 4) {
    const w = (bit >>> 5) << 2;
    const shift = bit & 31;
    if (shift + bits <= 32) {
      out[o] = doc += (words[w]! >>> shift) & mask;
      out[o + 1] = doc += (words[w + 1]! >>> shift) & mask;
      out[o + 2] = doc += (words[w + 2]! >>> shift) & mask;
      out[o + 3] = doc += (words[w + 3]! >>> shift) & mask;
    } else {
      const high = 32 - shift;
      out[o] = doc += ((words[w]! >>> shift) | (words[w + 4]! << high)) & mask;
      out[o + 1] = doc += ((words[w + 1]! >>> shift) | (words[w + 5]! << high)) & mask;
      out[o + 2] = doc += ((words[w + 2]! >>> shift) | (words[w + 6]! << high)) & mask;
      out[o + 3] = doc += ((words[w + 3]! >>> shift) | (words[w + 7]! << high)) & mask;
    }
  }
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

/**
 * A list's last, partial block as its tail codec stores it: `count` doc ids
 * (varint gaps or u32) and then their frequencies, from `r`'s position.
 */
export function decodePostingTail(r: ByteReader, tail: PostingTailCodec, count: number, docIds: Uint32Array, freqs: Uint32Array): void {
  if (tail === "varint_delta_v1") {
    let doc = 0;
    for (let i = 0; i < count; i++) {
      const gap = varint(r, "doc id");
      doc = i === 0 ? gap : doc + gap;
      if (doc > 0xffffffff) r.fail(`doc id ${doc} does not fit 32 bits`);
      docIds[i] = doc;
    }
    for (let i = 0; i < count; i++) freqs[i] = varint(r, "frequency");
    if (r.remaining !== 0) r.fail(`a varint posting block has ${r.remaining} bytes after its ${count} documents`);
  } else {
    for (let i = 0; i < count; i++) docIds[i] = r.u32("doc id");
    for (let i = 0; i < count; i++) freqs[i] = r.u32("frequency");
  }
}

/** An unsigned LEB128 varint of at most 32 bits. */
export function varint(r: ByteReader, what: string): number {
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

/**
 * One posting list of 128-document blocks, decoded a block at a time: a
 * search reads each block's stored maximum score and first doc id without
 * decoding it, and decodes only the blocks it visits. Other block layouts
 * implement the same interface. Blocks are also taken in groups of
 * `groupBlocks` (the last group may hold fewer), each with its own bound, so
 * that a search steps over a group without looking at its blocks.
 */
export interface PostingList {
  /** Documents in the list (its document frequency). */
  readonly length: number;
  readonly numBlocks: number;
  /** Documents per block (the last may hold fewer). */
  readonly blockSize: number;
  /** Blocks per group (the last group may hold fewer). */
  readonly groupBlocks: number;
  /** The first doc id of every block, read when the list is opened, without decoding the blocks. */
  readonly firstDocs: Uint32Array;
  /** The score stored for block b as an upper bound of its documents' scores, or NaN if none is stored. */
  blockMaxScore(b: number): number;
  /** The largest score stored for the blocks of group g, or NaN if one of them stores none. */
  groupMaxScore(g: number): number;
  /**
   * Layouts that store impacts instead of scores (posting-block256.ts): block
   * b's (frequency, document length) pairs, each document of the block
   * weighing at most as much as the best of them.
   */
  blockImpacts?(b: number): { freqs: Uint32Array; docLengths: Uint32Array };
  /** As blockImpacts, for every document of group g. */
  groupImpacts?(g: number): { freqs: Uint32Array; docLengths: Uint32Array };
  /** The first doc id of block b, read without decoding the block. */
  firstDoc(b: number): number;
  /** Decodes block b into docIds and freqs (each at least blockSize long) from index 0; returns its document count. */
  decodeBlock(b: number, docIds: Uint32Array, freqs: Uint32Array): number;
}

/** Blocks summarised by one group bound. */
export const BLOCK_GROUP_SIZE = 32;

/** The largest of each group of `groupBlocks` values; NaN for a group holding a NaN. */
export function groupMaxima(values: Float32Array, groupBlocks: number): Float32Array {
  const out = new Float32Array(Math.ceil(values.length / groupBlocks));
  for (let g = 0; g < out.length; g++) {
    let max = -Infinity;
    const end = Math.min(values.length, (g + 1) * groupBlocks);
    for (let b = g * groupBlocks; b < end; b++) {
      const v = values[b]!;
      if (Number.isNaN(v)) {
        max = Number.NaN;
        break;
      }
      if (v > max) max = v;
    }
    out[g] = max;
  }
  return out;
}

/** Posting lists of 128-document blocks (formats 1 to 3), tail codec fixed32_v1 or varint_delta_v1. */
export class BlockPostingList implements PostingList {
  readonly numBlocks: number;
  readonly blockSize = POSTING_BLOCK_SIZE;
  readonly groupBlocks = BLOCK_GROUP_SIZE;
  readonly firstDocs: Uint32Array;
  private readonly maxScores: Float32Array;
  private groupMax: Float32Array | undefined;
  private readonly views: DataView[];
  private readonly scratch = new Uint32Array(4 * 32);

  constructor(
    private readonly blocks: Uint8Array[],
    readonly length: number,
    private readonly path: string,
    private readonly tail: PostingTailCodec,
  ) {
    this.numBlocks = blocks.length;
    if (blocks.length !== Math.ceil(length / POSTING_BLOCK_SIZE)) {
      throw new CorruptFileError(path, 0, `posting list of ${length} documents has ${blocks.length} blocks of ${POSTING_BLOCK_SIZE}, expected ${Math.ceil(length / POSTING_BLOCK_SIZE)}`);
    }
    this.firstDocs = new Uint32Array(blocks.length);
    this.maxScores = new Float32Array(blocks.length);
    this.views = blocks.map((b, i) => {
      const header = i < blocks.length - 1 || length % POSTING_BLOCK_SIZE === 0 || tail === "fixed32_v1" ? 8 : 5;
      if (b.byteLength < header) throw new CorruptFileError(path, 0, `posting block ${i} has ${b.byteLength} bytes, fewer than its header needs`);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.maxScores[i] = view.getFloat32(0, true);
      if (header === 8) this.firstDocs[i] = view.getUint32(4, true);
      else {
        const r = new ByteReader(b, path);
        r.take(4, "block max score");
        this.firstDocs[i] = varint(r, "doc id");
      }
      return view;
    });
  }

  private count(b: number): number {
    return Math.min(POSTING_BLOCK_SIZE, this.length - b * POSTING_BLOCK_SIZE);
  }

  blockMaxScore(b: number): number {
    return this.maxScores[b]!;
  }

  groupMaxScore(g: number): number {
    this.groupMax ??= groupMaxima(this.maxScores, BLOCK_GROUP_SIZE);
    return this.groupMax[g]!;
  }

  firstDoc(b: number): number {
    return this.firstDocs[b]!;
  }

  decodeBlock(b: number, docIds: Uint32Array, freqs: Uint32Array): number {
    const block = this.blocks[b]!;
    const count = this.count(b);
    if (count === POSTING_BLOCK_SIZE) {
      const view = this.views[b]!;
      let at = 8;
      at = this.unpackAt(block, view, at, docIds, "doc id", view.getUint32(4, true));
      at = this.unpackAt(block, view, at, freqs, "frequency", -1);
      return count;
    }
    const r = new ByteReader(block, this.path);
    r.take(4, "block max score");
    decodePostingTail(r, this.tail, count, docIds, freqs);
    return count;
  }

  /**
   * Unpacks one bit width byte and its 128 values at byte `at` into out, as doc id gaps after
   * `first` when it is not negative; returns the position after them.
   */
  private unpackAt(block: Uint8Array, view: DataView, at: number, out: Uint32Array, what: string, first: number): number {
    if (at + 1 > block.byteLength) throw new CorruptFileError(this.path, 0, `posting block ends before its ${what} bit width`);
    const bits = block[at]!;
    at++;
    if (bits > 32) throw new CorruptFileError(this.path, 0, `posting block has ${what}s of ${bits} bits`);
    if (bits === 0) {
      out.fill(first >= 0 ? first : 0, 0, POSTING_BLOCK_SIZE);
      return at;
    }
    const n = 4 * bits;
    if (at + n * 4 > block.byteLength) throw new CorruptFileError(this.path, 0, `posting block ends inside its bit-packed ${what}s`);
    const words = this.scratch;
    for (let i = 0; i < n; i++) words[i] = view.getUint32(at + i * 4, true);
    if (first >= 0) unpackGaps(words, bits, out, first);
    else unpackWords(words, 0, bits, out);
    return at + n * 4;
  }
}

/** Decodes posting blocks back to doc ids and frequencies (length = document frequency). */
export function decodePostingBlocks(blocks: Uint8Array[], length: number, path: string, tail: PostingTailCodec = "fixed32_v1"): { docIds: Uint32Array; freqs: Uint32Array } {
  if (blocks.length > Math.ceil(length / POSTING_BLOCK_SIZE)) throw new CorruptFileError(path, 0, `posting list holds more blocks than its ${length} documents need`);
  if (blocks.length < Math.ceil(length / POSTING_BLOCK_SIZE)) throw new CorruptFileError(path, 0, `posting blocks hold ${Math.min(length, blocks.length * POSTING_BLOCK_SIZE)} documents, expected ${length}`);
  const list = new BlockPostingList(blocks, length, path, tail);
  const docIds = new Uint32Array(length + POSTING_BLOCK_SIZE);
  const freqs = new Uint32Array(length + POSTING_BLOCK_SIZE);
  let at = 0;
  for (let b = 0; b < list.numBlocks; b++) at += list.decodeBlock(b, docIds.subarray(at), freqs.subarray(at));
  return { docIds: docIds.subarray(0, length), freqs: freqs.subarray(0, length) };
}

/** A posting list already decoded (layouts without blocks), as one block without a stored score, sorted by doc id. */
export class DecodedPostingList implements PostingList {
  readonly length: number;
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly groupBlocks = 1;
  readonly firstDocs: Uint32Array;
  private readonly docIds: Uint32Array;
  private readonly freqs: Uint32Array;

  constructor(docIds: Uint32Array, freqs: Uint32Array) {
    let sorted = true;
    for (let i = 1; i < docIds.length && sorted; i++) sorted = docIds[i - 1]! < docIds[i]!;
    if (sorted) {
      this.docIds = docIds;
      this.freqs = freqs;
    } else {
      const order = Uint32Array.from(docIds, (_, i) => i).sort((a, b) => docIds[a]! - docIds[b]!);
      this.docIds = Uint32Array.from(order, (i) => docIds[i]!);
      this.freqs = Uint32Array.from(order, (i) => freqs[i]!);
    }
    this.length = docIds.length;
    this.numBlocks = docIds.length > 0 ? 1 : 0;
    this.blockSize = Math.max(1, docIds.length);
    this.firstDocs = this.docIds.slice(0, 1);
  }

  blockMaxScore(): number {
    return Number.NaN;
  }

  groupMaxScore(): number {
    return Number.NaN;
  }

  firstDoc(): number {
    return this.docIds[0]!;
  }

  decodeBlock(_b: number, docIds: Uint32Array, freqs: Uint32Array): number {
    docIds.set(this.docIds);
    freqs.set(this.freqs);
    return this.length;
  }
}
