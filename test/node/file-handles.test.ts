// The local store keeps a bounded set of Lance files open between ranged
// reads: descriptors stay bounded however many files are read, are all closed
// by close(), and a file replaced or deleted (through the store, or a manifest
// replaced on disk) is never read through a stale descriptor.

import assert from "node:assert/strict";
import { readdirSync, readlinkSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { isImmutablePath, OPEN_FILES } from "../../src/node/file-handles.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { tempDir } from "../helpers/tmp.js";

/** Paths of this process's open descriptors under `dir`. */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed while listing
    }
  }
  return out;
}

function bytesOf(k: number, n = 64): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (k * 7 + i) & 0xff);
}

describe("open files kept between ranged reads", () => {
  test("only Lance files outside _versions/ are kept open", () => {
    assert.ok(isImmutablePath("data/0a1b.lance"));
    assert.ok(isImmutablePath("_indices/u/part_0_invert.lance"));
    assert.ok(!isImmutablePath("_versions/3.manifest"));
    assert.ok(!isImmutablePath("_versions/latest_version_hint.json"));
    assert.ok(!isImmutablePath("_deletions/1-2-3.arrow"));
    assert.ok(!isImmutablePath("_versions/x.lance"));
  });

  test("reading many files keeps at most OPEN_FILES open, each opened once while kept, and close() closes them all", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "data"));
    const n = OPEN_FILES * 3;
    for (let k = 0; k < n; k++) writeFileSync(join(dir, "data", `f${k}.lance`), bytesOf(k));
    const store = new LocalFileStore(dir);
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < n; k++) {
        assert.deepEqual(await store.readRange(`data/f${k}.lance`, 8, 16), bytesOf(k).subarray(8, 24));
        assert.ok(openUnder(dir).length <= OPEN_FILES, `${openUnder(dir).length} files open after reading ${k + 1}`);
      }
    }
    // the last files read stay open, once each, however often they are read
    for (let i = 0; i < 20; i++) await store.readRange(`data/f${n - 1}.lance`, 0, 4);
    const open = openUnder(dir);
    assert.equal(open.length, OPEN_FILES);
    assert.equal(new Set(open).size, OPEN_FILES);
    assert.ok(open.includes(join(dir, "data", `f${n - 1}.lance`)));
    // reads at once, more files than are kept: every one gets its own bytes
    const all = await Promise.all(Array.from({ length: n }, (_, k) => store.readRange(`data/f${k}.lance`, 0, 64)));
    all.forEach((b, k) => assert.deepEqual(b, bytesOf(k)));
    assert.ok(openUnder(dir).length <= OPEN_FILES);
    await store.close();
    assert.deepEqual(openUnder(dir), []);
    // the store stays usable
    assert.deepEqual(await store.readRange("data/f0.lance", 0, 4), bytesOf(0).subarray(0, 4));
    await store.close();
  });

  test("a file replaced or deleted through the store is read anew; a manifest replaced on disk is never read stale", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "data"));
    mkdirSync(join(dir, "_versions"));
    const store = new LocalFileStore(dir);
    writeFileSync(join(dir, "data", "a.lance"), bytesOf(1));
    assert.deepEqual(await store.readRange("data/a.lance", 0, 8), bytesOf(1).subarray(0, 8));
    await store.put("data/a.lance", bytesOf(2, 100));
    assert.deepEqual(await store.readRange("data/a.lance", 90, 10), bytesOf(2, 100).subarray(90, 100));
    const writer = await store.openWriter("data/a.lance");
    await writer.write(bytesOf(3, 30));
    await writer.finish();
    assert.deepEqual(await store.readRange("data/a.lance", 0, 30), bytesOf(3, 30));
    await assert.rejects(store.readRange("data/a.lance", 0, 31), (err: unknown) => err instanceof LanceError && err.code === "CORRUPT_FILE" && /size 30/.test(err.message));
    await store.delete("data/a.lance");
    await assert.rejects(store.readRange("data/a.lance", 0, 1), (err: unknown) => err instanceof LanceError && err.code === "NOT_FOUND");

    // manifests are opened per read: a new one renamed over the old is what the next read sees
    writeFileSync(join(dir, "_versions", "1.manifest"), bytesOf(4));
    assert.deepEqual(await store.readRange("_versions/1.manifest", 0, 8), bytesOf(4).subarray(0, 8));
    assert.deepEqual(openUnder(join(dir, "_versions")), []);
    writeFileSync(join(dir, "_versions", "tmp"), bytesOf(5, 80));
    renameSync(join(dir, "_versions", "tmp"), join(dir, "_versions", "1.manifest"));
    assert.deepEqual(await store.readRange("_versions/1.manifest", 70, 10), bytesOf(5, 80).subarray(70, 80));
    await store.close();
    assert.deepEqual(openUnder(dir), []);
  });

  test("a file that cannot be opened is NOT_FOUND and leaves nothing open", async () => {
    const dir = tempDir();
    const store = new LocalFileStore(dir);
    await assert.rejects(store.readRange("data/missing.lance", 0, 1), (err: unknown) => err instanceof LanceError && err.code === "NOT_FOUND");
    writeFileSync(join(dir, "x.lance"), bytesOf(1));
    await assert.rejects(store.readRange("x.lance", 60, 10), (err: unknown) => err instanceof LanceError && err.code === "CORRUPT_FILE");
    assert.deepEqual(await store.readRange("x.lance", 60, 4), bytesOf(1).subarray(60, 64));
    await store.close();
    assert.deepEqual(openUnder(dir), []);
  });
});
