// Lists of lists that Lance 14 (pylance 14.0.2) writes, read by lancets with
// pylance's values: List<List<T>>, LargeList<List<T>>, three levels of lists
// and lists of structs holding lists, with nulls and empty lists at every
// level, strings inside (5 KiB ones in full-zip pages), several fragments and
// deletions, in every file version pylance writes (2.0, 2.1, 2.2, 2.3), read
// whole and filtered; in 2.3 also as sparse planes with two list layers.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Field, Int32, Int64, List, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset } from "../../src/lancets.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { decodePlanarLayout } from "../../src/format/file/page-v23.js";
import { decodePageLayout } from "../../src/format/file/page-v21.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { pylanceSession } from "../helpers/pylance.js";
import { assertSameRows } from "../helpers/values.js";

const session = pylanceSession("lancets-pylance-nested-");
const { skip } = session;

/** A small deterministic generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const listOf = (item: Field["type"]) => new List(new Field("item", item, true));

/** Rows of nested lists: null, empty or up to `width` elements at each level, made by `leaf` at the bottom. */
function nested<T>(random: () => number, depth: number, width: number, leaf: () => T | null): unknown {
  const r = random();
  if (r < 0.1) return null;
  if (r < 0.2) return [];
  return Array.from({ length: Math.floor(random() * width) }, () => (depth === 1 ? (random() < 0.1 ? null : leaf()) : nested(random, depth - 1, width, leaf)));
}

/** File version 2.0 keeps no struct validity: its structs are never null. */
function nestedTable(n: number, firstId: number, seed: number, version: string): Table {
  const random = seeded(seed);
  const ints = () => Math.floor(random() * 1000) - 500;
  // most strings short, some past 4 KiB so that pages of them are full-zip
  const strings = () => `s${Math.floor(random() * 100)}`.repeat(random() < 0.05 ? 1500 : 1);
  const rows = Array.from({ length: n }, (_, i) => firstId + i);
  const item = new Struct([new Field("a", listOf(new Int32()), true), new Field("b", new Int32(), true)]);
  return new Table({
    id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
    ll: vectorFromArray(rows.map(() => nested(random, 2, 4, ints)), listOf(listOf(new Int32()))),
    large_ll: vectorFromArray(rows.map(() => nested(random, 2, 4, ints)), listOf(listOf(new Int32()))),
    ls: vectorFromArray(rows.map(() => nested(random, 2, 4, strings)), listOf(listOf(new Utf8()))),
    l3: vectorFromArray(rows.map(() => nested(random, 3, 3, ints)), listOf(listOf(listOf(new Int32())))),
    structs: vectorFromArray(
      rows.map(() => {
        const list = nested(random, 1, 3, () => ({ a: random() < 0.2 ? null : Array.from({ length: Math.floor(random() * 3) }, ints), b: random() < 0.2 ? null : ints() }));
        return version === "2.0" && Array.isArray(list) ? list.map((s: unknown) => s ?? { a: null, b: null }) : list;
      }),
      listOf(item),
    ),
  });
}

const COLUMNS = ["id", "ll", "large_ll", "ls", "l3", "structs"];

