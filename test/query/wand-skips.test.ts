// Block-max WAND where it steps over blocks and groups of blocks, over both
// block layouts (128-document blocks with stored maxima, 256-document blocks
// with Lance 14's block and group impacts): a term whose best documents sit
// in the last block (a partial one, or the last full one), k larger than the
// number of matches, deleted documents in the blocks that set the threshold,
// several terms whose best documents sit in the first group, and a partition
// split in several searched one after another with one threshold (as the
// segments of an index are). The rows and scores are those of scoring every
// posting; the blocks decoded are counted where skipping is the point.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Block256PostingList, dequantizeDocLength, quantizeDocLength } from "../../src/format/index/posting-block256.js";
import type { PostingList } from "../../src/format/index/posting.js";
import { bm25Idf, bm25TermWeight } from "../../src/index/inverted/bm25.js";
import { BOUND_SLACK, searchPartitionWand, type WandStats, type WandTerm } from "../../src/query/wand.js";
import { encodeBlocks, impactsOf } from "../helpers/posting-block256.js";
import { blockMaxList, type Postings } from "../helpers/posting-lists.js";

type Layout = "128" | "256";
const LAYOUTS: Layout[] = ["128", "256"];

/** A posting list in a layout, its bounds as Lance stores them (block maxima with the partition's statistics, or impacts). */
function listOf(layout: Layout, p: Postings, lengths: Uint32Array, numDocs: number, avgdl: number): PostingList {
  if (layout === "256") return new Block256PostingList(encodeBlocks(p.docIds, p.freqs, "varint_delta_v1"), impactsOf(p.docIds, p.freqs, lengths), p.docIds.length, "t", "varint_delta_v1");
  return blockMaxList(p, lengths, numDocs, avgdl);
}

/** Lengths as a partition of the layout scores them (quantized for 256-document blocks). */
function lengthsOf(layout: Layout, numDocs: number, lengthOf: (doc: number) => number): Uint32Array {
  return Uint32Array.from({ length: numDocs }, (_, d) => (layout === "256" ? dequantizeDocLength(quantizeDocLength(lengthOf(d))) : lengthOf(d)));
}

function averageOf(lengths: Uint32Array): number {
  let total = 0;
  for (const l of lengths) total += l;
  return total / lengths.length;
}

/** The best k (score, doc) of scoring every posting of documents not deleted, summed in term order. */
function exhaustive(lists: Postings[], idfs: number[], lengths: Uint32Array, avgdl: number, k: number, deleted: Set<number> = new Set()): [number, number][] {
  const acc = new Map<number, number>();
  lists.forEach(({ docIds, freqs }, t) => {
    for (let i = 0; i < docIds.length; i++) acc.set(docIds[i]!, (acc.get(docIds[i]!) ?? 0) + idfs[t]! * bm25TermWeight(freqs[i]!, lengths[docIds[i]!]!, avgdl));
  });
  return [...acc]
    .filter(([d]) => !deleted.has(d))
    .map(([d, s]): [number, number] => [Math.fround(s), d])
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k);
}

/** A top-k kept as full-text.ts keeps it: deleted documents never enter it, so they never raise the threshold. */
class Top {
  readonly rows: [number, number][] = [];
  constructor(private readonly k: number) {}
  threshold(): number {
    if (this.k <= 0) return Infinity;
    return this.rows.length < this.k ? -Infinity : this.rows[this.rows.length - 1]![0];
  }
  offer(doc: number, score: number): void {
    this.rows.push([Math.fround(score), doc]);
    this.rows.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    if (this.rows.length > this.k) this.rows.pop();
  }
}

function search(terms: WandTerm[], lengths: Uint32Array, avgdl: number, top: Top, deleted: Set<number> = new Set(), stats?: WandStats): boolean {
  return searchPartitionWand(terms, lengths, avgdl, top, (doc, score) => {
    if (!deleted.has(doc)) top.offer(doc, score);
  }, stats);
}

function termsOf(layout: Layout, lists: Postings[], lengths: Uint32Array, avgdl: number): WandTerm[] {
  return lists.map((p) => ({ list: listOf(layout, p, lengths, lengths.length, avgdl), idf: bm25Idf(p.docIds.length, lengths.length), blockScale: 1 + BOUND_SLACK }));
}

