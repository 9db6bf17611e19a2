// List columns written by lancets in every file version (2.0 list pages; 2.1
// and 2.2 items with repetition and definition levels in mini-block,
// full-zip and all-null pages), read back by lancets, by Lance 12 (lancedb)
// and by Lance 14 (pylance), value for value: nulls at both levels, empty
// lists, and lists across mini-block chunks and pages.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Bool, Field, Float32, Float64, Int32, Int64, Int8, List, Table, Uint16, Utf8, vectorFromArray, type DataType, type Vector } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, rng, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";
import { normalize } from "../helpers/values.js";

const listOf = (type: DataType): List => new List(new Field("item", type, true));

type Gen = (r: () => number, i: number) => unknown;

interface ColumnSpec {
  name: string;
  type: DataType;
  item: Gen;
  /** Chance a row's list is null, empty; most items per list. */
  nullList: number;
  emptyList: number;
  maxItems: number;
  nullItem: number;
}

const SPECS: ColumnSpec[] = [
  { name: "i32s", type: new Int32(), item: (r) => Math.floor(r() * 2000) - 1000, nullList: 0.1, emptyList: 0.1, maxItems: 6, nullItem: 0.1 },
  { name: "i64s", type: new Int64(), item: (r) => BigInt(Math.floor(r() * 2 ** 40)) - 2n ** 39n, nullList: 0, emptyList: 0.2, maxItems: 4, nullItem: 0 },
  { name: "i8s", type: new Int8(), item: (r) => Math.floor(r() * 200) - 100, nullList: 0.2, emptyList: 0, maxItems: 3, nullItem: 0 },
  { name: "u16s", type: new Uint16(), item: (r) => Math.floor(r() * 60000), nullList: 0, emptyList: 0, maxItems: 5, nullItem: 0.3 },
  { name: "f32s", type: new Float32(), item: (r) => Math.fround(r() * 100 - 50), nullList: 0.05, emptyList: 0.05, maxItems: 5, nullItem: 0.05 },
  { name: "f64s", type: new Float64(), item: (r) => r() * 1e6, nullList: 0.1, emptyList: 0.1, maxItems: 8, nullItem: 0 },
  { name: "tags", type: new Utf8(), item: (r) => `tag-${Math.floor(r() * 30)}${r() < 0.1 ? "é✓" : ""}`, nullList: 0.1, emptyList: 0.1, maxItems: 5, nullItem: 0.1 },
  { name: "flags", type: new Bool(), item: (r) => r() < 0.5, nullList: 0.1, emptyList: 0.1, maxItems: 4, nullItem: 0.1 },
  { name: "nulls", type: new Utf8(), item: () => "x", nullList: 0.3, emptyList: 0.3, maxItems: 3, nullItem: 1 },
  { name: "empties", type: new Int32(), item: () => 1, nullList: 0.5, emptyList: 1, maxItems: 0, nullItem: 0 },
];

function listValues(spec: ColumnSpec, n: number, seed: number): (unknown[] | null)[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = r();
    if (x < spec.nullList) return null;
    if (x < spec.nullList + spec.emptyList || spec.maxItems === 0) return [];
    const len = 1 + Math.floor(r() * spec.maxItems);
    return Array.from({ length: len }, () => (r() < spec.nullItem ? null : spec.item(r, i)));
  });
}

function listTable(n: number, seed: number, start = 0): { table: Table; expected: Record<string, unknown[]> } {
  const columns: Record<string, Vector> = { id: vectorFromArray(Array.from({ length: n }, (_, i) => start + i), new Int32()) };
  const expected: Record<string, unknown[]> = {};
  SPECS.forEach((spec, k) => {
    const values = listValues(spec, n, seed * 100 + k);
    columns[spec.name] = vectorFromArray(values as never, listOf(spec.type));
    expected[spec.name] = values;
  });
  // one long string in a list: its page is full-zip in 2.1/2.2
  const long = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? ["a".repeat(5000 + i), null, "b"] : i % 3 === 0 ? null : [`s${i}`]));
  columns.long = vectorFromArray(long as never, listOf(new Utf8()));
  expected.long = long;
  return { table: new Table(columns), expected };
}

/** A read value in normalized form, list items one by one (so null items stay null). */
function readForm(v: unknown): unknown {
  if (v !== null && typeof v === "object" && typeof (v as { get?: unknown }).get === "function" && typeof (v as { length?: unknown }).length === "number") {
    const list = v as { length: number; get(i: number): unknown };
    return Array.from({ length: list.length }, (_, i) => readForm(list.get(i)));
  }
  return normalize(v);
}

