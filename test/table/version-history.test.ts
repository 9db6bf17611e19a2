// readVersionHistory: each version's operation from its transaction, rows and
// fragments, cut to the newest maxVersions; on a store that cannot list (as
// over HTTP) the versions are found by probing their names.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import type { ObjectStore } from "../../src/io/object-store.js";
import { openDataset, writeDataset } from "../../src/browser.js";
import { transactionFilePath } from "../../src/format/table/version-names.js";
import { readVersionHistory } from "../../src/table/version-history.js";

const rows = (start: number, n: number): Table => new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()) });

/** The store, except that it cannot list. */
function unlistable(store: MemoryStore): ObjectStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "list") return async () => Promise.reject(new LanceError("NOT_SUPPORTED", "this store cannot list"));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test("operations, rows and fragments of each version, with or without listing", async () => {
  const store = new MemoryStore();
  let ds = await writeDataset(store, rows(0, 10));
  for (let i = 1; i < 11; i++) ds = await ds.append(rows(i * 10, 10));
  ds = await ds.createScalarIndex("id", "BTREE");
  const expected = [
    [1, "overwrite", 10, 1],
    ...Array.from({ length: 10 }, (_, i) => [i + 2, "append", (i + 2) * 10, i + 2]),
    [12, "createIndex", 110, 11],
  ];
  const listed = await readVersionHistory(ds.snapshot);
  assert.deepEqual(listed.map((v) => [v.version, v.operation, v.numRows, v.numFragments]), expected);
  const probed = await readVersionHistory((await openDataset(unlistable(store))).snapshot);
  assert.deepEqual(probed, listed);
  const newest = await readVersionHistory((await openDataset(unlistable(store), { version: 5 })).snapshot, { maxVersions: 10 });
  assert.deepEqual(newest.map((v) => v.version), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // lancets writes the transaction into the manifest too: that copy answers without the file
  const v3 = await openDataset(store, { version: 3 });
  assert.ok(v3.snapshot.transactionBytes);
  await store.delete(transactionFilePath(v3.manifest.transactionFile));
  assert.equal((await readVersionHistory(ds.snapshot)).find((v) => v.version === 3)!.operation, "append");
  await assert.rejects(readVersionHistory(ds.snapshot, { maxVersions: 1.5 }), { code: "INVALID_INPUT" });
});
