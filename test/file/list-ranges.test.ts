// List and struct columns read by row range: lists of ints, of strings (short
// ones in mini-block pages, long ones full-zip), of structs, lists inside structs (and, in 2.0, lists of lists) written by Lance
// in 2.0 / 2.1 / 2.2 over several pages, with deleted rows. Row ranges of a
// file equal the same rows of a whole read, and a scan, which reads these
// columns in windows of rows, returns what Lance returns.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Field, Int32, List, makeData, makeVector, Struct, Table, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { decodePageLayout } from "../../src/format/file/page-v21.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows, normalize } from "../helpers/values.js";

const N = 30_000;
const intList = (): List => new List(new Field("item", new Int32(), true));

/** list<int32> of i % 200 items (null every 7th row), built from typed arrays: 12 MB of items, over Lance's 8 MiB page cache. */
function intLists(): Vector {
  const offsets = new Int32Array(N + 1);
  for (let i = 0; i < N; i++) offsets[i + 1] = offsets[i]! + (i % 7 === 3 ? 0 : i % 200);
  const values = new Int32Array(offsets[N]!);
  for (let i = 0; i < N; i++) for (let j = offsets[i]!; j < offsets[i + 1]!; j++) values[j] = i * 1000 + (j - offsets[i]!);
  const validity = new Uint8Array((N + 7) >> 3);
  for (let i = 0; i < N; i++) if (i % 7 !== 3) validity[i >> 3]! |= 1 << (i & 7);
  const child = makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
  return makeVector(makeData({ type: intList(), length: N, nullCount: Math.ceil((N - 3) / 7), nullBitmap: validity, valueOffsets: offsets, child }));
}

function sample(version: string): Table {
  const rows = Array.from({ length: N }, (_, i) => i);
  const item = new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]);
  const columns: Record<string, Vector> = {
    id: vectorFromArray(rows, new Int32()),
    ints: intLists(),
    strings: vectorFromArray(
      rows.map((i) => (i % 11 === 5 ? null : Array.from({ length: i % 4 }, (_, j) => (j === 2 && i % 3 === 0 ? null : `s${i}-${j}-${"y".repeat(60 + (i % 50))}`)))),
      new List(new Field("item", new Utf8(), true)),
    ),
    // values this large are stored full-zip in 2.1/2.2 (a control word, a length and the bytes per item)
    texts: vectorFromArray(
      rows.map((i) => (i % 17 === 2 ? null : Array.from({ length: i % 3 }, (_, j) => (j === 1 && i % 4 === 0 ? null : `${i}:${j}:${"long text ".repeat(30 + (i % 40))}`)))),
      new List(new Field("item", new Utf8(), true)),
    ),
    big: vectorFromArray(rows.map((i) => (i % 6 === 1 ? null : `${i}-${"big value ".repeat(30 + (i % 20))}`)), new Utf8()),
    // 2.0 stores no struct validity, so its struct items are never null
    structs: vectorFromArray(
      rows.map((i) => (i % 9 === 1 ? null : Array.from({ length: i % 3 }, (_, j) => (j === 1 && i % 2 === 1 && version !== "2.0" ? null : { a: i + j, b: `b${i % 100}` })))),
      new List(new Field("item", item, true)),
    ),
    inside: vectorFromArray(
      rows.map((i) => ({ x: i, l: i % 5 === 0 ? null : Array.from({ length: i % 5 }, (_, j) => i - j) })),
      new Struct([new Field("x", new Int32(), true), new Field("l", intList(), true)]),
    ),
  };
  // lists of lists: read by lancets in 2.0 files only
  if (version === "2.0") {
    columns.nested = vectorFromArray(
      rows.map((i) => (i % 13 === 0 ? null : Array.from({ length: i % 3 }, (_, j) => Array.from({ length: (i + j) % 4 }, (_, k) => i + j + k)))),
      new List(new Field("item", intList(), true)),
    );
  }
  return new Table(columns);
}

