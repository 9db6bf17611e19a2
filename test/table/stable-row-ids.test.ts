// Datasets with stable row ids: _rowid comes from the fragments' row id
// sequences and equals Lance's, through updates, deletes and compaction.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;
let table: LanceTable;
let path: string;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  table = await db.createTable("s", textTable(2000), { storageOptions: { new_table_enable_stable_row_ids: "true" } } as never);
  await table.add(textTable(1500, 2000));
  await table.update({ where: "id % 10 = 3", values: { score: "-1" } } as never);
  await table.delete("id % 7 = 2");
  await table.add(textTable(500, 3500));
  await table.optimize();
  path = tablePath(dir, "s");
});

describe("stable row ids", () => {
  test("the dataset uses stable row ids", async () => {
    const ds = await openDataset(path);
    assert.equal(ds.manifest.readerFeatureFlags & 2n, 2n);
  });

  test("_rowid equals Lance's", async () => {
    const ds = await openDataset(path);
    const ours = await ds.scan({ withRowId: true, withRowAddress: true }).toArrow();
    const theirs = await table.query().withRowId().toArrow();
    assertSameRows(ours, theirs, "_rowid", ["id", "category", "text", "score"], "stable row ids");
    // ids differ from addresses after updates and compaction
    const ids = ours.getChild("_rowid")!.toArray() as BigUint64Array;
    const addrs = ours.getChild("_rowaddr")!.toArray() as BigUint64Array;
    assert.ok(ids.some((v, i) => v !== addrs[i]));
  });

  test("row id -> address lookups: every live row, no deleted row, in runs rather than one entry per row", async () => {
    const { RowAddressIndex } = await import("../../src/query/row-addresses.js");
    const ds = await openDataset(path);
    const index = (await RowAddressIndex.build(ds.snapshot))!;
    const live = await ds.scan({ withRowId: true, withRowAddress: true, columns: ["id"] }).toArrow();
    const ids = live.getChild("_rowid")!.toArray() as BigUint64Array;
    const addrs = live.getChild("_rowaddr")!.toArray() as BigUint64Array;
    for (let i = 0; i < ids.length; i++) assert.equal(index.lookup(Number(ids[i]!)), Number(addrs[i]!), `row id ${ids[i]}`);
    const liveIds = new Set(Array.from(ids, Number));
    const maxId = Math.max(...liveIds);
    for (let id = 0; id <= maxId + 10; id++) if (!liveIds.has(id)) assert.equal(index.lookup(id), undefined, `row id ${id} is not live`);
    assert.ok(index.numRuns < ids.length / 3, `${index.numRuns} runs for ${ids.length} rows`);
  });
});
