// A search's position in one posting list, and the bounds of its weights
// (query/wand.ts explains them): the whole term's, each group of blocks' and
// each block's, computed for this search from Lance's stored block maxima or
// impact entries. Blocks are decoded only when a search needs their
// documents; a cursor stepped onto a block's first document knows its doc id
// from the list's block first doc ids without decoding it.
//
// BM25 weights are computed as index/inverted/bm25.ts computes them, with
// the length norm K1 * (1 - B + B * dl / avgdl) taken from a table of the
// search's norms by document length (the same arithmetic, done once per
// length instead of once per posting).

import type { PostingList } from "../format/index/posting.js";
import { B, bm25TermWeight, K1 } from "../index/inverted/bm25.js";

/** Past every doc id (doc ids are u32). */
export const END = 2 ** 32;
/** Relative slack on bounds: stored maxima are f32 values of a computation in f32. */
export const BOUND_SLACK = 1e-5;

export interface WandTerm {
  list: PostingList;
  /** The term's weight in this search: its idf over every partition searched. */
  idf: number;
  /** Turns a stored block maximum into a bound of this search's weights (see wand.ts); undefined when stored maxima are not used. */
  blockScale: number | undefined;
}

/** What a search did, for tests and benchmarks: blocks decoded and postings scored. */
export interface WandStats {
  blocksDecoded: number;
  postingsScored: number;
}

/** Document lengths below this have their norm in the table; longer ones compute it. */
const NORM_TABLE_LENGTHS = 1024;

/** What every cursor of one partition's search shares. */
export class SearchContext {
  /** Set when a scored posting or a block weighs more than its stored bound allows. */
  violated = false;
  /** norms[dl]: K1 * (1 - B + B * dl / avgdl), as bm25TermWeight computes it. */
  readonly norms: Float64Array;

  constructor(
    readonly docLengths: Uint32Array,
    readonly avgdl: number,
    readonly stats: WandStats | undefined,
  ) {
    this.norms = new Float64Array(NORM_TABLE_LENGTHS);
    for (let dl = 0; dl < NORM_TABLE_LENGTHS; dl++) this.norms[dl] = avgdl > 0 ? K1 * (1 - B + (B * dl) / avgdl) : K1;
  }

  /** The length norm of document `doc`. */
  norm(doc: number): number {
    const dl = this.docLengths[doc]!;
    if (dl < NORM_TABLE_LENGTHS) return this.norms[dl]!;
    return this.avgdl > 0 ? K1 * (1 - B + (B * dl) / this.avgdl) : K1;
  }
}

/** bm25TermWeight(tf, dl, avgdl) from the document's norm. */
export function weightOf(tf: number, norm: number): number {
  return ((K1 + 1) * tf) / (tf + norm);
}

/**
 * A bound of this search's weights over impact pairs (lists of 256-document
 * blocks): the best of the pairs, whose lengths are those the documents are
 * scored with, so no rescaling is needed.
 */
function impactBound(impacts: { freqs: Uint32Array; docLengths: Uint32Array }, idf: number, avgdl: number): number {
  let best = 0;
  for (let i = 0; i < impacts.freqs.length; i++) {
    const w = bm25TermWeight(impacts.freqs[i]!, impacts.docLengths[i]!, avgdl);
    if (w > best) best = w;
  }
  return idf * best * (1 + BOUND_SLACK);
}

const NO_BOUNDS = 0;
const STORED = 1;
const IMPACTS = 2;

/**
 * One term's position in its posting list: the block of the current posting
 * (pos) and its index there (at, meaningful once the block is decoded; a
 * cursor stepped onto a block's first document leaves it undecoded), and the
 * block the bounds are read from (shallow, at or past pos).
 */
export class Cursor {
  doc = END;
  pos = 0;
  at = 0;
  count = 0;
  decoded = -1;
  shallow = 0;
  readonly numBlocks: number;
  readonly groupBlocks: number;
  readonly firstDocs: Uint32Array;
  readonly docs: Uint32Array;
  readonly freqs: Uint32Array;
  readonly idf: number;
  readonly termBound: number;
  private readonly kind: number;
  private readonly scale: number;
  private readonly cap: number;
  private readonly groupBounds: Float64Array;
  /** Block bounds computed so far (-1: not yet). */
  private readonly blockBounds: Float64Array;

