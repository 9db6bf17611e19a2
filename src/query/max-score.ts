// A full-text search of several terms over one partition, a window of doc
// ids at a time (block-max MaxScore). In each window [lo, hi) every term has
// a bound: the largest of its blocks' bounds there (wand.ts says how they are
// computed). Taken weakest first, the terms whose bounds together stay below
// the score a row must reach (the threshold) are non-essential: a document
// holding only them cannot enter the best rows. The other, essential, terms'
// blocks in the window are decoded and their postings scored into an array
// indexed by doc id - lo (one weight per term and document, reused from
// window to window); a block whose bound, with every other term's window
// bound, stays below the threshold is stepped over undecoded when it ends in
// the window. Then, in doc id order, each document an essential term holds
// is checked against what the non-essential terms could add: they are probed
// (their cursors seek, decoding a block only when its bound still lets the
// document through), strongest first, and the document is dropped as soon as
// its weights so far and the bounds of the terms left fall below the
// threshold. A window whose terms' bounds together are below it is stepped
// over; when their groups' bounds are, up to the first group end.
//
// Each document's score is the sum of its terms' weights in query term order
// (a missing term adds 0, which changes no sum), as an exhaustive search sums
// them, and a document is dropped only when a bound of its score is below the
// threshold, so the rows and scores are those of scoring every posting.

import { Cursor, END, type SearchContext, weightOf } from "./posting-cursor.js";

/** Doc ids per window, at most; the first window holds FIRST_WINDOW, and each next one twice its predecessor's, so that the first documents found set a threshold before many blocks are decoded. */
const WINDOW = 4096;
const FIRST_WINDOW = 128;
/** Bounds summed in another order than the exact score: a margin far above the rounding of a few additions, far below BOUND_SLACK. */
const SUM_MARGIN = 1 + 1e-9;

export interface TopThreshold {
  /** -Infinity while fewer rows than asked for are kept; +Infinity when none are asked for. */
  threshold(): number;
}

/** Whether a bound of a score (summed in any order) lets it reach the threshold. */
function reaches(bound: number, threshold: number): boolean {
  return Math.fround(bound * SUM_MARGIN) >= threshold;
}

/**
 * Searches one partition for documents of several terms: calls
 * `accept(doc, score)` for every document whose score reaches the threshold
 * when it is found. Returns false, having stopped, when a stored bound proved
 * too low.
 */
