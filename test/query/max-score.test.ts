// Searches of several terms a window of doc ids at a time (query/max-score.ts)
// against scoring every posting: partitions large enough for many windows,
// documents longer than the search's table of length norms, scores tying at
// the cut (ties broken by row address, not doc id order), k above the number
// of matches, deleted documents refused by the caller, a partition split into
// parts searched one after another with one threshold (as segments are), and
// terms crossing the essential / non-essential boundary: a common term probed
// only for the documents of a rare one, never merged posting by posting.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { bm25Idf, bm25TermWeight } from "../../src/index/inverted/bm25.js";
import { BOUND_SLACK, searchPartitionWand, type WandStats, type WandTerm } from "../../src/query/wand.js";
import { POSTING_BLOCK_SIZE } from "../../src/format/index/posting.js";
import { blockMaxList, type Postings } from "../helpers/posting-lists.js";
import { rng } from "../helpers/rng.js";

/** A term in about `density` of the documents, frequencies 1 to `maxFreq`. */
function termOf(rand: () => number, numDocs: number, density: number, maxFreq: number): Postings {
  const docs: number[] = [];
  for (let d = 0; d < numDocs; d++) if (rand() < density) docs.push(d);
  return { docIds: Uint32Array.from(docs), freqs: Uint32Array.from(docs, () => 1 + Math.floor(rand() * maxFreq)) };
}

function averageOf(lengths: Uint32Array): number {
  let total = 0;
  for (const l of lengths) total += l;
  return total / lengths.length;
}

/** The best k (score, row address) of scoring every posting of documents not deleted, summed in term order. */
function exhaustive(lists: Postings[], idfs: number[], lengths: Uint32Array, avgdl: number, addresses: Uint32Array, k: number, deleted: Set<number>): [number, number][] {
  const acc = new Float64Array(lengths.length);
  const seen = new Uint8Array(lengths.length);
  lists.forEach(({ docIds, freqs }, t) => {
    for (let i = 0; i < docIds.length; i++) {
      acc[docIds[i]!] = acc[docIds[i]!]! + idfs[t]! * bm25TermWeight(freqs[i]!, lengths[docIds[i]!]!, avgdl);
      seen[docIds[i]!] = 1;
    }
  });
  const all: [number, number][] = [];
  for (let d = 0; d < lengths.length; d++) if (seen[d] && !deleted.has(d)) all.push([Math.fround(acc[d]!), addresses[d]!]);
  all.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  return all.slice(0, k);
}

/** A top-k kept as full-text.ts keeps it: best score first, then lowest row address. */
class Top {
  readonly rows: [number, number][] = [];
  constructor(private readonly k: number) {}
  threshold(): number {
    return this.rows.length < this.k ? -Infinity : this.rows[this.rows.length - 1]![0];
  }
  offer(address: number, score: number): void {
    this.rows.push([Math.fround(score), address]);
    this.rows.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    if (this.rows.length > this.k) this.rows.pop();
  }
}

/** Searches doc ids [0, numDocs) split at `cuts` into partitions of their own (doc ids from 0, their own statistics in their stored maxima), one threshold for all. */
function searchParts(lists: Postings[], idfs: number[], lengths: Uint32Array, avgdl: number, addresses: Uint32Array, k: number, deleted: Set<number>, cuts: number[], useMaxima: boolean, stats?: WandStats): Top {
  const top = new Top(k);
  const bounds = [0, ...cuts, lengths.length];
  for (let p = 0; p + 1 < bounds.length; p++) {
    const [lo, hi] = [bounds[p]!, bounds[p + 1]!];
    if (hi <= lo) continue;
    const partLengths = lengths.slice(lo, hi);
    const partAvgdl = averageOf(partLengths);
    const terms: WandTerm[] = [];
    lists.forEach((l, t) => {
      const keep = [...l.docIds.keys()].filter((i) => l.docIds[i]! >= lo && l.docIds[i]! < hi);
      if (keep.length === 0) return;
      const part = { docIds: Uint32Array.from(keep, (i) => l.docIds[i]! - lo), freqs: Uint32Array.from(keep, (i) => l.freqs[i]!) };
      const scale = (idfs[t]! / bm25Idf(keep.length, hi - lo)) * Math.max(1, avgdl / partAvgdl) * (1 + BOUND_SLACK);
      terms.push({ list: blockMaxList(part, partLengths, partLengths.length, partAvgdl), idf: idfs[t]!, blockScale: useMaxima ? scale : undefined });
    });
    if (terms.length === 0) continue;
    const ok = searchPartitionWand(terms, partLengths, avgdl, top, (doc, score) => {
      if (!deleted.has(doc + lo)) top.offer(addresses[doc + lo]!, score);
    }, stats);
    assert.ok(ok, "stored maxima are valid bounds");
  }
  return top;
}

