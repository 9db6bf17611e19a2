// Intersecting roaring bitmaps container by container, without decoding
// them: equal to intersecting the decoded values, for array, bitmap and run
// containers, keys missing from some bitmaps, empty bitmaps and treemaps
// over several high words; damaged containers are CORRUPT_FILE.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ByteReader } from "../../src/core/bytes.js";
import { LanceError } from "../../src/core/errors.js";
import { encodeRoaring32 } from "../../src/core/roaring.js";
import { intersectRoaring32 } from "../../src/core/roaring-intersect.js";
import { viewRoaring32 } from "../../src/core/roaring.js";
import { encodeRoaringTreemap, intersectRoaringTreemaps, viewRoaringTreemap } from "../../src/format/index/roaring-treemap.js";

function view(bytes: Uint8Array) {
  return viewRoaring32(new ByteReader(bytes, "t"));
}

/** Every container as a run container (cookie 12347, with offsets when there are four or more). */
function encodeRuns(values: number[]): Uint8Array {
  const keys: number[] = [];
  const runs: [number, number][][] = [];
  for (const v of values) {
    const key = v >>> 16;
    if (keys.at(-1) !== key) {
      keys.push(key);
      runs.push([]);
    }
    const list = runs.at(-1)!;
    const low = v & 0xffff;
    const last = list.at(-1);
    if (last && last[0] + last[1] === low) last[1]++;
    else list.push([low, 1]);
  }
  const out: number[] = [0x3b, 0x30, (keys.length - 1) & 0xff, (keys.length - 1) >> 8];
  for (let i = 0; i < (keys.length + 7) >> 3; i++) out.push(0xff);
  keys.forEach((key, i) => {
    const card = runs[i]!.reduce((n, r) => n + r[1], 0) - 1;
    out.push(key & 0xff, key >> 8, card & 0xff, card >> 8);
  });
  if (keys.length >= 4) for (let i = 0; i < keys.length; i++) out.push(0, 0, 0, 0);
  for (const list of runs) {
    out.push(list.length & 0xff, list.length >> 8);
    for (const [s, n] of list) out.push(s & 0xff, s >> 8, (n - 1) & 0xff, (n - 1) >> 8);
  }
  return Uint8Array.from(out);
}

function naive(sets: number[][]): number[] {
  if (sets.length === 0) return [];
  const lookups = sets.map((s) => new Set(s));
  return sets[0]!.filter((v) => lookups.every((s) => s.has(v)));
}

/** Sorted distinct u32s in a few keys: sparse values, and dense stretches that make bitmap containers. */
const values = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 3 * 65536 }),
      fc.integer({ min: 0, max: 3 }).map((k) => Array.from({ length: 5000 }, (_, i) => k * 65536 + i * 7)),
    ),
    { maxLength: 40 },
  )
  .map((xs) => [...new Set(xs.flat())].sort((a, b) => a - b));

describe("roaring intersection", () => {
  test("equals intersecting decoded values, over array, bitmap and run containers", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(values, fc.boolean()), { minLength: 1, maxLength: 4 }), (lists) => {
        const views = lists.map(([v, runs]) => view(runs && v.length > 0 ? encodeRuns(v) : encodeRoaring32(v)));
        assert.deepEqual(Array.from(intersectRoaring32(views)), naive(lists.map(([v]) => v)));
      }),
      { numRuns: 30 },
    );
  });

  test("disjoint containers, one empty list, a very common list", () => {
    const everyRow = Array.from({ length: 3 * 65536 }, (_, i) => i);
    const low = Array.from({ length: 100 }, (_, i) => i * 3);
    const high = Array.from({ length: 100 }, (_, i) => 2 * 65536 + i * 3);
    assert.deepEqual(Array.from(intersectRoaring32([view(encodeRoaring32(low)), view(encodeRoaring32(high))])), []);
    assert.deepEqual(Array.from(intersectRoaring32([view(encodeRoaring32(everyRow)), view(encodeRoaring32([]))])), []);
    assert.deepEqual(Array.from(intersectRoaring32([view(encodeRoaring32(everyRow)), view(encodeRoaring32(high)), view(encodeRuns(everyRow))])), high);
    assert.deepEqual(Array.from(intersectRoaring32([view(encodeRoaring32(everyRow)), view(encodeRuns(everyRow))])), everyRow);
  });

  test("treemaps: only high words every list holds", () => {
    const H = 0x1_0000_0000;
    const a = [1, 2, 70_000, H + 5, H + 6, 3 * H + 1];
    const b = [2, 70_000, H + 6, 2 * H, 3 * H + 2];
    const out = intersectRoaringTreemaps([viewRoaringTreemap(encodeRoaringTreemap(a), "t"), viewRoaringTreemap(encodeRoaringTreemap(b), "t")]);
    assert.deepEqual(
      out.map((p) => [p.high, Array.from(p.lows)]),
      [
        [0, [2, 70_000]],
        [1, [6]],
      ],
    );
    assert.deepEqual(intersectRoaringTreemaps([viewRoaringTreemap(encodeRoaringTreemap([]), "t"), viewRoaringTreemap(encodeRoaringTreemap(a), "t")]), []);
  });

  test("damaged containers are CORRUPT_FILE, read or intersected", () => {
    const corrupt = (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE";
    const good = encodeRoaring32([1, 2, 3]);
    assert.throws(() => view(good.subarray(0, good.length - 1)), corrupt);
    // array container not increasing
    const unordered = encodeRoaring32([1, 2, 3]);
    unordered[unordered.length - 2] = 0;
    assert.throws(() => intersectRoaring32([view(unordered), view(encodeRoaring32([1, 2, 3]))]), corrupt);
    // a bitmap container whose bits disagree with its cardinality
    const dense = encodeRoaring32(Array.from({ length: 5000 }, (_, i) => i));
    dense[dense.length - 1] = 0xff;
    assert.throws(() => intersectRoaring32([view(dense), view(encodeRoaring32([4]))]), corrupt);
    // a run passing 65,536
    const runs = encodeRuns([10, 11]);
    runs[runs.length - 4] = 0xff;
    runs[runs.length - 3] = 0xff;
    assert.throws(() => intersectRoaring32([view(runs), view(encodeRoaring32([10]))]), corrupt);
    assert.throws(() => viewRoaringTreemap(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]), "t"), corrupt);
  });
});
