// Posting lists of 256-document blocks (Lance 14's full-text format 3 with
// posting_block_size 256), kept apart from the 128-document layout of
// posting.ts. A block stores no score; the list's impact entries bound its
// scores instead.
//
//   full block:  u32 first doc id
//                | u8 bits | BitPacker8x(256 doc-id deltas, the first 0)
//                | u8 width | u8 exceptions | BitPacker8x(256 frequencies,
//                  low `width` bits) | exceptions x (u8 index, LEB128 high
//                  bits: frequency = low | high << width)
//   last block:  "varint_delta_v1": n LEB128 doc ids (the first absolute, then
//                gaps) | n LEB128 frequencies; "fixed32_v1": n x u32 doc ids |
//                n x u32 frequencies
// BitPacker8x: value k goes to lane k % 8, row k / 8; each lane packs its 32
// values LSB-first into `bits` u32 words, and output word j interleaves the
// eight lanes' word j.
//
// Impact entries (the `_impacts` list of a token's row): one per block, then
// one per group of 32 blocks. An entry is
//   LEB128 last doc id | LEB128 pair count | pairs
// where a pair is LEB128((frequency delta - 1) << 1 | explicit) followed, when
// `explicit`, by a u8 norm delta (else the delta is 1). Frequencies rise and
// norms (quantized document lengths, quantizeDocLength) rise along the pairs:
// for each frequency in the block the shortest document holding it, dominated
// pairs dropped. Lance scores such partitions with each document's length
// quantized and decoded back (its bucket floor), so a block's best BM25
// weight is the best weight of its pairs.

import { ByteReader } from "../../core/bytes.js";
import { CorruptFileError } from "../../core/errors.js";
import { decodePostingTail, varint, type PostingList, type PostingTailCodec } from "./posting.js";

export const BLOCK256_SIZE = 256;
/** Blocks summarised by one second-level impact entry. */
export const IMPACT_GROUP_BLOCKS = 32;

/**
 * A document length as a one-byte code: lengths below 8 exactly, larger ones
 * by their top four significant bits (the leading one implied) and a shift.
 */
export function quantizeDocLength(length: number): number {
  const bits = 32 - Math.clz32(length);
  if (bits < 4) return length;
  const shift = bits - 4;
  return ((length >>> shift) & 7) | ((shift + 1) << 3);
}

/** The smallest length with this code (codes past 32-bit lengths saturate). */
export function dequantizeDocLength(code: number): number {
  const shift = (code >>> 3) - 1;
  const low = code & 7;
  if (shift < 0) return low;
  return Math.min((low | 8) * 2 ** shift, 0xffffffff);
}

/** Document lengths as Lance scores a 256-document-block partition: each quantized and decoded back. */
export function quantizedDocLengths(lengths: Uint32Array): Uint32Array {
  const out = new Uint32Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) out[i] = dequantizeDocLength(quantizeDocLength(lengths[i]!));
  return out;
}

/** One impact entry: the last doc id it covers and its (frequency, decoded document length) pairs. */
export interface ImpactEntry {
  lastDoc: number;
  freqs: Uint32Array;
  docLengths: Uint32Array;
}

export function decodeImpactEntry(bytes: Uint8Array, path: string): ImpactEntry {
  const r = new ByteReader(bytes, path);
  const lastDoc = varint(r, "impact entry last doc id");
  const count = varint(r, "impact pair count");
  if (count === 0) r.fail("impact entry holds no pairs");
  // each pair takes at least one byte
  if (count > r.remaining) r.fail(`impact entry claims ${count} pairs in ${r.remaining} bytes`);
  const freqs = new Uint32Array(count);
  const docLengths = new Uint32Array(count);
  let freq = 0;
  let norm = 0;
  for (let i = 0; i < count; i++) {
    const packed = varint(r, "impact frequency delta");
    freq += Math.floor(packed / 2) + 1;
    if (freq > 0xffffffff) r.fail(`impact frequency ${freq} does not fit 32 bits`);
    const normDelta = packed % 2 === 1 ? r.u8("impact norm delta") : 1;
    if (i > 0 && normDelta === 0) r.fail("impact norms do not rise");
    norm += normDelta;
    if (norm > 255) r.fail(`impact norm ${norm} exceeds 255`);
    freqs[i] = freq;
    docLengths[i] = dequantizeDocLength(norm);
  }
  if (r.remaining !== 0) r.fail(`impact entry has ${r.remaining} bytes after its ${count} pairs`);
  return { lastDoc, freqs, docLengths };
}

/** Unpacks 256 values of `bits` bits, BitPacker8x-interleaved, from `bytes` at byte `at` into out. */
function unpack8x(view: DataView, at: number, bits: number, out: Uint32Array): void {
  if (bits === 0) {
    out.fill(0, 0, BLOCK256_SIZE);
    return;
  }
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  for (let lane = 0; lane < 8; lane++) {
    for (let row = 0; row < 32; row++) {
      const bit = row * bits;
      const word = (bit >>> 5) * 8 + lane;
      const shift = bit & 31;
      let v = view.getUint32(at + word * 4, true) >>> shift;
      if (shift + bits > 32) v |= view.getUint32(at + (word + 8) * 4, true) << (32 - shift);
      out[row * 8 + lane] = (v & mask) >>> 0;
    }
  }
}

