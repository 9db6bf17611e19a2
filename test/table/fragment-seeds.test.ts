// readFragmentSeeds names the columns whose data files carry index seeds:
// none before a ZONEMAP index asks for seeds, the indexed column in every
// fragment appended after it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openDataset, writeDataset } from "../../src/browser.js";
import { readFragmentSeeds } from "../../src/table/fragment-seeds.js";

function rows(start: number, count: number): Table {
  return new Table({
    ts: vectorFromArray(Array.from({ length: count }, (_, i) => BigInt(start + i)), new Int64()),
    name: vectorFromArray(Array.from({ length: count }, (_, i) => `n${start + i}`), new Utf8()),
  });
}

test("fragments appended after a seeded ZONEMAP index carry a seed for its column", async () => {
  const store = new MemoryStore();
  let ds = await writeDataset(store, rows(0, 100), { maxRowsPerFile: 50 });
  ds = await ds.createScalarIndex("ts", "ZONEMAP", { params: { rowsPerZone: 16, useSeeds: true } });
  ds = await ds.append(rows(100, 60), { maxRowsPerFile: 30 });
  const seeds = await readFragmentSeeds(ds.snapshot);
  assert.deepEqual([...seeds.entries()], [[0, []], [1, []], [2, ["ts"]], [3, ["ts"]]]);
  assert.deepEqual([...(await readFragmentSeeds(ds.snapshot, [3])).entries()], [[3, ["ts"]]]);
  const reopened = await openDataset(store, { version: 1 });
  assert.deepEqual([...(await readFragmentSeeds(reopened.snapshot)).entries()], [[0, []], [1, []]]);
});
