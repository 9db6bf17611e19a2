// The radix sort of numeric index input orders rows exactly as the general
// comparator does: nulls first, ascending values (floats in IEEE 754 total
// order, as Lance's BTREE sorts them), ties by row id, for every numeric type
// the indexes take.

import assert from "node:assert/strict";
import { test } from "node:test";
import { DateDay, DateMillisecond, Float16, Float32, Float64, makeData, Int16, Int32, Int64, Int8, TimestampMicrosecond, Uint32, Uint64, Uint8, Utf8, vectorFromArray, type DataType } from "apache-arrow";
import { numericSortOrder, sortOrder, valueAccess } from "../../src/index/value-order.js";
import { rng } from "../helpers/oracle.js";

const r = rng(99);
const CASES: [string, DataType, () => unknown][] = [
  ["int8", new Int8(), () => Math.floor(r() * 256) - 128],
  ["int16", new Int16(), () => Math.floor(r() * 65536) - 32768],
  ["int32", new Int32(), () => Math.floor(r() * 2 ** 32) - 2 ** 31],
  ["uint8", new Uint8(), () => Math.floor(r() * 256)],
  ["uint32", new Uint32(), () => Math.floor(r() * 2 ** 32)],
  ["int64", new Int64(), () => BigInt(Math.floor(r() * 2 ** 40)) * (r() < 0.5 ? -1n : 1n) * (r() < 0.1 ? 2n ** 22n : 1n)],
  ["uint64", new Uint64(), () => BigInt(Math.floor(r() * 2 ** 40)) * (r() < 0.1 ? 2n ** 24n : 1n)],
  ["float16", new Float16(), () => [NaN, -0, 0, Infinity, -Infinity, 6e-8][Math.floor(r() * 20)] ?? (r() - 0.5) * 6e4],
  ["float32", new Float32(), () => [NaN, -0, 0, Infinity, -Infinity][Math.floor(r() * 20)] ?? (r() - 0.5) * 1e6],
  ["float64", new Float64(), () => [NaN, -0, 0, Infinity, -Infinity, 1e-310, -1e-310][Math.floor(r() * 20)] ?? (r() - 0.5) * 1e300],
  ["date32", new DateDay(), () => new Date(Math.floor((r() - 0.5) * 1e12 / 86_400_000) * 86_400_000)],
  ["date64", new DateMillisecond(), () => new Date(Math.floor((r() - 0.5) * 1e12))],
  ["timestamp", new TimestampMicrosecond(), () => Math.floor((r() - 0.5) * 1e12)],
];

for (const [name, type, gen] of CASES) {
  test(`radix order equals comparator order, ${name}`, () => {
    const n = 5000;
    const repeated = gen();
    const values = Array.from({ length: n }, () => (r() < 0.1 ? null : r() < 0.3 ? repeated : gen()));
    const data = vectorFromArray(values as never, type).data[0]!;
    // row ids out of order, so ties must be put in row id order
    const rowIds = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) * 4 + 1);
    const fast = numericSortOrder(data, rowIds);
    assert.ok(fast, "numeric types take the radix path");
    assert.deepEqual(Array.from(fast), Array.from(sortOrder(valueAccess(data), rowIds, n)));
  });
}

test("strings are left to the comparator", () => {
  assert.equal(numericSortOrder(vectorFromArray(["b", "a"], new Utf8()).data[0]!, Float64Array.of(0, 1)), undefined);
});

test("floats order as Lance's BTREE orders them: -NaN (larger payload first) < -inf < -0 < +0 < +inf < +NaN", () => {
  // the order Lance 12 writes into its BTREE page data, as raw float32 bits
  const sorted = [0xffc00123, 0xffc00000, 0xff800000, 0xc0400000, 0xbf800000, 0x80000000, 0x00000000, 0x3f800000, 0x40a00000, 0x7f800000, 0x7fc00000, 0x7fc00001];
  const shuffled = [6, 0, 11, 3, 9, 1, 7, 5, 10, 2, 8, 4];
  const words = Uint32Array.from(shuffled, (k) => sorted[k]!);
  const data = makeData({ type: new Float32(), length: words.length, nullCount: 0, data: new Float32Array(words.buffer) });
  const rowIds = Float64Array.from(shuffled, (_, i) => i);
  for (const order of [numericSortOrder(data, rowIds)!, sortOrder(valueAccess(data), rowIds, words.length)]) {
    assert.deepEqual(Array.from(order, (i) => shuffled[i]), sorted.map((_, k) => k));
  }
  // float16 the same way
  const halves = Uint16Array.of(0x7e01, 0x8000, 0xfe23, 0x0000, 0xfc00, 0x7e00);
  const h = makeData({ type: new Float16(), length: 6, nullCount: 0, data: halves });
  assert.deepEqual(Array.from(numericSortOrder(h, Float64Array.of(0, 1, 2, 3, 4, 5))!, (i) => halves[i]), [0xfe23, 0xfc00, 0x8000, 0x0000, 0x7e00, 0x7e01]);
});
