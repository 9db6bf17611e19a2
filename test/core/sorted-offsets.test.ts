// Row sets as sorted Uint32Arrays: the set operations agree with JS Sets on
// random input and work on more rows than a JS Set holds.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { GrowableArray } from "../../src/core/growable-array.js";
import { hasSorted, intersectSorted, isSortedUnique, lowerBound, sortUnique, subtractSorted, unionSorted } from "../../src/core/sorted-offsets.js";

const V8_SET_LIMIT = 2 ** 24;
const offsets = fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 80 });
const asSet = (values: number[]): Uint32Array => sortUnique(Uint32Array.from(values));
const sorted = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);

describe("sorted offsets", () => {
  test("set operations agree with JS Sets", () => {
    fc.assert(
      fc.property(offsets, offsets, (a, b) => {
        const sa = new Set(a);
        const sb = new Set(b);
        assert.deepEqual([...asSet(a)], sorted(sa));
        assert.ok(isSortedUnique(asSet(a)));
        assert.deepEqual([...intersectSorted(asSet(a), asSet(b))], sorted([...sa].filter((x) => sb.has(x))));
        assert.deepEqual([...unionSorted(asSet(a), asSet(b))], sorted(new Set([...a, ...b])));
        assert.deepEqual([...subtractSorted(asSet(a), asSet(b))], sorted([...sa].filter((x) => !sb.has(x))));
        for (let v = -1; v <= 201; v++) {
          assert.equal(hasSorted(asSet(a), v), sa.has(v));
          assert.equal(lowerBound(asSet(a), v), [...sa].filter((x) => x < v).length);
        }
      }),
    );
  });

  test("values above 2^31 sort as unsigned", () => {
    assert.deepEqual([...sortUnique(Uint32Array.from([0xffffffff, 5, 0x80000000, 5]))], [5, 0x80000000, 0xffffffff]);
  });

  test("more rows than a JS Set holds", () => {
    const n = V8_SET_LIMIT + 5;
    const evens = new GrowableArray(Uint32Array);
    for (let i = 0; i < n; i++) evens.push(2 * i);
    const a = evens.view();
    const all = new Uint32Array(2 * n);
    for (let i = 0; i < all.length; i++) all[i] = i;
    assert.equal(intersectSorted(a, all).length, n);
    const odds = subtractSorted(all, a);
    assert.equal(odds.length, n);
    assert.equal(odds[0], 1);
    assert.ok(hasSorted(a, 2 * (n - 1)) && !hasSorted(a, 2 * n - 1));
  });
});

describe("growable array", () => {
  test("push and append past the initial capacity keep every value", () => {
    const g = new GrowableArray(Float64Array, 1);
    for (let i = 0; i < 1000; i++) g.push(i + 0.5);
    g.append([7, 8, 9]);
    assert.equal(g.length, 1003);
    assert.equal(g.get(999), 999.5);
    assert.deepEqual([...g.toArray().subarray(1000)], [7, 8, 9]);
    assert.equal(g.view().length, 1003);
  });
});
