// Block-max WAND over the posting lists of one full-text partition. A
// document is scored only if the upper bounds of the terms it can hold reach
// the score of the k-th best row found so far (across every partition
// searched): first each term's bound over its whole list, then the bounds of
// the groups of blocks (32 blocks) and of the blocks that hold the document.
// Blocks and groups that cannot matter are stepped over by their first doc
// ids, read when the list was opened, without being decoded: a cursor that
// lands on a block's first document knows its doc id and decodes the block
// only when a document of it is scored or passed over within it. A query of
// one term (in this partition) needs no merge: its groups are visited best
// bound first and only the blocks whose bound reaches the threshold are
// decoded, so the work follows the number of blocks that can hold the best
// rows, not the length of the list. Once the threshold passes the bounds of
// all terms but the weakest, only documents holding every term can enter:
// the lists are then intersected, led by the shortest, and a candidate is
// checked against its blocks' and groups' bounds before any cursor moves to
// it (searchAllTerms).
//
// Scores are summed in query term order exactly as an exhaustive search sums
// them, and a document is skipped only when its bound is below the threshold
// (an equal score may still win on row address), so the rows and scores found
// are those of scoring every posting.
//
// Bounds: a term adds at most idf * (K1 + 1) to a score. Lance stores per
// block idf_p * max(BM25 term weight) computed with the partition's own
// statistics (idf_p from its document count, its average length avgdl_p); a
// search scores with the statistics of every partition (idf, avgdl). Since
// tf / (tf + K1 * (1 - B + B * dl / a)) grows with a by at most a factor
// a / a' over a' < a, a stored block maximum s bounds this search's weights by
// s * (idf / idf_p) * max(1, avgdl / avgdl_p) (with a little slack for f32
// rounding); a group's bound is the largest of its blocks'. Lists of
// 256-document blocks store impacts instead of scores, for every block and
// every group of 32 blocks: their bounds are computed from them for this
// search (impactBound). Every scored posting is checked against the bound of
// its block, and every block bound against that of its group; a bound found
// too low makes the search report failure, and the caller searches again
// without stored maxima.

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

/** What a search did, for tests and benchmarks: blocks decoded and postings scored. */
export interface WandStats {
  blocksDecoded: number;
  postingsScored: number;
}

interface Context {
  docLengths: Uint32Array;
  avgdl: number;
  /** Set when a scored posting or a block weighs more than its stored bound allows. */
  violated: boolean;
  stats: WandStats | undefined;
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
class Cursor {
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
  private memoBlock = -1;
  private memoBound = 0;

  constructor(
    readonly list: PostingList,
    term: WandTerm,
    private readonly ctx: Context,
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
    if (b === this.memoBlock) return this.memoBound;
    const bound = this.capped(this.kind === STORED ? this.list.blockMaxScore(b) * this.scale : impactBound(this.list.blockImpacts!(b), this.idf, this.ctx.avgdl));
    // a group bound below one of its blocks' would have let the block be passed over
    if (bound > this.groupBounds[Math.floor(b / this.groupBlocks)]!) this.ctx.violated = true;
    this.memoBlock = b;
    this.memoBound = bound;
    return bound;
  }

