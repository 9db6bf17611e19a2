// Index segments built by lancets, used by Lance 12 (lancedb) and Lance 14
// (pylance) alike: for BTREE, BITMAP and ZONEMAP with 1, 2 and several
// segments, each Lance's planner shows a ScalarIndexQuery on our index, lists
// our segments, and every filter returns what a twin table without indexes
// returns -- also after that Lance appends more data.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { openDataset } from "../../src/node/open-dataset.js";
import { lance12, lance14, type OracleEngine } from "../helpers/engines.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { FILTERS, indexTable } from "../helpers/index-fixtures.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";

type Db = Awaited<ReturnType<typeof connect>>;
type LanceTable = Awaited<ReturnType<Db["createTable"]>>;

let dir: string;
let db: Db;

async function ids(table: LanceTable, filter: string): Promise<string[]> {
  const rows = await table.query().where(filter).select(["id"]).toArray();
  return rows.map((r) => String(r.id)).sort();
}

const PLAN_NAME: Record<string, string> = { BTREE: "BTree", BITMAP: "Bitmap", ZONEMAP: "ZoneMap" };

const session = pylanceSession("lancets-segments-");
// Lance 14 is asked fewer segment layouts, to keep the file fast
const engines: [engine: OracleEngine, skip: string | undefined, groupSizes: number[]][] = [
  [lance12(), undefined, [5, 3, 1]],
  [lance14(() => session.py), session.skip, [5, 2]],
];

before(async () => {
  dir = tempDir();
  db = await connect(dir);
});

for (const [engine, skip, groupSizes] of engines) {
  describe(`segments built by lancets are used by ${engine.label}`, { skip }, () => {
    const slug = engine.label.replace(/\W+/g, "_");
    const build = async (name: string): Promise<string> => {
      const path = `${dir}/${slug}_${name}.lance`;
      await engine.write(path, [0, 1, 2, 3, 4].map((k) => indexTable(1000, k * 1000)));
      await engine.deleteRows(path, "id % 13 = 0");
      return path;
    };
    let twin = "";
    // the twin never changes: each filter's rows are asked of it once
    const twinRows = new Map<string, Promise<string[]>>();
    const twinIds = (filter: string): Promise<string[]> => {
      let rows = twinRows.get(filter);
      if (!rows) twinRows.set(filter, (rows = engine.ids(twin, filter)));
      return rows;
    };
    before(async () => {
      twin = await build("twin");
    });
    for (const indexType of ["BTREE", "BITMAP", "ZONEMAP"] as const) {
      for (const groupSize of groupSizes) {
        const segments = Math.ceil(5 / groupSize);
        test(`${indexType}, ${segments} segment${segments > 1 ? "s" : ""}`, async () => {
          const path = await build(`${indexType.toLowerCase()}_${segments}`);
          let ds = await openDataset(path);
          const columns = Object.keys(FILTERS);
          for (const column of columns) {
            ds = await ds.createScalarIndex(column, indexType, { fragmentGroupSize: groupSize, params: { rowsPerZone: 300 } });
          }
          const described = ds.describeIndices();
          assert.deepEqual(described.map((d) => d.segments.length), columns.map(() => segments));
          for (const column of columns) {
            // lancedb's index statistics know no zone maps
            if (indexType !== "ZONEMAP" || engine.builds.has("ZONEMAP")) assert.equal(await engine.segmentCount(path, `${column}_idx`), segments, `${column} segments`);
            for (const filter of FILTERS[column]!) {
              // Lance answers IS NOT NULL from a zone map only with a null bitmap, which lancets does not write.
              if (!(indexType === "ZONEMAP" && filter.endsWith("IS NOT NULL"))) {
                assert.equal(await engine.indexUsed(path, filter), `${column}_idx(${PLAN_NAME[indexType]})`, filter);
              }
              assert.deepEqual(await engine.ids(path, filter), await twinIds(filter), `${indexType} ${filter}`);
            }
          }
          // rows appended by Lance afterwards are still found
          await engine.append(path, indexTable(300, 5000));
          const more = await openDataset(path);
          assert.ok(more.describeIndices().every((d) => d.numUnindexedRows === 300));
          for (const filter of ["id > 5100", "category = 'c2'", "name IS NULL", "price BETWEEN 10 AND 11"]) {
            const got = await engine.ids(path, filter);
            assert.deepEqual(got, Array.from((await more.scan({ filter, columns: ["id"] }).toArrow()).getChild("id")!.toArray() as BigInt64Array, String).sort(), `${filter}: lancets`);
            assert.ok(got.some((id) => Number(id) >= 5000) || filter === "price BETWEEN 10 AND 11" || filter === "name IS NULL", filter);
          }
        });
      }
    }
  });
}

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
