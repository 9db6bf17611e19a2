// FSST values expanded chunk by chunk into one VariableBuilder, as mini-block
// pages decode their strings: every symbol length 1-8, escapes of bytes no
// symbol covers, empty values, non-ASCII bytes in symbols and in escapes,
// tables whose symbols form NaN bit patterns (stored as two words instead of
// one double), the ASCII flag, and corrupt codes and offsets at chunk
// boundaries.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CorruptFileError } from "../../src/core/errors.js";
import { isValidUtf8 } from "../../src/core/utf8.js";
import { concatBlocks, sliceBlock, takeFromBlock } from "../../src/format/encoding/data-block.js";
import { encodeFsstSymbolTable, fsstCompress, fsstDecodeInto, parseFsstSymbolTable, type FsstTable } from "../../src/format/encoding/fsst.js";
import { VariableBuilder } from "../../src/format/encoding/variable-builder.js";

const PATH = "data/x.lance";
const CTX = { path: PATH, byteOffset: 0 };
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function tableOf(symbols: Uint8Array[]): FsstTable {
  return parseFsstSymbolTable(encodeFsstSymbolTable(symbols), PATH, 0);
}

/** Values as n + 1 offsets and bytes. */
function pack(values: Uint8Array[]): { offsets: Uint32Array; data: Uint8Array } {
  const offsets = new Uint32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) offsets[i + 1] = offsets[i]! + values[i]!.length;
  const data = new Uint8Array(offsets[values.length]!);
  values.forEach((v, i) => data.set(v, offsets[i]!));
  return { offsets, data };
}

/**
 * Compresses `values` with `table`, then decodes them in chunks of the given
 * sizes into one builder, each chunk as a mini-block chunk holds them: its
 * offsets are positions in a buffer whose codes start after `lead` bytes.
 */
function decodeInChunks(table: FsstTable, values: Uint8Array[], chunkSizes: number[], lead = 0): VariableBuilder {
  const { offsets, data } = pack(values);
  const codes = fsstCompress(table, offsets, data);
  const out = new VariableBuilder(1, 16);
  let start = 0;
  for (const size of chunkSizes) {
    const n = Math.min(size, values.length - start);
    const base = codes.offsets[start]!;
    const bytes = codes.data.subarray(base, codes.offsets[start + n]!);
    const buffer = new Uint8Array(lead + bytes.length);
    buffer.set(bytes, lead);
    const chunkOffsets = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) chunkOffsets[i] = codes.offsets[start + i]! - base + lead;
    fsstDecodeInto(table, chunkOffsets, buffer, n, out, PATH, 0);
    start += n;
  }
  assert.equal(start, values.length, "the chunk sizes cover every value");
  return out;
}

function valuesOf(out: VariableBuilder): Uint8Array[] {
  const block = out.finish();
  return Array.from({ length: block.numValues }, (_, i) => block.data.slice(block.offsets[i]!, block.offsets[i + 1]!));
}

// one symbol of every length 1..8, ASCII
const SYMBOLS = ["e", "th", "ing", "tion", "ation", "ations", "lancets", "compress"].map(utf8);

