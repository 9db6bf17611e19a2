// Lance 14 (pylance 14.0.2) reads and uses what lancets writes: tables and
// appends (values equal to lancets' read, in each file version), appends to
// tables pylance wrote (stable row ids too), and BTREE / BITMAP / ZONEMAP /
// FTS segments lancets builds, which pylance's planner uses with results
// equal to its own full scan.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { Table } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/lancets.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { textTable, wideTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { assertSameRows } from "../helpers/values.js";

const session = pylanceSession("lancets-pylance-write-");
const { skip } = session;

/** pylance reads the latest version exactly as lancets does. */
async function assertPylanceReadsAsLancets(uri: string, label: string): Promise<void> {
  const ds = await openDataset(uri);
  const summary = await session.py.summary(uri);
  assert.equal(summary.version, ds.version, `${label}: version`);
  assert.equal(summary.count_rows, ds.countRows(), `${label}: count`);
  const ours = await ds.scan({ withRowId: true, withRowAddress: true }).toArrow();
  const theirs = await session.py.toTable(uri, { with_row_id: true, with_row_address: true });
  assertSameRows(ours, theirs, "_rowid", [...ds.schema.fields.map((f) => f.name), "_rowaddr"], label);
}

/** The wide table without its list column, which lancets writes only in file version 2.0 (as test/table/write.test.ts). */
function writable(n: number, start = 0): Table {
  const t = wideTable(n, start);
  return t.select(t.schema.fields.filter((f) => f.name !== "tags").map((f) => f.name));
}

function sortedIds(t: Table, column = "id"): string[] {
  return Array.from({ length: t.numRows }, (_, i) => String(t.getChild(column)!.get(i))).sort();
}

describe("pylance 14 reads what lancets writes", { skip }, () => {
  for (const version of ["2.0", "2.1", "2.2"] as const) {
    test(`a table lancets writes and appends to, file version ${version}`, async () => {
      const uri = `${session.dir}/ours_${version}`;
      let ds = await writeDataset(uri, writable(700), { dataStorageVersion: version });
      ds = await ds.append(writable(300, 700));
      assert.equal((await session.py.summary(uri)).data_storage_version, version);
      await assertPylanceReadsAsLancets(uri, `lancets table ${version}`);
      // and pylance appends on top of lancets' versions
      await session.py.write(uri, writable(100, 1000), {}, "append");
      await assertPylanceReadsAsLancets(uri, `pylance append over lancets ${version}`);
    });

    test(`lancets appends to a table pylance wrote, file version ${version}`, async () => {
      const uri = `${session.dir}/theirs_${version}`;
      await session.py.write(uri, writable(500), { data_storage_version: version, max_rows_per_file: 200 });
      await session.py.delete(uri, "id % 5 = 1");
      const ds = await openDataset(uri);
      await ds.append(writable(400, 500));
      await assertPylanceReadsAsLancets(uri, `lancets append over pylance ${version}`);
    });
  }

  test("lancets appends to a pylance table with stable row ids: pylance sees the row ids lancets assigned", async () => {
    const uri = `${session.dir}/stable`;
    await session.py.write(uri, textTable(600), { enable_stable_row_ids: true, max_rows_per_file: 250 });
    await session.py.update(uri, { score: "score + 1" }, "id % 3 = 0");
    let ds = await openDataset(uri);
    ds = await ds.append(textTable(300, 600));
    await assertPylanceReadsAsLancets(uri, "stable row ids");
    const ids = (await session.py.toTable(uri, { with_row_id: true, filter: "id >= 600" })).getChild("_rowid")!.toArray() as BigUint64Array;
    assert.equal(ids.length, 300);
    assert.equal(new Set(Array.from(ids, String)).size, 300, "fresh row ids");
  });
});

interface IndexCase {
  column: string;
  type: string;
  /** pylance's name for the type in its explain plan. */
  planType: RegExp;
  filters: string[];
}

const INDEX_CASES: IndexCase[] = [
  { column: "id", type: "BTREE", planType: /ScalarIndexQuery: .*@id_idx\(BTree\)/, filters: ["id = 1234", "id < 40", "id BETWEEN 900 AND 1100", "id IN (5, 77, 2999)", "id >= 2990"] },
  { column: "category", type: "BITMAP", planType: /ScalarIndexQuery: .*@category_idx\(Bitmap\)/, filters: ["category = 'c3'", "category IN ('c1', 'c5')", "category != 'c0'"] },
  { column: "score", type: "ZONEMAP", planType: /ScalarIndexQuery: .*@score_idx\(ZoneMap\)/, filters: ["score < 20", "score BETWEEN 500 AND 510.25", "score > 740"] },
];

