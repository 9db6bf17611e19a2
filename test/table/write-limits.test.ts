// Data files stay within a byte budget (maxBytesPerFile): strings, lists and
// vectors of many batches are cut into files (fragments) that fill the budget
// without passing it, a row larger than the budget gets a file of its own, and
// Lance reads every file back. The default budget (1 GiB) keeps a file's
// string offsets within 32 bits, so more than 2 GiB of strings can be written.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Field, FixedSizeList, Float32, Int32, List, makeData, makeVector, RecordBatch, Struct, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { concatData, dataByteSize } from "../../src/core/arrow-data.js";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, rng, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

const BUDGET = 64 * 1024;
/** Columns written in `version` (lancets writes list columns in 2.0 files only). */
function columnNames(version: string): string[] {
  return version === "2.0" ? ["id", "s", "tags", "vec", "meta"] : ["id", "s", "vec", "meta"];
}

/**
 * Rows start..start+n: strings of 20-400 bytes (one of 100 KiB at `hugeAt`),
 * lists of strings, vectors, structs of a string and an integer; no nulls.
 */
function batch(version: string, start: number, n: number, hugeAt = -1): RecordBatch {
  const random = rng(start + 1);
  const ids = Array.from({ length: n }, (_, i) => start + i);
  const text = (len: number, i: number): string => `${i}:`.padEnd(len, String.fromCharCode(97 + (i % 26)));
  const table = new Table({
    id: vectorFromArray(ids, new Int32()),
    s: vectorFromArray(
      ids.map((i) => (i === hugeAt ? text(100 * 1024, i) : text(20 + Math.floor(random() * 380), i))),
      new Utf8(),
    ),
    tags: vectorFromArray(
      ids.map((i) => Array.from({ length: i % 4 }, (_, k) => text(5 + k * 7, i))),
      new List(new Field("item", new Utf8(), true)),
    ),
    vec: vectorFromArray(
      ids.map((i) => [i, i + 0.5, -i, 1]),
      new FixedSizeList(4, new Field("item", new Float32(), true)),
    ),
    meta: vectorFromArray(
      ids.map((i) => ({ name: text(10 + (i % 30), i), rank: i * 3 })),
      new Struct([new Field("name", new Utf8(), true), new Field("rank", new Int32(), true)]),
    ),
  });
  return table.select(columnNames(version) as (keyof typeof table.schema.fields)[] as never).batches[0]!;
}

/** The column data of all `batches`, one Data per column. */
function columnsOf(batches: RecordBatch[]): Data[] {
  return batches[0]!.schema.fields.map((_, c) => concatData(batches.map((b) => b.data.children[c]!)));
}

function bytesOfRows(columns: Data[], start: number, count: number): number {
  return columns.reduce((sum, d) => sum + dataByteSize(d.slice(start, count)), 0);
}

/** Every fragment fills the budget: its rows fit (or it is a single row), one more row would not. */
function checkFilled(fragmentRows: number[], columns: Data[], total: number): void {
  let start = 0;
  fragmentRows.forEach((rows, k) => {
    const bytes = bytesOfRows(columns, start, rows);
    assert.ok(bytes <= BUDGET || rows === 1, `fragment ${k}: ${rows} rows of ${bytes} bytes`);
    if (start + rows < total) assert.ok(bytesOfRows(columns, start, rows + 1) > BUDGET, `fragment ${k} could hold another row`);
    start += rows;
  });
  assert.equal(start, total);
}

