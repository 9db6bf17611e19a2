// FastLanes bit packing and Lance's inline / out-of-line bitpacking framings:
// bit positions computed by hand, a bit-by-bit reference packer written from
// the spec, round trips for every width, unaligned offsets, corrupt buffers,
// and the bytes real Lance writes for bitpacked pages.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Int32, Table, Uint16, Uint32, Uint64, Uint8, vectorFromArray } from "apache-arrow";
import { CorruptFileError, LanceError } from "../../src/core/errors.js";
import {
  bitWidthFor,
  decodeInlineBitpacking,
  decodeOutOfLineBitpacking,
  encodeInlineBitpacking,
  encodeOutOfLineBitpacking,
  packFastLanes,
  unpackFastLanes,
  type UncompressedBits,
} from "../../src/format/encoding/bitpack.js";
import { connect, rng } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const WIDTHS: UncompressedBits[] = [8, 16, 32, 64];
const FL_ORDER = [0, 4, 2, 6, 1, 5, 3, 7];

/** Packs bit by bit straight from the spec's formulas: the independent oracle. */
function referencePack(values: Uint8Array, t: number, w: number): Uint8Array {
  const lanes = 1024 / t;
  const wordBytes = t / 8;
  const out = new Uint8Array(128 * w);
  for (let lane = 0; lane < lanes; lane++) {
    for (let row = 0; row < t; row++) {
      const index = FL_ORDER[Math.floor(row / 8)]! * 16 + (row % 8) * 128 + lane;
      for (let b = 0; b < w; b++) {
        if (((values[index * wordBytes + (b >> 3)]! >> (b & 7)) & 1) === 0) continue;
        const streamBit = row * w + b;
        const word = lanes * Math.floor(streamBit / t) + lane;
        const bitInWord = streamBit % t;
        out[word * wordBytes + (bitInWord >> 3)]! |= 1 << (bitInWord & 7);
      }
    }
  }
  return out;
}

/** `count` random T-bit values with every bit at or above `w` cleared. */
function randomValues(t: number, w: number, count: number, seed: number): Uint8Array {
  const next = rng(seed);
  const bytes = new Uint8Array((count * t) / 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  return maskValues(bytes, t, w);
}

function maskValues(bytes: Uint8Array, t: number, w: number): Uint8Array {
  const wordBytes = t / 8;
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, w - 8 * (i % wordBytes)));
    bytes[i]! &= (1 << bitsHere) - 1;
  }
  return bytes;
}

function maxValues(t: number, w: number, count: number): Uint8Array {
  return maskValues(new Uint8Array((count * t) / 8).fill(0xff), t, w);
}

function pack(values: Uint8Array, t: UncompressedBits, w: number): Uint8Array {
  const out = new Uint8Array(128 * w);
  packFastLanes(values, 0, t, w, out, 0);
  return out;
}

function unpack(packed: Uint8Array, t: UncompressedBits, w: number): Uint8Array {
  const out = new Uint8Array(128 * t);
  unpackFastLanes(packed, 0, t, w, out, 0);
  return out;
}

/** The same bytes at `offset` inside a larger buffer, so views are unaligned. */
function shifted(bytes: Uint8Array, offset: number): Uint8Array {
  const host = new Uint8Array(bytes.length + offset + 3).fill(0xa5);
  host.set(bytes, offset);
  return host.subarray(offset, offset + bytes.length);
}

function assertCorrupt(fn: () => unknown, path: string, byteOffset?: number, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CorruptFileError, `expected CorruptFileError, got ${String(err)}`);
    assert.equal(err.path, path);
    if (byteOffset !== undefined) assert.equal(err.byteOffset, byteOffset);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

