// Order keys of numeric BTREE input: every numeric type's values come back
// bit for bit from their keys (NaN payloads, signed zeros, extremes); the
// radix sort of keys and row ids gives value-order.ts's order (ties by row
// id, whether or not row ids arrive ascending); and key-built segments, in
// memory and spilled, equal the reference in-memory build for every numeric
// type, nulls included.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Binary, Bool, DateDay, Decimal, FixedSizeBinary, DateMillisecond, Float16, Float32, Float64, Int16, Int32, Int64, Int8, makeData, TimeMicrosecond, TimestampNanosecond, Uint16, Uint32, Uint64, Uint8, Utf8, type Data, type DataType } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildBTree, buildBTreeStreaming } from "../../../src/index/btree/build.js";
import { allocKeyRows, hasNumericKeys, sortKeyRows, valuesFromKeys } from "../../../src/index/btree/key-sort.js";
import type { TrainingData } from "../../../src/index/training.js";
import { numericKeys, numericSortOrder } from "../../../src/index/value-order.js";
import { rng } from "../../helpers/oracle.js";
import { batchedInput, MiB } from "../../helpers/budget-input.js";


const TYPES: [string, () => DataType, number][] = [
  ["int8", () => new Int8(), 1],
  ["int16", () => new Int16(), 2],
  ["int32", () => new Int32(), 4],
  ["int64", () => new Int64(), 8],
  ["uint8", () => new Uint8(), 1],
  ["uint16", () => new Uint16(), 2],
  ["uint32", () => new Uint32(), 4],
  ["uint64", () => new Uint64(), 8],
  ["float16", () => new Float16(), 2],
  ["float32", () => new Float32(), 4],
  ["float64", () => new Float64(), 8],
  ["date32", () => new DateDay(), 4],
  ["date64", () => new DateMillisecond(), 8],
  ["time64", () => new TimeMicrosecond(), 8],
  ["timestamp", () => new TimestampNanosecond(), 8],
];

/** Data of `type` from raw little-endian value bytes, with the rows of `nulls` null (their slots zeroed). */
function dataOf(type: DataType, bytes: Uint8Array, width: number, nulls?: boolean[]): Data {
  const length = bytes.byteLength / width;
  if (!nulls || !nulls.includes(true)) return makeData({ type, length, nullCount: 0, data: bytes } as never);
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (nulls[i]) {
      nullCount++;
      bytes.fill(0, i * width, (i + 1) * width);
    } else nullBitmap[i >> 3] = nullBitmap[i >> 3]! | (1 << (i & 7));
  }
  return makeData({ type, length, nullCount, nullBitmap, data: bytes } as never);
}

function bytesOf(data: Data): Uint8Array {
  const v = data.values as ArrayBufferView;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

describe("numeric order keys", () => {
  test("every numeric type is keyed; strings, decimals and booleans are not", () => {
    for (const [, make] of TYPES) assert.ok(hasNumericKeys(make()));
    for (const type of [new Utf8(), new Binary(), new Bool(), new Decimal(2, 20, 128), new FixedSizeBinary(4)]) assert.equal(hasNumericKeys(type), false, String(type));
  });

  for (const [name, make, width] of TYPES) {
    test(`${name} values come back bit for bit from their keys`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 * width }), (raw) => {
          const bytes = raw.slice(0, raw.byteLength - (raw.byteLength % width));
          const data = dataOf(make(), bytes.slice(), width);
          const { hi, lo } = numericKeys(data)!;
          assert.deepEqual(bytesOf(valuesFromKeys(make(), hi, lo, 0, data.length, 0)), bytes);
        }),
        { numRuns: 200 },
      );
    });
  }

  test("the key sort gives value order with ties by row id, row ids ascending or not", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -40, max: 40 }), fc.boolean()), { maxLength: 300 }), fc.boolean(), (rowsIn, shuffled) => {
        const n = rowsIn.length;
        const values = BigInt64Array.from(rowsIn, ([v, big]) => BigInt(v) * (big ? 1_000_000_000_007n : 1n));
        const data = makeData({ type: new Int64(), length: n, nullCount: 0, data: values });
        const rowIds = Float64Array.from({ length: n }, (_, i) => (shuffled ? ((i * 7919) % 1009) * 2 ** 32 + i : i));
        const { hi, lo } = numericKeys(data)!;
        const rows = allocKeyRows(n);
        rows.hi.set(hi);
        rows.lo.set(lo);
        rows.ids.set(rowIds);
        const sorted = sortKeyRows(rows, allocKeyRows(n), n);
        const order = numericSortOrder(data, rowIds)!;
        assert.deepEqual(Array.from(sorted.ids), Array.from(order, (i) => rowIds[i]!));
        assert.deepEqual(bytesOf(valuesFromKeys(new Int64(), sorted.hi, sorted.lo, 0, n, 0)), new Uint8Array(BigInt64Array.from(order, (i) => values[i]!).buffer));
      }),
      { numRuns: 200 },
    );
  });
});


describe("BTREE segments from order keys", () => {
  for (const [name, make, width] of TYPES) {
    test(`${name}: in memory and spilled, the reference build's files`, async () => {
      const n = 30_000;
      const next = rng(width * 31 + name.length);
      // few distinct bit patterns (ties), extremes and random bits, 4% nulls
      const patterns = Array.from({ length: 200 }, (_, k) => Uint8Array.from({ length: width }, () => (k < 4 ? [0, 0xff, 0x7f, 0x80][k]! : Math.floor(next() * 256))));
      const bytes = new Uint8Array(n * width);
      for (let i = 0; i < n; i++) bytes.set(patterns[Math.floor(next() * patterns.length)]!, i * width);
      const nulls = Array.from({ length: n }, () => next() < 0.04);
      const training: TrainingData = { values: dataOf(make(), bytes, width, nulls), rowIds: Float64Array.from({ length: n }, (_, i) => (n - i) * 5 + 2 ** 34), fragments: [] };
      const expected = new MemoryStore();
      await buildBTree(expected, "seg", training, 1024);
      for (const memoryBytes of [64 * MiB, MiB]) {
        const store = new MemoryStore();
        const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 7000), { batchSize: 1024, memoryBytes, maxFanIn: 4 });
        for (const f of built.files) assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${name} ${f.path} within ${memoryBytes} bytes`);
        assert.deepEqual((await store.list("seg/")).map((f) => f.path).sort(), ["seg/page_data.lance", "seg/page_lookup.lance"]);
      }
    });
  }
});
