// Posting lists of 256-document blocks and their impact entries, built by hand
// here as Lance 14 lays them out (BitPacker8x doc-id deltas, patched
// frequencies with exceptions, varint or fixed tails; impact frontiers with
// implicit and explicit norm deltas): decoded values equal the input, damaged
// blocks and entries are CORRUPT_FILE, document-length quantization keeps four
// significant bits and never lengthens a document, and block-max WAND over
// such lists keeps exactly the best rows of scoring every posting while
// decoding few of a long list's blocks.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CorruptFileError } from "../../src/core/errors.js";
import { unreadableFtsBlocks } from "../../src/format/index/index-type.js";
import { Block256PostingList, decodeImpactEntry, dequantizeDocLength, quantizeDocLength } from "../../src/format/index/posting-block256.js";
import type { PostingTailCodec } from "../../src/format/index/posting.js";
import { bm25Idf, bm25TermWeight } from "../../src/index/inverted/bm25.js";
import { searchPartitionWand, type WandStats, type WandTerm } from "../../src/query/wand.js";
import { encodeBlocks, encodeImpact, impactsOf, width } from "../helpers/posting-block256.js";
import { rng } from "../helpers/rng.js";

/** Every document of the same length, however large the doc ids. */
function sameLength(length: number): ArrayLike<number> {
  return new Proxy({ length: 2 ** 32 } as ArrayLike<number>, { get: (t, key) => (key === "length" ? t.length : length) });
}

function randomList(seed: number, n: number, maxGap: number, maxFreq: number): { docIds: Uint32Array; freqs: Uint32Array } {
  const rand = rng(seed);
  const docIds = new Uint32Array(n);
  let doc = Math.floor(rand() * 1000);
  for (let i = 0; i < n; i++) {
    docIds[i] = doc;
    doc += 1 + Math.floor(rand() * maxGap);
  }
  const freqs = Uint32Array.from({ length: n }, () => 1 + Math.floor(rand() ** 4 * maxFreq));
  return { docIds, freqs };
}

function decodeAll(list: Block256PostingList): { docIds: number[]; freqs: number[] } {
  const d = new Uint32Array(256);
  const f = new Uint32Array(256);
  const docIds: number[] = [];
  const freqs: number[] = [];
  for (let b = 0; b < list.numBlocks; b++) {
    const n = list.decodeBlock(b, d, f);
    assert.equal(list.firstDoc(b), d[0]);
    docIds.push(...d.subarray(0, n));
    freqs.push(...f.subarray(0, n));
  }
  return { docIds, freqs };
}

test("256-document blocks decode to their doc ids and frequencies: full blocks, exceptions, varint and fixed tails, a list ending on a block boundary", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(256, 512, 768), fc.integer({ min: 600, max: 1300 })),
      fc.constantFrom(1, 3, 200, 70_000),
      fc.constantFrom(1, 5, 1000, 2 ** 31),
      fc.constantFrom<PostingTailCodec>("varint_delta_v1", "fixed32_v1"),
      fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      (seed, n, maxGap, maxFreq, tail, freqWidth) => {
        const { docIds, freqs } = randomList(seed, n, maxGap, maxFreq);
        // patched frequencies hold at most 31 exceptions a block, as Lance writes them
        const w = freqWidth !== undefined && freqs.every((_, i) => i % 256 !== 0 || freqs.subarray(i, i + 256).filter((v) => width(v) > freqWidth).length <= 31) ? freqWidth : undefined;
        const list = new Block256PostingList(encodeBlocks(docIds, freqs, tail, w), impactsOf(docIds, freqs, sameLength(10)), n, "t", tail);
        assert.equal(list.numBlocks, Math.ceil(n / 256));
        const got = decodeAll(list);
        assert.deepEqual(got.docIds, Array.from(docIds));
        assert.deepEqual(got.freqs, Array.from(freqs));
        assert.ok(Number.isNaN(list.blockMaxScore()));
      },
    ),
    { numRuns: 100 },
  );
});

test("frequencies past the body width come back from their exceptions", () => {
  const docIds = Uint32Array.from({ length: 256 }, (_, i) => i * 2);
  const freqs = new Uint32Array(256).fill(1);
  freqs[0] = 300;
  freqs[255] = 2 ** 32 - 1;
  freqs[77] = 5;
  const [block] = encodeBlocks(docIds, freqs, "varint_delta_v1", 1);
  // doc id deltas of 2 bits, then width 1 and three exceptions
  assert.equal(block![4], 2);
  assert.equal(block![5 + 64], 1);
  assert.equal(block![5 + 65], 3);
  const list = new Block256PostingList([block!], impactsOf(docIds, freqs, sameLength(3)), 256, "t", "varint_delta_v1");
  assert.deepEqual(decodeAll(list).freqs, Array.from(freqs));
});

