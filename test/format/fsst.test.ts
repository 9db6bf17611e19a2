// FSST as Lance stores it: hand-built symbol tables, verbatim mode, corrupt
// input, round trips, and symbol tables and values written by real Lance.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Table, Utf8, vectorFromArray } from "apache-arrow";
import { CorruptFileError, LanceError } from "../../src/core/errors.js";
import {
  FSST_SYMBOL_TABLE_BYTES,
  encodeFsstSymbolTable,
  fsstCompress,
  fsstDecompress,
  parseFsstSymbolTable,
  type FsstValues,
} from "../../src/format/encoding/fsst.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const PATH = "data/x.lance";

/** A table written byte by byte: header, n u64 symbols, n lengths, zero padding. */
function handTable(symbols: string[], flags = 1, terminator = 0, suffixLim = 0): Uint8Array {
  const out = new Uint8Array(FSST_SYMBOL_TABLE_BYTES);
  out.set([symbols.length, terminator, suffixLim, flags, 0x54, 0x53, 0x53, 0x46], 0);
  symbols.forEach((s, c) => {
    out.set(ascii(s), 8 + 8 * c);
    out[8 + 8 * symbols.length + c] = s.length;
  });
  return out;
}

function values(out: FsstValues): string[] {
  const text = new TextDecoder();
  return Array.from({ length: out.offsets.length - 1 }, (_, i) => text.decode(out.data.subarray(out.offsets[i]!, out.offsets[i + 1]!)));
}

function assertCorrupt(fn: () => unknown, pattern: RegExp, byteOffset?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CorruptFileError, String(e));
    assert.equal(e.code, "CORRUPT_FILE");
    if (byteOffset !== undefined) assert.equal(e.byteOffset, byteOffset);
    assert.match(e.message, pattern);
    return true;
  });
}

// codes: 0 = "the ", 1 = "a" (1 byte), 2 = "compress" (8 bytes), 3 = "ion"
const SYMBOLS = ["the ", "a", "compress", "ion"];

describe("fsst symbol table", () => {
  test("parses the header and the lengths right after the symbols", () => {
    const table = parseFsstSymbolTable(handTable(SYMBOLS, 1, 7, 2), PATH, 0);
    assert.equal(table.compressionOn, true);
    assert.equal(table.numSymbols, 4);
    assert.equal(table.terminator, 7);
    assert.equal(table.suffixLim, 2);
    assert.deepEqual([...table.symbolLengths.subarray(0, 5)], [4, 1, 8, 3, 0]);
    assert.deepEqual(table.symbolBytes.subarray(16, 24), ascii("compress"));
    assert.equal(parseFsstSymbolTable(handTable([], 0), PATH, 0).compressionOn, false);
  });

  test("encodeFsstSymbolTable writes the same bytes as the hand-built table", () => {
    assert.deepEqual(encodeFsstSymbolTable(SYMBOLS.map(ascii)), handTable(SYMBOLS));
    assert.deepEqual(encodeFsstSymbolTable([], false), handTable([], 0));
  });

  test("corrupt tables", () => {
    const good = handTable(SYMBOLS);
    assertCorrupt(() => parseFsstSymbolTable(good.subarray(0, 7), PATH, 500), /shorter than its 8-byte header/, 500);
    // 4 symbols need 8 + 32 + 4 bytes
    assertCorrupt(() => parseFsstSymbolTable(good.subarray(0, 43), PATH, 500), /43 bytes is truncated: 4 symbols need 44/, 500);
    const badMagic = good.slice();
    badMagic[7] = 0x47;
    assertCorrupt(() => parseFsstSymbolTable(badMagic, PATH, 0), /lacks the magic 0x46535354/);
    const badFlags = good.slice();
    badFlags[3] = 3;
    assertCorrupt(() => parseFsstSymbolTable(badFlags, PATH, 0), /unknown flag bits/);
    const zeroLength = good.slice();
    zeroLength[8 + 32 + 2] = 0;
    assertCorrupt(() => parseFsstSymbolTable(zeroLength, PATH, 1000), /symbol 2 has symbol length 0/, 1000 + 42);
    const longSymbol = good.slice();
    longSymbol[8 + 32 + 1] = 9;
    assertCorrupt(() => parseFsstSymbolTable(longSymbol, PATH, 0), /symbol 1 has symbol length 9, expected 1..8/);
  });
});

