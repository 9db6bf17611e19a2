// Lists of lists that Lance 12 (lancedb 0.39.0) writes, read by lancets with
// lancedb's values in each file version it writes (2.0, 2.1, 2.2): null and
// empty outer lists, null and empty inner lists, null items.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Field, Int32, Int64, List, Table, vectorFromArray, type Vector } from "apache-arrow";
import { openDataset } from "../../src/lancets.js";
import { connect, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const listOf = (item: Field["type"]) => new List(new Field("item", item, true));

/** One row of List<List<int32>> as JSON: nulls and empty lists at both levels. */
function rowJson(value: Vector | null | undefined): string {
  return JSON.stringify(value ? Array.from(value, (inner: Vector | null) => (inner ? Array.from(inner) : null)) : null);
}

test("lists of lists lancedb writes in 2.0, 2.1 and 2.2 read with lancedb's values", async () => {
  const dir = tempDir("lancets-lance12-nested-");
  const db = await connect(dir);
  const rows = Array.from({ length: 2000 }, (_, i) => i);
  const values = rows.map((i) =>
    i % 11 === 0 ? null : i % 7 === 0 ? [] : Array.from({ length: i % 4 }, (_, k) => (k === 2 ? null : Array.from({ length: (i + k) % 3 }, (_, j) => (j === 1 && i % 5 === 0 ? null : i + j)))),
  );
  const table = new Table({ id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()), ll: vectorFromArray(values, listOf(listOf(new Int32()))) });
  for (const version of STORAGE_VERSIONS) {
    const name = `nested_${version.replace(".", "_")}`;
    const lance = await db.createTable(name, table, { dataStorageVersion: version } as never);
    const theirs = await lance.query().toArrow();
    const ds = await openDataset(tablePath(dir, name));
    assert.equal(ds.dataStorageVersion, version);
    const ours = await ds.scan({ columns: ["id", "ll"] }).toArrow();
    assert.equal(ours.numRows, theirs.numRows);
    const byId = new Map<string, string>();
    for (let i = 0; i < theirs.numRows; i++) byId.set(String(theirs.getChild("id")!.get(i)), rowJson(theirs.getChild("ll")!.get(i)));
    let mismatches = 0;
    for (let i = 0; i < ours.numRows; i++) if (byId.get(String(ours.getChild("id")!.get(i))) !== rowJson(ours.getChild("ll")!.get(i))) mismatches++;
    assert.equal(mismatches, 0, `${version}: ${mismatches} rows differ from lancedb's`);
    assert.equal(rowJson(ours.getChild("ll")!.get(3)), "[[],[3],null]");
  }
});