describe("data files within a byte budget", () => {
  for (const version of STORAGE_VERSIONS) {
    test(`create and append cut files at maxBytesPerFile; Lance reads them, ${version}`, async () => {
      const dir = tempDir();
      const path = tablePath(dir, "t");
      // batches smaller and larger than the budget, and a row larger than it
      const created = [batch(version, 0, 10), batch(version, 10, 1500, 700), batch(version, 1510, 490)];
      const ds = await writeDataset(path, created, { dataStorageVersion: version, maxBytesPerFile: BUDGET });
      const createdColumns = columnsOf(created);
      assert.ok(bytesOfRows(createdColumns, 0, 2000) > 6 * BUDGET);
      const rows = ds.fragments().map((f) => f.physicalRows);
      assert.ok(rows.length > 6, `${rows.length} fragments`);
      assert.ok(rows.includes(1), "the 100 KiB row has a file of its own");
      checkFilled(rows, createdColumns, 2000);

      const appended = [batch(version, 2000, 3000)];
      const next = await ds.append(appended, { maxBytesPerFile: BUDGET });
      checkFilled(
        next.fragments().slice(rows.length).map((f) => f.physicalRows),
        columnsOf(appended),
        3000,
      );

      const table = await (await connect(dir)).openTable("t");
      assert.equal(await table.countRows(), 5000);
      assertSameRows(await next.scan().toArrow(), await table.query().toArrow(), "id", columnNames(version), `${version} read by Lance`);
      assert.equal((await table.query().where("id = 700").toArray())[0].s.length, 100 * 1024);
    });
  }

  test("the budget is a positive integer; a larger one than 1 GiB is lowered to it", async () => {
    const path = tablePath(tempDir(), "t");
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(writeDataset(path, [batch("2.2", 0, 10)], { maxBytesPerFile: bad }), (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT" && /maxBytesPerFile must be a positive integer/.test(err.message));
    }
    const ds = await writeDataset(path, [batch("2.2", 0, 100)], { maxBytesPerFile: 2 ** 45 });
    assert.equal(ds.fragments().length, 1);
    assert.equal((await openDataset(path)).countRows(), 100);
  });
});

describe("more than 2 GiB of strings", () => {
  const reason = process.env.LANCETS_BIG_WRITE ? false : "writes 2.3 GiB; set LANCETS_BIG_WRITE=1 to run";
  for (const version of ["2.0", "2.2"] as const) {
    test(`2.3 GiB of strings in one write: files of at most 1 GiB, all read by Lance, ${version}`, { skip: reason }, async () => {
      const rowsPerBatch = 4096;
      const valueBytes = 64 * 1024;
      const batches = 9;
      // one 256 MiB buffer shared by every batch: row r of a batch holds bytes r * 64 KiB.. of it
      const bytes = new Uint8Array(rowsPerBatch * valueBytes);
      for (let r = 0; r < rowsPerBatch; r++) bytes.fill(97 + (r % 26), r * valueBytes, (r + 1) * valueBytes);
      const offsets = Int32Array.from({ length: rowsPerBatch + 1 }, (_, r) => r * valueBytes);
      const strings = makeData({ type: new Utf8(), length: rowsPerBatch, nullCount: 0, valueOffsets: offsets, data: bytes });
      const input = Array.from({ length: batches }, (_, b) => {
        const ids = makeData({ type: new Int32(), length: rowsPerBatch, nullCount: 0, data: Int32Array.from({ length: rowsPerBatch }, (_, r) => b * rowsPerBatch + r) });
        return new Table({ id: makeVector(ids), s: makeVector(strings) }).batches[0]!;
      });
      const dir = tempDir();
      const ds = await writeDataset(tablePath(dir, "t"), input, { dataStorageVersion: version });
      const total = batches * rowsPerBatch;
      assert.equal(ds.countRows(), total);
      assert.ok(ds.fragments().length >= 3);
      for (const f of ds.fragments()) for (const d of f.dataFiles) assert.ok(d.sizeBytes < 1.1 * 1024 ** 3, `${d.path}: ${d.sizeBytes} bytes`);
      const table = await (await connect(dir)).openTable("t");
      assert.equal(await table.countRows(), total);
      for (const id of [0, total / 2 + 7, total - 1]) {
        const [row] = await table.query().where(`id = ${id}`).toArray();
        const r = id % rowsPerBatch;
        assert.equal(row.s, String.fromCharCode(97 + (r % 26)).repeat(valueBytes), `row ${id}`);
      }
    });
  }
});
