// Raw LZ4 blocks: hand-written blocks, corrupt blocks, property round trips,
// and a cross-check against liblz4 through the `lz4` command-line tool.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LanceError } from "../../src/core/errors.js";
import { Lz4FormatError, lz4CompressBlock, lz4DecompressBlock } from "../../src/core/lz4.js";
import { rng } from "../helpers/oracle.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

function decompress(block: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const written = lz4DecompressBlock(block, out);
  return out.subarray(0, written);
}

function roundTrip(data: Uint8Array): Uint8Array {
  const block = lz4CompressBlock(data);
  checkEndRules(block, data.length);
  return decompress(block, data.length);
}

/**
 * Walks a block and checks the rules every LZ4 decoder relies on: the last
 * sequence is literals only, the last 5 bytes are literals, and the last match
 * starts at least 12 bytes before the end.
 */
function checkEndRules(block: Uint8Array, size: number): void {
  let ip = 0;
  let op = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = 0;
  for (;;) {
    const token = block[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) for (let b = 255; b === 255; lit += b) b = block[ip++]!;
    ip += lit;
    op += lit;
    if (ip === block.length) break;
    ip += 2;
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ml += b) b = block[ip++]!;
    lastMatchStart = op;
    op += ml + 4;
    lastMatchEnd = op;
  }
  assert.equal(op, size);
  if (lastMatchStart >= 0) {
    assert.ok(size - lastMatchEnd >= 5, `last match ends ${size - lastMatchEnd} bytes before the end`);
    assert.ok(size - lastMatchStart >= 12, `last match starts ${size - lastMatchStart} bytes before the end`);
  }
}

function randomBytes(length: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length }, () => Math.floor(r() * 256));
}

/** Text-like data: words from a small vocabulary, so it compresses. */
function wordy(length: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words = ["lance", "column", "fragment", "manifest", "page", "zone", "posting", "list", " ", "\n", "0", "42"];
  let text = "";
  while (text.length < length) text += words[Math.floor(r() * words.length)];
  return ascii(text.slice(0, length));
}

function assertCorrupt(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Lz4FormatError);
    assert.ok(e instanceof LanceError);
    assert.equal(e.code, "CORRUPT_FILE");
    assert.match(e.message, pattern);
    return true;
  });
}

describe("lz4 block decoding", () => {
  test("literals only", () => {
    assert.deepEqual(decompress(Uint8Array.from([0x50, ...ascii("hello")]), 5), ascii("hello"));
  });

  test("empty block token and empty source", () => {
    assert.equal(lz4DecompressBlock(Uint8Array.from([0x00]), new Uint8Array(0)), 0);
    assert.equal(lz4DecompressBlock(new Uint8Array(0), new Uint8Array(4)), 0);
  });

  test("overlapping match repeats the last bytes", () => {
    // "abc", then a match of 4 + 11 = 15 bytes at offset 3, then 5 literals "xyzzy"
    const block = Uint8Array.from([0x3b, ...ascii("abc"), 3, 0, 0x50, ...ascii("xyzzy")]);
    assert.deepEqual(decompress(block, 23), ascii("abcabcabcabcabcabcxyzzy"));
  });

  test("run of one byte with extended lengths (offset 1)", () => {
    // literal "a", match length 15 + 255 + 10 + 4 = 284 at offset 1, then 20 literals
    const tail = ascii("0123456789abcdefghij");
    const block = Uint8Array.from([0x1f, 0x61, 1, 0, 255, 10, 0xf0, 5, ...tail]);
    const out = decompress(block, 1 + 284 + 20);
    assert.equal(out.length, 305);
    assert.ok(out.subarray(0, 285).every((b) => b === 0x61));
    assert.deepEqual(out.subarray(285), tail);
  });

  test("long non-overlapping match is copied whole", () => {
    const head = ascii("the quick brown fox jumps over it");
    // 33 literals (15 + 18), match of 33 bytes (4 + 15 + 14) at offset 33, then 5 literals
    const block = Uint8Array.from([0xff, 18, ...head, 33, 0, 14, 0x50, ...ascii("!!!!!")]);
    const out = decompress(block, 71);
    assert.deepEqual(out.subarray(0, 33), head);
    assert.deepEqual(out.subarray(33, 66), head);
  });

  test("corrupt blocks raise CORRUPT_FILE errors with numbers", () => {
    // offset 0
    assertCorrupt(() => decompress(Uint8Array.from([0x10, 0x61, 0, 0, 0x00]), 100), /offset is 0/);
    // offset reaching before the output start
    assertCorrupt(() => decompress(Uint8Array.from([0x10, 0x61, 2, 0, 0x00]), 100), /offset 2 reaches before the output start \(output byte 1\)/);
    // literals running past the source
    assertCorrupt(() => decompress(Uint8Array.from([0x50, 0x61, 0x62]), 100), /5 literals run past the block end \(3\)/);
    // literal length extension running past the source
    assertCorrupt(() => decompress(Uint8Array.from([0xf0, 255]), 1000), /runs past the block end/);
    // literals overflowing the output
    assertCorrupt(() => decompress(Uint8Array.from([0x50, ...ascii("hello")]), 4), /overflow the output \(4 bytes\)/);
    // match overflowing the output
    assertCorrupt(() => decompress(Uint8Array.from([0x1f, 0x61, 1, 0, 0, 0x00]), 10), /match of 19 bytes at output byte 1 overflows/);
    // truncated offset
    assertCorrupt(() => decompress(Uint8Array.from([0x14, 0x61, 1]), 100), /offset runs past the block end/);
    // match length extension running past the source
    assertCorrupt(() => decompress(Uint8Array.from([0x1f, 0x61, 1, 0, 255]), 1000), /match length .* runs past the block end/);
  });

  test("random garbage never escapes as anything but Lz4FormatError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(256), (block, size) => {
        try {
          const written = lz4DecompressBlock(block, new Uint8Array(size));
          assert.ok(written <= size);
        } catch (e) {
          assert.ok(e instanceof Lz4FormatError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("lz4 block round trips", () => {
  test("empty input gives the one-byte block 00", () => {
    assert.deepEqual(lz4CompressBlock(new Uint8Array(0)), Uint8Array.from([0]));
    assert.deepEqual(roundTrip(new Uint8Array(0)), new Uint8Array(0));
  });

  test("one byte and short inputs", () => {
    for (let n = 1; n <= 40; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => i % 3);
      assert.deepEqual(roundTrip(data), data);
    }
  });

  test("repetitive data compresses well", () => {
    const zeros = new Uint8Array(1 << 20);
    const block = lz4CompressBlock(zeros);
    assert.ok(block.length < 4200, `1 MiB of zeros took ${block.length} bytes`);
    assert.deepEqual(roundTrip(zeros), zeros);
    const text = ascii("abc".repeat(10_000));
    assert.ok(lz4CompressBlock(text).length < 200);
    assert.deepEqual(roundTrip(text), text);
  });

  test("large random and large text-like buffers", () => {
    const random = randomBytes(3 << 20, 7);
    const block = lz4CompressBlock(random);
    assert.ok(block.length <= random.length + random.length / 255 + 16);
    assert.deepEqual(roundTrip(random), random);
    const text = wordy(5 << 20, 8);
    assert.ok(lz4CompressBlock(text).length < text.length / 2);
    assert.deepEqual(roundTrip(text), text);
  });

  test("matches further than 64 KiB back are not used", () => {
    const chunk = randomBytes(70_000, 9);
    const data = new Uint8Array(140_000);
    data.set(chunk, 0);
    data.set(chunk, 70_000);
    assert.deepEqual(roundTrip(data), data);
  });

  test("property: arbitrary and low-entropy bytes round trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        assert.deepEqual(roundTrip(data), data);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5000 }), fc.integer({ min: 1, max: 40 }), (values, run) => {
        const data = Uint8Array.from(values.flatMap((v) => Array<number>(run).fill(v)));
        assert.deepEqual(roundTrip(data), data);
      }),
      { numRuns: 200 },
    );
  });
});