/** Values of `column` by id, for ids in [from, from + count) (all when count is undefined). */
function byId(table: Table, column: string, from = 0, count?: number): Map<number, unknown> {
  const ids = table.getChild("id")!.toArray();
  const values = table.getChild(column)!;
  const out = new Map<number, unknown>();
  for (let i = 0; i < table.numRows; i++) {
    const id = Number(ids[i]);
    if (count === undefined || (id >= from && id < from + count)) out.set(id, readForm(values.get(i)));
  }
  return out;
}

/** The normalized form of a written value (plain JS arrays become arrays of normalized items). */
function expectedForm(v: unknown): unknown {
  return Array.isArray(v) ? v.map(expectedForm) : normalize(v);
}

function checkValues(label: string, table: Table, expected: Record<string, unknown[]>, start = 0): void {
  for (const [column, values] of Object.entries(expected)) {
    const got = byId(table, column, start, values.length);
    let mismatches = 0;
    let first = "";
    values.forEach((v, i) => {
      const a = JSON.stringify(got.get(start + i));
      const b = JSON.stringify(expectedForm(v));
      if (a !== b) {
        mismatches++;
        first ||= `id ${start + i}: read ${a?.slice(0, 100)} wrote ${b.slice(0, 100)}`;
      }
    });
    assert.equal(mismatches, 0, `${label}: column ${column}: ${mismatches} mismatches, first ${first}`);
  }
}

const py = pylanceSession("lancets-list-write-");

describe("list columns written", () => {
  const dir = tempDir();
  const first = listTable(40, 1);
  // 2500 rows, most columns with over 4096 items: lists cross mini-block chunks
  const second = listTable(2500, 2, 40);
  for (const version of STORAGE_VERSIONS) {
    test(`lists of every item type round-trip and Lance 12 reads them, ${version}`, async () => {
      const name = `lists_${version.replace(".", "_")}`;
      const path = tablePath(dir, name);
      const ds = await writeDataset(path, first.table, { dataStorageVersion: version });
      const appended = await ds.append(second.table);
      const ours = await appended.scan().toArrow();
      checkValues(`lancets ${version}`, ours, first.expected);
      checkValues(`lancets ${version}`, ours, second.expected, 40);
      const table = await (await connect(dir)).openTable(name);
      const theirs = await table.query().toArrow();
      checkValues(`lancedb ${version}`, theirs as never, first.expected);
      checkValues(`lancedb ${version}`, theirs as never, second.expected, 40);
      // a row range from the middle of a list page
      const some = await table.query().where("id >= 2000 AND id < 2010").toArrow();
      assert.equal(some.numRows, 10);
      const window = await appended.scan({ filter: "id >= 2000 AND id < 2010" }).toArrow();
      assert.equal(window.numRows, 10);
      for (const column of Object.keys(second.expected)) assert.deepEqual(byId(window, column), byId(some as never, column), `${version} ${column} rows 2000..2010`);
    });
  }

  test("Lance 14 reads lists written by lancets", { skip: py.skip ?? false }, async () => {
    for (const version of STORAGE_VERSIONS) {
      const path = join(py.dir, `lists_${version.replace(".", "_")}.lance`);
      await writeDataset(path, second.table, { dataStorageVersion: version });
      const theirs = await py.py.toTable(path);
      checkValues(`pylance ${version}`, theirs, second.expected, 40);
    }
  });

  test("lancets appends to a large_list dataset Lance wrote, Lance reads it", { skip: py.skip }, async () => {
    for (const version of STORAGE_VERSIONS) {
      const path = join(py.dir, `large_${version.replace(".", "_")}.lance`);
      const start = new Table({ id: vectorFromArray([1n, 2n], new Int64()), tags: vectorFromArray([["x"], null] as never, listOf(new Utf8())) });
      await py.py.write(path, start, { data_storage_version: version }, "create", ["tags"]);
      const ds = await openDataset(path);
      const field = ds.manifest.fields.find((f) => f.name === "tags")!;
      assert.equal(field.logicalType, "large_list");
      const rows = [["a", null], [], null, ["b", "c", "d"]];
      const appended = await ds.append(new Table({ id: vectorFromArray([10n, 11n, 12n, 13n], new Int64()), tags: vectorFromArray(rows as never, listOf(new Utf8())) }));
      assert.equal(appended.manifest.fields.find((f) => f.name === "tags")!.logicalType, "large_list");
      const theirs = await py.py.toTable(path, { filter: "id >= 10" });
      assert.deepEqual(
        theirs.getChild("tags")!.toArray().map(readForm),
        rows.map(expectedForm),
        version,
      );
    }
  });

  test("nested lists and lists in structs are refused before anything is written", async () => {
    const nested = new Table({ l: vectorFromArray([[[1]]] as never, listOf(listOf(new Int32()))) });
    const path = join(dir, "nested.lance");
    await assert.rejects(writeDataset(path, nested), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /column "l" is a list of List/.test(e.message));
  });
});
