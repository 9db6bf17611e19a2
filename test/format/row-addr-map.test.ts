// RowAddrTreeMap: row ids in any order, with repeats, encode to one roaring
// bitmap per fragment and decode to each fragment's sorted, distinct offsets.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeRowAddrTreeMap, encodeRowAddrTreeMap } from "../../src/format/index/row-addr-map.js";

describe("row address tree map", () => {
  test("round trip of unsorted ids with repeats, offsets up to 2^32 - 1", () => {
    const rowId = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(0xffffffff))).map(([f, o]) => f * 2 ** 32 + o);
    fc.assert(
      fc.property(fc.array(rowId, { maxLength: 200 }), (ids) => {
        const { fragments, wholeFragments } = decodeRowAddrTreeMap(encodeRowAddrTreeMap(ids), "test");
        assert.deepEqual(wholeFragments, []);
        const expected = new Map<number, number[]>();
        for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
          const f = Math.floor(id / 2 ** 32);
          expected.set(f, [...(expected.get(f) ?? []), id - f * 2 ** 32]);
        }
        assert.deepEqual(
          fragments.map((f) => [f.fragmentId, [...f.offsets]]),
          [...expected],
        );
      }),
    );
  });
});
