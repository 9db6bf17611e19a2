// Leaf values of string columns as the file writer takes them: slices at any
// row (so validity bitmaps start mid-byte), nulls in runs and alone, empty and
// non-ASCII strings, 32- and 64-bit offsets. compactData keeps every value and
// null where it was; leafValues gives offsets from 0 and the bytes of the
// valid values only, equal to a value-by-value reference.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LargeUtf8, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { compactData, isValidAt, leafValues } from "../../src/format/file/leaf-values.js";

const encoder = new TextEncoder();

function strings(data: Data): (string | null)[] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const out: (string | null)[] = [];
  for (let i = 0; i < data.length; i++) {
    out.push(isValidAt(data, i) ? new TextDecoder().decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!))) : null);
  }
  return out;
}

/** The expected leaf values, one value at a time: valid values' bytes, null (or invalid) slots empty. */
function reference(values: (string | null)[], valid: Uint8Array): { offsets: number[]; bytes: number[] } {
  const offsets = [0];
  const bytes: number[] = [];
  values.forEach((v, i) => {
    if (valid[i] && v !== null) bytes.push(...encoder.encode(v));
    offsets.push(bytes.length);
  });
  return { offsets, bytes };
}

const sample = ["", "a", null, "žluťoučký kůň", "日本語🎉", null, null, "", "plain ascii text", null, "x", "ünïcödé", "", null, "tail"];

/** Bytes of the longest value the offsets describe. */
function longest(offsets: readonly number[]): number {
  let max = 0;
  for (let i = 1; i < offsets.length; i++) max = Math.max(max, offsets[i]! - offsets[i - 1]!);
  return max;
}

describe("string leaves", () => {
  for (const type of [new Utf8(), new LargeUtf8()]) {
    test(`${String(type)}: slices at every start keep their values and nulls; leaf values match the reference`, () => {
      const whole = vectorFromArray(sample, type).data[0]!;
      for (let start = 0; start < sample.length; start++) {
        for (const length of [0, 1, sample.length - start]) {
          const slice = whole.slice(start, Math.min(length, sample.length - start));
          const compact = compactData(slice);
          const expected = sample.slice(start, start + slice.length);
          assert.deepEqual(strings(compact), expected, `start ${start} length ${slice.length}`);
          assert.equal(compact.nullCount, expected.filter((v) => v === null).length);
          const valid = Uint8Array.from(expected, (v) => (v === null ? 0 : 1));
          const leaf = leafValues("s", compact, valid);
          assert.equal(leaf.kind, "variable");
          if (leaf.kind !== "variable") return;
          assert.equal(leaf.offsetBits, type instanceof LargeUtf8 ? 64 : 32);
          const ref = reference(expected, valid);
          assert.deepEqual(Array.from(leaf.offsets), ref.offsets);
          assert.deepEqual(Array.from(leaf.data), ref.bytes);
          assert.equal(leaf.maxLength, longest(ref.offsets));
        }
      }
    });
  }

  test("slots an ancestor makes null lose their bytes even when the string itself is valid", () => {
    const values = ["aa", "bbb", "c", "dddd", "ee"];
    const data = vectorFromArray(values, new Utf8()).data[0]!;
    const valid = Uint8Array.of(1, 0, 0, 1, 0);
    const leaf = leafValues("s", data, valid);
    assert.ok(leaf.kind === "variable");
    assert.deepEqual(Array.from(leaf.offsets), [0, 2, 2, 2, 6, 6]);
    // "bbb" is hidden by a null slot: the longest value left is "dddd"
    assert.equal(leaf.maxLength, 4);
    assert.equal(new TextDecoder().decode(leaf.data), "aadddd");
  });

  test("property: any strings and nulls, any slice, any extra invalid slots", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.string({ unit: "grapheme", maxLength: 6 }), { nil: null }), { maxLength: 60 }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (values, a, b, hidden) => {
          const whole = vectorFromArray(values, new Utf8()).data[0]!;
          const start = values.length === 0 ? 0 : a % values.length;
          const length = values.length - start === 0 ? 0 : b % (values.length - start + 1);
          const compact = compactData(whole.slice(start, length));
          const expected = values.slice(start, start + length);
          assert.deepEqual(strings(compact), expected);
          const valid = Uint8Array.from(expected, (v, i) => (v === null || hidden[i] ? 0 : 1));
          const leaf = leafValues("s", compact, valid);
          assert.ok(leaf.kind === "variable");
          const ref = reference(expected, valid);
          assert.deepEqual(Array.from(leaf.offsets), ref.offsets);
          assert.deepEqual(Array.from(leaf.data), ref.bytes);
          assert.equal(leaf.maxLength, longest(ref.offsets));
        },
      ),
      { numRuns: 300 },
    );
  });
});
