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
  test("nearly unique values are judged over the limit; few distinct values and small pages never are", () => {
    const unique = pack(Array.from({ length: 40_000 }, (_, i) => text(`name-${i * 7919}`)));
    assert.equal(likelyMoreDistinctThan(unique.offsets, unique.data, 40_000, 16_000), true);
    const few = pack(Array.from({ length: 40_000 }, (_, i) => text(`city ${i % 50}`)));
    assert.equal(likelyMoreDistinctThan(few.offsets, few.data, 40_000, 16_000), false);
    // 12,000 distinct values in 40,000: near the limit, left to the exact count
    const near = pack(Array.from({ length: 40_000 }, (_, i) => text(`v${(i * 7) % 12_000}`)));
    assert.equal(likelyMoreDistinctThan(near.offsets, near.data, 40_000, 16_000), false);
    assert.equal(likelyMoreDistinctThan(unique.offsets, unique.data, 5_000, 10), false);
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
    assert.equal(likelyMoreDistinctFixed(bytes, 8, values.length, 5), false, "a small page is always counted exactly");
  });
});
