// The packed sort of numeric BTREE rows: keys confined to any window of the
// 64-bit key (shared bits outside it, across the word boundary or not) and
// row ids whose high and low words vary in any window come back from
// pack -> sort -> unpack as the reference order (key, then row id) gives
// them, whether the ids arrive ascending or not; rows too wide to pack are
// refused. Segments built through the packed sort (in memory and spilled,
// negative keys, duplicates, nulls, NaN and signed zeros, all keys equal)
// equal the reference in-memory build's files.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Float64, Int32, Int64, makeData, Uint64, type Data, type DataType } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildBTree, buildBTreeStreaming } from "../../../src/index/btree/build.js";
import { allocKeyRows, type KeyRows } from "../../../src/index/btree/key-sort.js";
import { packRows, planPacking, sortPacked, unpackRows } from "../../../src/index/btree/packed-sort.js";
import type { TrainingData } from "../../../src/index/training.js";
import { numericKeys } from "../../../src/index/value-order.js";
import { rng } from "../../helpers/oracle.js";
import { batchedInput, MiB } from "../../helpers/budget-input.js";

/** A 64-bit word pair with `bits` random bits from `shift`, the other bits those of (baseHi, baseLo). */
function windowed(next: () => number, shift: number, bits: number, baseHi: number, baseLo: number): [number, number] {
  let hi = baseHi;
  let lo = baseLo;
  for (let b = shift; b < Math.min(64, shift + bits); b++) {
    const bit = next() < 0.5 ? 1 : 0;
    if (b < 32) lo = (lo & ~(1 << b)) | (bit << b);
    else hi = (hi & ~(1 << (b - 32))) | (bit << (b - 32));
  }
  return [hi >>> 0, lo >>> 0];
}

/** The rows sorted by (hi, lo, id): the order the packed sort must give. */
function referenceOrder(rows: KeyRows, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((x, y) => rows.hi[x]! - rows.hi[y]! || rows.lo[x]! - rows.lo[y]! || rows.ids[x]! - rows.ids[y]!);
}

function copyRows(rows: KeyRows, n: number): KeyRows {
  return { hi: rows.hi.slice(0, n), lo: rows.lo.slice(0, n), ids: rows.ids.slice(0, n) };
}

/** Packs, sorts and unpacks rows; undefined when they do not pack. */
function packedSort(rows: KeyRows, n: number): KeyRows | undefined {
  const layout = planPacking(rows, n);
  if (!layout) return undefined;
  const sorted = sortPacked(packRows(rows, n, layout), new Uint32Array(rows.ids.buffer, rows.ids.byteOffset, 2 * n));
  const out = allocKeyRows(n);
  // unpacked in two pieces, as pages take them
  const half = n >> 1;
  unpackRows(sorted, 0, half, out, 0);
  unpackRows(sorted, half, n - half, out, half);
  return out;
}

