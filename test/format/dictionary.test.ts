// Dictionary encoding of variable-width values: items in first-appearance
// order, indices that give every value back, the block form the reader
// decodes, and the item limit that makes the encoder give up.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { create } from "@bufbuild/protobuf";
import { dictionaryEncodeFixed64, dictionaryEncodeVariable, encodeVariableBlock, likelyMoreDistinctFixed, likelyMoreDistinctThan } from "../../src/format/encoding/dictionary.js";
import { decodeBlock } from "../../src/format/encoding/compressive.js";
import { CompressiveEncodingSchema, FlatSchema, VariableSchema } from "../../src/format/pb/encodings_v2_1_pb.js";

function pack(values: Uint8Array[]): { offsets: Uint32Array; data: Uint8Array } {
  const offsets = new Uint32Array(values.length + 1);
  values.forEach((v, i) => (offsets[i + 1] = offsets[i]! + v.length));
  const data = new Uint8Array(offsets[values.length]!);
  values.forEach((v, i) => data.set(v, offsets[i]!));
  return { offsets, data };
}

const VARIABLE = create(CompressiveEncodingSchema, {
  compression: { case: "variable", value: create(VariableSchema, { offsets: create(CompressiveEncodingSchema, { compression: { case: "flat", value: create(FlatSchema, { bitsPerValue: 32n }) } }) }) },
});

/** Encodes, decodes the block as the reader does, and checks every value. */
function roundTrip(values: Uint8Array[], maxItems = values.length): number {
  const { offsets, data } = pack(values);
  const dict = dictionaryEncodeVariable(offsets, data, values.length, maxItems);
  assert.ok(dict);
  const block = decodeBlock(VARIABLE, encodeVariableBlock(dict.offsets, dict.data), dict.numItems, { path: "x", byteOffset: 0 });
  assert.equal(block.kind, "variable");
  if (block.kind !== "variable") return 0;
  values.forEach((v, i) => {
    const k = dict.indices[i]!;
    assert.ok(k < dict.numItems);
    assert.deepEqual(block.data.subarray(block.offsets[k]!, block.offsets[k + 1]!), v, `value ${i}`);
  });
  return dict.numItems;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("dictionaryEncodeVariable", () => {
  test("items in order of first appearance; empty and unicode values", () => {
    const values = ["b", "", "a", "b", "日本語🎉", "", "a"].map(text);
    const { offsets, data } = pack(values);
    const dict = dictionaryEncodeVariable(offsets, data, values.length, 10)!;
    assert.deepEqual(Array.from(dict.indices), [0, 1, 2, 0, 3, 1, 2]);
    assert.equal(new TextDecoder().decode(dict.data), "ba日本語🎉");
    assert.equal(roundTrip(values), 4);
  });

  test("values sharing a hash bucket or a prefix stay distinct", () => {
    const values = Array.from({ length: 5000 }, (_, i) => text(`v${i % 1777}`));
    assert.equal(roundTrip(values), 1777);
    assert.equal(roundTrip([text("ab"), text("a"), text("abc"), text("a"), text("ab")]), 3);
  });

  test("more distinct values than allowed: undefined", () => {
    const { offsets, data } = pack(["a", "b", "c", "a"].map(text));
    assert.equal(dictionaryEncodeVariable(offsets, data, 4, 2), undefined);
    assert.ok(dictionaryEncodeVariable(offsets, data, 4, 3));
  });

  test("property: any values round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 6 }), { minLength: 1, maxLength: 200 }), (values) => {
        roundTrip(values);
      }),
      { numRuns: 80 },
    );
  });
});

