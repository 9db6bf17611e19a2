// Posting lists of 128-document blocks built in memory with the block maxima
// Lance stores beside them, for the tests of searches over them.

import { BlockPostingList, encodePostingBlocks, POSTING_BLOCK_SIZE } from "../../src/format/index/posting.js";
import { bm25Idf, bm25TermWeight } from "../../src/index/inverted/bm25.js";

export interface Postings {
  docIds: Uint32Array;
  freqs: Uint32Array;
}

/** `p` as 128-document blocks, each with its best score under the partition's idf and average length. */
export function blockMaxList(p: Postings, lengths: Uint32Array, numDocs: number, avgdl: number): BlockPostingList {
  const idf = bm25Idf(p.docIds.length, numDocs);
  const scores = new Float32Array(Math.ceil(p.docIds.length / POSTING_BLOCK_SIZE));
  for (let b = 0; b < scores.length; b++) {
    let best = 0;
    const end = Math.min(p.docIds.length, (b + 1) * POSTING_BLOCK_SIZE);
    for (let k = b * POSTING_BLOCK_SIZE; k < end; k++) best = Math.max(best, bm25TermWeight(p.freqs[k]!, lengths[p.docIds[k]!]!, avgdl));
    scores[b] = Math.fround(idf * best);
  }
  return new BlockPostingList(encodePostingBlocks(p.docIds, p.freqs, scores), p.docIds.length, "t", "fixed32_v1");
}