describe("packed sort of key rows", () => {
  test("any key window and row id windows: the reference order, ids ascending or not", () => {
    let packed = 0;
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 400 }),
          keyShift: fc.integer({ min: 0, max: 63 }),
          keyBits: fc.integer({ min: 0, max: 40 }),
          base: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })),
          fragments: fc.integer({ min: 1, max: 9 }),
          fragmentBase: fc.integer({ min: 0, max: 1 << 20 }),
          offsetBits: fc.integer({ min: 1, max: 22 }),
          ascending: fc.boolean(),
          seed: fc.integer(),
        }),
        (c) => {
          const next = rng(c.seed);
          const rows = allocKeyRows(c.n);
          // a few distinct keys some of the time, so ties are common
          const pool = Array.from({ length: next() < 0.5 ? 3 : c.n }, () => windowed(next, c.keyShift, c.keyBits, c.base[0], c.base[1]));
          // distinct row ids: rows of c.fragments fragments, offsets spaced by a stride below 2^offsetBits; shuffled unless ascending
          const order = Array.from({ length: c.n }, (_, i) => i);
          if (!c.ascending) for (let i = c.n - 1; i > 0; i--) {
            const j = Math.floor(next() * (i + 1));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const stride = 1 + Math.floor(next() * Math.max(1, 2 ** c.offsetBits / c.n));
          for (let i = 0; i < c.n; i++) {
            const [hi, lo] = pool[Math.floor(next() * pool.length)]!;
            rows.hi[i] = hi;
            rows.lo[i] = lo;
            const k = order[i]!;
            const perFragment = Math.ceil(c.n / c.fragments);
            rows.ids[i] = (c.fragmentBase + Math.floor(k / perFragment)) * 2 ** 32 + (k % perFragment) * stride;
          }
          const expected = referenceOrder(rows, c.n);
          const original = copyRows(rows, c.n);
          const sorted = packedSort(rows, c.n);
          if (!sorted) return;
          packed++;
          assert.deepEqual(Array.from(sorted.ids), expected.map((i) => original.ids[i]!));
          assert.deepEqual(Array.from(sorted.hi), expected.map((i) => original.hi[i]!));
          assert.deepEqual(Array.from(sorted.lo), expected.map((i) => original.lo[i]!));
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(packed > 200, `${packed} of 300 packed`);
  });

  test("narrow keys with row addresses pack; keys varying in all 64 bits with many ids do not", () => {
    const n = 1000;
    const rows = allocKeyRows(n);
    const next = rng(7);
    for (let i = 0; i < n; i++) {
      rows.hi[i] = 0x80000000;
      rows.lo[i] = Math.floor(next() * 10_000_000);
      rows.ids[i] = Math.floor(i / 200) * 2 ** 32 + (i % 200);
    }
    assert.ok(planPacking(rows, n));
    for (let i = 0; i < n; i++) rows.hi[i] = Math.floor(next() * 2 ** 32);
    rows.hi[0] = 0;
    rows.hi[1] = 0xffffffff;
    rows.lo[0] = 0;
    rows.lo[1] = 0xffffffff;
    assert.equal(planPacking(rows, n), undefined);
  });

  test("all keys equal, ids descending; one row; keys in 64 bits with one row id", () => {
    const n = 500;
    const rows = allocKeyRows(n);
    for (let i = 0; i < n; i++) {
      rows.hi[i] = 7;
      rows.lo[i] = 9;
      rows.ids[i] = (n - i) * 3 + 2 ** 40;
    }
    const sorted = packedSort(copyRows(rows, n), n)!;
    assert.deepEqual(Array.from(sorted.ids), Array.from({ length: n }, (_, i) => (i + 1) * 3 + 2 ** 40));
    assert.deepEqual(new Set(sorted.hi), new Set([7]));
    const one = packedSort({ hi: Uint32Array.of(1), lo: Uint32Array.of(2), ids: Float64Array.of(3) }, 1)!;
    assert.deepEqual([one.hi[0], one.lo[0], one.ids[0]], [1, 2, 3]);
    const wide = { hi: Uint32Array.of(0xffffffff, 0, 0x80000000), lo: Uint32Array.of(0, 0xffffffff, 1), ids: Float64Array.of(5, 5, 5) };
    const w = packedSort(copyRows(wide, 3), 3)!;
    assert.deepEqual(Array.from(w.hi), [0, 0x80000000, 0xffffffff]);
    assert.deepEqual(Array.from(w.lo), [0xffffffff, 1, 0]);
  });
});

/** Data of `type` over `values` (a typed array of the type's width), rows of `nulls` null (their slots zeroed, as Arrow writers leave them). */
function dataOf(type: DataType, values: ArrayBufferView & { length: number }, nulls: boolean[]): Data {
  const n = values.length;
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  const width = values.byteLength / n;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i]) {
      nullCount++;
      new Uint8Array(values.buffer, values.byteOffset + i * width, width).fill(0);
    } else nullBitmap[i >> 3] = nullBitmap[i >> 3]! | (1 << (i & 7));
  }
  return makeData({ type, length: n, nullCount, ...(nullCount > 0 ? { nullBitmap } : {}), data: values } as never);
}