test("impact entries decode to their frontier: implicit and explicit norm deltas, lengths decoded to their bucket floor", () => {
  const bytes = encodeImpact(999, [
    [1, 40],
    [1, 3],
    [2, 4],
    [2, 9],
    [5, 17],
    [7, 300],
    [9, 200],
  ]);
  const e = decodeImpactEntry(bytes, "t");
  assert.equal(e.lastDoc, 999);
  // (1,3) (2,4) then (5,17) (9,200): (7,300) is dominated by (9,200)
  assert.deepEqual(Array.from(e.freqs), [1, 2, 5, 9]);
  assert.deepEqual(Array.from(e.docLengths), [3, 4, 16, 192]);
  // norm 3 then 4 is an implicit delta of 1: one byte for that pair
  assert.deepEqual(Array.from(bytes.subarray(0, 6)), [0xe7, 0x07, 4, 1, 3, 0]);
});

test("document lengths quantize to four significant bits, exactly below 16, never lengthened", () => {
  for (let v = 0; v < 16; v++) assert.equal(dequantizeDocLength(quantizeDocLength(v)), v);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
      const code = quantizeDocLength(v);
      assert.ok(code >= 0 && code <= 255);
      const back = dequantizeDocLength(code);
      assert.ok(back <= v, `${v} -> ${back}`);
      assert.ok(v - back < Math.max(1, v / 8), `${v} -> ${back}`);
      assert.equal(quantizeDocLength(back), code);
    }),
  );
  // codes only grow with the length
  let last = -1;
  for (let v = 0; v < 5000; v++) {
    const c = quantizeDocLength(v);
    assert.ok(c >= last);
    last = c;
  }
});

test("damaged blocks and impact entries are CORRUPT_FILE", () => {
  const { docIds, freqs } = randomList(5, 600, 10, 9);
  const blocks = encodeBlocks(docIds, freqs, "varint_delta_v1");
  const impacts = impactsOf(docIds, freqs, sameLength(7));
  const corrupt = (f: () => unknown, what: string): void => assert.throws(f, (e: unknown) => e instanceof CorruptFileError, what);
  corrupt(() => new Block256PostingList(blocks.slice(0, 2), impacts, 600, "t", "varint_delta_v1"), "too few blocks");
  corrupt(() => new Block256PostingList(blocks, impacts.slice(1), 600, "t", "varint_delta_v1"), "too few impact entries");
  corrupt(() => new Block256PostingList([blocks[0]!.subarray(0, 3), blocks[1]!, blocks[2]!], impacts, 600, "t", "varint_delta_v1"), "block shorter than its header");
  const d = new Uint32Array(256);
  const f = new Uint32Array(256);
  const cut = new Block256PostingList([blocks[0]!.subarray(0, 40), blocks[1]!, blocks[2]!], impacts, 600, "t", "varint_delta_v1");
  corrupt(() => cut.decodeBlock(0, d, f), "block cut inside its doc ids");
  const wide = Uint8Array.from(blocks[0]!);
  wide[4] = 33;
  corrupt(() => new Block256PostingList([wide, blocks[1]!, blocks[2]!], impacts, 600, "t", "varint_delta_v1").decodeBlock(0, d, f), "doc ids of 33 bits");
  const extra = Uint8Array.from([...blocks[2]!, 0]);
  corrupt(() => new Block256PostingList([blocks[0]!, blocks[1]!, extra], impacts, 600, "t", "varint_delta_v1").decodeBlock(2, d, f), "bytes after a tail");
  corrupt(() => decodeImpactEntry(Uint8Array.of(5, 0), "t"), "an entry without pairs");
  corrupt(() => decodeImpactEntry(Uint8Array.of(5, 9, 0), "t"), "more pairs than bytes");
  corrupt(() => decodeImpactEntry(Uint8Array.of(5, 2, 0, 1, 0), "t"), "norms that do not rise");
  corrupt(() => decodeImpactEntry(Uint8Array.of(5, 1, 1), "t"), "an entry cut before its norm delta");
  corrupt(() => decodeImpactEntry(Uint8Array.of(5, 1, 0, 0), "t"), "bytes after the pairs");
});

/** Scores every posting; the best k (score, doc) by score then doc. */
function exhaustive(lists: { docIds: Uint32Array; freqs: Uint32Array }[], idfs: number[], lengths: Uint32Array, avgdl: number, k: number): [number, number][] {
  const acc = new Map<number, number>();
  lists.forEach(({ docIds, freqs }, t) => {
    for (let i = 0; i < docIds.length; i++) acc.set(docIds[i]!, (acc.get(docIds[i]!) ?? 0) + idfs[t]! * bm25TermWeight(freqs[i]!, lengths[docIds[i]!]!, avgdl));
  });
  return [...acc]
    .map(([d, s]): [number, number] => [Math.fround(s), d])
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k);
}

