// Block-max WAND against scoring every posting: random partitions (long and
// short posting lists, documents of equal length and frequency so that many
// scores tie, lists ending on a block boundary), stored block maxima as
// Lance computes them with the partition's own statistics, searched with
// other (global) statistics: the accepted documents hold the best k rows
// with the same scores, ties broken by row address (not in doc id order); with maxima that are too low
// the search reports it.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BlockPostingList, encodePostingBlocks, POSTING_BLOCK_SIZE } from "../../src/format/index/posting.js";
import { bm25Idf, bm25TermWeight } from "../../src/index/inverted/bm25.js";
import { BOUND_SLACK, searchPartitionWand, type WandTerm } from "../../src/query/wand.js";

interface Case {
  numDocs: number;
  lengths: Uint32Array;
  /** Row addresses by doc id, not in doc id order (as rows of several fragments or with stable row ids): ties are broken by them. */
  addresses: Uint32Array;
  lists: { docIds: Uint32Array; freqs: Uint32Array }[];
}

function buildCase(seed: number, numDocs: number, sizes: number[], tieFactor: number): Case {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // few distinct lengths and frequencies: many equal scores
  const lengths = Uint32Array.from({ length: numDocs }, () => 1 + Math.floor(rand() * tieFactor) * 3);
  const lists = sizes.map((size) => {
    const n = Math.min(size, numDocs);
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(rand() * numDocs));
    const docIds = Uint32Array.from([...chosen].sort((x, y) => x - y));
    const freqs = Uint32Array.from(docIds, () => 1 + Math.floor(rand() * tieFactor));
    return { docIds, freqs };
  });
  const addresses = Uint32Array.from({ length: numDocs }, (_, d) => d);
  for (let i = numDocs - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [addresses[i], addresses[j]] = [addresses[j]!, addresses[i]!];
  }
  return { numDocs, lengths, addresses, lists };
}

/** Posting lists with block maxima from the partition's statistics (avgdl_p, idf_p), as Lance stores them; `lower` scales them down. */
function postingLists(c: Case, partitionAvgdl: number, lower = 1): BlockPostingList[] {
  return c.lists.map(({ docIds, freqs }) => {
    const idf = bm25Idf(docIds.length, c.numDocs);
    const scores = new Float32Array(Math.ceil(docIds.length / POSTING_BLOCK_SIZE));
    for (let b = 0; b < scores.length; b++) {
      let best = 0;
      for (let k = b * POSTING_BLOCK_SIZE; k < Math.min(docIds.length, (b + 1) * POSTING_BLOCK_SIZE); k++) best = Math.max(best, bm25TermWeight(freqs[k]!, c.lengths[docIds[k]!]!, partitionAvgdl));
      scores[b] = Math.fround(idf * best * lower);
    }
    return new BlockPostingList(encodePostingBlocks(docIds, freqs, scores), docIds.length, "test", "fixed32_v1");
  });
}

/** The best k (score, row address) of scoring every posting, summed in term order as full-text.ts sums them. */
function exhaustive(c: Case, idfs: number[], avgdl: number, k: number): [number, number][] {
  const acc = new Float64Array(c.numDocs);
  const seen = new Uint8Array(c.numDocs);
  c.lists.forEach(({ docIds, freqs }, t) => {
    for (let i = 0; i < docIds.length; i++) {
      acc[docIds[i]!] = acc[docIds[i]!]! + idfs[t]! * bm25TermWeight(freqs[i]!, c.lengths[docIds[i]!]!, avgdl);
      seen[docIds[i]!] = 1;
    }
  });
  const all: [number, number][] = [];
  for (let d = 0; d < c.numDocs; d++) if (seen[d]) all.push([Math.fround(acc[d]!), c.addresses[d]!]);
  all.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  return all.slice(0, k);
}

/** Runs the search with a top-k heap like full-text.ts's (a sorted array suffices here). */
function wand(terms: WandTerm[], c: Case, avgdl: number, k: number): { ok: boolean; top: [number, number][]; scored: number } {
  const top: [number, number][] = [];
  let scored = 0;
  const best = { threshold: (): number => (k <= 0 ? Infinity : top.length < k ? -Infinity : top[top.length - 1]![0]) };
  const ok = searchPartitionWand(terms, c.lengths, avgdl, best, (doc, score) => {
    scored++;
    top.push([Math.fround(score), c.addresses[doc]!]);
    top.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    if (top.length > k) top.pop();
  });
  return { ok, top, scored };
}

test("block-max WAND keeps exactly the best k rows of scoring every posting, ties included", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.integer({ min: 1, max: 3000 }),
      fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(128, 256, 383), fc.integer({ min: 500, max: 3000 })), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 60 }),
      fc.double({ min: 0.5, max: 2, noNaN: true }),
      (seed, numDocs, sizes, tieFactor, k, globalShift) => {
        const c = buildCase(seed, numDocs, sizes, tieFactor);
        let total = 0;
        for (const l of c.lengths) total += l;
        const partitionAvgdl = total / numDocs;
        // this partition is one of several: the search's statistics differ from its own
        const avgdl = partitionAvgdl * globalShift;
        const globalDocs = numDocs * 3 + 7;
        const lists = postingLists(c, partitionAvgdl);
        const terms: WandTerm[] = lists.map((list) => {
          const idf = Math.fround(bm25Idf(list.length + 7, globalDocs));
          const scale = (idf / bm25Idf(list.length, numDocs)) * Math.max(1, avgdl / partitionAvgdl) * (1 + BOUND_SLACK);
          return { list, idf, blockScale: scale };
        });
        const expected = exhaustive(c, terms.map((t) => t.idf), avgdl, k);
        const got = wand(terms, c, avgdl, k);
        assert.ok(got.ok, "stored maxima are valid bounds");
        assert.deepEqual(got.top, expected);
        // and without stored maxima
        const plain = wand(terms.map((t) => ({ ...t, blockScale: undefined })), c, avgdl, k);
        assert.deepEqual(plain.top, expected);
      },
    ),
    { numRuns: 150 },
  );
});

test("one term with a long list: only the blocks that can hold the best rows are scored", () => {
  const c = buildCase(7, 200_000, [150_000], 4);
  let total = 0;
  for (const l of c.lengths) total += l;
  const avgdl = total / c.numDocs;
  const [list] = postingLists(c, avgdl);
  const idf = bm25Idf(list!.length, c.numDocs);
  const term: WandTerm = { list: list!, idf, blockScale: (1 + BOUND_SLACK) };
  const got = wand([term], c, avgdl, 10);
  assert.deepEqual(got.top, exhaustive(c, [idf], avgdl, 10));
  assert.ok(got.scored < 150_000 / 10, `${got.scored} of 150000 documents scored`);
});

test("stored maxima below the documents' scores are detected", () => {
  const c = buildCase(11, 5000, [3000, 900], 3);
  let total = 0;
  for (const l of c.lengths) total += l;
  const avgdl = total / c.numDocs;
  const lists = postingLists(c, avgdl, 0.5);
  const terms = lists.map((list) => ({ list, idf: bm25Idf(list.length, c.numDocs), blockScale: 1 + BOUND_SLACK }));
  assert.equal(wand(terms, c, avgdl, 10).ok, false);
});