/** A posting list of 256-document blocks with its impact entries, decoded a block at a time. */
export class Block256PostingList implements PostingList {
  readonly numBlocks: number;
  readonly blockSize = BLOCK256_SIZE;
  readonly groupBlocks = IMPACT_GROUP_BLOCKS;
  readonly firstDocs: Uint32Array;
  private readonly views: DataView[];
  /** Decoded impact entries by entry index (blocks, then groups), decoded on first use. */
  private readonly impacts: (ImpactEntry | undefined)[];

  constructor(
    private readonly blocks: Uint8Array[],
    private readonly impactEntries: Uint8Array[],
    readonly length: number,
    private readonly path: string,
    private readonly tail: PostingTailCodec,
  ) {
    this.numBlocks = blocks.length;
    const expected = Math.ceil(length / BLOCK256_SIZE);
    if (blocks.length !== expected) throw new CorruptFileError(path, 0, `posting list of ${length} documents has ${blocks.length} blocks of ${BLOCK256_SIZE}, expected ${expected}`);
    const entries = expected + Math.ceil(expected / IMPACT_GROUP_BLOCKS);
    if (impactEntries.length !== entries) throw new CorruptFileError(path, 0, `posting list of ${blocks.length} blocks has ${impactEntries.length} impact entries, expected ${entries}`);
    this.impacts = new Array<ImpactEntry | undefined>(entries);
    this.firstDocs = new Uint32Array(blocks.length);
    this.views = blocks.map((b, i) => {
      const fixed = this.count(i) === BLOCK256_SIZE || tail === "fixed32_v1";
      if (b.byteLength < (fixed ? 5 : 1)) throw new CorruptFileError(path, 0, `posting block ${i} has ${b.byteLength} bytes, fewer than its header needs`);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.firstDocs[i] = fixed ? view.getUint32(0, true) : varint(new ByteReader(b, path), "doc id");
      return view;
    });
  }

  private count(b: number): number {
    return Math.min(BLOCK256_SIZE, this.length - b * BLOCK256_SIZE);
  }

  /** No score is stored in these blocks: see blockImpacts. */
  blockMaxScore(): number {
    return Number.NaN;
  }

  /** No score is stored in these blocks: see groupImpacts. */
  groupMaxScore(): number {
    return Number.NaN;
  }

  private entry(i: number): ImpactEntry {
    return (this.impacts[i] ??= decodeImpactEntry(this.impactEntries[i]!, this.path));
  }

  /** Block b's impact pairs: every document of the block weighs at most as the best of them. */
  blockImpacts(b: number): ImpactEntry {
    return this.entry(b);
  }

  /** The impact pairs of group g (blocks 32g to 32g + 31), stored after those of every block. */
  groupImpacts(g: number): ImpactEntry {
    return this.entry(this.numBlocks + g);
  }

  firstDoc(b: number): number {
    return this.firstDocs[b]!;
  }

  decodeBlock(b: number, docIds: Uint32Array, freqs: Uint32Array): number {
    const count = this.count(b);
    const block = this.blocks[b]!;
    if (count === BLOCK256_SIZE) {
      const view = this.views[b]!;
      const bits = block[4]!;
      if (bits > 32) throw new CorruptFileError(this.path, 0, `posting block has doc id deltas of ${bits} bits`);
      let at = 5;
      if (at + bits * 32 + 2 > block.byteLength) throw new CorruptFileError(this.path, 0, "posting block ends inside its bit-packed doc ids");
      unpack8x(view, at, bits, docIds);
      let doc = view.getUint32(0, true);
      for (let i = 0; i < BLOCK256_SIZE; i++) {
        doc = (doc + docIds[i]!) >>> 0;
        docIds[i] = doc;
      }
      at += bits * 32;
      const width = block[at]!;
      const exceptions = block[at + 1]!;
      at += 2;
      if (width > 32) throw new CorruptFileError(this.path, 0, `posting block has frequencies of ${width} bits`);
      if (at + width * 32 > block.byteLength) throw new CorruptFileError(this.path, 0, "posting block ends inside its bit-packed frequencies");
      unpack8x(view, at, width, freqs);
      const r = new ByteReader(block, this.path);
      r.position = at + width * 32;
      for (let e = 0; e < exceptions; e++) {
        const index = r.u8("frequency exception index");
        const high = varint(r, "frequency exception");
        const value = freqs[index]! + high * 2 ** width;
        if (value > 0xffffffff) r.fail(`frequency ${value} does not fit 32 bits`);
        freqs[index] = value;
      }
      if (r.remaining !== 0) r.fail(`a posting block has ${r.remaining} bytes after its frequency exceptions`);
      return count;
    }
    const r = new ByteReader(block, this.path);
    decodePostingTail(r, this.tail, count, docIds, freqs);
    return count;
  }
}