describe("pylance 14 uses index segments lancets builds", { skip }, () => {
  let uri: string;
  let ds: Dataset;

  before(async () => {
    if (skip) return;
    uri = `${session.dir}/indexed`;
    await session.py.write(uri, textTable(3000), { max_rows_per_file: 500 });
    ds = await openDataset(uri);
    for (const c of INDEX_CASES) ds = await ds.createScalarIndex(c.column, c.type, { fragmentGroupSize: 2, params: { rowsPerZone: 256 } });
    ds = await ds.createScalarIndex("text", "INVERTED", { fragmentGroupSize: 3 });
  });

  test("pylance lists lancets' segments", async () => {
    const indices = await session.py.indices(uri);
    const byName = new Map<string, number>();
    for (const i of indices) byName.set(i.name, (byName.get(i.name) ?? 0) + 1);
    assert.equal(byName.get("id_idx"), 3);
    assert.equal(byName.get("category_idx"), 3);
    assert.equal(byName.get("text_idx"), 2);
    for (const i of indices.filter((x) => x.name === "id_idx")) assert.equal(i.fragment_ids.length, 2);
  });

  for (const c of INDEX_CASES) {
    test(`${c.type} segments: pylance's plan uses them and its results equal its full scan and lancets'`, async () => {
      for (const filter of c.filters) {
        const plan = await session.py.explain(uri, { filter });
        assert.match(plan, c.planType, `${filter}: ${plan}`);
        assert.doesNotMatch(await session.py.explain(uri, { filter, use_scalar_index: false }), /ScalarIndexQuery/, `${filter}: pylance's full scan`);
        const indexed = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"] }));
        const full = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"], use_scalar_index: false }));
        const ours = sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow());
        assert.ok(full.length > 0, `${filter} matches rows`);
        assert.deepEqual(indexed, full, `${filter}: pylance with lancets' index vs its full scan`);
        assert.deepEqual(ours, full, `${filter}: lancets vs pylance`);
      }
    });
  }

  test("lancets' optimize over versions pylance committed: pylance opens the result and uses the new segment", async () => {
    // Lance 14 keeps the inline transaction's position in manifest field 23, which must not survive into lancets' manifests
    const other = `${session.dir}/optimized`;
    await session.py.write(other, textTable(1000), { max_rows_per_file: 500 });
    await session.py.createScalarIndex(other, "category", "BITMAP");
    await session.py.write(other, textTable(300, 1000), {}, "append");
    const { dataset, indices } = await (await openDataset(other)).optimizeIndices();
    assert.deepEqual(indices.map((i) => [i.name, i.fragments]), [["category_idx", [2]]]);
    assert.equal((await session.py.summary(other)).version, dataset.version);
    assert.deepEqual((await session.py.indices(other)).map((i) => i.fragment_ids).sort(), [[0, 1], [2]]);
    assert.match(await session.py.explain(other, { filter: "category = 'c2'" }), /ScalarIndexQuery: .*@category_idx\(Bitmap\)/);
    assert.equal(await session.py.countRows(other, "category = 'c2'"), await dataset.countRows("category = 'c2'", { useIndex: false }));
  });

  test("FTS segments: pylance searches them with lancets' hits and scores", async () => {
    for (const query of ["running", "alpha", "delta echo", "number 1234"]) {
      const plan = await session.py.explain(uri, { full_text_query: query, columns: ["id"] });
      assert.match(plan, /MatchQuery|PhraseQuery|BooleanQuery/, plan);
      assert.doesNotMatch(plan, /FlatMatchQuery/, `${query}: pylance searched without the index: ${plan}`);
      const theirs = await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: 5000 });
      const ours = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 5000 }).toArrow();
      assert.ok(theirs.numRows > 0, `${query} finds rows`);
      const scores = (t: Table): Map<string, number> => new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
      const a = scores(ours);
      const b = scores(theirs);
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${query}: rows`);
      for (const [id, s] of b) assert.ok(Math.abs(a.get(id)! - s) <= 1e-5 * Math.max(1, Math.abs(s)), `${query}: row ${id} lancets ${a.get(id)} pylance ${s}`);
    }
  });
});