// The `lz4` command-line tool (liblz4 1.9.4) speaks the LZ4 *frame* format:
// magic, FLG, BD, [content size], [dict id], header checksum, then blocks each
// prefixed by a u32 size (high bit = stored uncompressed), a zero end mark and
// an optional content checksum. Its blocks are raw LZ4 blocks.
const FRAME_MAGIC = [0x04, 0x22, 0x4d, 0x18];
/** FLG 0x60 (version 1, independent blocks, no checksums), BD 0x40 (64 KiB blocks), header checksum 0x82. */
const FRAME_HEADER_64K = Uint8Array.from([...FRAME_MAGIC, 0x60, 0x40, 0x82]);

function runLz4(args: string[], input: Uint8Array): Uint8Array {
  const result = spawnSync("lz4", args, { input, maxBuffer: 1 << 28 });
  assert.equal(result.status, 0, `lz4 ${args.join(" ")} failed: ${result.stderr?.toString()} ${String(result.error)}`);
  return new Uint8Array(result.stdout);
}

function u32(bytes: Uint8Array, i: number): number {
  return (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
}

/** Splits an LZ4 frame into its blocks. */
function frameBlocks(frame: Uint8Array): { compressed: boolean; bytes: Uint8Array }[] {
  assert.deepEqual([...frame.subarray(0, 4)], FRAME_MAGIC);
  const flg = frame[4]!;
  let pos = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
  const blocks: { compressed: boolean; bytes: Uint8Array }[] = [];
  for (;;) {
    const word = u32(frame, pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push({ compressed: (word & 0x80000000) === 0, bytes: frame.subarray(pos, pos + size) });
    pos += size + (flg & 0x10 ? 4 : 0);
  }
  return blocks;
}

describe("lz4 against liblz4", () => {
  test("we decode liblz4's blocks", () => {
    const data = wordy(3 << 20, 21);
    const frame = runLz4(["-c", "-B4", "--no-frame-crc"], data);
    const blocks = frameBlocks(frame);
    assert.ok(blocks.length >= 40, `expected many 64 KiB blocks, got ${blocks.length}`);
    const parts: Uint8Array[] = [];
    for (const block of blocks) {
      assert.ok(block.compressed);
      parts.push(decompress(block.bytes, 64 * 1024));
    }
    assert.deepEqual(Buffer.concat(parts), Buffer.from(data));
  });

  test("liblz4 decodes our blocks", () => {
    for (const data of [wordy(1 << 20, 22), randomBytes(200_000, 23).map((b) => b & 7), new Uint8Array(100_000), ascii("x")]) {
      const parts: Uint8Array[] = [FRAME_HEADER_64K];
      for (let start = 0; start < data.length; start += 64 * 1024) {
        const block = lz4CompressBlock(data.subarray(start, start + 64 * 1024));
        const size = new Uint8Array(4);
        new DataView(size.buffer).setUint32(0, block.length, true);
        parts.push(size, block);
      }
      parts.push(new Uint8Array(4));
      const decoded = runLz4(["-d", "-c"], Buffer.concat(parts));
      assert.deepEqual(Buffer.from(decoded), Buffer.from(data));
    }
  });
});