describe("list and struct columns by row range, equal to Lance", () => {
  const dir = tempDir();
  const name = (v: string): string => `lists_${v.replace(".", "_")}`;

  before(async () => {
    const db = await connect(dir);
    for (const version of STORAGE_VERSIONS) {
      const table = await db.createTable(name(version), sample(version), { dataStorageVersion: version } as never);
      await table.delete("id % 97 = 5 OR (id >= 20000 AND id < 20500)");
    }
  });

  for (const version of ["2.1", "2.2"]) {
    test(`${version}: one row of a list column fetches only the chunks its repetition index points to`, async () => {
      const ds = await openDataset(tablePath(dir, name(version)));
      const file = ds.manifest.fragments[0]!.files[0]!;
      let bytesRead = 0;
      const counting = Object.create(ds.store) as typeof ds.store;
      counting.readRange = async (path, offset, length) => {
        bytesRead += length;
        return ds.store.readRange(path, offset, length);
      };
      const reader = await LanceFileReader.open(counting, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
      const ints = reader.schema.fields.find((f) => f.name === "ints")!;
      // the ints' leaf is the file's second column; its first page holds row 100
      const page = reader.columns[1]!.pages[0]!;
      const layout = decodePageLayout(page.encoding.value, { path: "", byteOffset: 0 }).layout;
      assert.ok(layout.case === "miniBlockLayout" && layout.value.repetitionIndexDepth > 0, "a mini-block page with a repetition index");
      bytesRead = 0;
      const part = await reader.readFields([ints.id], { start: 100, end: 101 });
      assert.ok(bytesRead < page.bufferSizes[1]! / 4, `read ${bytesRead} bytes for one row of a page of ${page.bufferSizes.join(" + ")}`);
      const whole = await reader.readFields([ints.id]);
      assert.deepEqual(normalize(makeVector(part.get(ints.id)!).get(0)), normalize(makeVector(whole.get(ints.id)!).get(100)));
    });
  }

  for (const version of ["2.1", "2.2"]) {
    test(`${version}: rows of full-zip pages are fetched alone through the page's repetition index, equal at page boundaries`, async () => {
      // over 8 MiB of each column, so Lance cuts both into several full-zip pages
      const rows = Array.from({ length: 7000 }, (_, i) => i);
      const zipped = new Table({
        texts: vectorFromArray(
          rows.map((i) => (i % 17 === 2 ? null : Array.from({ length: i % 4 }, (_, j) => (j === 1 && i % 5 === 0 ? null : `${i}:${j}:${"long text ".repeat(150 + (i % 90))}`)))),
          new List(new Field("item", new Utf8(), true)),
        ),
        big: vectorFromArray(rows.map((i) => (i % 6 === 1 ? null : `${i}-${"big value ".repeat(250 + (i % 120))}`)), new Utf8()),
      });
      // in batches, as Lance cuts a page once a column's buffered values pass 8 MiB
      const batches = Array.from({ length: 28 }, (_, k) => zipped.slice(k * 250, (k + 1) * 250).batches).flat();
      await (await connect(dir)).createTable(`zipped_${version.replace(".", "_")}`, new Table(batches), { dataStorageVersion: version } as never);
      const ds = await openDataset(tablePath(dir, `zipped_${version.replace(".", "_")}`));
      const file = ds.manifest.fragments[0]!.files[0]!;
      const reads: { offset: number; length: number }[] = [];
      const counting = Object.create(ds.store) as typeof ds.store;
      counting.readRange = async (path, offset, length) => {
        reads.push({ offset, length });
        return ds.store.readRange(path, offset, length);
      };
      const reader = await LanceFileReader.open(counting, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
      let boundaries = 0;
      for (const column of ["texts", "big"]) {
        const field = reader.schema.fields.find((f) => f.name === column && f.parentId === -1)!;
        // the column's leaf: the last column holding it (texts is a list, big a string)
        const leafId = column === "big" ? field.id : reader.schema.fields.find((f) => f.parentId === field.id)!.id;
        const ci = reader.schema.fields.filter((f) => !reader.schema.fields.some((c) => c.parentId === f.id)).findIndex((f) => f.id === leafId);
        const pages = reader.columns[ci]!.pages;
        boundaries += pages.length - 1;
        for (const page of pages) {
          const layout = decodePageLayout(page.encoding.value, { path: "", byteOffset: 0 }).layout;
          assert.ok(layout.case === "fullZipLayout" && page.bufferOffsets.length === 2, `${column}: full-zip pages with a repetition index`);
          assert.equal(layout.value.bitsRep > 0, column === "texts");
        }
        const whole = makeVector((await reader.readFields([field.id])).get(field.id)!);
        // one row: its index entries (or the whole small index) and its own bytes, a sliver of the page
        const row = pages[0]!.numRows >> 1;
        reads.length = 0;
        const one = makeVector((await reader.readFields([field.id], { start: row, end: row + 1 })).get(field.id)!);
        assert.deepEqual(normalize(one.get(0)), normalize(whole.get(row)));
        const dataReads = reads.filter((r) => r.offset >= pages[0]!.bufferOffsets[0]! && r.offset < pages[0]!.bufferOffsets[0]! + pages[0]!.bufferSizes[0]!);
        assert.equal(dataReads.length, 1, JSON.stringify(reads));
        assert.ok(dataReads[0]!.length < 4096, `${column}: ${dataReads[0]!.length} bytes of a ${pages[0]!.bufferSizes[0]}-byte page for one row`);
        // every page boundary, and the first and last rows
        const ranges: { start: number; end: number }[] = [
          { start: 0, end: 1 },
          { start: whole.length - 1, end: whole.length },
        ];
        let at = 0;
        for (const page of pages.slice(0, -1)) {
          at += page.numRows;
          ranges.push({ start: at - 1, end: at }, { start: at, end: at + 1 }, { start: at - 2, end: at + 2 });
        }
        for (const range of ranges) {
          const part = makeVector((await reader.readFields([field.id], range)).get(field.id)!);
          assert.equal(part.length, range.end - range.start);
          for (let r = range.start; r < range.end; r++) assert.deepEqual(normalize(part.get(r - range.start)), normalize(whole.get(r)), `${column} row ${r} of ${range.start}-${range.end}`);
        }
      }
      assert.ok(boundaries > 0, "a full-zip column spans several pages");
    });
  }

  for (const version of STORAGE_VERSIONS) {
    test(`${version}: a scan in windows equals Lance, with deleted rows`, async () => {
      const ds = await openDataset(tablePath(dir, name(version)));
      const columns = ds.schema.fields.map((f) => f.name);
      const theirs = await (await (await connect(dir)).openTable(name(version))).query().withRowId().toArrow();
      const ours = await ds.scan({ withRowId: true, batchSize: 1000 }).toArrow();
      assert.equal(ours.numRows, theirs.numRows);
      assertSameRows(ours, theirs, "_rowid", columns, `lists ${version}`);
      // a limit reads only a window: the first rows, equal to the same rows of the whole scan
      const first = await ds.scan({ limit: 3, columns: ["ints", "strings", "structs"] }).toArrow();
      for (const column of ["ints", "strings", "structs"]) {
        for (let i = 0; i < 3; i++) assert.deepEqual(normalize(first.getChild(column)!.get(i)), normalize(ours.getChild(column)!.get(i)), `${column} row ${i}`);
      }
    });

    test(`${version}: row ranges across pages equal the same rows of a whole read`, async () => {
      const ds = await openDataset(tablePath(dir, name(version)));
      const file = ds.manifest.fragments[0]!.files[0]!;
      const reader = await LanceFileReader.open(ds.store, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
      // some list columns (12 MB of ints, 4 MB of strings) span several pages
      const counts = reader.columnPageCounts();
      assert.ok(counts.slice(1).some((n) => n > 1), `pages per column: ${counts.join(", ")}`);
      if (version !== "2.0") {
        // the long-string list is stored full-zip with repetition, so its entries are found by walking control words
        const layouts = reader.columns.flatMap((c) => c.pages.map((p) => decodePageLayout(p.encoding.value, { path: "", byteOffset: 0 }).layout));
        assert.ok(layouts.some((l) => l.case === "fullZipLayout" && l.value.bitsRep > 0), "a full-zip page with repetition");
        assert.ok(layouts.some((l) => l.case === "miniBlockLayout" && l.value.repCompression !== undefined), "a mini-block page with repetition");
      }
      const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
      const whole = await reader.readFields(ids);
      const cases: { start: number; end: number }[][] = [
        [{ start: 0, end: 1 }],
        [{ start: 14_990, end: 15_050 }],
        [{ start: N - 5, end: N }],
        [{ start: 7, end: 7 }],
        [{ start: 3, end: 9 }, { start: 5000, end: 5003 }, { start: 22_222, end: 26_000 }],
      ];
      for (const ranges of cases) {
        const part = await reader.readFieldRanges(ids, ranges);
        for (const id of ids) {
          const a = makeVector(part.get(id)!);
          const b = makeVector(whole.get(id)!);
          let at = 0;
          for (const { start, end } of ranges) {
            for (let row = start; row < end; row++, at++) assert.deepEqual(normalize(a.get(at)), normalize(b.get(row)), `field ${id} row ${row}`);
          }
          assert.equal(a.length, at);
        }
      }
    });
  }
});
