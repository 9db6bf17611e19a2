// Posting lists of 128-document blocks (BitPacker4x doc-id deltas and
// frequencies, fixed tails): every bit width from 0 to 32 decodes back to the
// values encoded, full blocks and a last partial one; each block's first doc
// id and stored maximum are read without decoding it, and a group's maximum
// is the largest of its 32 blocks'.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BLOCK_GROUP_SIZE, BlockPostingList, encodePostingBlocks, POSTING_BLOCK_SIZE } from "../../src/format/index/posting.js";

test("128-document blocks decode to their doc ids and frequencies at every bit width", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 1, max: 3 * POSTING_BLOCK_SIZE + 50 }), fc.integer({ min: 1, max: 2 ** 31 }), (gapBits, freqBits, n, seed) => {
      let a = seed;
      const rand = (): number => {
        a = (Math.imul(a, 1103515245) + 12345) >>> 0;
        return a;
      };
      // gaps of at most gapBits bits (at least 1), frequencies of exactly freqBits bits where possible
      const maxGap = gapBits === 0 ? 1 : 2 ** Math.min(gapBits, 20) - 1;
      const docIds = new Uint32Array(n);
      let doc = rand() % 1000;
      for (let i = 0; i < n; i++) {
        docIds[i] = doc;
        doc = Math.min(0xffffffff, doc + 1 + (rand() % maxGap));
        if (doc === 0xffffffff) doc = docIds[i]! + 1;
      }
      const top = freqBits === 0 ? 0 : 2 ** (freqBits - 1);
      const freqs = Uint32Array.from({ length: n }, (_, i) => (freqBits === 0 ? 0 : i % 3 === 0 ? top + (rand() % top) : rand() % (2 * top)));
      const scores = Float32Array.from({ length: Math.ceil(n / POSTING_BLOCK_SIZE) }, (_, b) => b + 0.5);
      const list = new BlockPostingList(encodePostingBlocks(docIds, freqs, scores), n, "t", "fixed32_v1");
      const d = new Uint32Array(POSTING_BLOCK_SIZE);
      const f = new Uint32Array(POSTING_BLOCK_SIZE);
      for (let b = 0; b < list.numBlocks; b++) {
        assert.equal(list.firstDoc(b), docIds[b * POSTING_BLOCK_SIZE]);
        assert.equal(list.firstDocs[b], docIds[b * POSTING_BLOCK_SIZE]);
        assert.equal(list.blockMaxScore(b), b + 0.5);
        const count = list.decodeBlock(b, d, f);
        assert.equal(count, Math.min(POSTING_BLOCK_SIZE, n - b * POSTING_BLOCK_SIZE));
        assert.deepEqual(Array.from(d.subarray(0, count)), Array.from(docIds.subarray(b * POSTING_BLOCK_SIZE, b * POSTING_BLOCK_SIZE + count)), `doc ids of block ${b}`);
        assert.deepEqual(Array.from(f.subarray(0, count)), Array.from(freqs.subarray(b * POSTING_BLOCK_SIZE, b * POSTING_BLOCK_SIZE + count)), `frequencies of block ${b}`);
      }
    }),
    { numRuns: 300 },
  );
});

test("a group's stored maximum is the largest of its blocks', NaN if one of them is NaN", () => {
  const n = (2 * BLOCK_GROUP_SIZE + 3) * POSTING_BLOCK_SIZE;
  const docIds = Uint32Array.from({ length: n }, (_, i) => i * 2);
  const freqs = new Uint32Array(n).fill(1);
  const scores = Float32Array.from({ length: n / POSTING_BLOCK_SIZE }, (_, b) => (b === 40 ? 9 : b === 65 ? Number.NaN : (b % 7) / 2));
  const list = new BlockPostingList(encodePostingBlocks(docIds, freqs, scores), n, "t", "fixed32_v1");
  assert.equal(list.groupMaxScore(0), 3);
  assert.equal(list.groupMaxScore(1), 9);
  assert.ok(Number.isNaN(list.groupMaxScore(2)));
});
