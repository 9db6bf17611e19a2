// FSST symbol tables trained on the values themselves: every value comes back
// byte for byte through the reader's decompressor, text shrinks, the table is
// deterministic, and bad offsets are refused.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LanceError } from "../../src/core/errors.js";
import { encodeFsst } from "../../src/format/encoding/fsst-build.js";
import { FSST_SYMBOL_TABLE_BYTES, fsstDecompress, parseFsstSymbolTable } from "../../src/format/encoding/fsst.js";
import { rng } from "../helpers/oracle.js";

function pack(values: Uint8Array[]): { offsets: Uint32Array; data: Uint8Array } {
  const offsets = new Uint32Array(values.length + 1);
  values.forEach((v, i) => (offsets[i + 1] = offsets[i]! + v.length));
  const data = new Uint8Array(offsets[values.length]!);
  values.forEach((v, i) => data.set(v, offsets[i]!));
  return { offsets, data };
}

function roundTrip(values: Uint8Array[]): { compressed: number; original: number } {
  const { offsets, data } = pack(values);
  const encoded = encodeFsst(offsets, data, values.length);
  assert.equal(encoded.symbolTable.length, FSST_SYMBOL_TABLE_BYTES);
  assert.equal(encoded.offsets.length, values.length + 1);
  assert.equal(encoded.offsets[values.length], encoded.data.length);
  const table = parseFsstSymbolTable(encoded.symbolTable, "x", 0);
  assert.ok(table.compressionOn);
  const back = fsstDecompress(table, encoded.offsets, encoded.data, "x", 0);
  for (let i = 0; i < values.length; i++) {
    assert.deepEqual(back.data.subarray(back.offsets[i]!, back.offsets[i + 1]!), values[i], `value ${i}`);
  }
  return { compressed: encoded.data.length, original: data.length };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The greedy compression the writer promises, from the exported table alone:
 * at each position the symbol of 3..8 bytes that matches there (a table has
 * at most one per 3-byte prefix), else the 2-byte symbol, else the 1-byte
 * symbol, else an escape (255) and the byte.
 */
function referenceCompress(tableBytes: Uint8Array, offsets: ArrayLike<number>, data: Uint8Array, numValues: number): { offsets: number[]; data: number[] } {
  const n = tableBytes[0]!;
  const symbols = Array.from({ length: n }, (_, c) => tableBytes.subarray(8 + 8 * c, 8 + 8 * c + tableBytes[8 + 8 * n + c]!));
  const matches = (c: number, p: number, end: number): boolean => symbols[c]!.length <= end - p && symbols[c]!.every((b, k) => data[p + k] === b);
  const out: number[] = [];
  const outOffsets = [0];
  for (let i = 0; i < numValues; i++) {
    let p = offsets[i]!;
    const end = offsets[i + 1]!;
    while (p < end) {
      let code = -1;
      for (const length of [3, 2, 1]) {
        for (let c = 0; c < n && code < 0; c++) if ((length === 3 ? symbols[c]!.length >= 3 : symbols[c]!.length === length) && matches(c, p, end)) code = c;
        if (code >= 0) break;
      }
      if (code < 0) {
        out.push(255, data[p]!);
        p++;
      } else {
        out.push(code);
        p += symbols[code]!.length;
      }
    }
    outOffsets.push(out.length);
  }
  return { offsets: outOffsets, data: out };
}

function assertReferenceBytes(offsets: ArrayLike<number>, data: Uint8Array, numValues: number, label: string): void {
  const encoded = encodeFsst(offsets, data, numValues);
  const expected = referenceCompress(encoded.symbolTable, offsets, data, numValues);
  assert.deepEqual(Array.from(encoded.offsets), expected.offsets, `${label}: offsets`);
  assert.deepEqual(Array.from(encoded.data), expected.data, `${label}: bytes`);
}

describe("encodeFsst", () => {
  test("repetitive text shrinks to well under half and comes back exactly", () => {
    const values = Array.from({ length: 20_000 }, (_, i) => text(`name-${i * 7919}`));
    const { compressed, original } = roundTrip(values);
    assert.ok(compressed < 0.45 * original, `${compressed} of ${original} bytes`);
    const sentences = Array.from({ length: 5_000 }, (_, i) => text(`the quick brown fox ${i} jumps over the lazy dog ${i % 97}`));
    const s = roundTrip(sentences);
    assert.ok(s.compressed < 0.3 * s.original, `${s.compressed} of ${s.original} bytes`);
  });

  test("empty values, unicode, every byte value and single values", () => {
    const r = rng(7);
    const values: Uint8Array[] = [];
    for (let i = 0; i < 3_000; i++) {
      if (i % 11 === 0) values.push(new Uint8Array(0));
      else if (i % 5 === 0) values.push(text(`žluťoučký kůň ${i} 日本語 🎉`));
      else values.push(Uint8Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
    }
    values.push(Uint8Array.from({ length: 256 }, (_, b) => b));
    roundTrip(values);
    roundTrip([text("x")]);
    roundTrip([new Uint8Array(0)]);
    roundTrip([]);
  });

  test("2-byte symbols that also begin longer symbols, at the ends of values of every length", () => {
    // "ab" is both a symbol and the start of longer ones; values end 0, 1 and 2 bytes after a match
    const shapes = ["ab", "abcdefgh", "abc", "abcd", "abab", "ababc", "abz", "a", "", "zab", "abcdefghab"];
    const values = Array.from({ length: 11_000 }, (_, i) => text(shapes[i % shapes.length]!));
    const s = roundTrip(values);
    // every shape is a handful of symbols, never a run of escapes
    assert.ok(s.compressed <= 2 * values.length, `${s.compressed} bytes for ${values.length} values`);
  });

  test("incompressible values that escape most bytes take more than their input and come back exactly", () => {
    // one long value of bytes the training sample (text) never holds: its bytes become two output bytes each
    const r = rng(11);
    const values = Array.from({ length: 20_000 }, (_, i) => text(`text ${i % 10}`));
    values[12_345] = Uint8Array.from({ length: 300_000 }, () => 128 + Math.floor(r() * 128));
    const { offsets, data } = pack(values);
    const encoded = encodeFsst(offsets, data, values.length);
    assert.ok(encoded.data.length > data.length + 64, `${encoded.data.length} bytes for ${data.length}`);
    roundTrip(values);
  });

  test("the same input gives the same table and bytes", () => {
    const values = Array.from({ length: 8_000 }, (_, i) => text(`row ${i % 313} of ${i}`));
    const { offsets, data } = pack(values);
    const a = encodeFsst(offsets, data, values.length);
    const b = encodeFsst(offsets, data, values.length);
    assert.deepEqual(a.symbolTable, b.symbolTable);
    assert.deepEqual(a.data, b.data);
  });

  test("offsets that start past zero (a slice of a larger buffer)", () => {
    const { offsets, data } = pack([text("skipped"), text("alpha beta"), text("beta gamma"), text("")]);
    const encoded = encodeFsst(offsets.subarray(1), data, 3);
    const back = fsstDecompress(parseFsstSymbolTable(encoded.symbolTable, "x", 0), encoded.offsets, encoded.data, "x", 0);
    assert.equal(new TextDecoder().decode(back.data), "alpha betabeta gamma");
  });

  test("property: any values round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 300 }), (values) => {
        roundTrip(values);
      }),
      { numRuns: 60 },
    );
  });

  test("the compressed bytes are the greedy match the table promises: words near the buffer end, slices, symbols of every length", () => {
    const r = rng(5);
    const words = ["name-", "alpha", "ab", "abc", "abcdefgh", "abcdefg", "xyz", "žluť", "日本", "🎉", "7919", "0", "12345678"];
    const values = Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 0 ? new Uint8Array(0) : text(Array.from({ length: 1 + Math.floor(r() * 5) }, () => words[Math.floor(r() * words.length)]).join(i % 3 === 0 ? "" : " ")),
    );
    const { offsets, data } = pack(values);
    assertReferenceBytes(offsets, data, values.length, "words");
    // the same values inside a larger buffer, from an odd byte offset, the last value ending at the buffer's end
    const outer = new Uint8Array(data.length + 13);
    outer.set(data, 13);
    const shifted = Float64Array.from(offsets, (o) => o + 2);
    assertReferenceBytes(shifted, outer.subarray(11), values.length, "slice");
    const bench = pack(Array.from({ length: 5000 }, (_, i) => text(`name-${i * 7919}`)));
    assertReferenceBytes(bench.offsets, bench.data, 5000, "bench rows");
  });

  test("property: compressed bytes equal the reference greedy match", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 24 }).map((v) => v.map((b) => 97 + (b % 5))), { minLength: 1, maxLength: 200 }), fc.nat(7), (values, skip) => {
        const { offsets, data } = pack(values);
        const outer = new Uint8Array(data.length + skip);
        outer.set(data, skip);
        assertReferenceBytes(offsets, outer.subarray(skip), values.length, "property");
      }),
      { numRuns: 60 },
    );
  });

  test("offsets past the data or running backwards are INVALID_INPUT", () => {
    const invalid = (e: unknown): boolean => e instanceof LanceError && e.code === "INVALID_INPUT";
    assert.throws(() => encodeFsst(Uint32Array.of(0, 9), new Uint8Array(4), 1), invalid);
    assert.throws(() => encodeFsst(Uint32Array.of(0, 3, 1), new Uint8Array(4), 2), invalid);
    assert.throws(() => encodeFsst(Uint32Array.of(0), new Uint8Array(4), 1), invalid);
  });
});
