// The posting buffer of a partition build: postings come back in the order
// they were pushed, chunk by chunk, the bytes held are whole chunks, and a
// drained buffer holds nothing; chunk sizes follow the partition's budget.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { POSTING_CHUNK, PostingBuffer, postingChunkFor } from "../../../src/index/inverted/posting-buffer.js";

describe("posting buffer", () => {
  test("drains the postings in push order, chunk by chunk, and is empty after", () => {
    const buffer = new PostingBuffer(256);
    const n = 3 * 256 + 17;
    for (let i = 0; i < n; i++) buffer.push(i % 101, i, 1 + (i % 7));
    assert.equal(buffer.length, n);
    assert.equal(buffer.bytes, 4 * 256 * 12);
    const seen: number[][] = [];
    const counts: number[] = [];
    buffer.drain((tokens, docs, freqs, count) => {
      counts.push(count);
      for (let k = 0; k < count; k++) seen.push([tokens[k]!, docs[k]!, freqs[k]!]);
    });
    assert.deepEqual(counts, [256, 256, 256, 17]);
    assert.deepEqual(
      seen,
      Array.from({ length: n }, (_, i) => [i % 101, i, 1 + (i % 7)]),
    );
    assert.equal(buffer.length, 0);
    assert.equal(buffer.bytes, 0);
    // and fills again from empty
    buffer.push(5, 6, 7);
    const again: number[] = [];
    buffer.drain((tokens, docs, freqs, count) => again.push(count, tokens[0]!, docs[0]!, freqs[0]!));
    assert.deepEqual(again, [1, 5, 6, 7]);
  });

  test("a chunk exactly full drains whole, and an empty buffer visits nothing", () => {
    const buffer = new PostingBuffer(256);
    let visits = 0;
    buffer.drain(() => visits++);
    assert.equal(visits, 0);
    for (let i = 0; i < 512; i++) buffer.push(1, i, 1);
    const counts: number[] = [];
    buffer.drain((_t, _d, _f, count) => counts.push(count));
    assert.deepEqual(counts, [256, 256]);
  });

  test("chunks are about 1/64 of a partition's bytes, powers of two from 256 to POSTING_CHUNK postings", () => {
    const MiB = 1024 * 1024;
    assert.equal(postingChunkFor(256 * 1024), 256);
    assert.equal(postingChunkFor(64 * MiB), POSTING_CHUNK);
    assert.equal(postingChunkFor(1024 * MiB), POSTING_CHUNK);
    for (const bytes of [0, 256 * 1024, 3 * MiB, 16 * MiB, 64 * MiB]) {
      const chunk = postingChunkFor(bytes);
      assert.equal(chunk & (chunk - 1), 0, `${chunk} is a power of two`);
      assert.ok(chunk === 256 || chunk * 12 * 64 <= bytes, `${chunk} postings for ${bytes} bytes`);
    }
  });
});
