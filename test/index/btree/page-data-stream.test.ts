// BTREE page_data.lance is written to the store page by page as the pages are
// encoded (never assembled whole), and the bytes equal those written through
// a store without a writer of its own.

import assert from "node:assert/strict";
import { test } from "node:test";
import { makeVector } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import type { ObjectStore } from "../../../src/io/object-store.js";
import { buildBTree } from "../../../src/index/btree/build.js";
import { ProbeStore } from "../../helpers/probe-store.js";

test("a BTREE segment's page_data.lance goes to the store page by page, never put whole", async () => {
  const rows = 400_000;
  // distinct values of full width, which bit-packing does not shrink
  const values = makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt.asIntN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n))).data[0]!;
  const training = { values, rowIds: Float64Array.from({ length: rows }, (_, i) => i), fragments: [] };
  const store = new ProbeStore(new MemoryStore());
  const built = await buildBTree(store, "seg", training, 4096);
  const size = built.files.find((f) => f.path === "page_data.lance")!.sizeBytes;
  assert.ok(size > 3 * 1024 * 1024, `page_data.lance is ${size} bytes`);
  assert.equal(store.maxPutBytes, 0, "nothing put whole");
  assert.ok(store.writes >= 3, `written in ${store.writes} pieces`);
  assert.ok(store.maxChunkBytes <= 1024 * 1024, `largest piece ${store.maxChunkBytes} bytes`);
  assert.deepEqual(store.finished.sort(), ["seg/page_data.lance", "seg/page_lookup.lance"]);
  // the same bytes as a segment built in a store without writers of its own
  const plain = new MemoryStore();
  await buildBTree(plainStore(plain), "seg", training, 4096);
  assert.deepEqual(await store.read("seg/page_data.lance"), await plain.read("seg/page_data.lance"));
});

/** The store's methods without openWriter, so files go through openObjectWriter's buffered fallback. */
function plainStore(store: MemoryStore): ObjectStore {
  return {
    uri: store.uri,
    size: (p) => store.size(p),
    read: (p, o) => store.read(p, o),
    readRange: (p, a, b) => store.readRange(p, a, b),
    put: (p, d) => store.put(p, d),
    putIfAbsent: (p, d) => store.putIfAbsent(p, d),
    list: (p) => store.list(p),
    delete: (p) => store.delete(p),
  };
}
