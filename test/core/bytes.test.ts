// ByteWriter's 64-bit writes (numbers go as two 32-bit halves, bigints as
// they are) against DataView's own BigInt reads, and finish() handing back
// exactly the bytes written whether or not the buffer was sized exactly.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteWriter } from "../../src/core/bytes.js";

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe("ByteWriter", () => {
  test("u64 of numbers up to 2^53 - 1 and of bigints up to 2^64 - 1", () => {
    const values: (number | bigint)[] = [0, 1, 255, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 0n, 2n ** 63n, 2n ** 64n - 1n];
    const w = new ByteWriter(4);
    w.u8(7); // later words start unaligned
    for (const v of values) w.u64(v);
    const bytes = w.finish();
    assert.equal(bytes.length, 1 + 8 * values.length);
    values.forEach((v, i) => assert.equal(view(bytes).getBigUint64(1 + 8 * i, true), BigInt(v), `value ${i}`));
  });

  test("i64 of negative and positive numbers and bigints", () => {
    const values: (number | bigint)[] = [0, -1, 1, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, 2 ** 33 + 1, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -(2n ** 63n), 2n ** 63n - 1n];
    const w = new ByteWriter();
    for (const v of values) w.i64(v);
    const bytes = w.finish();
    values.forEach((v, i) => assert.equal(view(bytes).getBigInt64(8 * i, true), BigInt(v), `value ${i}`));
  });

  test("u64 of a value past 2^53 given as a number is still exact (BigInt path)", () => {
    const w = new ByteWriter(8);
    w.u64(2 ** 60);
    assert.equal(view(w.finish()).getBigUint64(0, true), 2n ** 60n);
  });

  test("finish returns the bytes written, sized exactly or not, and later writes do not change them", () => {
    const exact = new ByteWriter(8);
    exact.u32(1).u32(2);
    const first = exact.finish();
    assert.deepEqual(Array.from(first), [1, 0, 0, 0, 2, 0, 0, 0]);
    exact.u32(3);
    assert.deepEqual(Array.from(first), [1, 0, 0, 0, 2, 0, 0, 0]);
    assert.deepEqual(Array.from(exact.finish()), [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    const roomy = new ByteWriter(64);
    roomy.u16(0x0102);
    assert.deepEqual(Array.from(roomy.finish()), [2, 1]);
  });
});
