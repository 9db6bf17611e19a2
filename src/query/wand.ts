// Full-text search of one partition with block-max bounds: a document is
// scored only if the upper bounds of the terms it can hold reach the score of
// the k-th best row found so far (across every partition searched): each
// term's bound over its whole list, and the bounds of the groups of blocks
// (32 blocks) and of the blocks that hold the document. Blocks and groups that
// cannot matter are stepped over by their first doc ids, read when the list
// was opened, without being decoded (query/posting-cursor.ts). A query of one
// term (in this partition) needs no merge: its groups are visited best bound
// first and only the blocks whose bound reaches the threshold are decoded, so
// the work follows the number of blocks that can hold the best rows, not the
// length of the list. Several terms are searched a window of doc ids at a
// time, the terms that cannot lift a document to the threshold alone only
// probed for the documents of the others (query/max-score.ts).
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
// search (impactBound in posting-cursor.ts). Every scored posting is checked against the bound of
// its block, and every block bound against that of its group; a bound found
// too low makes the search report failure, and the caller searches again
// without stored maxima.

import { Cursor, SearchContext, weightOf, type WandStats, type WandTerm } from "./posting-cursor.js";
import { searchMaxScore } from "./max-score.js";

export { BOUND_SLACK, type WandStats, type WandTerm } from "./posting-cursor.js";

/** Where a search keeps its best rows: the score a row must reach to enter them. */
export interface Threshold {
  /** -Infinity while fewer rows than asked for are kept; +Infinity when none are asked for. */
  threshold(): number;
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
  const ctx = new SearchContext(docLengths, avgdl, stats);
  const cursors = terms.map((t) => new Cursor(t.list, t, ctx));
  if (cursors.length === 1) return searchOneTerm(cursors[0]!, ctx, best, accept);
  return searchMaxScore(cursors, ctx, best, accept);
}

/** One term: its groups best bound first, and in each its blocks best bound first, while their bounds reach the threshold. */
function searchOneTerm(c: Cursor, ctx: SearchContext, best: Threshold, accept: (doc: number, score: number) => void): boolean {
  const { docLengths, norms, stats } = ctx;
  const normTableLength = norms.length;
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
        const dl = docLengths[doc]!;
        const score = idf * weightOf(freqs[j]!, dl < normTableLength ? norms[dl]! : ctx.norm(doc));
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

