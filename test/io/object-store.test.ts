// openObjectWriter's fallback for stores without a writer of their own: the
// object appears whole on finish, never before, and an abort leaves nothing.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openObjectWriter } from "../../src/io/object-store.js";

describe("buffered object writer", () => {
  test("pieces become one object on finish, and only then", async () => {
    const store = new MemoryStore();
    const writer = await openObjectWriter(store, "data/a.lance");
    const chunk = Uint8Array.of(1, 2, 3);
    await writer.write(chunk);
    chunk.fill(9); // the caller may reuse its buffer
    await writer.write(Uint8Array.of(4, 5));
    assert.deepEqual(await store.list("data/"), []);
    assert.equal(await writer.finish(), 5);
    assert.deepEqual([...(await store.read("data/a.lance"))], [1, 2, 3, 4, 5]);
    await assert.rejects(writer.write(Uint8Array.of(1)), /after the writer finished/);
  });

  test("an aborted writer leaves no object", async () => {
    const store = new MemoryStore();
    const writer = await openObjectWriter(store, "data/b.lance");
    await writer.write(new Uint8Array(10));
    await writer.abort();
    assert.deepEqual(await store.list(""), []);
    await assert.rejects(writer.finish(), /after the writer finished or aborted/);
  });
});