  /** The last block at or after `from` whose first doc id is at most `target` (firstDocs[from] <= target). */
  private blockOf(from: number, target: number): number {
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

  private decode(b: number): void {
    this.count = this.list.decodeBlock(b, this.docs, this.freqs);
    this.decoded = b;
    if (this.ctx.stats) this.ctx.stats.blocksDecoded++;
  }

  /** Steps onto the first document of block b without decoding it. */
  private enterBlock(b: number): void {
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

/**
 * Searches one partition: calls `accept(doc, score)` for every document
 * whose score may enter the best rows (at least the threshold when called).
 * Returns false, having stopped, when a stored bound proved too low (the
 * caller then searches without them).
 */
export function searchPartitionWand(terms: WandTerm[], docLengths: Uint32Array, avgdl: number, best: Threshold, accept: (doc: number, score: number) => void, stats?: WandStats): boolean {
  // no row asked for
  if (best.threshold() === Number.POSITIVE_INFINITY) return true;
  const ctx: Context = { docLengths, avgdl, violated: false, stats };
  const cursors = terms.map((t) => new Cursor(t.list, t, ctx));
  if (cursors.length === 1) return searchOneTerm(cursors[0]!, ctx, best, accept);
  return searchTerms(cursors, terms.some((t) => t.blockScale !== undefined), ctx, best, accept);
}

/** One term: its groups best bound first, and in each its blocks best bound first, while their bounds reach the threshold. */
function searchOneTerm(c: Cursor, ctx: Context, best: Threshold, accept: (doc: number, score: number) => void): boolean {
  const { docLengths, avgdl, stats } = ctx;
  const numGroups = Math.ceil(c.numBlocks / c.groupBlocks);
  const groups = new Uint32Array(numGroups);
  for (let g = 0; g < numGroups; g++) groups[g] = g;
  groups.sort((x, y) => c.groupBound(y) - c.groupBound(x) || x - y);
  const blocks = new Uint32Array(c.groupBlocks);
  const blockBounds = new Float64Array(c.numBlocks > 0 ? c.groupBlocks : 0);
  let first = 0;
  const byBound = (x: number, y: number): number => blockBounds[y - first]! - blockBounds[x - first]! || x - y;
  const idf = c.idf;
  const docs = c.docs;
  const freqs = c.freqs;
  let threshold = best.threshold();
  for (let k = 0; k < numGroups; k++) {
    const g = groups[k]!;
    // the groups after this one have no higher bounds
    if (Math.fround(c.groupBound(g)) < threshold) break;
    first = g * c.groupBlocks;
    const numBlocks = Math.min(c.numBlocks, first + c.groupBlocks) - first;
    for (let i = 0; i < numBlocks; i++) {
      blocks[i] = first + i;
      blockBounds[i] = c.blockBound(first + i);
    }
    if (ctx.violated) return false;
    const order = blocks.subarray(0, numBlocks).sort(byBound);
    for (let i = 0; i < numBlocks; i++) {
      const b = order[i]!;
      const bound = blockBounds[b - first]!;
      // the blocks after this one have no higher bounds
      if (Math.fround(bound) < threshold) break;
      const count = c.list.decodeBlock(b, docs, freqs);
      if (stats) {
        stats.blocksDecoded++;
        stats.postingsScored += count;
      }
      for (let j = 0; j < count; j++) {
        const doc = docs[j]!;
        const score = idf * bm25TermWeight(freqs[j]!, docLengths[doc]!, avgdl);
        if (score > bound) return false;
        if (Math.fround(score) >= threshold) {
          accept(doc, score);
          threshold = best.threshold();
        }
      }
    }
  }
  return true;
}

/** Several terms: cursors merged document at a time, the pivot found from term bounds, then checked against group and block bounds. */
function searchTerms(cursors: Cursor[], usesBlocks: boolean, ctx: Context, best: Threshold, accept: (doc: number, score: number) => void): boolean {
  const { docLengths, avgdl, stats } = ctx;
  const n = cursors.length;
  // once the threshold passes the bounds of all terms but the weakest, only documents holding every term can enter
  let weakest = 0;
  for (let t = 1; t < n; t++) if (cursors[t]!.termBound < cursors[weakest]!.termBound) weakest = t;
  let others = 0;
  for (let t = 0; t < n; t++) if (t !== weakest) others += cursors[t]!.termBound;
  const allRequired = Math.fround(others);
  // cursors by current doc id (a handful of terms: insertion sort)
  const sorted = cursors.slice();
  for (;;) {
    if (ctx.violated) return false;
    if (allRequired < best.threshold()) return searchAllTerms(cursors, usesBlocks, ctx, best, accept);
    for (let i = 1; i < n; i++) {
      const c = sorted[i]!;
      const doc = c.doc;
      let j = i - 1;
      while (j >= 0 && sorted[j]!.doc > doc) {
        sorted[j + 1] = sorted[j]!;
        j--;
      }
      sorted[j + 1] = c;
    }
    const threshold = best.threshold();
    // the pivot: the first cursor at which the bounds of it and those before it reach the threshold
    let pivot = -1;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const c = sorted[k]!;
      if (c.doc === END) break;
      sum += c.termBound;
      if (Math.fround(sum) >= threshold) {
        pivot = k;
        break;
      }
    }
    if (pivot < 0) return true;
    const pivotDoc = sorted[pivot]!.doc;
    let last = pivot;
    while (last + 1 < n && sorted[last + 1]!.doc === pivotDoc) last++;
    if (usesBlocks) {
      // the bounds of the blocks that would hold pivotDoc
      let blockSum = 0;
      for (let k = 0; k <= last; k++) {
        const c = sorted[k]!;
        c.shallowTo(pivotDoc);
        blockSum += c.blockBound(c.shallow);
      }
      if (ctx.violated) return false;
      if (Math.fround(blockSum) < threshold) {
        // no document from pivotDoc up to `until` can reach the threshold: `until` is the
        // next document of a later cursor, or where the first of these blocks (or, if their
        // groups' bounds are below the threshold too, of these groups) ends
        let groupSum = 0;
        for (let k = 0; k <= last; k++) {
          const c = sorted[k]!;
          groupSum += c.groupBound(Math.floor(c.shallow / c.groupBlocks));
        }
        const byGroup = Math.fround(groupSum) < threshold;
        let until = last + 1 < n ? sorted[last + 1]!.doc : END;
        for (let k = 0; k <= last; k++) {
          const c = sorted[k]!;
          const end = byGroup ? c.nextGroupStart() : c.nextBlockStart();
          if (end < until) until = end;
        }
        if (until === END) return true;
        for (let k = 0; k <= last; k++) sorted[k]!.seek(until);
        continue;
      }
    }
    if (sorted[0]!.doc !== pivotDoc) {
      // documents before pivotDoc hold too few of the terms
      for (let k = 0; k < pivot; k++) sorted[k]!.seek(pivotDoc);
      continue;
    }
    const length = docLengths[pivotDoc]!;
    let score = 0;
    for (let t = 0; t < n; t++) {
      const c = cursors[t]!;
      if (c.doc !== pivotDoc) continue;
      const weight = c.idf * bm25TermWeight(c.freq(), length, avgdl);
      if (usesBlocks && weight > c.blockBound(c.pos)) return false;
      score = score + weight;
      if (stats) stats.postingsScored++;
    }
    if (Math.fround(score) >= threshold) accept(pivotDoc, score);
    for (let k = 0; k <= last; k++) sorted[k]!.next();
  }
}

/**
 * Several terms once every document that can enter holds all of them: a
 * candidate document (at first that of the cursor of the shortest list) is
 * checked against the bounds of the blocks (and groups) that would hold it
 * before any cursor moves to it, so blocks passed over are not decoded; the
 * cursors then seek to it, and one landing past it makes its document the
 * next candidate.
 */
function searchAllTerms(cursors: Cursor[], usesBlocks: boolean, ctx: Context, best: Threshold, accept: (doc: number, score: number) => void): boolean {
  const { docLengths, avgdl, stats } = ctx;
  const n = cursors.length;
  const byLength = cursors.slice().sort((x, y) => x.list.length - y.list.length);
  const lead = byLength[0]!;
  let threshold = best.threshold();
  let target = lead.doc;
  // candidates before `checkedUntil` lie in the blocks last found to reach `checkedThreshold`
  let checkedUntil = 0;
  let checkedThreshold = threshold;
  for (;;) {
    if (ctx.violated) return false;
    if (target === END) return true;
    if (usesBlocks && (target >= checkedUntil || threshold !== checkedThreshold)) {
      let blockSum = 0;
      for (let k = 0; k < n; k++) {
        const c = byLength[k]!;
        c.shallowTo(target);
        blockSum += c.blockBound(c.shallow);
      }
      if (ctx.violated) return false;
      if (Math.fround(blockSum) < threshold) {
        // no document from target up to the end of the first of these blocks (or groups) can enter
        let groupSum = 0;
        for (let k = 0; k < n; k++) {
          const c = byLength[k]!;
          groupSum += c.groupBound(Math.floor(c.shallow / c.groupBlocks));
        }
        const byGroup = Math.fround(groupSum) < threshold;
        let until = END;
        for (let k = 0; k < n; k++) {
          const c = byLength[k]!;
          const end = byGroup ? c.nextGroupStart() : c.nextBlockStart();
          if (end < until) until = end;
        }
        target = until;
        continue;
      }
      checkedThreshold = threshold;
      checkedUntil = END;
      for (let k = 0; k < n; k++) {
        const end = byLength[k]!.nextBlockStart();
        if (end < checkedUntil) checkedUntil = end;
      }
    }
    let aligned = true;
    for (let k = 0; k < n; k++) {
      const c = byLength[k]!;
      c.seek(target);
      if (c.doc !== target) {
        target = c.doc;
        aligned = false;
        break;
      }
    }
    if (!aligned) continue;
    const length = docLengths[target]!;
    let score = 0;
    for (let t = 0; t < n; t++) {
      const c = cursors[t]!;
      const weight = c.idf * bm25TermWeight(c.freq(), length, avgdl);
      if (usesBlocks && weight > c.blockBound(c.pos)) return false;
      score = score + weight;
    }
    if (stats) stats.postingsScored += n;
    if (Math.fround(score) >= threshold) {
      accept(target, score);
      threshold = best.threshold();
    }
    lead.next();
    target = lead.doc;
  }
}