describe("fsst decompression", () => {
  const table = parseFsstSymbolTable(handTable(SYMBOLS), PATH, 0);

  test("hand-written codes: symbols of 1, 3, 4 and 8 bytes, escapes, empty values", () => {
    // value 0: "the " "compress" "ion"   value 1: "a" ESC "!" ESC 0xff   value 2: empty   value 3: ESC "z"
    const data = Uint8Array.from([0, 2, 3, 1, 255, 0x21, 255, 0xff, 255, 0x7a]);
    const out = fsstDecompress(table, Uint32Array.from([0, 3, 8, 8, 10]), data, PATH, 0);
    assert.deepEqual([...out.offsets], [0, 15, 18, 18, 19]);
    assert.deepEqual(out.data.subarray(15, 18), Uint8Array.from([0x61, 0x21, 0xff]));
    assert.deepEqual(values(out).filter((_, i) => i !== 1), ["the compression", "", "z"]);
    assert.equal(out.data.length, 19);
  });

  test("offsets need not start at 0, and an Int32Array works too", () => {
    const data = Uint8Array.from([9, 9, 9, 1, 1, 0]);
    const out = fsstDecompress(table, Int32Array.from([3, 5, 6]), data, PATH, 0);
    assert.deepEqual(values(out), ["aa", "the "]);
    assert.deepEqual([...out.offsets], [0, 2, 6]);
  });

  test("no values", () => {
    const out = fsstDecompress(table, Uint32Array.from([0]), new Uint8Array(0), PATH, 0);
    assert.deepEqual([...out.offsets], [0]);
    assert.equal(out.data.length, 0);
  });

  test("verbatim mode stores the values as they are", () => {
    const verbatim = parseFsstSymbolTable(handTable(SYMBOLS, 0), PATH, 0);
    const data = ascii("xxhello\u00ffworld");
    const out = fsstDecompress(verbatim, Uint32Array.from([2, 7, 7, data.length]), data, PATH, 0);
    assert.deepEqual([...out.offsets], [0, 5, 5, data.length - 2]);
    assert.deepEqual(values(out), ["hello", "", "\u00ffworld"]);
  });

  test("corrupt values", () => {
    // code 4 names no symbol in a 4-symbol table
    assertCorrupt(
      () => fsstDecompress(table, Uint32Array.from([0, 1, 3]), Uint8Array.from([0, 1, 4]), PATH, 2000),
      /code 4 in value 1 names no symbol \(table has 4\)/,
      2002,
    );
    // an escape with nothing after it in its value (the next value's byte does not count)
    assertCorrupt(
      () => fsstDecompress(table, Uint32Array.from([0, 2, 3]), Uint8Array.from([1, 255, 0x41]), PATH, 2000),
      /escape code ends value 0 with no literal byte/,
      2001,
    );
    assertCorrupt(() => fsstDecompress(table, Uint32Array.from([0, 4]), Uint8Array.from([1, 1]), PATH, 0), /end at 4, past the 2 data bytes/);
    assertCorrupt(() => fsstDecompress(table, Uint32Array.from([0, 2, 1]), Uint8Array.from([1, 1]), PATH, 0), /decrease at value 1: 2 then 1/);
    assertCorrupt(() => fsstDecompress(table, new Uint32Array(0), new Uint8Array(0), PATH, 0), /no offsets/);
    assertCorrupt(() => fsstDecompress(table, Int32Array.from([-1, 0]), new Uint8Array(0), PATH, 0), /negative/);
  });

  test("a table with 255 symbols leaves 255 as the escape", () => {
    const symbols = Array.from({ length: 255 }, (_, c) => String.fromCharCode(33 + (c % 90)).repeat(1 + (c % 8)));
    const full = parseFsstSymbolTable(handTable(symbols), PATH, 0);
    const out = fsstDecompress(full, Uint32Array.from([0, 4]), Uint8Array.from([254, 255, 254, 0]), PATH, 0);
    assert.deepEqual(out.data, Uint8Array.from([...ascii(symbols[254]!), 0xfe, 0x21]));
  });
});

