// Block-max WAND over the posting lists of one full-text partition: the
// query's lists are merged document at a time, and a document is scored only
// if the upper bounds of the terms it can hold reach the score of the k-th
// best row found so far (across every partition searched), first with each
// term's bound over its whole list, then with the bounds of the blocks that
// hold the document; blocks that cannot matter are stepped over without being
// decoded. Scores are summed in query term order exactly as an exhaustive
// search sums them, and a document is skipped only when its bound is below
// the threshold (an equal score may still win on row address), so the rows
// and scores found are those of scoring every posting.
//
// Bounds: a term adds at most idf * (K1 + 1) to a score. Lance stores per
// block idf_p * max(BM25 term weight) computed with the partition's own
// statistics (idf_p from its document count, its average length avgdl_p); a
// search scores with the statistics of every partition (idf, avgdl). Since
// tf / (tf + K1 * (1 - B + B * dl / a)) grows with a by at most a factor
// a / a' over a' < a, a stored block maximum s bounds this search's weights by
// s * (idf / idf_p) * max(1, avgdl / avgdl_p) (with a little slack for f32
// rounding). Lists of 256-document blocks store impacts instead of scores:
// their bound is computed from them for this search (impactBound). Every
// decoded block is checked against its bound; a block whose
// documents score above it makes the search report failure, and the caller
// searches again without stored maxima.

import type { PostingList } from "../format/index/posting.js";
import { bm25TermWeight, K1 } from "../index/inverted/bm25.js";

/** Past every doc id (doc ids are u32). */
const END = 2 ** 32;
/** Relative slack on bounds: stored maxima are f32 values of a computation in f32. */
export const BOUND_SLACK = 1e-5;

export interface WandTerm {
  list: PostingList;
  /** The term's weight in this search: its idf over every partition searched. */
  idf: number;
  /** Turns a stored block maximum into a bound of this search's weights (see above); undefined when stored maxima are not used. */
  blockScale: number | undefined;
}

/** Where a search keeps its best rows: the score a row must reach to enter them. */
export interface Threshold {
  /** -Infinity while fewer rows than asked for are kept; +Infinity when none are asked for. */
  threshold(): number;
}

interface Context {
  docLengths: Uint32Array;
  avgdl: number;
  /** Set when a decoded block holds a weight above its stored bound. */
  violated: boolean;
}

/**
 * A bound of this search's weights in a block that stores impacts (lists of
 * 256-document blocks): the best of its pairs, whose lengths are those the
 * documents are scored with, so no rescaling is needed.
 */
function impactBound(impacts: { freqs: Uint32Array; docLengths: Uint32Array }, idf: number, avgdl: number): number {
  let best = 0;
  for (let i = 0; i < impacts.freqs.length; i++) best = Math.max(best, bm25TermWeight(impacts.freqs[i]!, impacts.docLengths[i]!, avgdl));
  return idf * best * (1 + BOUND_SLACK);
}

class TermCursor {
  /** The current posting's doc id, END when the list is exhausted. */
  doc = END;
  /** The block the cursor is in (shallow moves may pass the decoded one). */
  block = 0;
  readonly termBound: number;
  readonly docs: Uint32Array;
  readonly freqs: Uint32Array;
  private decoded = -1;
  private at = 0;
  private count = 0;
  private readonly bounds: Float64Array | undefined;

  constructor(
    readonly term: WandTerm,
    private readonly ctx: Context,
  ) {
    const list = term.list;
    const cap = term.idf * (K1 + 1) * (1 + BOUND_SLACK);
    if (term.blockScale !== undefined && list.numBlocks > 0) {
      this.bounds = new Float64Array(list.numBlocks);
      let max = 0;
      for (let b = 0; b < list.numBlocks; b++) {
        const v = list.blockImpacts ? impactBound(list.blockImpacts(b), term.idf, ctx.avgdl) : list.blockMaxScore(b) * term.blockScale;
        const bound = v >= 0 && v < cap ? v : cap;
        this.bounds[b] = bound;
        if (bound > max) max = bound;
      }
      this.termBound = max;
    } else {
      this.termBound = cap;
    }
    this.docs = new Uint32Array(list.blockSize);
    this.freqs = new Uint32Array(list.blockSize);
    if (list.numBlocks > 0) {
      this.load(0);
      this.doc = this.docs[0]!;
    }
  }

  blockBound(): number {
    return this.bounds ? this.bounds[this.block]! : this.termBound;
  }

  /** The first doc id of the block after the current one (END after the last). */
  nextBlockStart(): number {
    return this.block + 1 < this.term.list.numBlocks ? this.term.list.firstDoc(this.block + 1) : END;
  }

