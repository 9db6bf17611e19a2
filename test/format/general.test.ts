// Lance's `general` compression framing: LZ4 with a u32 size prefix, zstd with
// a u64 size prefix or as a legacy bare frame. zstd frames come from the zstd
// command-line tool (libzstd 1.5.4), both as fixed bytes and made at test time.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CorruptFileError, LanceError } from "../../src/core/errors.js";
import { decodeGeneralBuffer, encodeGeneralBuffer } from "../../src/format/encoding/general.js";
import { rng } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function u32Prefix(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function u64Prefix(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

function wordy(length: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words = ["lance", "column", "fragment", "manifest", "page", "zone", "posting", "list", " ", "\n", "0", "42"];
  let text = "";
  while (text.length < length) text += words[Math.floor(r() * words.length)];
  return ascii(text.slice(0, length));
}

function assertCorrupt(fn: () => unknown, pattern: RegExp, byteOffset?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CorruptFileError, String(e));
    assert.equal(e.code, "CORRUPT_FILE");
    assert.equal(e.path, "data/x.lance");
    if (byteOffset !== undefined) assert.equal(e.byteOffset, byteOffset);
    assert.match(e.message, pattern);
    return true;
  });
}

const PATH = "data/x.lance";
const HELLO = ascii("hello hello hello hello hello hello hello");

// `zstd -c file`: single segment, content size 41, checksum.
const ZSTD_WITH_SIZE = hex("28b52ffd24296500003068656c6c6f200100429622ad8a76fa");
// `zstd -c < file`: no content size, 2 MiB window, checksum.
const ZSTD_STREAMED = hex("28b52ffd04586500003068656c6c6f200100429622ad8a76fa");
// `zstd -c --no-check < file`: no content size, no checksum.
const ZSTD_NO_CHECK = hex("28b52ffd00586500003068656c6c6f200100429622");
// `zstd -c` of an empty file: content size 0, one empty raw block.
const ZSTD_EMPTY = hex("28b52ffd240001000099e9d851");

function runZstd(args: string[], input?: Uint8Array): Uint8Array {
  const result = spawnSync("zstd", args, input === undefined ? { maxBuffer: 1 << 28 } : { input, maxBuffer: 1 << 28 });
  assert.equal(result.status, 0, `zstd ${args.join(" ")} failed: ${result.stderr?.toString()} ${String(result.error)}`);
  return new Uint8Array(result.stdout);
}

describe("general lz4", () => {
  test("hand-written frames", () => {
    assert.deepEqual(decodeGeneralBuffer(concat(u32Prefix(5), Uint8Array.from([0x50]), ascii("hello")), "lz4", PATH, 0), ascii("hello"));
    assert.deepEqual(decodeGeneralBuffer(Uint8Array.from([0, 0, 0, 0, 0]), "lz4", PATH, 0), new Uint8Array(0));
    assert.deepEqual(encodeGeneralBuffer(ascii("hello"), "lz4"), Uint8Array.from([5, 0, 0, 0, 0x50, ...ascii("hello")]));
    assert.deepEqual(encodeGeneralBuffer(new Uint8Array(0), "lz4"), Uint8Array.from([0, 0, 0, 0, 0]));
  });

  test("round trips", () => {
    const big = wordy(2 << 20, 3);
    assert.deepEqual(decodeGeneralBuffer(encodeGeneralBuffer(big, "lz4"), "lz4", PATH, 0), big);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        assert.deepEqual(decodeGeneralBuffer(encodeGeneralBuffer(data, "lz4"), "lz4", PATH, 0), data);
      }),
      { numRuns: 200 },
    );
  });

  test("corrupt frames", () => {
    assertCorrupt(() => decodeGeneralBuffer(Uint8Array.from([1, 0, 0]), "lz4", PATH, 100), /shorter than its 4-byte size prefix/, 100);
    // the prefix promises more than the block holds
    assertCorrupt(
      () => decodeGeneralBuffer(concat(u32Prefix(6), Uint8Array.from([0x50]), ascii("hello")), "lz4", PATH, 100),
      /decompressed to 5 bytes, size prefix says 6/,
      100,
    );
    // the block holds more than the prefix promises
    assertCorrupt(
      () => decodeGeneralBuffer(concat(u32Prefix(4), Uint8Array.from([0x50]), ascii("hello")), "lz4", PATH, 100),
      /overflow the output \(4 bytes\)/,
      105,
    );
    // an impossible size is refused before allocating
    assertCorrupt(
      () => decodeGeneralBuffer(concat(u32Prefix(0xffffffff), Uint8Array.from([0x50]), ascii("hello")), "lz4", PATH, 100),
      /size prefix 4294967295 is impossible for a 6-byte block \(limit 1530\)/,
      100,
    );
    // a bad offset inside the block is reported at its file position
    assertCorrupt(
      () => decodeGeneralBuffer(concat(u32Prefix(100), Uint8Array.from([0x10, 0x61, 0, 0, 0])), "lz4", PATH, 1000),
      /offset is 0/,
      1006,
    );
  });

  test("zstd is not written", () => {
    assert.throws(
      () => encodeGeneralBuffer(HELLO, "zstd"),
      (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED",
    );
  });
});

