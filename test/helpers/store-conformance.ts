// The ObjectStore contract, as tests every store over a real server must
// pass: whole and ranged reads with the same error codes as the local store,
// put-if-absent with exactly one winner among concurrent creators, listing by
// prefix, deletes, refused paths and uploads in parts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import type { ObjectStore } from "../../src/io/object-store.js";
import type { UploadTuning } from "../../src/io/remote-store.js";

/** Opens a store rooted at a fresh prefix of the server's bucket or container. */
export type OpenAt = (prefix: string, tuning?: UploadTuning) => Promise<ObjectStore>;

export async function expectCode(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<LanceError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof LanceError, `expected a LanceError ${code}, got ${caught === undefined ? "success" : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

let counter = 0;
function fresh(): string {
  return `conf-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

/** Registers the contract tests; `open` gives a store at a new prefix each time. */
export function storeConformance(open: OpenAt, options: { partBytes: number }): void {
  test("put, read, size, and put replacing an object", async () => {
    const store = await open(fresh());
    const data = bytes(1000);
    await store.put("data/a.lance", data);
    assert.equal(await store.size("data/a.lance"), 1000);
    assert.deepEqual(await store.read("data/a.lance"), data);
    await store.put("data/a.lance", bytes(10, 7));
    assert.deepEqual(await store.read("data/a.lance"), bytes(10, 7));
    await store.put("empty.bin", new Uint8Array(0));
    assert.equal(await store.size("empty.bin"), 0);
    assert.equal((await store.read("empty.bin")).byteLength, 0);
    assert.equal((await store.readRange("empty.bin", 0, 0)).byteLength, 0);
  });

  test("ranged reads: middle, tail, empty, and past the end", async () => {
    const store = await open(fresh());
    const data = bytes(5000, 3);
    await store.put("f.bin", data);
    assert.deepEqual(await store.readRange("f.bin", 100, 200), data.slice(100, 300));
    assert.deepEqual(await store.readRange("f.bin", 4990, 10), data.slice(4990));
    assert.deepEqual(await store.readRange("f.bin", 0, 5000), data);
    assert.equal((await store.readRange("f.bin", 5000, 0)).byteLength, 0);
    // one byte past, starting exactly at the end, and starting beyond it
    await expectCode(store.readRange("f.bin", 4990, 11), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 5000, 1), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 6000, 5), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 5001, 0), "CORRUPT_FILE", /size 5000/);
    await expectCode(store.readRange("f.bin", -1, 5), "CORRUPT_FILE");
    await expectCode(store.readRange("f.bin", 0.5, 5), "CORRUPT_FILE");
    // a whole read beyond the caller's bound is refused
    await expectCode(store.read("f.bin", { maxBytes: 4999 }), "CORRUPT_FILE", /5000 bytes.*at most 4999/);
    assert.equal((await store.read("f.bin", { maxBytes: 5000 })).byteLength, 5000);
  });

  test("a missing object is NOT_FOUND for size, read and readRange; deleting it succeeds", async () => {
    const store = await open(fresh());
    await expectCode(store.size("nope.bin"), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.read("nope.bin"), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.readRange("nope.bin", 0, 10), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.readRange("nope.bin", 0, 0), "NOT_FOUND", /nope\.bin/);
    await store.delete("nope.bin");
    assert.deepEqual(await store.list("_versions/"), []);
  });

  test("putIfAbsent creates once and never overwrites", async () => {
    const store = await open(fresh());
    assert.equal(await store.putIfAbsent("_versions/1.manifest", bytes(50, 1)), true);
    assert.equal(await store.putIfAbsent("_versions/1.manifest", bytes(60, 2)), false);
    assert.deepEqual(await store.read("_versions/1.manifest"), bytes(50, 1));
  });

  test("10 concurrent creates of one name: exactly one winner, whose bytes are stored (5 rounds)", async () => {
    const store = await open(fresh());
    for (let round = 0; round < 5; round++) {
      const name = `_versions/${round + 2}.manifest`;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.putIfAbsent(name, bytes(100 + i, i + 1))));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: winners ${winners.join(",")}`);
      assert.deepEqual(await store.read(name), bytes(100 + winners[0]!, winners[0]! + 1));
    }
  });

  test("list by directory and by name prefix stays inside the root", async () => {
    const prefix = fresh();
    const store = await open(prefix);
    const sibling = await open(`${prefix}x`);
    await sibling.put("_versions/9.manifest", bytes(3));
    await Promise.all([
      store.put("_versions/1.manifest", bytes(11)),
      store.put("_versions/2.manifest", bytes(12)),
      store.put("_versions/10.txn", bytes(13)),
      store.put("data/a.lance", bytes(14)),
      store.put("_indices/u1/page_data.lance", bytes(15)),
    ]);
    const sorted = (metas: { path: string; size: number }[]): [string, number][] => metas.map((m) => [m.path, m.size] as [string, number]).sort();
    assert.deepEqual(sorted(await store.list("_versions/")), [
      ["_versions/1.manifest", 11],
      ["_versions/10.txn", 13],
      ["_versions/2.manifest", 12],
    ]);
    assert.deepEqual(sorted(await store.list("_versions/1")), [
      ["_versions/1.manifest", 11],
      ["_versions/10.txn", 13],
    ]);
    assert.deepEqual(sorted(await store.list("_indices/")), [["_indices/u1/page_data.lance", 15]]);
    assert.equal((await store.list("")).length, 5);
    const withTimes = await store.list("data/");
    assert.ok(withTimes[0]!.lastModified === undefined || withTimes[0]!.lastModified > Date.now() - 3_600_000);
    assert.deepEqual(sorted(await sibling.list("")), [["_versions/9.manifest", 3]]);
  });

  test("delete removes an object from reads and listings", async () => {
    const store = await open(fresh());
    await store.put("data/x.lance", bytes(20));
    await store.put("data/y.lance", bytes(21));
    await store.delete("data/x.lance");
    await expectCode(store.size("data/x.lance"), "NOT_FOUND");
    assert.deepEqual(
      (await store.list("data/")).map((m) => m.path),
      ["data/y.lance"],
    );
  });

  test("paths that leave the root are refused before any request", async () => {
    const store = await open(fresh());
    for (const bad of ["../x", "/abs", "a//b", "a/./b", "a\\b", "", "a/../../b"]) {
      await expectCode(store.read(bad), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.put(bad, bytes(1)), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.putIfAbsent(bad, bytes(1)), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.delete(bad), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.readRange(bad, 0, 1), "CORRUPT_FILE", /leaves the dataset root/);
    }
    await expectCode(store.list("../"), "CORRUPT_FILE", /leaves the dataset root/);
  });

  test("an object above the upload threshold goes up in parts and reads back whole", async () => {
    const partBytes = options.partBytes;
    const store = await open(fresh(), { multipartThresholdBytes: partBytes + 1, partBytes, uploadConcurrency: 3 });
    const data = bytes(2 * partBytes + 12345, 9);
    await store.put("data/big.lance", data);
    assert.equal(await store.size("data/big.lance"), data.byteLength);
    // across both part boundaries
    assert.deepEqual(await store.readRange("data/big.lance", partBytes - 10, partBytes + 20), data.slice(partBytes - 10, 2 * partBytes + 10));
    assert.deepEqual(await store.read("data/big.lance"), data);
  });
}