describe("fsst round trips", () => {
  test("property: values over a small alphabet with random symbols", () => {
    const alphabet = fc.constantFrom(...ascii("abcde\u0000\u00ff"));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 8 }).map((s) => s.map((b) => [97, 98, 99, 0][b % 4]!)), {
          maxLength: 255,
          selector: (s) => s.join(","),
        }),
        fc.array(fc.array(alphabet, { maxLength: 40 }), { maxLength: 30 }),
        fc.nat(5),
        (symbols, strings, slack) => {
          const table = parseFsstSymbolTable(encodeFsstSymbolTable(symbols), PATH, 0);
          const data = new Uint8Array(slack + strings.reduce((n, s) => n + s.length, 0));
          const offsets = new Uint32Array(strings.length + 1);
          offsets[0] = slack;
          strings.forEach((s, i) => {
            data.set(s, offsets[i]!);
            offsets[i + 1] = offsets[i]! + s.length;
          });
          const compressed = fsstCompress(table, offsets, data);
          const out = fsstDecompress(table, compressed.offsets, compressed.data, PATH, 0);
          assert.deepEqual([...out.offsets], [...offsets].map((o) => o - slack));
          assert.deepEqual(out.data, data.subarray(slack));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("fsstCompress rejects bad input as INVALID_INPUT", () => {
    const table = parseFsstSymbolTable(handTable(SYMBOLS), PATH, 0);
    assert.throws(
      () => fsstCompress(table, Uint32Array.from([0, 9]), new Uint8Array(2)),
      (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT",
    );
    assert.throws(
      () => encodeFsstSymbolTable([new Uint8Array(9)]),
      (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT",
    );
  });

  test("large input decodes to exactly what was compressed", () => {
    const r = rng(3);
    const words = ["alpha ", "bravo ", "charlie ", "delta ", "echo ", "foxtrot ", "x", "y"];
    const table = parseFsstSymbolTable(encodeFsstSymbolTable(words.slice(0, 6).map(ascii)), PATH, 0);
    const strings = Array.from({ length: 20_000 }, () => Array.from({ length: 1 + Math.floor(r() * 10) }, () => words[Math.floor(r() * 8)]).join(""));
    const data = ascii(strings.join(""));
    const offsets = new Uint32Array(strings.length + 1);
    strings.forEach((s, i) => (offsets[i + 1] = offsets[i]! + s.length));
    const compressed = fsstCompress(table, offsets, data);
    assert.ok(compressed.data.length < data.length / 3);
    const out = fsstDecompress(table, compressed.offsets, compressed.data, PATH, 0);
    assert.deepEqual(out.data, data);
    assert.deepEqual(out.offsets, Int32Array.from(offsets));
  });
});

/** Finds Lance's symbol tables in a file: protobuf bytes fields of length 2312 (varint 88 12) holding the magic. */
function findSymbolTables(file: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = 2; i + 8 <= file.length; i++) {
    if (file[i - 2] === 0x88 && file[i - 1] === 0x12 && file[i + 4] === 0x54 && file[i + 5] === 0x53 && file[i + 6] === 0x53 && file[i + 7] === 0x46) {
      found.push(i);
    }
  }
  return found;
}

describe("fsst written by Lance", () => {
  test("symbol tables and full-zip values from a Lance 2.2 file", async () => {
    const r = rng(5);
    const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];
    const pick = (): string => words[Math.floor(r() * words.length)]!;
    // ~330-byte strings: Lance picks full-zip with per-value FSST for them.
    const long = Array.from({ length: 300 }, (_, i) => `${Array.from({ length: 60 }, pick).join(" ")} #${i}`);
    // short strings: mini-block FSST, whose table is full (255 symbols)
    const short = Array.from({ length: 3000 }, (_, i) => `${Array.from({ length: 4 }, pick).join(" ")} ${i}`);
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("long", new Table({ s: vectorFromArray(long, new Utf8()) }), { dataStorageVersion: "2.2" } as never);
    await db.createTable("short", new Table({ s: vectorFromArray(short, new Utf8()) }), { dataStorageVersion: "2.2" } as never);

    const readDataFile = (name: string): Uint8Array => {
      const dataDir = join(tablePath(dir, name), "data");
      const files = readdirSync(dataDir);
      assert.equal(files.length, 1);
      return new Uint8Array(readFileSync(join(dataDir, files[0]!)));
    };

    for (const name of ["long", "short"]) {
      const file = readDataFile(name);
      const at = findSymbolTables(file);
      assert.equal(at.length, 1, `${name}: one FSST symbol table`);
      const raw = file.subarray(at[0]!, at[0]! + FSST_SYMBOL_TABLE_BYTES);
      const table = parseFsstSymbolTable(raw, PATH, at[0]!);
      assert.ok(table.compressionOn);
      // Lance trains the table on a sample, so the count varies from run to run.
      assert.ok(table.numSymbols >= 16, `${name}: ${table.numSymbols} symbols`);
      // the lengths sit right after the symbols; nothing follows them
      assert.ok(raw.subarray(8 + 9 * table.numSymbols).every((b) => b === 0));
    }

    // The long table's only page is the file's first buffer, at byte 0. Without
    // nulls or lists each value is zipped as a u32 length and its FSST codes.
    const file = readDataFile("long");
    const table = parseFsstSymbolTable(file.subarray(findSymbolTables(file)[0]!), PATH, 0);
    const offsets = new Uint32Array(long.length * 2);
    let pos = 0;
    for (let i = 0; i < long.length; i++) {
      const length = new DataView(file.buffer, file.byteOffset + pos, 4).getUint32(0, true);
      offsets[2 * i] = pos + 4;
      offsets[2 * i + 1] = pos + 4 + length;
      pos += 4 + length;
    }
    // decode values one at a time (each is compressed on its own) and all at once
    const decoded = long.map((_, i) => new TextDecoder().decode(fsstDecompress(table, offsets.subarray(2 * i, 2 * i + 2), file, PATH, 0).data));
    assert.deepEqual(decoded, long);
    assert.ok(pos > 20_000);
    // the same codes gathered into one buffer with n + 1 offsets
    const codes = Buffer.concat(long.map((_, i) => file.subarray(offsets[2 * i]!, offsets[2 * i + 1]!)));
    const gathered = new Uint32Array(long.length + 1);
    for (let i = 0; i < long.length; i++) gathered[i + 1] = gathered[i]! + offsets[2 * i + 1]! - offsets[2 * i]!;
    assert.deepEqual(values(fsstDecompress(table, gathered, new Uint8Array(codes), PATH, 0)), long);
  });
});
