// Portable 32-bit roaring bitmaps: hand-built bytes, property round trips and
// bitmaps written by Lance.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LanceError } from "../../src/core/errors.js";
import { decodeRoaring32, encodeRoaring32 } from "../../src/core/roaring.js";

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

describe("roaring", () => {
  test("the fragment bitmap {0,1} Lance writes", () => {
    const bytes = Uint8Array.from([0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0x10, 0, 0, 0, 0, 0, 1, 0]);
    assert.deepEqual([...decodeRoaring32(bytes)], [0, 1]);
    assert.deepEqual([...encodeRoaring32([0, 1])], [...bytes]);
  });

  test("empty bitmap", () => {
    const bytes = encodeRoaring32([]);
    assert.deepEqual([...bytes], [0x3a, 0x30, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...decodeRoaring32(bytes)], []);
  });

  test("run containers (cookie 12347), with and without offsets", () => {
    // one container, key 0: runs [5..7] and [10..10]; count 1 < 4 so no offsets
    const small = Uint8Array.from([0x3b, 0x30, 0x00, 0x00, 0x01, 0, 0, 3, 0, 2, 0, 5, 0, 2, 0, 10, 0, 0, 0]);
    assert.deepEqual([...decodeRoaring32(small)], [5, 6, 7, 10]);
    // four containers (keys 0..3), the first a run container, so offsets are present
    const parts: number[] = [0x3b, 0x30, 0x03, 0x00, 0b0001];
    for (let k = 0; k < 4; k++) parts.push(k, 0, k === 0 ? 2 : 0, 0);
    for (let k = 0; k < 4; k++) parts.push(0, 0, 0, 0);
    parts.push(1, 0, 0, 0, 2, 0); // run: start 0, length 3
    for (let k = 1; k < 4; k++) parts.push(9, 0); // array containers with value 9
    assert.deepEqual([...decodeRoaring32(Uint8Array.from(parts))], [0, 1, 2, 65536 + 9, 131072 + 9, 196608 + 9]);
  });

  test("encode -> decode round trip, arrays and bitmap containers", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 300 }), fc.nat({ max: 3 }), (values, dense) => {
        const extra = dense > 0 ? Array.from({ length: 5000 * dense }, (_, i) => (dense << 16) + i * 3) : [];
        const input = sortedUnique([...values, ...extra]);
        assert.deepEqual([...decodeRoaring32(encodeRoaring32(input))], input);
      }),
      { numRuns: 200 },
    );
  });

  test("maximum values and a full container", () => {
    const full = Array.from({ length: 65536 }, (_, i) => 0xffff0000 + i);
    assert.deepEqual([...decodeRoaring32(encodeRoaring32(full))], full);
    assert.deepEqual([...decodeRoaring32(encodeRoaring32([0xffffffff]))], [0xffffffff]);
  });

  test("corrupt bitmaps are CORRUPT_FILE errors", () => {
    const good = encodeRoaring32([1, 2, 3, 70000]);
    for (let len = 0; len < good.byteLength; len++) {
      assert.throws(() => decodeRoaring32(good.subarray(0, len), "f.bin"), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /f\.bin/.test(e.message));
    }
    assert.throws(() => decodeRoaring32(Uint8Array.from([1, 2, 3, 4, 0, 0, 0, 0])), /bad roaring cookie/);
    const unsorted = Uint8Array.from([0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0x10, 0, 0, 0, 5, 0, 1, 0]);
    assert.throws(() => decodeRoaring32(unsorted), /not strictly increasing/);
  });
});