  /** Moves to the block that would hold `target`, without decoding anything. */
  shallow(target: number): void {
    const list = this.term.list;
    while (this.block + 1 < list.numBlocks && list.firstDoc(this.block + 1) <= target) this.block++;
  }

  /** Moves to the first posting with a doc id of at least `target`. */
  seek(target: number): void {
    if (this.doc >= target) return;
    this.shallow(target);
    if (this.decoded !== this.block) this.load(this.block);
    const docs = this.docs;
    let i = this.at;
    while (i < this.count && docs[i]! < target) i++;
    this.at = i;
    if (i < this.count) this.doc = docs[i]!;
    else this.nextBlock();
  }

  /** Moves to the next posting. */
  next(): void {
    this.at++;
    if (this.at < this.count) this.doc = this.docs[this.at]!;
    else this.nextBlock();
  }

  freq(): number {
    return this.freqs[this.at]!;
  }

  private nextBlock(): void {
    if (this.block + 1 >= this.term.list.numBlocks) {
      this.doc = END;
      return;
    }
    this.block++;
    this.load(this.block);
    this.doc = this.docs[0]!;
  }

  private load(b: number): void {
    this.count = this.term.list.decodeBlock(b, this.docs, this.freqs);
    this.decoded = b;
    this.block = b;
    this.at = 0;
    if (this.bounds) {
      const { docLengths, avgdl } = this.ctx;
      const bound = this.bounds[b]!;
      const idf = this.term.idf;
      for (let i = 0; i < this.count; i++) {
        if (idf * bm25TermWeight(this.freqs[i]!, docLengths[this.docs[i]!]!, avgdl) > bound) this.ctx.violated = true;
      }
    }
  }
}

/**
 * Searches one partition: calls `accept(doc, score)` for every document
 * whose score may enter the best rows (at least the threshold when called),
 * in doc id order. Returns false, having stopped, when a stored block maximum
 * proved too low (the caller then searches without them).
 */
export function searchPartitionWand(terms: WandTerm[], docLengths: Uint32Array, avgdl: number, best: Threshold, accept: (doc: number, score: number) => void): boolean {
  const ctx: Context = { docLengths, avgdl, violated: false };
  const cursors = terms.map((t) => new TermCursor(t, ctx));
  const usesBlocks = terms.some((t) => t.blockScale !== undefined);
  // cursors by current doc id (a handful of terms: insertion sort)
  const order = cursors.map((_, k) => k);
  const sortByDoc = (): void => {
    for (let i = 1; i < order.length; i++) {
      const k = order[i]!;
      const doc = cursors[k]!.doc;
      let j = i - 1;
      while (j >= 0 && cursors[order[j]!]!.doc > doc) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = k;
    }
  };
  for (;;) {
    if (ctx.violated) return false;
    sortByDoc();
    const threshold = best.threshold();
    // the pivot: the first cursor at which the bounds of it and those before it reach the threshold
    let pivot = -1;
    let sum = 0;
    for (let k = 0; k < order.length; k++) {
      const c = cursors[order[k]!]!;
      if (c.doc === END) break;
      sum += c.termBound;
      if (Math.fround(sum) >= threshold) {
        pivot = k;
        break;
      }
    }
    if (pivot < 0) return true;
    const pivotDoc = cursors[order[pivot]!]!.doc;
    let last = pivot;
    while (last + 1 < order.length && cursors[order[last + 1]!]!.doc === pivotDoc) last++;
    if (usesBlocks) {
      // the bounds of the blocks holding pivotDoc, and where the first of those blocks ends
      let blockSum = 0;
      let until = last + 1 < order.length ? cursors[order[last + 1]!]!.doc : END;
      for (let k = 0; k <= last; k++) {
        const c = cursors[order[k]!]!;
        c.shallow(pivotDoc);
        blockSum += c.blockBound();
        until = Math.min(until, c.nextBlockStart());
      }
      if (Math.fround(blockSum) < threshold) {
        // no document from pivotDoc up to `until` can reach the threshold
        for (let k = 0; k <= last; k++) cursors[order[k]!]!.seek(until);
        continue;
      }
    }
    if (cursors[order[0]!]!.doc !== pivotDoc) {
      // documents before pivotDoc hold too few of the terms
      for (let k = 0; k < pivot; k++) cursors[order[k]!]!.seek(pivotDoc);
      continue;
    }
    let score = 0;
    for (const c of cursors) {
      if (c.doc === pivotDoc) score = score + c.term.idf * bm25TermWeight(c.freq(), docLengths[pivotDoc]!, avgdl);
    }
    if (ctx.violated) return false;
    if (Math.fround(score) >= threshold) accept(pivotDoc, score);
    for (let k = 0; k <= last; k++) cursors[order[k]!]!.next();
  }
}
