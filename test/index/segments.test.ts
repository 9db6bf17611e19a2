// Index segments built by lancets, used by Lance: for BTREE, BITMAP and ZONEMAP
// with 1, 2 and several segments, Lance's planner shows a ScalarIndexQuery on
// our index, indexStats counts our segments, and every filter returns what a
// twin table without indexes returns -- also after Lance appends more data.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { FILTERS, indexTable } from "../helpers/index-fixtures.js";
import { tempDir } from "../helpers/tmp.js";

type Db = Awaited<ReturnType<typeof connect>>;
type LanceTable = Awaited<ReturnType<Db["createTable"]>>;

let dir: string;
let db: Db;
let twin: LanceTable;

async function build(name: string): Promise<LanceTable> {
  const t = await db.createTable(name, indexTable(1000));
  for (let k = 1; k < 5; k++) await t.add(indexTable(1000, k * 1000));
  await t.delete("id % 13 = 0");
  return t;
}

async function ids(table: LanceTable, filter: string): Promise<string[]> {
  const rows = await table.query().where(filter).select(["id"]).toArray();
  return rows.map((r) => String(r.id)).sort();
}

const PLAN_NAME: Record<string, string> = { BTREE: "BTree", BITMAP: "Bitmap", ZONEMAP: "ZoneMap" };

before(async () => {
  dir = tempDir();
  db = await connect(dir);
  twin = await build("twin");
});

describe("segments built by lancets are used by Lance", () => {
  for (const indexType of ["BTREE", "BITMAP", "ZONEMAP"] as const) {
    for (const groupSize of [5, 3, 1]) {
      const segments = Math.ceil(5 / groupSize);
      test(`${indexType}, ${segments} segment${segments > 1 ? "s" : ""}`, async () => {
        const name = `${indexType.toLowerCase()}_${segments}`;
        const table = await build(name);
        let ds = await openDataset(tablePath(dir, name));
        const columns = Object.keys(FILTERS);
        for (const column of columns) {
          ds = await ds.createScalarIndex(column, indexType, { fragmentGroupSize: groupSize, params: { rowsPerZone: 300 } });
        }
        await table.checkoutLatest();
        const described = ds.describeIndices();
        assert.deepEqual(described.map((d) => d.segments.length), columns.map(() => segments));
        for (const column of columns) {
          if (indexType !== "ZONEMAP") {
            const stats = await table.indexStats(`${column}_idx`);
            assert.equal(stats?.numIndices, segments, `${column} segments`);
            assert.equal(stats?.numUnindexedRows, 0);
            assert.equal(stats?.indexType, indexType);
          }
          for (const filter of FILTERS[column]!) {
            const plan = await table.query().where(filter).explainPlan(true);
            // Lance answers IS NOT NULL from a zone map only with a null bitmap, which lancets does not write.
            if (!(indexType === "ZONEMAP" && filter.endsWith("IS NOT NULL"))) {
              assert.match(plan, new RegExp(`ScalarIndexQuery: .*@${column}_idx\\(${PLAN_NAME[indexType]}\\)`), `${filter}: ${plan}`);
            }
            assert.deepEqual(await ids(table, filter), await ids(twin, filter), `${indexType} ${filter}`);
          }
        }
        // rows appended by Lance afterwards are still found
        await table.add(indexTable(300, 5000));
        const more = await openDataset(tablePath(dir, name));
        assert.ok(more.describeIndices().every((d) => d.numUnindexedRows === 300));
        for (const filter of ["id > 5100", "category = 'c2'", "name IS NULL", "price BETWEEN 10 AND 11"]) {
          const got = await ids(table, filter);
          const expected = (await table.query().where(filter).select(["id"]).toArray()).length;
          assert.equal(got.length, expected);
          assert.ok(got.some((id) => Number(id) >= 5000) || filter === "price BETWEEN 10 AND 11" || filter === "name IS NULL", filter);
        }
      });
    }
  }
});

test("a BTREE segment whose page data spans several pages is used by Lance and by lancets", async () => {
  const rows = 150_000;
  const table = await db.createTable("big_btree", indexTable(rows));
  const ds = await (await openDataset(tablePath(dir, "big_btree"))).createScalarIndex("id", "BTREE");
  const segment = ds.describeIndices()[0]!.segments[0]!;
  const { LanceFileReader } = await import("../../src/file/file-reader.js");
  const reader = await LanceFileReader.open(ds.store, `_indices/${segment.uuid}/page_data.lance`);
  assert.ok(reader.columnPageCounts().every((n) => n > 1), `pages per column: ${reader.columnPageCounts().join(",")}`);
  await table.checkoutLatest();
  for (const filter of ["id = 70000", "id = 149999", "id BETWEEN 65530 AND 65540", "id < 3", "id IN (0, 65535, 65536, 131072)"]) {
    assert.match(await table.query().where(filter).explainPlan(true), /ScalarIndexQuery: .*@id_idx\(BTree\)/);
    const expected = await ids(table, filter);
    assert.ok(expected.length > 0, filter);
    const ours = await ds.scan({ filter, columns: ["id"] }).toArrow();
    assert.deepEqual(Array.from(ours.getChild("id")!.toArray() as BigInt64Array, String).sort(), expected, filter);
  }
});
