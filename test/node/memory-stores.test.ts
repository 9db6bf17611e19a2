// memory:// datasets: a write is found again by URI anywhere in the process
// until its store is dropped; a registry of one's own is separate from the
// process's.

import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStore } from "../../src/io/memory-store.js";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { memoryKey, MemoryStoreRegistry, memoryStores } from "../../src/node/memory-stores.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { expectCode } from "../helpers/store-conformance.js";

const rows = (from: number, n: number): { id: number; name: string }[] => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `row ${from + i}` }));

test("writeDataset to memory:// and openDataset of the same URI see the same dataset", async () => {
  const uri = `memory://scratch-${process.pid}/t.lance`;
  const written = await writeDataset(uri, rows(0, 10));
  assert.equal(written.countRows(), 10);
  const opened = await openDataset(uri);
  assert.equal(opened.version, written.version);
  assert.equal(opened.countRows(), 10);
  const appended = await opened.append(rows(10, 5));
  // a later open sees the append; so does the trailing-slash spelling
  assert.equal((await openDataset(uri)).version, appended.version);
  assert.equal((await openDataset(`${uri}/`)).countRows(), 15);
  const ids = (await (await openDataset(uri)).scan({ columns: ["id"] }).toArrow()).getChild("id")!.toArray();
  assert.deepEqual(Array.from(ids, Number).sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i));
  // another name is another dataset
  await expectCode(openDataset(`memory://scratch-${process.pid}/other.lance`), "NOT_FOUND", /no dataset at memory:\/\/scratch-\d+\/other\.lance/);
  assert.ok(memoryStores.uris().includes(uri));
  assert.equal(memoryStores.drop(uri), true);
  await expectCode(openDataset(uri), "NOT_FOUND");
  memoryStores.drop(`memory://scratch-${process.pid}/other.lance`);
});

test("indexes of a memory:// dataset are built in this thread; worker threads are refused, saying why", async () => {
  const uri = `memory://index-${process.pid}/t.lance`;
  try {
    const ds = await writeDataset(uri, rows(0, 50));
    await expectCode(ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ maxConcurrency: 1 }) }), "NOT_SUPPORTED", /worker threads cannot reach/);
    const indexed = await ds.createScalarIndex("id", "BTREE");
    assert.match(await (await openDataset(uri)).explain("id < 5"), /BTREE index id_idx/);
    assert.equal(await indexed.countRows("id < 5"), 5);
  } finally {
    memoryStores.drop(uri);
  }
});

test("a registry of one's own is separate from the process's", async () => {
  const own = new MemoryStoreRegistry();
  const uri = "memory://own/t.lance";
  const store = await openObjectStore(uri, {}, {}, own);
  assert.ok(store instanceof MemoryStore);
  await writeDataset(store, rows(0, 3));
  assert.equal((await openDataset(own.open(uri))).countRows(), 3);
  assert.equal(memoryStores.has(uri), false);
  assert.deepEqual(own.uris(), [uri]);
});

test("memory URIs: keys, and refused spellings", () => {
  assert.equal(memoryKey("memory://a/b/"), "a/b");
  assert.equal(memoryKey("memory://a"), "a");
  assert.throws(() => memoryKey("memory://a/../b"), /"\." or "\.\." segments/);
  assert.throws(() => memoryKey("mem://a"), /expected memory:\/\/name/);
});