describe("lancets reads lists of lists pylance 14 writes", { skip }, () => {
  for (const version of ["2.0", "2.1", "2.2", "2.3"]) {
    test(`List<List<T>>, LargeList<List<T>>, three levels, lists of structs with lists, nulls and empty lists at every level, file version ${version}`, async () => {
      const uri = `${session.dir}/nested_${version}`;
      const options = { data_storage_version: version, max_rows_per_file: 700 };
      await session.py.write(uri, nestedTable(1500, 0, 11, version), options, "create", ["large_ll"]);
      await session.py.write(uri, nestedTable(400, 1500, 12, version), options, "append", ["large_ll"]);
      await session.py.delete(uri, "id % 7 = 3");
      const ds = await openDataset(uri);
      assert.equal(ds.dataStorageVersion, version);
      assert.ok(ds.fragments().length >= 3, `${ds.fragments().length} fragments`);
      assert.equal(ds.manifest.fields.find((f) => f.name === "large_ll")?.logicalType, "large_list", "large_ll is stored as a large list");
      const ours = await ds.scan({ columns: COLUMNS, withRowId: true }).toArrow();
      const theirs = await session.py.toTable(uri, { columns: COLUMNS, with_row_id: true });
      assert.equal(ours.numRows, theirs.numRows);
      assertSameRows(ours, theirs, "_rowid", COLUMNS, `nested lists ${version}`);
      // some rows hold lists at every level, with nulls inside
      const l3 = ours.getChild("l3")!;
      let deep = 0;
      for (let i = 0; i < l3.length; i++) if (JSON.stringify(l3.get(i)?.toJSON())?.includes("[[")) deep++;
      assert.ok(deep > 100, `${deep} rows with three levels of lists`);
      // rows taken one by one by address equal the scan's
      const scanned = await ds.scan({ columns: COLUMNS, withRowAddress: true }).toArrow();
      const picked = Array.from({ length: Math.floor(scanned.numRows / 37) }, (_, k) => k * 37);
      const addresses = scanned.getChild("_rowaddr")!;
      const taken = await ds.take(picked.map((i) => addresses.get(i) as bigint), { columns: COLUMNS });
      assert.equal(taken.numRows, picked.length);
      for (const column of COLUMNS) {
        const a = taken.getChild(column)!;
        const b = scanned.getChild(column)!;
        picked.forEach((row, k) => assert.equal(JSON.stringify(a.get(k)?.toJSON?.() ?? String(a.get(k))), JSON.stringify(b.get(row)?.toJSON?.() ?? String(b.get(row))), `${version}: take of row ${row}, column ${column}`));
      }
      const filter = "id BETWEEN 100 AND 400 OR id > 1600";
      const oursFiltered = await ds.scan({ columns: COLUMNS, filter, withRowId: true }).toArrow();
      assertSameRows(oursFiltered, await session.py.toTable(uri, { columns: COLUMNS, filter, with_row_id: true }), "_rowid", COLUMNS, `nested lists ${version}, filtered`);
    });
  }

  for (const version of ["2.1", "2.2"]) {
    test(`lists of lists of incompressible 5 KiB strings (full-zip pages), file version ${version}`, async () => {
      const uri = `${session.dir}/nested_zip_${version}`;
      const random = seeded(17);
      const hex = (): string => Array.from({ length: 650 }, () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, "0")).join("");
      const rows = Array.from({ length: 240 }, (_, i) => i);
      const table = new Table({
        id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
        wide: vectorFromArray(rows.map(() => nested(random, 2, 3, hex)), listOf(listOf(new Utf8()))),
      });
      await session.py.write(uri, table, { data_storage_version: version });
      const ds = await openDataset(uri);
      const file = ds.fragments()[0]!.dataFiles[0]!.path;
      const reader = await LanceFileReader.open(new LocalFileStore(uri), file);
      const kinds = reader.columns[1]!.pages.map((p) => decodePageLayout(p.encoding.value, { path: file, byteOffset: 0 }).layout.case);
      assert.ok(kinds.includes("fullZipLayout"), `page layouts ${kinds.join(", ")}`);
      const columns = ["id", "wide"];
      assertSameRows(await ds.scan({ columns, withRowId: true }).toArrow(), await session.py.toTable(uri, { columns, with_row_id: true }), "_rowid", columns, `full-zip nested lists ${version}`);
      const filter = "id BETWEEN 50 AND 90 OR id > 200";
      assertSameRows(await ds.scan({ columns, filter, withRowId: true }).toArrow(), await session.py.toTable(uri, { columns, filter, with_row_id: true }), "_rowid", columns, `full-zip nested lists ${version}, filtered`);
    });
  }

  test("file version 2.3: lists of lists in few rows as sparse planes with two list layers", async () => {
    const uri = `${session.dir}/nested_sparse_2.3`;
    const n = 6000;
    const random = seeded(13);
    const rows = Array.from({ length: n }, (_, i) => i);
    const table = new Table({
      id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
      few: vectorFromArray(rows.map((i) => (i % 500 === 7 ? [[7, 7], [], null, [7]] : i % 3 === 0 ? null : [])), listOf(listOf(new Int32()))),
      random_few: vectorFromArray(rows.map((i) => (i % 97 === 1 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => (random() < 0.2 ? null : new Array<number>(Math.floor(random() * 4)).fill(7))) : [])), listOf(listOf(new Int32()))),
    });
    await session.py.write(uri, table, { data_storage_version: "2.3" });
    const ds = await openDataset(uri);
    const file = ds.fragments()[0]!.dataFiles[0]!.path;
    const reader = await LanceFileReader.open(new LocalFileStore(uri), file);
    const twoLists = reader.columns.filter((c) =>
      c.pages.some((p) => {
        const codec = decodePlanarLayout(p.encoding.value, { path: file, byteOffset: 0 }).structure?.codec;
        return codec?.case === "sparse" && codec.value.layers.filter((l) => l.layer.case === "list").length === 2;
      }),
    );
    assert.equal(twoLists.length, 2, "two columns of sparse planes with two list layers");
    const columns = ["id", "few", "random_few"];
    assertSameRows(await ds.scan({ columns, withRowId: true }).toArrow(), await session.py.toTable(uri, { columns, with_row_id: true }), "_rowid", columns, "sparse nested lists 2.3");
    const filter = "id BETWEEN 1000 AND 2000";
    assertSameRows(await ds.scan({ columns, filter, withRowId: true }).toArrow(), await session.py.toTable(uri, { columns, filter, with_row_id: true }), "_rowid", columns, "sparse nested lists 2.3, filtered");
  });
});