describe("likelyMoreDistinctThan", () => {
  test("nearly unique values are judged over the limit; few distinct values and pages near the limit never are", () => {
    const unique = pack(Array.from({ length: 40_000 }, (_, i) => text(`name-${i * 7919}`)));
    assert.equal(likelyMoreDistinctThan(unique.offsets, unique.data, 40_000, 16_000), true);
    const few = pack(Array.from({ length: 40_000 }, (_, i) => text(`city ${i % 50}`)));
    assert.equal(likelyMoreDistinctThan(few.offsets, few.data, 40_000, 16_000), false);
    // 12,000 distinct values in 40,000: near the limit, left to the exact count
    const near = pack(Array.from({ length: 40_000 }, (_, i) => text(`v${(i * 7) % 12_000}`)));
    assert.equal(likelyMoreDistinctThan(near.offsets, near.data, 40_000, 16_000), false);
    // 5,000 unique values with a limit of 10: a small sample tells
    assert.equal(likelyMoreDistinctThan(unique.offsets, unique.data, 5_000, 10), true);
    // a page too small for a sample to pay is always counted
    assert.equal(likelyMoreDistinctThan(unique.offsets, unique.data, 200, 150), false);
  });

  test("sorted pages whose equal values sit together are counted exactly, whatever the run length", () => {
    for (const run of [2, 4, 16, 64, 1000]) {
      // n / run distinct values under a limit of 1.2 n / run: the sample may not call them more
      const n = 200_000;
      const limit = Math.ceil((1.2 * n) / run);
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ids[i] = BigInt(Math.floor(i / run)) * 1_000_003n;
      assert.equal(likelyMoreDistinctFixed(new Uint8Array(ids.buffer), 8, n, limit), false, `64-bit runs of ${run}`);
      const m = 40_000;
      const sorted = pack(Array.from({ length: m }, (_, i) => text(`key-${String(Math.floor(i / run)).padStart(7, "0")}`)));
      assert.equal(likelyMoreDistinctThan(sorted.offsets, sorted.data, m, Math.ceil((1.2 * m) / run)), false, `runs of ${run}`);
    }
  });

  test("64-bit pages of distinct values, small ones too (4096 values, as BTREE page data), are judged over the limit", () => {
    for (const n of [4096, 65_536, 1_048_576]) {
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ids[i] = BigInt(i) * 3n - 7n;
      // Lance's 64-bit dictionary budget: items x 16 + n x 4 under 0.8 x 8n bytes
      const limit = Math.ceil((0.8 * 8 * n - 4 * n) / 16) - 1;
      assert.equal(likelyMoreDistinctFixed(new Uint8Array(ids.buffer), 8, n, limit), true, `${n} values`);
      // three times the limit's distinct values, each 1/3 of the page's
      for (let i = 0; i < n; i++) ids[i] = BigInt(i % (3 * limit));
      assert.equal(likelyMoreDistinctFixed(new Uint8Array(ids.buffer), 8, n, limit), true, `${n} values, ${3 * limit} distinct`);
    }
  });

  test("property: at most `limit` distinct values, in any order and any mix, are never judged over it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 50_000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 2 }), fc.integer(), (n, distinct, order, seed) => {
        const ids = new BigInt64Array(n);
        let s = seed | 1;
        for (let i = 0; i < n; i++) {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          const random = (s >>> 0) % distinct;
          // sorted runs, round robin, or random (every value at least once where n allows)
          ids[i] = BigInt(order === 0 ? Math.floor((i * distinct) / n) : order === 1 ? i % distinct : i < distinct ? i : random);
        }
        return !likelyMoreDistinctFixed(new Uint8Array(ids.buffer), 8, n, Math.min(distinct, n));
      }),
      { numRuns: 200 },
    );
  });
});

describe("dictionaryEncodeFixed64", () => {
  test("64-bit values (full width, negative, equal low halves) map back through their items", () => {
    const values = new BigInt64Array(3000);
    for (let i = 0; i < values.length; i++) values[i] = [-1n, 0n, 1n << 40n, (1n << 40n) + 1n, 1n, 1n << 32n][i % 6]!;
    const bytes = new Uint8Array(values.buffer);
    const dict = dictionaryEncodeFixed64(bytes, values.length, 10)!;
    assert.equal(dict.numItems, 6);
    const items = new BigInt64Array(dict.items.buffer, dict.items.byteOffset, dict.numItems);
    for (let i = 0; i < values.length; i++) assert.equal(items[dict.indices[i]!], values[i], `value ${i}`);
    assert.equal(dictionaryEncodeFixed64(bytes, values.length, 5), undefined);
    assert.equal(likelyMoreDistinctFixed(bytes, 8, values.length, 5), false, "6 values each on 1/6 of the page: too many pairs to call it more than 5");
  });
});