describe("BTREE segments through the packed sort", () => {
  const n = 40_000;
  const cases: [string, (next: () => number) => TrainingData][] = [
    [
      "int64 from -2^20 to 2^20, duplicates, 3% null, row ids of 4 fragments",
      (next) => {
        const values = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 2 ** 21) - 2 ** 20));
        const nulls = Array.from({ length: n }, () => next() < 0.03);
        return { values: dataOf(new Int64(), values, nulls), rowIds: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 10_000) * 2 ** 32 + (i % 10_000)), fragments: [] };
      },
    ],
    [
      "uint64 above 2^63 in a 30-bit window, row ids descending",
      (next) => {
        const values = BigUint64Array.from({ length: n }, () => 2n ** 63n + BigInt(Math.floor(next() * 2 ** 30)));
        return { values: dataOf(new Uint64(), values, []), rowIds: Float64Array.from({ length: n }, (_, i) => (n - i) * 7 + 2 ** 35), fragments: [] };
      },
    ],
    [
      "float64 non-negative whole numbers and halves, +0, nulls",
      (next) => {
        const values = Float64Array.from({ length: n }, () => (next() < 0.05 ? [0, 1.5, 2.5][Math.floor(next() * 3)]! : Math.floor(next() * 2000)));
        const nulls = Array.from({ length: n }, () => next() < 0.02);
        return { values: dataOf(new Float64(), values, nulls), rowIds: Float64Array.from({ length: n }, (_, i) => i + 2 ** 32), fragments: [] };
      },
    ],
    [
      "int32 all equal, row ids descending",
      () => ({ values: dataOf(new Int32(), new Int32Array(n).fill(-5), []), rowIds: Float64Array.from({ length: n }, (_, i) => (n - i) * 2), fragments: [] }),
    ],
  ];
  // keys of both signs and NaN span the whole 64-bit key: these rows are sorted unpacked
  const unpacked: [string, (next: () => number) => TrainingData][] = [
    [
      "float64 with NaN, -0 and +0, negatives, nulls",
      (next) => {
        const special = [NaN, -0, 0, -1.5, 2.5];
        const values = Float64Array.from({ length: n }, () => (next() < 0.05 ? special[Math.floor(next() * special.length)]! : Math.floor(next() * 2000) - 1000));
        const nulls = Array.from({ length: n }, () => next() < 0.02);
        return { values: dataOf(new Float64(), values, nulls), rowIds: Float64Array.from({ length: n }, (_, i) => i + 2 ** 32), fragments: [] };
      },
    ],
  ];
  for (const [name, make, packs] of [...cases.map(([a, b]) => [a, b, true] as const), ...unpacked.map(([a, b]) => [a, b, false] as const)]) {
    test(`${name}: in memory and spilled, the reference build's files`, async () => {
      const training = make(rng(name.length * 17));
      // whether the rows take the packed way: their keys and ids pack, or not
      const keys = numericKeys(training.values)!;
      const rows: KeyRows = { hi: keys.hi, lo: keys.lo, ids: training.rowIds };
      assert.equal(planPacking(rows, n) !== undefined, packs, "rows pack");
      const expected = new MemoryStore();
      await buildBTree(expected, "seg", training, 1024);
      // 1 MiB holds about 26,000 rows: one run spilled, and the rest; 2 MiB: all in memory
      for (const memoryBytes of [64 * MiB, 2 * MiB, MiB]) {
        const store = new MemoryStore();
        const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 6000), { batchSize: 1024, memoryBytes });
        for (const f of built.files) assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${f.path} within ${memoryBytes} bytes`);
      }
    });
  }
});