describe("FastLanes layout, by hand", () => {
  test("T=8 W=3: rows are 128 values apart and spill into the lane's next word", () => {
    const values = new Uint8Array(1024);
    values[0] = 5; // row 0 lane 0: bits 0..2 of byte 0
    values[1] = 6; // row 0 lane 1: byte 1
    values[16] = 2; // row 0 lane 16: byte 16
    values[128] = 3; // row 1 lane 0: bits 3..5 of byte 0
    values[256] = 7; // row 2 lane 0: bits 6..8, bit 8 is bit 0 of lane 0's word 1 = byte 128
    values[1023] = 4; // row 7 lane 127: bits 21..23, word 2 = byte 256 + 127, bits 5..7
    const expected = new Uint8Array(384);
    expected[0] = 0b11_011_101;
    expected[1] = 6;
    expected[16] = 2;
    expected[128] = 1;
    expected[383] = 0x80;
    assert.deepEqual(pack(values, 8, 3), expected);
    assert.deepEqual(unpack(expected, 8, 3), values);
  });

  test("T=16 W=5: FL_ORDER puts value 64 in row 8", () => {
    const values = new Uint16Array(1024);
    values[16] = 1; // row 0 lane 16: u16 word 16
    values[64] = 31; // row 8 lane 0: bits 40..44 = word 2 (u16 index 128), shift 8
    values[384] = 19; // row 3 lane 0: bits 15..19, bit 15 of word 0 then bits 0..3 of word 1
    values[1023] = 21; // 7·128 + 64 + 63: row 15 lane 63, bits 75..79 = word 4 (index 319), shift 11
    const expected = new Uint16Array(320);
    expected[16] = 1;
    expected[128] = 31 << 8;
    expected[0] = 0x8000;
    expected[64] = 19 >> 1;
    expected[319] = 21 << 11;
    const bytes = new Uint8Array(values.buffer);
    assert.deepEqual(pack(bytes, 16, 5), new Uint8Array(expected.buffer));
    assert.deepEqual(unpack(new Uint8Array(expected.buffer), 16, 5), bytes);
  });

  test("T=32 W=7: values 32 and 96 sit in rows 16 and 24", () => {
    const values = new Uint32Array(1024);
    values[32] = 100; // row 16 lane 0: bits 112..118 = word 3 (index 96), shift 16
    values[96] = 0x55; // row 24 lane 0: bits 168..174 = word 5 (index 160), shift 8
    values[512] = 127; // row 4 lane 0: bits 28..34, 4 bits in word 0 and 3 in word 1 (index 32)
    const expected = new Uint32Array(224);
    expected[96] = 100 << 16;
    expected[160] = 0x55 << 8;
    expected[0] = 0xf0000000;
    expected[32] = 7;
    const bytes = new Uint8Array(values.buffer);
    assert.deepEqual(pack(bytes, 32, 7), new Uint8Array(expected.buffer));
    assert.deepEqual(unpack(new Uint8Array(expected.buffer), 32, 7), bytes);
  });

  test("T=64 W=33: a value crossing a 64-bit word, handled as 32-bit halves", () => {
    const values = new Uint8Array(8192);
    const view = new DataView(values.buffer);
    // value 16 = 2^32 + 5: row 32 lane 0, bits 1056..1088 = high half of word 16 plus bit 0 of word 17
    view.setUint32(16 * 8, 5, true);
    view.setUint32(16 * 8 + 4, 1, true);
    // value 1 = 2^33 - 1: row 0 lane 1, bits 0..32 of lane 1's word 0 (packed index 1)
    view.setUint32(8, 0xffffffff, true);
    view.setUint32(12, 1, true);
    const expected = new Uint8Array(128 * 33);
    expected.set([0, 0, 0, 0, 5, 0, 0, 0], 256 * 8); // lane 0 word 16 = packed index 16·16
    expected[272 * 8] = 1; // lane 0 word 17 = packed index 272
    expected.set([0xff, 0xff, 0xff, 0xff, 1], 8);
    assert.deepEqual(pack(values, 64, 33), expected);
    assert.deepEqual(unpack(expected, 64, 33), values);
  });

  test("W=T is the transposed copy and W=0 is no bytes", () => {
    const values = randomValues(16, 16, 1024, 3);
    const packed = pack(values, 16, 16);
    const v = new Uint16Array(values.buffer);
    const p = new Uint16Array(packed.buffer);
    for (let row = 0; row < 16; row++) {
      for (let lane = 0; lane < 64; lane++) {
        assert.equal(p[64 * row + lane], v[FL_ORDER[row >> 3]! * 16 + (row % 8) * 128 + lane]);
      }
    }
    const out = new Uint8Array(2048).fill(9);
    unpackFastLanes(new Uint8Array(0), 0, 16, 0, out, 0);
    assert.deepEqual(out, new Uint8Array(2048));
  });
});