test("several terms over many windows keep exactly the best k rows of scoring every posting: ties at the cut, long documents, deletions, partitions", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.integer({ min: 2000, max: 20_000 }),
      fc.array(fc.constantFrom(0.0005, 0.005, 0.05, 0.3, 0.9), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(1, 3, 10, 50),
      fc.constantFrom(0, 1, 2),
      fc.boolean(),
      (seed, numDocs, densities, maxFreq, k, numCuts, withDeletes) => {
        const rand = rng(seed);
        // few distinct lengths (ties), some past the norm table's 1024
        const lengths = Uint32Array.from({ length: numDocs }, () => (rand() < 0.01 ? 1000 + Math.floor(rand() * 3) * 40 : 2 + Math.floor(rand() * 3) * 4));
        const lists = densities.map((density) => termOf(rand, numDocs, density, maxFreq));
        const avgdl = averageOf(lengths) * (0.8 + rand() * 0.6);
        const idfs = lists.map((l) => Math.fround(bm25Idf(l.docIds.length, numDocs)));
        const addresses = Uint32Array.from({ length: numDocs }, (_, d) => d);
        for (let i = numDocs - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [addresses[i], addresses[j]] = [addresses[j]!, addresses[i]!];
        }
        const deleted = new Set<number>();
        if (withDeletes) for (let d = 0; d < numDocs; d++) if (rand() < 0.1) deleted.add(d);
        const cuts = Array.from({ length: numCuts }, () => Math.floor(rand() * numDocs)).sort((x, y) => x - y);
        const expected = exhaustive(lists, idfs, lengths, avgdl, addresses, k, deleted);
        for (const useMaxima of [true, false]) {
          const top = searchParts(lists, idfs, lengths, avgdl, addresses, k, deleted, cuts, useMaxima);
          assert.deepEqual(top.rows, expected, `stored maxima ${useMaxima}, cuts ${cuts}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test("k above the number of matches returns every match, each with the score of scoring every posting", () => {
  const rand = rng(5);
  const numDocs = 9000;
  const lengths = Uint32Array.from({ length: numDocs }, () => 3 + Math.floor(rand() * 9));
  const avgdl = averageOf(lengths);
  const lists = [termOf(rand, numDocs, 0.01, 3), termOf(rand, numDocs, 0.002, 2), termOf(rand, numDocs, 0.02, 1)];
  const idfs = lists.map((l) => bm25Idf(l.docIds.length, numDocs));
  const addresses = Uint32Array.from({ length: numDocs }, (_, d) => d);
  const matches = new Set(lists.flatMap((l) => [...l.docIds])).size;
  const top = searchParts(lists, idfs, lengths, avgdl, addresses, matches + 50, new Set(), [], true);
  assert.equal(top.rows.length, matches);
  assert.deepEqual(top.rows, exhaustive(lists, idfs, lengths, avgdl, addresses, matches + 50, new Set()));
});

test("a common term is probed only for the documents of a rare one once it cannot lift a document alone", () => {
  const rand = rng(9);
  const numDocs = 200_000;
  const lengths = Uint32Array.from({ length: numDocs }, () => 4 + Math.floor(rand() * 8));
  const avgdl = averageOf(lengths);
  // the common term in nine documents of ten, the rare one in about 200
  const common = termOf(rand, numDocs, 0.9, 2);
  const rare = termOf(rand, numDocs, 0.001, 2);
  const lists = [common, rare];
  const idfs = lists.map((l) => bm25Idf(l.docIds.length, numDocs));
  const addresses = Uint32Array.from({ length: numDocs }, (_, d) => d);
  for (const k of [1, 10]) {
    const stats: WandStats = { blocksDecoded: 0, postingsScored: 0 };
    const top = searchParts(lists, idfs, lengths, avgdl, addresses, k, new Set(), [], true, stats);
    assert.deepEqual(top.rows, exhaustive(lists, idfs, lengths, avgdl, addresses, k, new Set()));
    const commonBlocks = Math.ceil(common.docIds.length / POSTING_BLOCK_SIZE);
    // the first windows score everything until the threshold is set; after them only the rare term's documents are looked up in the common list
    assert.ok(stats.postingsScored < common.docIds.length / 20, `${stats.postingsScored} postings scored of ${common.docIds.length + rare.docIds.length}, top ${k}`);
    assert.ok(stats.blocksDecoded < commonBlocks / 4, `${stats.blocksDecoded} blocks decoded, the common term has ${commonBlocks}, top ${k}`);
  }
});
