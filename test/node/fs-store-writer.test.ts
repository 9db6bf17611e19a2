// The local store's writer: a temporary file beside the target that grows as
// pieces arrive, is never listed, becomes the target on finish and is removed
// by an abort; a killed writer leaves only that unlisted temporary file.

import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { openObjectWriter } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { expectCode, writerConformance } from "../helpers/store-conformance.js";
import { tempDir } from "../helpers/tmp.js";
import { killWriterMidUpload } from "../helpers/killed-writer.js";

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe("local store writer", () => {
  const root = tempDir();
  writerConformance(async (prefix) => new LocalFileStore(join(root, prefix)), {
    partBytes: 64 * 1024,
    afterAbort: async (prefix) => assert.deepEqual(filesUnder(join(root, prefix)), [], "the temporary file is gone"),
  });

  test("pieces go to a temporary file beside the target as they arrive; listings skip it", async () => {
    const dir = tempDir();
    const store = new LocalFileStore(dir);
    const writer = await openObjectWriter(store, "data/a.lance");
    await writer.write(new Uint8Array(1000).fill(1));
    await writer.write(new Uint8Array(500).fill(2));
    const [tmp, ...others] = filesUnder(dir);
    assert.deepEqual(others, []);
    assert.match(tmp!, /^data\/a\.lance\.[0-9a-f-]{36}\.tmp$/);
    assert.equal(statSync(join(dir, tmp!)).size, 1500, "written through, not buffered");
    assert.deepEqual(await store.list(""), []);
    assert.deepEqual(await store.list("data/"), []);
    assert.equal(await writer.finish(), 1500);
    assert.deepEqual(filesUnder(dir), ["data/a.lance"]);
    const got = readFileSync(join(dir, "data/a.lance"));
    assert.deepEqual([got[0], got[999], got[1000], got[1499]], [1, 1, 2, 2]);
  });

  test("a writer whose directory cannot be made is a LanceError when opened", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "data"), "a file where a directory should be");
    const store = new LocalFileStore(dir);
    await expectCode(openObjectWriter(store, "data/a.lance"), "IO", /cannot write .*a\.lance/);
    mkdirSync(join(dir, "t", "x.lance"), { recursive: true });
    const writer = await openObjectWriter(store, "t/x.lance");
    await writer.write(new Uint8Array(10));
    await expectCode(writer.finish(), "IO", /cannot write .*x\.lance/);
    await writer.abort();
    assert.deepEqual(filesUnder(join(dir, "t")), []);
  });

  test("a writer killed mid-write leaves no object at its path and nothing listed", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    await killWriterMidUpload(dir, "data/k.lance", 1048576, 8 * 1024 * 1024);
    const store = new LocalFileStore(dir);
    await expectCode(store.size("data/k.lance"), "NOT_FOUND");
    assert.deepEqual(await store.list(""), []);
    assert.equal(filesUnder(dir).length, 1, "only the temporary file remains on disk");
  });
});