describe("FastLanes pack and unpack", () => {
  test("every T and W agree with the reference packer (random, max, zero)", () => {
    for (const t of WIDTHS) {
      for (let w = 0; w <= t; w++) {
        for (const values of [randomValues(t, w, 1024, t * 100 + w), maxValues(t, w, 1024)]) {
          const packed = pack(values, t, w);
          assert.deepEqual(packed, referencePack(values, t, w), `pack T=${t} W=${w}`);
          assert.deepEqual(unpack(packed, t, w), values, `unpack T=${t} W=${w}`);
        }
        assert.deepEqual(unpack(new Uint8Array(128 * w), t, w), new Uint8Array(128 * t), `zeros T=${t} W=${w}`);
      }
    }
  });

  test("bits above W are dropped when packing", () => {
    for (const t of WIDTHS) {
      const full = randomValues(t, t, 1024, 77);
      for (const w of [1, t >> 1, t - 1]) {
        const masked = maskValues(full.slice(), t, w);
        assert.deepEqual(pack(full, t, w), pack(masked, t, w), `T=${t} W=${w}`);
      }
    }
  });

  test("unaligned input and output offsets give the same bytes", () => {
    for (const t of WIDTHS) {
      for (const w of [0, 1, 3, t >> 1, t - 1, t]) {
        const values = randomValues(t, w, 1024, t + w);
        const expected = pack(values, t, w);
        for (const offset of [1, 2, 3, 5]) {
          const valuesHost = new Uint8Array(128 * t + 8);
          valuesHost.set(values, offset);
          const packedHost = new Uint8Array(128 * w + 8).fill(0xcc);
          packFastLanes(valuesHost, offset, t, w, packedHost, offset);
          assert.deepEqual(packedHost.subarray(offset, offset + 128 * w), expected, `pack T=${t} W=${w} +${offset}`);
          assert.equal(packedHost[offset + 128 * w], 0xcc, "writes stay inside the group");
          const outHost = new Uint8Array(128 * t + 8).fill(0xcc);
          unpackFastLanes(packedHost, offset, t, w, outHost, 8 - offset);
          assert.deepEqual(outHost.subarray(8 - offset, 8 - offset + 128 * t), values, `unpack T=${t} W=${w} +${offset}`);
          assert.equal(outHost[7 - offset], 0xcc, "writes stay inside the group");
        }
      }
    }
  });

  test("property: unpack(pack(v)) = v for any T, W and offsets", () => {
    const arb = fc.constantFrom<UncompressedBits>(...WIDTHS).chain((t) =>
      fc.record({
        t: fc.constant(t),
        w: fc.integer({ min: 0, max: t }),
        bytes: fc.uint8Array({ minLength: 128 * t, maxLength: 128 * t }),
        inOffset: fc.integer({ min: 0, max: 7 }),
        outOffset: fc.integer({ min: 0, max: 7 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ t, w, bytes, inOffset, outOffset }) => {
        const values = maskValues(bytes, t, w);
        const packed = new Uint8Array(128 * w + inOffset);
        packFastLanes(shifted(values, inOffset), 0, t, w, packed, inOffset);
        const out = new Uint8Array(128 * t + outOffset);
        unpackFastLanes(packed, inOffset, t, w, out, outOffset);
        assert.deepEqual(out.subarray(outOffset), values);
      }),
      { numRuns: 60 },
    );
  });

  test("bad arguments are LanceErrors, not RangeErrors", () => {
    const isInvalid = (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT";
    assert.throws(() => unpackFastLanes(new Uint8Array(383), 0, 8, 3, new Uint8Array(1024), 0), isInvalid);
    assert.throws(() => unpackFastLanes(new Uint8Array(384), 0, 8, 3, new Uint8Array(1023), 0), isInvalid);
    assert.throws(() => unpackFastLanes(new Uint8Array(384), 1, 8, 3, new Uint8Array(1024), 0), isInvalid);
    assert.throws(() => unpackFastLanes(new Uint8Array(4096), 0, 8, 9, new Uint8Array(1024), 0), isInvalid);
    assert.throws(() => packFastLanes(new Uint8Array(1024), 0, 12 as UncompressedBits, 3, new Uint8Array(384), 0), isInvalid);
    assert.throws(() => packFastLanes(new Uint8Array(2048), 0, 16, 2, new Uint8Array(255), 0), isInvalid);
  });

  test("bitWidthFor finds the highest set bit of the largest value", () => {
    assert.equal(bitWidthFor(new Uint8Array(0), 32, 0), 0);
    assert.equal(bitWidthFor(Uint8Array.from([0, 0, 0, 0]), 16, 2), 0);
    assert.equal(bitWidthFor(Uint8Array.from([1, 0, 0, 1]), 16, 2), 9);
    assert.equal(bitWidthFor(Uint8Array.from([0xff, 0x7f, 0, 0]), 16, 2), 15);
    const big = new Uint8Array(16);
    big[15] = 0x80;
    assert.equal(bitWidthFor(big, 64, 2), 64);
    assert.equal(bitWidthFor(big, 64, 1), 0, "only the first count values count");
    assert.equal(bitWidthFor(shifted(Uint8Array.from([0, 0, 4, 0, 0, 0]), 1), 16, 3), 3);
  });
});

/** Values whose group g stays below 2^(g·5 mod (T+1)), so groups choose different widths. */
function steppedValues(t: UncompressedBits, numValues: number, seed: number): Uint8Array {
  const wordBytes = t / 8;
  const out = new Uint8Array(numValues * wordBytes);
  for (let g = 0; g * 1024 < numValues; g++) {
    const count = Math.min(1024, numValues - g * 1024);
    out.set(randomValues(t, (g * 5 + 3) % (t + 1), count, seed + g), g * 1024 * wordBytes);
  }
  return out;
}

/** Bit width words of an inline buffer, group by group. */
function inlineWidths(encoded: Uint8Array, t: number): number[] {
  const widths: number[] = [];
  for (let at = 0; at < encoded.length; ) {
    const w = encoded[at]!;
    assert.ok(encoded.subarray(at + 1, at + t / 8).every((b) => b === 0), "width word is little-endian");
    widths.push(w);
    at += t / 8 + 128 * w;
  }
  return widths;
}

describe("inline_bitpacking", () => {
  test("round trips with the smallest width per group", () => {
    for (const t of WIDTHS) {
      for (const numValues of [0, 1, 5, 1023, 1024, 1025, 3000, 4096]) {
        const values = steppedValues(t, numValues, t + numValues);
        const encoded = encodeInlineBitpacking(values, t, numValues);
        const widths = inlineWidths(encoded, t);
        assert.equal(widths.length, Math.ceil(numValues / 1024));
        widths.forEach((w, g) => {
          const group = values.subarray(g * 128 * t, Math.min(values.length, (g + 1) * 128 * t));
          assert.equal(w, bitWidthFor(group, t, group.length / (t / 8)), `T=${t} n=${numValues} group ${g}`);
        });
        const decoded = decodeInlineBitpacking(shifted(encoded, 3), t, numValues, "x.lance", 0);
        assert.deepEqual(decoded, values, `T=${t} n=${numValues}`);
        assert.equal(decoded.buffer.byteLength, (numValues * t) / 8, "allocates exactly the result");
      }
    }
  });

  test("a hand-built T=16 chunk: width word, then packed words, padded tail", () => {
    // Three values 1, 2, 3 need W=2: [02 00] + 256 packed bytes; rows 0 of lanes 0..2.
    const buffer = new Uint8Array(2 + 256);
    buffer[0] = 2;
    buffer.set([1, 0, 2, 0, 3, 0], 2);
    const values = Uint8Array.from([1, 0, 2, 0, 3, 0]);
    assert.deepEqual(encodeInlineBitpacking(values, 16, 3), buffer);
    assert.deepEqual(decodeInlineBitpacking(buffer, 16, 3, "x.lance", 0), values);
  });

  test("property: encode then decode is the identity", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<UncompressedBits>(...WIDTHS),
        fc.integer({ min: 0, max: 2600 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer(),
        (t, numValues, w, seed) => {
          const values = randomValues(t, Math.min(w, t), numValues, seed);
          const decoded = decodeInlineBitpacking(encodeInlineBitpacking(values, t, numValues), t, numValues, "p", 0);
          assert.deepEqual(decoded, values);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("a width above T is corrupt, with the group's file offset", () => {
    const good = encodeInlineBitpacking(steppedValues(8, 2048, 1), 8, 2048);
    const secondGroup = 1 + 128 * inlineWidths(good, 8)[0]!;
    const bad = good.slice();
    bad[secondGroup] = 9;
    assertCorrupt(() => decodeInlineBitpacking(bad, 8, 2048, "data/a.lance", 1000), "data/a.lance", 1000 + secondGroup, /bit width 9 exceeds 8-bit/);
    const wide = new Uint8Array(8 + 128);
    wide[0] = 1;
    wide[7] = 1; // 2^56 + 1
    assertCorrupt(() => decodeInlineBitpacking(wide, 64, 10, "w.lance", 0), "w.lance", 0, /exceeds 64-bit/);
  });

  test("every truncation and trailing bytes are corrupt, never a RangeError", () => {
    const values = steppedValues(16, 1500, 9);
    const good = encodeInlineBitpacking(values, 16, 1500);
    for (let length = 0; length < good.length; length++) {
      assertCorrupt(() => decodeInlineBitpacking(good.subarray(0, length), 16, 1500, "t.lance", 64), "t.lance");
    }
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    assertCorrupt(() => decodeInlineBitpacking(longer, 16, 1500, "t.lance", 64), "t.lance", 64 + good.length, /2 bytes after its 2 groups/);
  });

  test("an absurd value count fails before allocating", () => {
    assertCorrupt(() => decodeInlineBitpacking(new Uint8Array(16), 32, 1e12, "n.lance", 8), "n.lance", 8, /1000000000000/);
    assertCorrupt(() => decodeInlineBitpacking(new Uint8Array(16), 32, 1e7, "n.lance", 8), "n.lance", 8, /9766 groups/);
    assertCorrupt(() => decodeInlineBitpacking(new Uint8Array(8), 32, -1, "n.lance", 8), "n.lance", 8);
  });

  test("random bytes decode to the right length or throw CorruptFileError", () => {
    fc.assert(
      fc.property(fc.constantFrom<UncompressedBits>(...WIDTHS), fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 3000 }), (t, bytes, numValues) => {
        try {
          assert.equal(decodeInlineBitpacking(bytes, t, numValues, "f", 0).length, (numValues * t) / 8);
        } catch (err) {
          assert.ok(err instanceof CorruptFileError, String(err));
        }
      }),
      { numRuns: 200 },
    );
  });

  test("unsupported and invalid uncompressed widths", () => {
    assert.throws(
      () => decodeInlineBitpacking(new Uint8Array(16), 128 as UncompressedBits, 1, "u", 0),
      (err: unknown) => err instanceof LanceError && err.code === "NOT_SUPPORTED",
    );
    assertCorrupt(() => decodeInlineBitpacking(new Uint8Array(16), 12 as UncompressedBits, 1, "u", 0), "u", 0);
  });
});

describe("out_of_line_bitpacking", () => {
  test("tail forms: raw iff the packed group would not be smaller", () => {
    // T=16 W=1: a packed group is 64 words, so tails of up to 64 values stay raw.
    const cases: [UncompressedBits, number, number, number][] = [
      // [T, W, numValues, expected byte length]
      [16, 1, 1024, 128],
      [16, 1, 1034, 128 + 20],
      [16, 1, 1088, 128 + 128], // tie: raw
      [16, 1, 1089, 128 + 128], // packed
      [16, 2, 10, 20],
      [16, 2, 300, 256],
      [64, 63, 2048 + 1008, 2 * 128 * 63 + 1008 * 8], // Lance's large 64-bit dictionaries
      [64, 63, 2048 + 1009, 3 * 128 * 63],
      [8, 0, 10, 0],
      [32, 32, 1500, 1024 * 4 + 476 * 4],
    ];
    for (const [t, w, numValues, length] of cases) {
      const values = randomValues(t, w, numValues, numValues + w);
      const encoded = encodeOutOfLineBitpacking(values, t, w, numValues);
      assert.equal(encoded.length, length, `T=${t} W=${w} n=${numValues}`);
      assert.deepEqual(decodeOutOfLineBitpacking(shifted(encoded, 1), t, w, numValues, "o", 0), values, `T=${t} W=${w} n=${numValues}`);
    }
  });

  test("a hand-built raw tail after a packed group", () => {
    const group = randomValues(16, 2, 1024, 5);
    const tail = Uint8Array.from([3, 0, 1, 0, 2, 0]);
    const buffer = new Uint8Array(256 + 6);
    packFastLanes(group, 0, 16, 2, buffer, 0);
    buffer.set(tail, 256);
    const decoded = decodeOutOfLineBitpacking(buffer, 16, 2, 1027, "o", 0);
    assert.deepEqual(decoded.subarray(0, 2048), group);
    assert.deepEqual(decoded.subarray(2048), tail);
  });

  test("property: encode then decode is the identity for any T, W and count", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<UncompressedBits>(...WIDTHS).chain((t) => fc.tuple(fc.constant(t), fc.integer({ min: 0, max: t }))),
        fc.integer({ min: 0, max: 3100 }),
        fc.integer(),
        ([t, w], numValues, seed) => {
          const values = randomValues(t, w, numValues, seed);
          const encoded = encodeOutOfLineBitpacking(values, t, w, numValues);
          assert.deepEqual(decodeOutOfLineBitpacking(encoded, t, w, numValues, "p", 0), values);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("wrong lengths, widths and counts are corrupt", () => {
    const encoded = encodeOutOfLineBitpacking(randomValues(16, 3, 1324, 1), 16, 3, 1324);
    assert.equal(encoded.length, 2 * 384);
    assertCorrupt(
      () => decodeOutOfLineBitpacking(encoded.subarray(0, 700), 16, 3, 1324, "d.lance", 4096),
      "d.lance",
      4096,
      /768 \(packed tail\) or 984 \(raw tail\) bytes, buffer has 700/,
    );
    assertCorrupt(() => decodeOutOfLineBitpacking(encoded, 16, 17, 1324, "d.lance", 0), "d.lance", 0, /bit width 17/);
    assertCorrupt(() => decodeOutOfLineBitpacking(new Uint8Array(0), 64, 0, 2 ** 40, "d.lance", 0), "d.lance", 0, /limit/);
    assertCorrupt(() => decodeOutOfLineBitpacking(new Uint8Array(10), 32, 5, 1e9, "d.lance", 0), "d.lance", 0);
    for (let length = 0; length < encoded.length; length++) {
      assertCorrupt(() => decodeOutOfLineBitpacking(encoded.subarray(0, length), 16, 3, 1324, "d.lance", 0), "d.lance");
    }
  });

  test("the encoder refuses values wider than its width", () => {
    assert.throws(
      () => encodeOutOfLineBitpacking(Uint8Array.from([8]), 8, 3, 1),
      (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT",
    );
  });
});

function dataFileBytes(datasetDir: string): Buffer {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".lance") ? [join(dir, e.name)] : [],
    );
  return Buffer.concat(walk(datasetDir).map((f) => readFileSync(f)));
}

describe("bytes written by Lance", () => {
  test("inline (ibp8..64) groups and out-of-line def levels match our encoder", async () => {
    const n = 3 * 1024 + 500;
    const idx = Array.from({ length: n }, (_, i) => i);
    const u8 = idx.map((i) => (i * 5) % 60);
    const u16 = idx.map((i) => (i * 7) % 300);
    const u32 = idx.map((i) => (i * 37) % 5000);
    const u64 = idx.map((i) => BigInt(i) * 1000003n + 5n);
    const nullable = idx.map((i) => (i % 7 === 3 ? null : i % 100));
    const table = new Table({
      a: vectorFromArray(u8, new Uint8()),
      b: vectorFromArray(u16, new Uint16()),
      c: vectorFromArray(u32, new Uint32()),
      d: vectorFromArray(u64, new Uint64()),
      e: vectorFromArray(nullable, new Int32()),
    });
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("t", table, { dataStorageVersion: "2.2" } as never);
    const file = dataFileBytes(join(dir, "t.lance"));

    const columns: [UncompressedBits, Uint8Array][] = [
      [8, Uint8Array.from(u8)],
      [16, new Uint8Array(Uint16Array.from(u16).buffer)],
      [32, new Uint8Array(Uint32Array.from(u32).buffer)],
      [64, new Uint8Array(BigUint64Array.from(u64).buffer)],
    ];
    for (const [t, values] of columns) {
      const encoded = encodeInlineBitpacking(values, t, n);
      let at = 0;
      for (const w of inlineWidths(encoded, t)) {
        assert.ok(w > 0 && w < t, `T=${t} uses a real packing width`);
        const group = encoded.subarray(at, at + t / 8 + 128 * w);
        assert.ok(file.indexOf(group) >= 0, `Lance wrote our ibp${t} group at ${at} (W=${w})`);
        at += group.length;
      }
    }
    // Column e's def levels (1 = null) go through oolbp16 at width 1, one
    // mini-block chunk of 1024 values at a time, the last chunk holding 500.
    const defs = (from: number, count: number) => new Uint8Array(Uint16Array.from({ length: count }, (_, i) => ((from + i) % 7 === 3 ? 1 : 0)).buffer);
    assert.ok(file.indexOf(encodeOutOfLineBitpacking(defs(0, 1024), 16, 1, 1024)) >= 0, "full def chunk");
    assert.ok(file.indexOf(encodeOutOfLineBitpacking(defs(3072, 500), 16, 1, 500)) >= 0, "tail def chunk");
  });
});
