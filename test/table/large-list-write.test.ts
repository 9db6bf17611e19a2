// Large list columns written by lancets: a new dataset stores the list
// columns named in `largeLists` as Lance large_list (Arrow LargeList) in
// every file version, appends keep them large, and Lance 12 (lancedb: SQL
// over the column, whose type it reports as LargeList) and Lance 14
// (pylance: the Arrow type and every value) read them: nulls at both levels,
// empty lists, lists across mini-block chunks.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Bool, Field, Float64, Int32, List, Table, Utf8, vectorFromArray, type DataType } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { writeDataset as writeToStore } from "../../src/browser.js";
import { writeDataset } from "../../src/node/open-dataset.js";
import { connect, rng, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";

const listOf = (type: DataType): List => new List(new Field("item", type, true));
const py = pylanceSession("lancets-large-list-");

type Lists = Record<"ints" | "tags" | "flags" | "reals", (unknown[] | null)[]>;

function lists(n: number, seed: number): Lists {
  const r = rng(seed);
  const gen = (item: () => unknown, maxItems: number): (unknown[] | null)[] =>
    Array.from({ length: n }, () => {
      const x = r();
      if (x < 0.1) return null;
      if (x < 0.2) return [];
      return Array.from({ length: 1 + Math.floor(r() * maxItems) }, () => (r() < 0.1 ? null : item()));
    });
  return {
    ints: gen(() => Math.floor(r() * 2000) - 1000, 6),
    tags: gen(() => `tag-${Math.floor(r() * 30)}${r() < 0.1 ? "é" : ""}`, 4),
    flags: gen(() => r() < 0.5, 3),
    reals: gen(() => Math.floor(r() * 1e6) / 8, 5),
  };
}

function tableOf(values: Lists, start: number): Table {
  const n = values.ints.length;
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => start + i), new Int32()),
    ints: vectorFromArray(values.ints as never, listOf(new Int32())),
    tags: vectorFromArray(values.tags as never, listOf(new Utf8())),
    flags: vectorFromArray(values.flags as never, listOf(new Bool())),
    reals: vectorFromArray(values.reals as never, listOf(new Float64())),
  });
}

/** A list as DataFusion's array_to_string(col, '|', 'N') shows it (null for a null list). */
function joined(v: unknown[] | null): string | null {
  return v === null ? null : v.map((x) => (x === null ? "N" : String(x))).join("|");
}

function readBack(v: unknown): unknown {
  if (v === null) return null;
  const list = v as { length: number; get(i: number): unknown };
  return Array.from({ length: list.length }, (_, i) => list.get(i));
}

const COLUMNS = ["ints", "tags", "flags", "reals"] as const;

describe("large list columns written", () => {
  const dir = tempDir();
  const first = lists(3000, 1);
  const second = lists(500, 2);
  for (const version of STORAGE_VERSIONS) {
    test(`a new dataset and an append, ${version}: lancets, Lance 12 and Lance 14 read the large lists`, async () => {
      const name = `large_${version.replace(".", "_")}`;
      const path = tablePath(dir, name);
      let ds = await writeDataset(path, tableOf(first, 0), { dataStorageVersion: version, largeLists: ["ints", "tags", "flags", "reals"] });
      ds = await ds.append(tableOf(second, 3000));
      for (const c of COLUMNS) assert.equal(ds.manifest.fields.find((f) => f.name === c)!.logicalType, "large_list", c);
      const expected = (c: (typeof COLUMNS)[number]): (unknown[] | null)[] => [...first[c], ...second[c]];
      const ours = await ds.scan().toArrow();
      for (const c of COLUMNS) assert.deepEqual(ours.getChild(c)!.toArray().map(readBack), expected(c), `lancets ${c}`);
      // Lance 12: the type it sees, and each list as text
      const t = await (await connect(dir)).openTable(name);
      const sql = Object.fromEntries([["id", "id"], ["type", "arrow_typeof(ints)"], ...COLUMNS.map((c) => [c, `array_to_string(${c}, '|', 'N')`])]);
      const rows = await t.query().select(sql).toArray();
      assert.equal(rows.length, 3500);
      rows.sort((a, b) => a.id - b.id);
      assert.equal(rows[0].type, "LargeList(Int32)");
      // integers and strings print alike in both; booleans and floats are checked by count below
      for (const c of ["ints", "tags"] as const) assert.deepEqual(rows.map((r) => r[c]), expected(c).map(joined), `lancedb ${c}`);
      assert.equal(await t.countRows("array_contains(ints, 7)"), expected("ints").filter((v) => v?.includes(7)).length);
      assert.equal(await t.countRows("array_has_any(flags, [true])"), expected("flags").filter((v) => v?.includes(true)).length);
      assert.equal(await t.countRows("cardinality(reals) = 0"), expected("reals").filter((v) => v?.length === 0).length);
      // Lance 14: the Arrow types and every value
      if (py.skip) return;
      const types = await py.py.fieldTypes(path);
      for (const c of COLUMNS) assert.match(types[c]!, /^large_list</, `${c}: ${types[c]}`);
      const theirs = await py.py.toTable(path);
      const order = Array.from(theirs.getChild("id")!.toArray() as Int32Array);
      for (const c of COLUMNS) {
        const got = theirs.getChild(c)!.toArray().map(readBack);
        assert.deepEqual(order.map((id, i) => [id, got[i]]).sort((a, b) => (a[0] as number) - (b[0] as number)).map((x) => x[1]), expected(c), `pylance ${c}`);
      }
    });
  }

  test("largeLists naming a missing or non-list column is refused before anything is written", async () => {
    const store = new MemoryStore();
    const t = new Table({ id: vectorFromArray([1], new Int32()), l: vectorFromArray([[1]] as never, listOf(new Int32())) });
    for (const names of [["id"], ["nope"]]) {
      await assert.rejects(writeToStore(store, t, { largeLists: names }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /largeLists names column/.test(e.message));
    }
    assert.deepEqual(await store.list(""), []);
    const ds = await writeDataset(join(dir, "ok.lance"), t, { largeLists: ["l"] });
    assert.equal(ds.manifest.fields.find((f) => f.name === "l")!.logicalType, "large_list");
  });
});