describe("fsst chunks into one builder", () => {
  test("every symbol length 1-8, escapes, empty values, across chunk boundaries", () => {
    const table = tableOf(SYMBOLS);
    assert.ok(table.symbolDoubles, "an ASCII table is stored a double per symbol");
    const values = [
      "compressation",
      "",
      "lancets",
      "the thing",
      "e",
      "",
      "zzz", // no symbol covers z: three escapes
      "rotationsations",
      "",
      "compresscompresscompress",
      "x",
      "ations at the station",
    ].map(utf8);
    for (const sizes of [[12], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [5, 7], [2, 3, 4, 3]]) {
      for (const lead of [0, 3, 8]) {
        const out = decodeInChunks(table, values, sizes, lead);
        assert.deepEqual(valuesOf(out), values, `chunks ${sizes.join("+")}, codes after ${lead} bytes`);
        assert.equal(out.finish().ascii, true, "ASCII symbols and ASCII escapes give ASCII values");
      }
    }
  });

  test("non-ASCII bytes as symbols and as escapes clear the ASCII flag, and the values stay exact", () => {
    const withUnicode = tableOf([...SYMBOLS.slice(0, 7), utf8("日本")]);
    const values = ["日本語", "žluťoučký kůň", "🎉 lancets", "plain ascii", ""].map(utf8);
    const a = decodeInChunks(withUnicode, values, [2, 3]);
    assert.deepEqual(valuesOf(a), values);
    assert.equal(a.finish().ascii, undefined);
    // only escapes carry the non-ASCII bytes here
    const b = decodeInChunks(tableOf(SYMBOLS), values, [4, 1]);
    assert.deepEqual(valuesOf(b), values);
    assert.equal(b.finish().ascii, undefined);
    // ASCII values under a table with a non-ASCII symbol: the table decides, so the flag is not set
    const c = decodeInChunks(withUnicode, ["ascii only"].map(utf8), [1]);
    assert.equal(c.finish().ascii, undefined);
  });

  test("symbols whose 8 bytes form a NaN are written as two words, bit for bit", () => {
    // little-endian doubles: quiet NaN, signalling NaN with a payload, negative NaN; and infinity (not a NaN)
    const nanSymbols = [
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf8, 0x7f),
      Uint8Array.of(1, 2, 3, 4, 5, 6, 0xf7, 0x7f),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0x7f),
    ];
    const table = tableOf([...nanSymbols, utf8("ab")]);
    assert.equal(table.symbolDoubles, undefined, "a table with a NaN pattern keeps to 32-bit words");
    const infOnly = tableOf([nanSymbols[3]!, utf8("ab")]);
    assert.ok(infOnly.symbolDoubles, "infinity is exact as a double");
    const values = [Uint8Array.of(...nanSymbols[1]!, 0x61, 0x62, ...nanSymbols[0]!), Uint8Array.of(...nanSymbols[2]!, 9), Uint8Array.of(...nanSymbols[3]!)];
    assert.deepEqual(valuesOf(decodeInChunks(table, values, [1, 2])), values);
    assert.deepEqual(valuesOf(decodeInChunks(infOnly, [Uint8Array.of(...nanSymbols[3]!, 0x61, 0x62)], [1])), [Uint8Array.of(...nanSymbols[3]!, 0x61, 0x62)]);
  });

  test("property: random tables (any bytes, lengths 1-8), random values, random chunking", () => {
    const symbol = fc.uint8Array({ minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(symbol, { minLength: 1, maxLength: 40 }),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 9 }),
        (symbols, raw, steps, lead) => {
          const table = tableOf(symbols);
          // values mostly made of the symbols, with raw bytes between them
          const values = raw.map((bytes, i) => {
            const parts: number[] = [];
            for (let k = 0; k < bytes.length; k++) {
              if (bytes[k]! % 3 === 0) parts.push(...symbols[(i + k) % symbols.length]!);
              else parts.push(bytes[k]!);
            }
            return Uint8Array.from(parts);
          });
          const sizes: number[] = [];
          for (let left = values.length, k = 0; left > 0; k++) {
            const n = Math.min(left, steps[k % steps.length]!);
            sizes.push(n);
            left -= n;
          }
          const out = decodeInChunks(table, values, sizes, lead);
          assert.deepEqual(valuesOf(out), values);
          const ascii = values.every((v) => v.every((b) => b < 0x80));
          if (out.finish().ascii) assert.ok(ascii, "the ASCII flag is set only on ASCII bytes");
          if (ascii && symbols.every((s) => s.every((b) => b < 0x80))) assert.equal(out.finish().ascii ?? false, values.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("corrupt codes and offsets in a later chunk fail with CORRUPT_FILE at their byte", () => {
    const table = tableOf(SYMBOLS);
    const out = new VariableBuilder(4, 16);
    fsstDecodeInto(table, Uint32Array.of(0, 1), Uint8Array.of(7), 1, out, PATH, 0);
    const expectCorrupt = (fn: () => void, pattern: RegExp, byteOffset?: number): void =>
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof CorruptFileError, String(e));
        assert.match(e.message, pattern);
        if (byteOffset !== undefined) assert.equal(e.byteOffset, byteOffset);
        return true;
      });
    // code 8 names no symbol in an 8-symbol table
    expectCorrupt(() => fsstDecodeInto(table, Uint32Array.of(4, 5, 7), Uint8Array.of(0, 0, 0, 0, 1, 2, 8), 2, out, PATH, 100), /code 8 in value 1 names no symbol/, 106);
    expectCorrupt(() => fsstDecodeInto(table, Uint32Array.of(4, 6), Uint8Array.of(0, 0, 0, 0, 1, 255), 1, out, PATH, 100), /escape code ends value 0/, 105);
    expectCorrupt(() => fsstDecodeInto(table, Uint32Array.of(4, 9), Uint8Array.of(0, 0, 0, 0, 1), 1, out, PATH, 0), /offsets end at 9, past the 5 data bytes/);
    expectCorrupt(() => fsstDecodeInto(table, Uint32Array.of(4, 5, 4), Uint8Array.of(0, 0, 0, 0, 1), 2, out, PATH, 0), /decrease at value 1: 5 then 4/);
    expectCorrupt(() => fsstDecodeInto(table, Uint32Array.of(0), Uint8Array.of(1), 1, out, PATH, 0), /1 offsets, 1 values need 2/);
    // the first chunk's value is still there, whole
    assert.deepEqual(valuesOf(out)[0], utf8("compress"));
  });
});

describe("variable blocks keep the ASCII flag only where it holds", () => {
  test("slice, take and concatenation", () => {
    const out = decodeInChunks(tableOf(SYMBOLS), ["thing", "e", "ations"].map(utf8), [3]);
    const ascii = out.finish();
    assert.equal(ascii.ascii, true);
    assert.equal(sliceBlock(ascii, 0, 3, CTX), ascii, "the whole block is the block");
    assert.equal((sliceBlock(ascii, 1, 2, CTX) as { ascii?: true }).ascii, true);
    assert.equal((takeFromBlock(ascii, Uint32Array.of(2, 0), CTX) as { ascii?: true }).ascii, true);
    const plain = new VariableBuilder(2, 8);
    plain.appendCopy(Uint32Array.of(0, 2), utf8("ab"), 1);
    const copied = plain.finish();
    assert.equal(copied.ascii, undefined, "copied bytes are not known to be ASCII");
    assert.equal((concatBlocks([ascii, copied], CTX) as { ascii?: true }).ascii, undefined);
    assert.equal((concatBlocks([ascii, ascii], CTX) as { ascii?: true }).ascii, true);
    assert.ok(isValidUtf8(ascii.data));
  });

  test("a builder grows its offsets and bytes as values arrive, from hints that are too small", () => {
    const table = tableOf(SYMBOLS);
    const values = Array.from({ length: 5000 }, (_, i) => utf8(`${"compress".repeat(i % 5)}-${i}-ation`));
    const out = decodeInChunks(table, values, Array.from({ length: 20 }, () => 250));
    assert.deepEqual(valuesOf(out), values);
  });
});