describe("general zstd", () => {
  test("fixed frames with the 8-byte size prefix", () => {
    for (const frame of [ZSTD_WITH_SIZE, ZSTD_STREAMED, ZSTD_NO_CHECK]) {
      assert.deepEqual(decodeGeneralBuffer(concat(u64Prefix(41), frame), "zstd", PATH, 0), HELLO);
    }
    assert.deepEqual(decodeGeneralBuffer(concat(u64Prefix(0), ZSTD_EMPTY), "zstd", PATH, 0), new Uint8Array(0));
  });

  test("legacy bare frames", () => {
    for (const frame of [ZSTD_WITH_SIZE, ZSTD_STREAMED, ZSTD_NO_CHECK]) {
      assert.deepEqual(decodeGeneralBuffer(frame, "zstd", PATH, 0), HELLO);
    }
    assert.deepEqual(decodeGeneralBuffer(ZSTD_EMPTY, "zstd", PATH, 0), new Uint8Array(0));
    // two concatenated frames decode as one stream
    assert.deepEqual(decodeGeneralBuffer(concat(ZSTD_WITH_SIZE, ZSTD_NO_CHECK), "zstd", PATH, 0), concat(HELLO, HELLO));
  });

  test("an empty buffer is an empty value", () => {
    assert.deepEqual(decodeGeneralBuffer(new Uint8Array(0), "zstd", PATH, 0), new Uint8Array(0));
  });

  test("large frames made by libzstd, with and without content size", () => {
    const data = wordy(3 << 20, 5);
    const dir = tempDir();
    const file = join(dir, "page.bin");
    writeFileSync(file, data);
    const sized = runZstd(["-q", "-c", "-3", file]);
    const streamed = runZstd(["-q", "-c", "-6"], data);
    assert.notEqual(sized[4]! >>> 6, 0, "a file's frame declares its content size");
    assert.equal(streamed[4]! >>> 6, 0, "a pipe's frame has no content size");
    for (const frame of [sized, streamed]) {
      assert.deepEqual(Buffer.from(decodeGeneralBuffer(concat(u64Prefix(data.length), frame), "zstd", PATH, 0)), Buffer.from(data));
      assert.deepEqual(Buffer.from(decodeGeneralBuffer(frame, "zstd", PATH, 0)), Buffer.from(data));
    }
  });

  test("corrupt frames", () => {
    // prefix disagrees with the frame
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(40), ZSTD_WITH_SIZE), "zstd", PATH, 0), /size prefix 40 disagrees with the frame content size 41/);
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(40), ZSTD_STREAMED), "zstd", PATH, 0), /decompressed to 41 bytes, size prefix says 40/);
    // absurd prefixes are refused before anything is allocated
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(2 ** 40), ZSTD_STREAMED), "zstd", PATH, 0), /exceeds the 2147483648-byte limit/);
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(10_000_000), ZSTD_STREAMED), "zstd", PATH, 0), /impossible for 25 compressed bytes \(at most 131072\)/);
    // a header claiming more content than its blocks can hold
    const claims = hex("28b52ffda0" + "00000004" + "010000"); // single segment, 4-byte FCS 2^26, one empty raw block
    assertCorrupt(() => decodeGeneralBuffer(claims, "zstd", PATH, 0), /declares 67108864 bytes but its blocks hold at most 0/);
    // a window too large to allocate
    const bomb = hex("28b52ffd00f8" + "030000" + "00"); // window descriptor 0xf8 (2^41 bytes), one empty RLE block
    assertCorrupt(() => decodeGeneralBuffer(bomb, "zstd", PATH, 0), /window of 2\d+ bytes exceeds/);
    // truncated frames and garbage
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(41), ZSTD_WITH_SIZE.subarray(0, 15)), "zstd", PATH, 0), /runs past the buffer end/);
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(41), ZSTD_WITH_SIZE.subarray(0, 24)), "zstd", PATH, 0), /checksum is truncated/);
    assertCorrupt(() => decodeGeneralBuffer(concat(u64Prefix(41), ascii("not a zstd frame at all")), "zstd", PATH, 50), /expected a zstd frame/, 58);
    assertCorrupt(() => decodeGeneralBuffer(concat(ZSTD_WITH_SIZE, Uint8Array.from([1, 2])), "zstd", PATH, 0), /2 bytes after the last zstd frame/);
  });

  test("damaged compressed frames fail as CorruptFileError or keep their size", () => {
    const data = wordy(20_000, 11);
    const frame = concat(u64Prefix(data.length), runZstd(["-q", "-c", "--no-check"], data));
    fc.assert(
      fc.property(fc.nat(frame.length - 9), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = frame.slice();
        damaged[8 + at] = damaged[8 + at]! ^ flip;
        try {
          assert.equal(decodeGeneralBuffer(damaged, "zstd", PATH, 0).length, data.length);
        } catch (e) {
          assert.ok(e instanceof CorruptFileError, String(e));
        }
      }),
      { numRuns: 300 },
    );
  });
});