export function searchMaxScore(cursors: Cursor[], ctx: SearchContext, best: TopThreshold, accept: (doc: number, score: number) => void): boolean {
  const n = cursors.length;
  const stats = ctx.stats;
  const docLengths = ctx.docLengths;
  const norms = ctx.norms;
  const numDocs = docLengths.length;
  const normTableLength = norms.length;
  const weights = new Float64Array(n * WINDOW);
  // documents of the window some essential term holds, a bit each (read back in doc id order)
  const touched = new Uint32Array(WINDOW / 32);
  const candidates = new Uint32Array(WINDOW);
  const windowBounds = new Float64Array(n);
  // terms by window bound, weakest first
  const order = new Int32Array(n);
  // terms by term bound, weakest first: documents holding only a prefix of them whose bounds stay below the threshold cannot enter
  const byTermBound = Int32Array.from(cursors.keys()).sort((x, y) => cursors[x]!.termBound - cursors[y]!.termBound);
  const isEssential = new Uint8Array(n);
  let from = 0;
  let windowLength = FIRST_WINDOW;
  for (;;) {
    if (ctx.violated) return false;
    let threshold = best.threshold();
    // the first doc id that can matter: the first of a term not dropped by the term bounds
    let sum = 0;
    let lo = END;
    for (let k = 0; k < n; k++) {
      const c = cursors[byTermBound[k]!]!;
      sum += c.termBound;
      if (!reaches(sum, threshold)) continue;
      const doc = c.doc > from ? c.doc : from;
      if (doc < lo) lo = doc;
    }
    // doc ids are below the partition's document count (a list's last block has no known end)
    if (lo >= numDocs) return true;
    const hi = Math.min(lo + windowLength, numDocs);
    if (windowLength < WINDOW) windowLength *= 2;
    // the window's bounds
    let windowSum = 0;
    let groupSum = 0;
    for (let t = 0; t < n; t++) {
      const c = cursors[t]!;
      c.shallowTo(lo);
      groupSum += c.groupBound(Math.floor(c.shallow / c.groupBlocks));
      let bound = 0;
      for (let b = c.shallow; b < c.numBlocks && c.firstDocs[b]! < hi; b++) {
        const bb = c.blockBound(b);
        if (bb > bound) bound = bb;
      }
      windowBounds[t] = bound;
      windowSum += bound;
    }
    if (ctx.violated) return false;
    if (!reaches(windowSum, threshold)) {
      // nothing in the window can enter; nor up to the first group end if the groups' bounds are below the threshold too
      let next = hi;
      if (!reaches(groupSum, threshold)) {
        let groupEnd = END;
        for (let t = 0; t < n; t++) groupEnd = Math.min(groupEnd, cursors[t]!.nextGroupStart());
        if (groupEnd > next) next = groupEnd;
      }
      from = next;
      continue;
    }
    // essential terms: past the longest prefix (weakest first) whose window bounds stay below the threshold
    for (let t = 0; t < n; t++) order[t] = t;
    order.sort((x, y) => windowBounds[x]! - windowBounds[y]!);
    let nonEssential = 0;
    let prefix = 0;
    while (nonEssential < n && !reaches(prefix + windowBounds[order[nonEssential]!]!, threshold)) prefix += windowBounds[order[nonEssential++]!]!;
    const nonEssentialBound = prefix;
    isEssential.fill(0);
    for (let k = nonEssential; k < n; k++) isEssential[order[k]!] = 1;
    const single = n - nonEssential === 1;
    // one essential term: a weight below `cut` cannot reach the threshold with every non-essential term (cut is a little low: reaches() decides later)
    const cut = threshold / SUM_MARGIN - nonEssentialBound - Math.abs(threshold) * 1e-6;
    let numCandidates = 0;

    // score the essential terms' postings in the window
    for (let k = nonEssential; k < n; k++) {
      const t = order[k]!;
      const c = cursors[t]!;
      const others = windowSum - windowBounds[t]!;
      const idf = c.idf;
      const slot = t * WINDOW;
      let b = c.doc >= lo ? c.pos : c.blockOf(c.pos, lo);
      let stopped = false;
      while (b < c.numBlocks && c.firstDocs[b]! < hi) {
        const bound = c.blockBound(b);
        const nextStart = b + 1 < c.numBlocks ? c.firstDocs[b + 1]! : END;
        // a block ending in the window whose documents cannot reach the threshold, whichever other terms they hold
        if (nextStart <= hi && !reaches(bound + others, threshold)) {
          b++;
          continue;
        }
        if (c.decoded !== b) c.decode(b);
        const docs = c.docs;
        const freqs = c.freqs;
        const count = c.count;
        let i = b === c.pos ? c.at : 0;
        while (i < count && docs[i]! < lo) i++;
        const start = i;
        for (; i < count; i++) {
          const doc = docs[i]!;
          if (doc >= hi) break;
          const tf = freqs[i]!;
          const dl = docLengths[doc]!;
          const weight = idf * weightOf(tf, dl < normTableLength ? norms[dl]! : ctx.norm(doc));
          if (weight > bound) ctx.violated = true;
          const off = doc - lo;
          if (single) {
            // the only essential term: its documents come in doc id order, and one that cannot reach the threshold with every non-essential term is dropped now
            if (weight >= cut) {
              weights[slot + off] = weight;
              candidates[numCandidates++] = off;
            }
          } else {
            weights[slot + off] = weight;
            touched[off >>> 5]! |= 1 << (off & 31);
          }
        }
        if (stats) stats.postingsScored += i - start;
        if (i < count) {
          c.pos = b;
          c.at = i;
          c.doc = docs[i]!;
          stopped = true;
          break;
        }
        b++;
      }
      if (!stopped) c.enterBlock(b);
    }
    if (ctx.violated) return false;
    if (!single) {
      for (let w = 0; w < (hi - lo + 31) >>> 5; w++) {
        let bits = touched[w]!;
        if (bits === 0) continue;
        touched[w] = 0;
        while (bits !== 0) {
          const lowest = bits & -bits;
          candidates[numCandidates++] = (w << 5) + 31 - Math.clz32(lowest);
          bits ^= lowest;
        }
      }
    }

    // each candidate: its essential weights, then the non-essential terms strongest first while it can still enter
    for (let j = 0; j < numCandidates; j++) {
      const off = candidates[j]!;
      const doc = lo + off;
      let partial = 0;
      for (let k = nonEssential; k < n; k++) partial += weights[order[k]! * WINDOW + off]!;
      let rest = nonEssentialBound;
      let alive = reaches(partial + rest, threshold);
      // the non-essential terms probed are order[k + 1 .. nonEssential - 1]
      let k = nonEssential - 1;
      for (; k >= 0 && alive; k--) {
        const t = order[k]!;
        const c = cursors[t]!;
        rest -= windowBounds[t]!;
        if (c.doc > doc) {
          alive = reaches(partial + rest, threshold);
          continue;
        }
        c.shallowTo(doc);
        const bound = c.blockBound(c.shallow);
        if (!reaches(partial + bound + rest, threshold)) {
          alive = false;
          k--;
          break;
        }
        c.seek(doc);
        if (c.doc === doc) {
          const dl = docLengths[doc]!;
          const weight = c.idf * weightOf(c.freq(), dl < normTableLength ? norms[dl]! : ctx.norm(doc));
          if (weight > c.blockBound(c.pos)) {
            ctx.violated = true;
            return false;
          }
          weights[t * WINDOW + off] = weight;
          partial += weight;
          if (stats) stats.postingsScored++;
        }
        alive = reaches(partial + rest, threshold);
      }
      if (alive) {
        // the exact score: query term order
        let score = 0;
        for (let t = 0; t < n; t++) score = score + weights[t * WINDOW + off]!;
        if (Math.fround(score) >= threshold) {
          accept(doc, score);
          threshold = best.threshold();
        }
      }
      for (let q = k + 1; q < n; q++) weights[order[q]! * WINDOW + off] = 0;
    }
    if (ctx.violated) return false;
    from = hi;
  }
}
