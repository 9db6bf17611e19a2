// Every value lancets reads equals what Lance (@lancedb/lancedb) returns for the
// same rows, over the fixture matrix: every scalar type x storage versions
// 2.0 / 2.1 / 2.2 x data shapes, long strings, 32 KiB binaries, 128-wide
// vectors and a 1.1M-row table spanning several pages, with deleted rows.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { Table } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { BIG_ROWS, matrixFixtures, type MatrixFixtures } from "../helpers/matrix.js";
import { makeVector } from "apache-arrow";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { assertSameRows, normalize } from "../helpers/values.js";

let fx: MatrixFixtures;

before(async () => {
  fx = await matrixFixtures();
});

async function both(name: string): Promise<{ ours: Table; theirs: Table; columns: string[] }> {
  const ds = await openDataset(tablePath(fx.dir, name));
  const db = await connect(fx.dir);
  const table = await db.openTable(name);
  const theirs = await table.query().withRowId().toArrow();
  const ours = await ds.scan({ withRowId: true, batchSize: 3000 }).toArrow();
  return { ours, theirs, columns: ds.schema.fields.map((f) => f.name) };
}

describe("scan equals Lance over the fixture matrix", () => {
  for (const version of ["2.0", "2.1", "2.2"]) {
    const tag = version.replace(".", "_");

    test(`every type and shape, ${version}`, async () => {
      const { ours, theirs, columns } = await both(`types_${tag}`);
      assert.ok(columns.length > 200, `${columns.length} columns`);
      assert.ok(ours.numRows > 5000);
      assertSameRows(ours, theirs, "_rowid", columns, `types ${version}`);
    });

    test(`large_list columns equal the list columns Lance cast them from, ${version}`, async () => {
      const ds = await openDataset(tablePath(fx.dir, `largelist_${tag}`));
      const field = ds.manifest.fields.find((f) => f.name === "large_list__nulls")!;
      assert.equal(field.logicalType, "large_list");
      const ours = await ds.scan({ withRowId: true }).toArrow();
      // lancedb's JS binding cannot return LargeList columns, so compare the list columns with Lance
      // and the large lists with the lists they were cast from.
      const db = await connect(fx.dir);
      const theirs = await (await db.openTable(`largelist_${tag}`)).query().select(["list_i32__nulls", "list_i32__random"]).withRowId().toArrow();
      assertSameRows(ours, theirs, "_rowid", ["list_i32__nulls", "list_i32__random"], `lists ${version}`);
      for (const [large, list] of [["large_list__nulls", "list_i32__nulls"], ["large_list__random", "list_i32__random"]] as const) {
        const a = ours.getChild(large)!;
        const b = ours.getChild(list)!;
        for (let i = 0; i < ours.numRows; i++) assert.deepEqual(normalize(a.get(i)), normalize(b.get(i)), `${large} row ${i}`);
      }
    });

    test(`long strings, 32 KiB binaries and 128-wide vectors, ${version}`, async () => {
      const { ours, theirs, columns } = await both(`large_${tag}`);
      assertSameRows(ours, theirs, "_rowid", columns, `large ${version}`);
    });

    test(`row ranges equal the same rows of a full read, every type, ${version}`, async () => {
      const ds = await openDataset(tablePath(fx.dir, `types_${tag}`));
      const fragment = ds.manifest.fragments[0]!;
      const file = fragment.files[0]!;
      const reader = await LanceFileReader.open(ds.store, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
      const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
      const whole = await reader.readFields(ids);
      for (const [start, end] of [[0, 1], [1234, 2345], [reader.numRows - 7, reader.numRows], [500, 500]] as const) {
        const part = await reader.readFields(ids, { start, end });
        for (const id of ids) {
          const a = makeVector(part.get(id)!);
          const b = makeVector(whole.get(id)!);
          assert.equal(a.length, end - start);
          for (let i = 0; i < a.length; i++) {
            assert.deepEqual(normalize(a.get(i)), normalize(b.get(start + i)), `field ${id} row ${start + i}`);
          }
        }
      }
      // several ranges in one read: each page decoded once, rows in range order
      const ranges = [
        { start: 3, end: 5 },
        { start: 40, end: 41 },
        { start: 700, end: 770 },
        { start: reader.numRows - 2, end: reader.numRows },
      ];
      const many = await reader.readFieldRanges(ids, ranges);
      const rows = ranges.flatMap((r) => Array.from({ length: r.end - r.start }, (_, k) => r.start + k));
      for (const id of ids) {
        const a = makeVector(many.get(id)!);
        const b = makeVector(whole.get(id)!);
        assert.equal(a.length, rows.length);
        rows.forEach((row, i) => assert.deepEqual(normalize(a.get(i)), normalize(b.get(row)), `field ${id} row ${row} of several ranges`));
      }
    });

    test(`take by row address returns Lance's values, ${version}`, async () => {
      const name = `big_${tag}`;
      const ds = await openDataset(tablePath(fx.dir, name));
      const r = rng(3);
      const addrs: bigint[] = [];
      for (let i = 0; i < 50; i++) {
        const frag = ds.manifest.fragments[Math.floor(r() * ds.manifest.fragments.length)]!;
        addrs.push((BigInt(frag.id) << 32n) | BigInt(Math.floor(r() * frag.physicalRows)));
      }
      const taken = await ds.take(addrs, { columns: ["id", "value", "name", "payload"], withRowAddress: true });
      const ids = Array.from(taken.getChild("id")!.toArray() as BigInt64Array);
      const db = await connect(fx.dir);
      const theirs = await (await db.openTable(name)).query().where(`id IN (${ids.join(",")})`).withRowId().toArrow();
      const ours = taken;
      // _rowaddr equals Lance's _rowid on these tables; compare by it
      const renamed = new (await import("apache-arrow")).Table({
        _rowid: ours.getChild("_rowaddr")!,
        id: ours.getChild("id")!,
        value: ours.getChild("value")!,
        name: ours.getChild("name")!,
        payload: ours.getChild("payload")!,
      });
      assertSameRows(renamed, theirs, "_rowid", ["id", "value", "name", "payload"], `take ${version}`);
      // deleted rows (id % 1000 == 999) are skipped
      assert.ok(ids.every((id) => id % 1000n !== 999n));
    });

    if (version !== "2.0") {
      test(`a narrow row range fetches only its pages, ${version}`, async () => {
        const ds = await openDataset(tablePath(fx.dir, `big_${tag}`));
        const file = ds.manifest.fragments[0]!.files[0]!;
        let bytesRead = 0;
        const counting = Object.create(ds.store) as typeof ds.store;
        counting.readRange = async (path, offset, length) => {
          bytesRead += length;
          return ds.store.readRange(path, offset, length);
        };
        const reader = await LanceFileReader.open(counting, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
        const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
        bytesRead = 0;
        const part = await reader.readFields(ids, { start: 500_000, end: 500_010 });
        assert.equal(part.get(ids[0]!)!.length, 10);
        assert.deepEqual(Array.from(makeVector(part.get(ids[0]!)!).toArray() as BigInt64Array), Array.from({ length: 10 }, (_, i) => BigInt(500_000 + i)));
        assert.ok(bytesRead < file.fileSizeBytes / 4, `read ${bytesRead} of ${file.fileSizeBytes} bytes`);
      });
    }

    test(`1.1M rows over several pages, ${version}`, async () => {
      const name = `big_${tag}`;
      const ds = await openDataset(tablePath(fx.dir, name));
      const frag = ds.manifest.fragments;
      let maxPages = 0;
      for (const f of frag) {
        for (const file of f.files) {
          const reader = await LanceFileReader.open(ds.store, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
          for (const c of reader.columns) maxPages = Math.max(maxPages, c.pages.length);
        }
      }
      assert.ok(maxPages > 1, `some column spans ${maxPages} pages`);
      const db = await connect(fx.dir);
      const theirs = await (await db.openTable(name)).query().withRowId().toArrow();
      const ours = await ds.scan({ withRowId: true, batchSize: 65536 }).toArrow();
      assert.equal(ours.numRows, BIG_ROWS - Math.floor(BIG_ROWS / 1000));
      assert.equal(ours.numRows, theirs.numRows);
      // Both scans return rows in fragment order: compare whole columns positionally.
      assert.deepEqual(ours.getChild("_rowid")!.toArray(), theirs.getChild("_rowid")!.toArray());
      assert.deepEqual(ours.getChild("id")!.toArray(), theirs.getChild("id")!.toArray());
      assert.deepEqual(ours.getChild("value")!.toArray(), theirs.getChild("value")!.toArray());
      for (const col of ["category", "name", "payload"]) {
        const a = ours.getChild(col)!;
        const b = theirs.getChild(col)!;
        let bad = 0;
        const same = (x: unknown, y: unknown): boolean => (x instanceof Uint8Array && y instanceof Uint8Array ? Buffer.compare(x, y) === 0 : x === y);
        for (let i = 0; i < a.length; i++) if (!same(a.get(i), b.get(i))) bad++;
        assert.equal(bad, 0, `${col}: ${bad} mismatches`);
      }
    });
  }
});
