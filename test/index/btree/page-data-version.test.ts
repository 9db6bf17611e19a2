// lancets writes BTREE page_data.lance as Lance 12 and 14 do, a 2.2 file whose
// mini-block pages bit-pack values and row ids, several batches to a page:
// about the size of Lance's own file for the same column, and Lance 12's
// planner searches it with the rows of a full scan.

import assert from "node:assert/strict";
import { test } from "node:test";
import { readdirSync, statSync } from "node:fs";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import { LanceFileReader } from "../../../src/file/file-reader.js";
import { BTREE_BATCH_SIZE, PAGE_DATA_FILE_VERSION } from "../../../src/index/btree/build.js";
import { batchesPerPage } from "../../../src/index/btree/page-data.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { connect, lancedb, rng, tablePath } from "../../helpers/oracle.js";
import { tempDir } from "../../helpers/tmp.js";

/** ids 0..n-1 shuffled within blocks of 1000, as the object-store benchmark writes them. */
function shuffledIds(n: number): Table {
  const r = rng(5);
  const ids = Array.from({ length: n }, (_, i) => BigInt(i));
  for (let s = 0; s < n; s += 1000) {
    for (let j = Math.min(n, s + 1000) - 1; j > s; j--) {
      const k = s + Math.floor(r() * (j - s + 1));
      [ids[j], ids[k]] = [ids[k]!, ids[j]!];
    }
  }
  return new Table({ id: vectorFromArray(ids, new Int64()) });
}

function pageDataSize(path: string): number {
  const [uuid] = readdirSync(`${path}/_indices`);
  return statSync(`${path}/_indices/${uuid}/page_data.lance`).size;
}

test("BTREE page_data.lance is a 2.2 file about the size of Lance's, and Lance's planner uses it", async () => {
  const n = 200_000;
  const dir = tempDir();
  const db = await connect(dir);
  const theirs = await db.createTable("theirs", shuffledIds(n));
  await theirs.createIndex("id", { config: lancedb.Index.btree() });
  const table = await db.createTable("ours", shuffledIds(n));
  const ds = await (await openDataset(tablePath(dir, "ours"))).createScalarIndex("id", "BTREE");
  const segment = ds.describeIndices()[0]!.segments[0]!;
  const reader = await LanceFileReader.open(ds.store, `_indices/${segment.uuid}/page_data.lance`);
  assert.equal(PAGE_DATA_FILE_VERSION, "2.2");
  assert.equal(reader.fileVersion, "2.2");
  // pages of 16 batches of 4,096 rows: 4 pages, each column
  const pageRows = BTREE_BATCH_SIZE * batchesPerPage(new Int64(), BTREE_BATCH_SIZE);
  assert.equal(pageRows, 65_536);
  assert.deepEqual(
    reader.columns.map((c) => c.pages.length),
    [4, 4],
  );
  const ours = pageDataSize(tablePath(dir, "ours"));
  const lance = pageDataSize(tablePath(dir, "theirs"));
  // a 2.0 file holds 16 bytes a row
  assert.ok(ours < n * 16 * 0.4, `page_data.lance ${ours} bytes for ${n} rows`);
  assert.ok(ours <= lance * 1.1, `page_data.lance ${ours} bytes, Lance's ${lance}`);
  await table.checkoutLatest();
  for (const filter of ["id = 31337", "id BETWEEN 1000 AND 1100", "id IN (0, 65536, 199999)", "id < 5"]) {
    assert.match(await table.query().where(filter).explainPlan(true), /ScalarIndexQuery: .*@id_idx\(BTree\)/, filter);
    const expected = (await table.query().where(filter).select(["id"]).toArray()).map((r) => String(r.id)).sort();
    assert.ok(expected.length > 0, filter);
    const got = await ds.scan({ filter, columns: ["id"] }).toArrow();
    assert.deepEqual(Array.from(got.getChild("id")!.toArray() as BigInt64Array, String).sort(), expected, filter);
  }
});