  constructor(
    readonly list: PostingList,
    term: WandTerm,
    private readonly ctx: SearchContext,
  ) {
    this.idf = term.idf;
    this.numBlocks = list.numBlocks;
    this.groupBlocks = Math.max(1, list.groupBlocks);
    this.firstDocs = list.firstDocs;
    this.cap = term.idf * (K1 + 1) * (1 + BOUND_SLACK);
    this.scale = term.blockScale ?? 0;
    this.kind = term.blockScale === undefined || list.numBlocks === 0 ? NO_BOUNDS : list.blockImpacts ? IMPACTS : STORED;
    const numGroups = Math.ceil(list.numBlocks / this.groupBlocks);
    this.groupBounds = new Float64Array(numGroups);
    let max = 0;
    for (let g = 0; g < numGroups; g++) {
      const bound = this.computeGroupBound(g);
      this.groupBounds[g] = bound;
      if (bound > max) max = bound;
    }
    this.termBound = this.kind === NO_BOUNDS ? this.cap : max;
    this.blockBounds = new Float64Array(this.kind === NO_BOUNDS ? 0 : list.numBlocks).fill(-1);
    this.docs = new Uint32Array(list.blockSize);
    this.freqs = new Uint32Array(list.blockSize);
    if (list.numBlocks > 0) this.doc = this.firstDocs[0]!;
  }

  private capped(v: number): number {
    return v >= 0 && v < this.cap ? v : this.cap;
  }

  private computeGroupBound(g: number): number {
    if (this.kind === NO_BOUNDS) return this.cap;
    if (this.kind === STORED) return this.capped(this.list.groupMaxScore(g) * this.scale);
    return this.capped(impactBound(this.list.groupImpacts!(g), this.idf, this.ctx.avgdl));
  }

  groupBound(g: number): number {
    return this.groupBounds[g]!;
  }

  /** A bound of this search's weights in block b. */
  blockBound(b: number): number {
    if (this.kind === NO_BOUNDS) return this.cap;
    const known = this.blockBounds[b]!;
    if (known >= 0) return known;
    const bound = this.capped(this.kind === STORED ? this.list.blockMaxScore(b) * this.scale : impactBound(this.list.blockImpacts!(b), this.idf, this.ctx.avgdl));
    // a group bound below one of its blocks' would have let the block be passed over
    if (bound > this.groupBounds[Math.floor(b / this.groupBlocks)]!) this.ctx.violated = true;
    this.blockBounds[b] = bound;
    return bound;
  }

  /** The last block at or after `from` whose first doc id is at most `target` (firstDocs[from] <= target), or `from`. */
  blockOf(from: number, target: number): number {
    const firstDocs = this.firstDocs;
    const n = this.numBlocks;
    if (from + 1 >= n || firstDocs[from + 1]! > target) return from;
    // gallop, then bisect
    let lo = from + 1;
    let step = 1;
    while (lo + step < n && firstDocs[lo + step]! <= target) {
      lo += step;
      step *= 2;
    }
    let hi = Math.min(n - 1, lo + step);
    if (firstDocs[hi]! <= target) return hi;
    // firstDocs[lo] <= target < firstDocs[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (firstDocs[mid]! <= target) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** Moves the block bounds are read from to the one that would hold `target`, decoding nothing. */
  shallowTo(target: number): void {
    const from = this.shallow > this.pos ? this.shallow : this.pos;
    this.shallow = this.blockOf(from, target);
  }

  /** The first doc id of the block after the shallow one (END after the last). */
  nextBlockStart(): number {
    return this.shallow + 1 < this.numBlocks ? this.firstDocs[this.shallow + 1]! : END;
  }

  /** The first doc id of the group after the shallow block's (END after the last). */
  nextGroupStart(): number {
    const b = (Math.floor(this.shallow / this.groupBlocks) + 1) * this.groupBlocks;
    return b < this.numBlocks ? this.firstDocs[b]! : END;
  }

  /** Decodes block b into docs and freqs. */
  decode(b: number): void {
    this.count = this.list.decodeBlock(b, this.docs, this.freqs);
    this.decoded = b;
    if (this.ctx.stats) this.ctx.stats.blocksDecoded++;
  }

  /** Steps onto the first document of block b without decoding it. */
  enterBlock(b: number): void {
    this.pos = b;
    this.at = 0;
    this.doc = b < this.numBlocks ? this.firstDocs[b]! : END;
  }

  /** Moves to the first posting with a doc id of at least `target`. */
  seek(target: number): void {
    if (this.doc >= target) return;
    const b = this.blockOf(this.pos, target);
    if (b !== this.pos) {
      this.enterBlock(b);
      if (this.doc >= target) return;
    }
    if (this.decoded !== b) this.decode(b);
    const docs = this.docs;
    const count = this.count;
    let i = this.at;
    while (i < count && docs[i]! < target) i++;
    if (i < count) {
      this.at = i;
      this.doc = docs[i]!;
    } else this.enterBlock(b + 1);
  }

  /** Moves to the next posting. */
  next(): void {
    if (this.decoded !== this.pos) this.decode(this.pos);
    const at = this.at + 1;
    if (at < this.count) {
      this.at = at;
      this.doc = this.docs[at]!;
    } else this.enterBlock(this.pos + 1);
  }

  freq(): number {
    if (this.decoded !== this.pos) this.decode(this.pos);
    return this.freqs[this.at]!;
  }
}