/** One term in every `step`-th document; frequency 1 except where `best` says. */
function oneTerm(numDocs: number, step: number, best: (i: number, n: number) => number | undefined): Postings {
  const n = Math.ceil(numDocs / step);
  const docIds = Uint32Array.from({ length: n }, (_, i) => i * step);
  const freqs = Uint32Array.from({ length: n }, (_, i) => best(i, n) ?? 1);
  return { docIds, freqs };
}

for (const layout of LAYOUTS) {
  const blockSize = layout === "256" ? 256 : 128;

  test(`${layout}-document blocks: a term whose best documents sit in the last block, partial or full, decodes that block and few others`, () => {
    for (const n of [40 * blockSize + 77, 40 * blockSize]) {
      const numDocs = n;
      const lengths = lengthsOf(layout, numDocs, (d) => 8 + (d % 5));
      const avgdl = averageOf(lengths);
      // the ten best documents: the last ten postings, frequencies 5 to 14
      const list = oneTerm(numDocs, 1, (i, len) => (i >= len - 10 ? 5 + (i - (len - 10)) : undefined));
      const terms = termsOf(layout, [list], lengths, avgdl);
      for (const k of [1, 5, 10]) {
        const top = new Top(k);
        const stats: WandStats = { blocksDecoded: 0, postingsScored: 0 };
        assert.ok(search(terms, lengths, avgdl, top, new Set(), stats));
        assert.deepEqual(top.rows, exhaustive([list], [terms[0]!.idf], lengths, avgdl, k), `${n} postings, top ${k}`);
        assert.ok(top.rows.every(([, d]) => d >= n - 10), "the best rows are the last ten");
        assert.ok(stats.blocksDecoded <= 2, `${stats.blocksDecoded} blocks decoded of ${terms[0]!.list.numBlocks}, top ${k}`);
      }
    }
  });

  test(`${layout}-document blocks: k larger than the number of matches returns every match`, () => {
    const numDocs = 3 * blockSize + 5;
    const lengths = lengthsOf(layout, numDocs, (d) => 3 + (d % 17));
    const avgdl = averageOf(lengths);
    const a = oneTerm(numDocs, 2, (i) => (i % 7 === 0 ? 3 : undefined));
    const b = oneTerm(numDocs, 3, (i) => (i % 5 === 0 ? 2 : undefined));
    for (const lists of [[a], [a, b], [b, a]]) {
      const terms = termsOf(layout, lists, lengths, avgdl);
      const matches = new Set(lists.flatMap((l) => [...l.docIds])).size;
      const top = new Top(matches + 100);
      assert.ok(search(terms, lengths, avgdl, top));
      assert.equal(top.rows.length, matches);
      assert.deepEqual(top.rows, exhaustive(lists, terms.map((t) => t.idf), lengths, avgdl, matches + 100));
    }
  });

  test(`${layout}-document blocks: deleted documents among the best do not raise the threshold, and the blocks they would have pruned are searched`, () => {
    const numDocs = 70 * blockSize + 3;
    const lengths = lengthsOf(layout, numDocs, (d) => 5 + (d % 11));
    const avgdl = averageOf(lengths);
    // the best documents are in the first block, the next best spread over the list
    const list = oneTerm(numDocs, 1, (i) => (i < 12 ? 30 - i : i % 997 === 0 ? 4 + (i % 3) : undefined));
    const deleted = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 997 * 3, 997 * 7]);
    const terms = termsOf(layout, [list], lengths, avgdl);
    for (const k of [1, 3, 10, 40]) {
      const top = new Top(k);
      assert.ok(search(terms, lengths, avgdl, top, deleted));
      const expected = exhaustive([list], [terms[0]!.idf], lengths, avgdl, k, deleted);
      assert.deepEqual(top.rows, expected, `top ${k}`);
      // the six best documents left sit in blocks after the deleted ones
      if (k <= 6) assert.ok(expected.every(([, d]) => d >= 997 && d % 997 === 0), `top ${k}: ${JSON.stringify(expected)}`);
    }
    // several terms, the deleted documents holding all of them
    const other = oneTerm(numDocs, 2, (i) => (i < 6 ? 20 : undefined));
    const both = termsOf(layout, [list, other], lengths, avgdl);
    for (const k of [1, 10]) {
      const top = new Top(k);
      assert.ok(search(both, lengths, avgdl, top, deleted));
      assert.deepEqual(top.rows, exhaustive([list, other], both.map((t) => t.idf), lengths, avgdl, k, deleted), `two terms, top ${k}`);
    }
  });

  test(`${layout}-document blocks: several terms whose best documents sit in the first group step over the later groups`, () => {
    // a in every third document, b in every fifth: both in every fifteenth, with high frequencies only in the first 600 documents
    const numDocs = 5 * 6 * 32 * blockSize + 1000;
    const lengths = lengthsOf(layout, numDocs, (d) => 10 + (d % 3));
    const avgdl = averageOf(lengths);
    const a = oneTerm(numDocs, 3, (i) => (i * 3 < 600 && (i * 3) % 15 === 0 ? 25 : undefined));
    const b = oneTerm(numDocs, 5, (i) => (i * 5 < 600 && (i * 5) % 15 === 0 ? 20 : undefined));
    for (const lists of [[a, b], [b, a]]) {
      const terms = termsOf(layout, lists, lengths, avgdl);
      const totalBlocks = terms.reduce((n, t) => n + t.list.numBlocks, 0);
      for (const k of [1, 5, 10]) {
        const top = new Top(k);
        const stats: WandStats = { blocksDecoded: 0, postingsScored: 0 };
        assert.ok(search(terms, lengths, avgdl, top, new Set(), stats));
        assert.deepEqual(top.rows, exhaustive(lists, terms.map((t) => t.idf), lengths, avgdl, k), `top ${k}`);
        assert.ok(stats.blocksDecoded <= 8, `${stats.blocksDecoded} blocks decoded of ${totalBlocks}, top ${k}`);
      }
    }
  });

  test(`${layout}-document blocks: a partition split in three, searched one after another with one threshold, finds the rows of searching it whole`, () => {
    const numDocs = 30 * blockSize;
    const lengths = lengthsOf(layout, numDocs, (d) => 4 + ((d * 7) % 23));
    const avgdl = averageOf(lengths);
    const a = oneTerm(numDocs, 1, (i) => 1 + ((i * 31) % 9));
    const b = oneTerm(numDocs, 3, (i) => 1 + ((i * 17) % 5));
    const idfs = [bm25Idf(a.docIds.length, numDocs), bm25Idf(b.docIds.length, numDocs)];
    for (const k of [1, 10, 100]) {
      const top = new Top(k);
      const cuts = [0, 7 * blockSize + 5, 19 * blockSize, numDocs];
      // each part a partition of its own: doc ids from 0, its own statistics in its stored bounds, the search's idf and average
      for (let p = 0; p + 1 < cuts.length; p++) {
        const [lo, hi] = [cuts[p]!, cuts[p + 1]!];
        const part = (l: Postings): Postings => {
          const keep = [...l.docIds.keys()].filter((i) => l.docIds[i]! >= lo && l.docIds[i]! < hi);
          return { docIds: Uint32Array.from(keep, (i) => l.docIds[i]! - lo), freqs: Uint32Array.from(keep, (i) => l.freqs[i]!) };
        };
        const partLengths = lengths.slice(lo, hi);
        const partAvgdl = averageOf(partLengths);
        const lists = [part(a), part(b)];
        const terms: WandTerm[] = lists.map((l, t) => {
          const list = listOf(layout, l, partLengths, hi - lo, partAvgdl);
          const scale = (idfs[t]! / bm25Idf(l.docIds.length, hi - lo)) * Math.max(1, avgdl / partAvgdl) * (1 + BOUND_SLACK);
          return { list, idf: idfs[t]!, blockScale: layout === "256" ? 1 : scale };
        });
        assert.ok(searchPartitionWand(terms, partLengths, avgdl, top, (doc, score) => top.offer(doc + lo, score)));
      }
      assert.deepEqual(top.rows, exhaustive([a, b], idfs, lengths, avgdl, k), `top ${k}`);
    }
  });
}
