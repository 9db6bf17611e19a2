// The local store on files of 2 GiB and more, made sparse so they take no disk:
// ranges past 2^31 and reads longer than one fs.read are split into bounded
// pieces; whole reads and results too large to hold are refused before any
// allocation, never by aborting the process.

import assert from "node:assert/strict";
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { READ_CHUNK_BYTES } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { tempDir } from "../helpers/tmp.js";

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

/** A sparse file of `size` bytes with `marks` written at the given positions. */
function sparseFile(dir: string, name: string, size: number, marks: [number, number][] = []): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(0));
  truncateSync(path, size);
  const fd = openSync(path, "r+");
  for (const [position, value] of marks) writeSync(fd, new Uint8Array([value]), 0, 1, position);
  closeSync(fd);
  return path;
}

async function expectLanceError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof LanceError, `expected a LanceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

/** External memory (array buffers) grown by `run`, in bytes. */
async function allocatedBy(run: () => Promise<unknown>): Promise<number> {
  const before = process.memoryUsage().arrayBuffers;
  await run();
  return process.memoryUsage().arrayBuffers - before;
}

describe("local store: files of 2 GiB and more", () => {
  test("a short range past 2^31 and a range across 4 GiB read their bytes", async () => {
    const dir = tempDir();
    const at = 2 ** 31 + 5;
    sparseFile(dir, "big.bin", 5 * GiB, [
      [at, 7],
      [at + 15, 9],
      [2 ** 32 - 1, 3],
      [2 ** 32, 4],
    ]);
    const store = new LocalFileStore(dir);
    assert.equal(await store.size("big.bin"), 5 * GiB);
    const got = await store.readRange("big.bin", at, 16);
    assert.deepEqual([...got], [7, ...new Array<number>(14).fill(0), 9]);
    assert.deepEqual([...(await store.readRange("big.bin", 2 ** 32 - 2, 4))], [0, 3, 4, 0]);
  });

  test("a 300 MiB range across the 2 GiB boundary is read in bounded pieces into one buffer", async () => {
    const dir = tempDir();
    const start = 2 * GiB - 150 * MiB;
    const length = 300 * MiB;
    // marks at both ends, at the 2^31 boundary and on both sides of each piece boundary
    const marks: [number, number][] = [
      [start, 1],
      [2 ** 31 - 1, 2],
      [2 ** 31, 3],
      [start + READ_CHUNK_BYTES - 1, 4],
      [start + READ_CHUNK_BYTES, 5],
      [start + 2 * READ_CHUNK_BYTES, 6],
      [start + length - 1, 8],
    ];
    sparseFile(dir, "big.bin", 3 * GiB, marks);
    const store = new LocalFileStore(dir);
    let got: Uint8Array | undefined = await store.readRange("big.bin", start, length);
    assert.equal(got.byteLength, length);
    // every other byte is zero: scan 4-byte words, then the bytes of nonzero ones
    const words = new Uint32Array(got.buffer, got.byteOffset, got.byteLength / 4);
    let nonZero = 0;
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let i = w * 4; i < w * 4 + 4; i++) if (got[i] !== 0) nonZero++;
    }
    assert.equal(nonZero, marks.length);
    for (const [position, value] of marks) assert.equal(got[position - start], value, `byte ${position}`);
    got = undefined;
  });

  test("a whole read of an object past the caller's bound is CORRUPT_FILE before any allocation", async () => {
    const dir = tempDir();
    sparseFile(dir, "huge.manifest", 3 * GiB);
    const store = new LocalFileStore(dir);
    const t0 = Date.now();
    const grown = await allocatedBy(() => expectLanceError(store.read("huge.manifest", { maxBytes: GiB }), "CORRUPT_FILE", /huge\.manifest.*3221225472 bytes.*at most 1073741824/));
    assert.ok(grown < 64 * MiB, `allocated ${grown} bytes`);
    assert.ok(Date.now() - t0 < 2000, "refused quickly");
    // within the bound it is read
    sparseFile(dir, "small.manifest", 10, [[9, 1]]);
    assert.deepEqual([...(await store.read("small.manifest", { maxBytes: 10 }))], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  test("a result larger than one typed array can hold, or than the store's cap, is NOT_SUPPORTED, not an abort", async () => {
    const dir = tempDir();
    sparseFile(dir, "huge.bin", 5 * GiB);
    const store = new LocalFileStore(dir);
    const grown = await allocatedBy(async () => {
      await expectLanceError(store.read("huge.bin"), "NOT_SUPPORTED", /cannot read 5368709120 bytes .*huge\.bin/);
      await expectLanceError(store.readRange("huge.bin", 1, 4 * GiB + 1), "NOT_SUPPORTED", /more than the 4294967296-byte limit/);
    });
    assert.ok(grown < 64 * MiB, `allocated ${grown} bytes`);
    const capped = new LocalFileStore(dir, { maxReadBytes: MiB });
    await expectLanceError(capped.readRange("huge.bin", 2 ** 31, MiB + 1), "NOT_SUPPORTED", /1048577 bytes at byte 2147483648 .*limit of a single read/);
    assert.equal((await capped.readRange("huge.bin", 2 ** 31, MiB)).byteLength, MiB);
  });

  test("ranges that are not whole numbers or leave the file are CORRUPT_FILE", async () => {
    const dir = tempDir();
    sparseFile(dir, "big.bin", 3 * GiB);
    const store = new LocalFileStore(dir);
    await expectLanceError(store.readRange("big.bin", 3 * GiB - 1, 2), "CORRUPT_FILE", /passes the end of the file \(size 3221225472\)/);
    await expectLanceError(store.readRange("big.bin", 0.5, 2), "CORRUPT_FILE", /passes the end/);
    await expectLanceError(store.readRange("big.bin", 2 ** 53, 2), "CORRUPT_FILE", /passes the end/);
  });
});