function runWand(terms: WandTerm[], lengths: Uint32Array, avgdl: number, k: number): { ok: boolean; top: [number, number][]; stats: WandStats } {
  const top: [number, number][] = [];
  const stats: WandStats = { blocksDecoded: 0, postingsScored: 0 };
  const best = { threshold: (): number => (top.length < k ? -Infinity : top[top.length - 1]![0]) };
  const ok = searchPartitionWand(
    terms,
    lengths,
    avgdl,
    best,
    (doc, score) => {
      top.push([Math.fround(score), doc]);
      top.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
      if (top.length > k) top.pop();
    },
    stats,
  );
  return { ok, top, stats };
}

test("block-max WAND over 256-document blocks bounds blocks by their impacts: the best k rows of scoring every posting, a long list crossed block by block, not document by document", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }), (seed, k, sizes) => {
      const rand = rng(seed);
      const numDocs = 4000;
      // quantized lengths, as the partition's documents are scored
      const lengths = Uint32Array.from({ length: numDocs }, () => dequantizeDocLength(quantizeDocLength(1 + Math.floor(rand() * 300))));
      const avgdl = 120;
      const lists = sizes.map((n, t) => {
        const chosen = new Set<number>();
        while (chosen.size < n) chosen.add(Math.floor(rand() * numDocs));
        const docIds = Uint32Array.from([...chosen].sort((a, b) => a - b));
        const freqs = Uint32Array.from(docIds, () => 1 + Math.floor(rand() ** 3 * (t + 1) * 6));
        return { docIds, freqs };
      });
      const terms: WandTerm[] = lists.map(({ docIds, freqs }) => ({
        list: new Block256PostingList(encodeBlocks(docIds, freqs, "varint_delta_v1"), impactsOf(docIds, freqs, lengths), docIds.length, "t", "varint_delta_v1"),
        idf: Math.fround(bm25Idf(docIds.length, numDocs)),
        blockScale: 1,
      }));
      const got = runWand(terms, lengths, avgdl, k);
      assert.ok(got.ok);
      assert.deepEqual(got.top, exhaustive(lists, terms.map((t) => t.idf), lengths, avgdl, k));
    }),
    { numRuns: 25 },
  );
  // one long list, a few documents far better than the rest
  const numDocs = 150_000;
  const docIds = Uint32Array.from({ length: 100_000 }, (_, i) => Math.floor((i * 3) / 2));
  // the best documents all in the first blocks: the threshold rises there
  const freqs = Uint32Array.from(docIds, (_, i) => (i < 2600 && i % 200 === 0 ? 9 : 1 + (i % 2)));
  const lengths = Uint32Array.from({ length: numDocs }, (_, d) => dequantizeDocLength(quantizeDocLength(20 + (d % 50))));
  const list = new Block256PostingList(encodeBlocks(docIds, freqs, "varint_delta_v1"), impactsOf(docIds, freqs, lengths), docIds.length, "t", "varint_delta_v1");
  const term: WandTerm = { list, idf: bm25Idf(docIds.length, numDocs), blockScale: 1 };
  const got = runWand([term], lengths, 44, 10);
  assert.deepEqual(got.top, exhaustive([{ docIds, freqs }], [term.idf], lengths, 44, 10));
  assert.ok(got.stats.postingsScored < docIds.length / 20, `${got.stats.postingsScored} postings scored of ${docIds.length}`);
  assert.ok(got.stats.blocksDecoded < list.numBlocks / 20, `${got.stats.blocksDecoded} blocks decoded of ${list.numBlocks}`);
  // the same search without bounds scores every posting
  const plain = runWand([{ ...term, blockScale: undefined }], lengths, 44, 10);
  assert.ok(plain.stats.postingsScored >= docIds.length, `${plain.stats.postingsScored} postings scored without bounds`);
  assert.deepEqual(plain.top, got.top);
});

test("full-text segments of 128- and 256-document blocks are used; other block sizes are not, with the reason", () => {
  assert.equal(unreadableFtsBlocks(128), undefined);
  assert.equal(unreadableFtsBlocks(256), undefined);
  assert.equal(unreadableFtsBlocks(undefined), undefined);
  assert.match(unreadableFtsBlocks(512)!, /posting blocks of 512 documents, which lancets does not decode \(it reads blocks of 128 and 256\)/);
});
