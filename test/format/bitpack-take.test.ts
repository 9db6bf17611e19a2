// Selected values of inline bit-packing (takeInlineBitpacking): for every
// value width and every bit width, sparse selections (values read from their
// lanes) and dense ones (groups unpacked whole) equal the same values of a
// full decode, over whole and short last groups; corrupt framing is reported.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CorruptFileError } from "../../src/core/errors.js";
import { decodeInlineBitpacking, encodeInlineBitpacking, type UncompressedBits } from "../../src/format/encoding/bitpack.js";
import { takeInlineBitpacking } from "../../src/format/encoding/bitpack-take.js";
import { rng } from "../helpers/oracle.js";

const WIDTHS: UncompressedBits[] = [8, 16, 32, 64];

/** numValues random T-bit values whose bits above `bitWidth` are zero. */
function valuesOf(t: UncompressedBits, bitWidth: number, numValues: number, seed: number): Uint8Array {
  const r = rng(seed);
  const wordBytes = t / 8;
  const out = new Uint8Array(numValues * wordBytes);
  for (let i = 0; i < numValues; i++) {
    for (let b = 0; b < wordBytes; b++) {
      const keep = Math.max(0, Math.min(8, bitWidth - 8 * b));
      out[i * wordBytes + b] = Math.floor(r() * 256) & ((1 << keep) - 1);
    }
  }
  // the largest value of the width, so every group packs at exactly bitWidth
  for (let b = 0; b < wordBytes; b++) out[b] = (1 << Math.max(0, Math.min(8, bitWidth - 8 * b))) - 1;
  return out;
}

function expected(full: Uint8Array, wordBytes: number, positions: Uint32Array): Uint8Array {
  const out = new Uint8Array(positions.length * wordBytes);
  positions.forEach((p, k) => out.set(full.subarray(p * wordBytes, p * wordBytes + wordBytes), k * wordBytes));
  return out;
}

test("every value width and bit width: sparse and dense selections equal a full decode", () => {
  for (const t of WIDTHS) {
    for (let bitWidth = 0; bitWidth <= t; bitWidth++) {
      const numValues = 2500; // two whole groups and a short one
      const packed = encodeInlineBitpacking(valuesOf(t, bitWidth, numValues, t * 100 + bitWidth), t, numValues);
      const full = decodeInlineBitpacking(packed, t, numValues, "x", 0);
      const r = rng(bitWidth);
      const sparse = Uint32Array.from({ length: numValues }, (_, i) => i).filter((i) => i === 0 || i === 1023 || i === 1024 || i === numValues - 1 || r() < 0.02);
      const dense = Uint32Array.from({ length: numValues }, (_, i) => i).filter(() => r() < 0.5);
      for (const positions of [sparse, dense, new Uint32Array(0)]) {
        assert.deepEqual(takeInlineBitpacking(packed, t, numValues, positions, "x", 0), expected(full, t / 8, positions), `T=${t} W=${bitWidth}, ${positions.length} values`);
      }
    }
  }
});

test("random values and selections (property)", () => {
  fc.assert(
    fc.property(fc.constantFrom(...WIDTHS), fc.integer({ min: 1, max: 3000 }), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (t, numValues, seed, share) => {
      const r = rng(seed);
      const bitWidth = Math.floor(r() * (t + 1));
      const packed = encodeInlineBitpacking(valuesOf(t, bitWidth, numValues, seed), t, numValues);
      const full = decodeInlineBitpacking(packed, t, numValues, "x", 0);
      const positions = Uint32Array.from({ length: numValues }, (_, i) => i).filter(() => r() < share);
      assert.deepEqual(takeInlineBitpacking(packed, t, numValues, positions, "x", 0), expected(full, t / 8, positions));
    }),
    { numRuns: 200 },
  );
});

test("a buffer cut short or with bytes left over is a corrupt file", () => {
  const packed = encodeInlineBitpacking(valuesOf(32, 9, 2000, 1), 32, 2000);
  assert.throws(() => takeInlineBitpacking(packed.subarray(0, packed.byteLength - 1), 32, 2000, Uint32Array.from([1999]), "f.lance", 100), CorruptFileError);
  const longer = new Uint8Array(packed.byteLength + 4);
  longer.set(packed);
  assert.throws(() => takeInlineBitpacking(longer, 32, 2000, Uint32Array.from([3]), "f.lance", 100), CorruptFileError);
  const wide = packed.slice();
  wide[0] = 33;
  assert.throws(() => takeInlineBitpacking(wide, 32, 2000, Uint32Array.from([3]), "f.lance", 100), /bit width 33 exceeds 32/);
});
