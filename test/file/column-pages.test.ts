// Data files are written in pages bounded in bytes, as Lance writes them (it
// flushes a column's page at about 8 MiB): a column of large strings becomes
// several pages of at most 8 MiB (a single larger value, a page of its own),
// list columns too, and Lance reads every value back.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Field, Int32, List, Table, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { PAGE_BYTES, pageRowCounts } from "../../src/file/column-pages.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const ROWS = 1200;
const HUGE_AT = 500;
const MiB = 1024 * 1024;

/** 20 KiB strings (24 MB in all), one of 9 MiB at HUGE_AT; lists of three 4 KiB strings, 14 MB of items (2.0 only: lancets writes lists in 2.0 files). */
function table(version: string): Table {
  const text = (i: number): string => `${i}:`.padEnd(i === HUGE_AT ? 9 * MiB : 20 * 1024, String.fromCharCode(97 + (i % 26)));
  const columns: Record<string, Vector> = {
    id: vectorFromArray(Array.from({ length: ROWS }, (_, i) => i), new Int32()),
    s: vectorFromArray(Array.from({ length: ROWS }, (_, i) => (i % 10 === 7 ? null : text(i))), new Utf8()),
  };
  if (version === "2.0") {
    columns.l = vectorFromArray(
      Array.from({ length: ROWS }, (_, i) => Array.from({ length: 3 }, (_, j) => `${i}.${j}`.padEnd(4096, "z"))),
      new List(new Field("item", new Utf8(), true)),
    );
  }
  return new Table(columns);
}

describe("pages bounded in bytes", () => {
  const dir = tempDir();

  test("page row counts: whole rows, at most the byte limit unless one row is larger", () => {
    const data = vectorFromArray(["a".repeat(10), "b".repeat(100), "c".repeat(10), "d".repeat(10), "e"], new Utf8()).data[0]!;
    // dataByteSize counts 8 bytes of offset per row: rows of 18, 108, 18, 18 and 9 bytes
    const counts = pageRowCounts(data, { pageBytes: 40 });
    assert.equal(counts.reduce((a, b) => a + b, 0), 5);
    let start = 0;
    for (const count of counts) {
      const bytes = data.slice(start, count);
      const size = Number(bytes.valueOffsets[count]! - bytes.valueOffsets[0]!) + 8 * count;
      assert.ok(count === 1 || size <= 40, `rows ${start}..${start + count} take ${size} bytes`);
      start += count;
    }
    assert.ok(counts.includes(1), "the 108-byte row is a page of its own");
    assert.deepEqual(pageRowCounts(data), [5]);
    assert.deepEqual(pageRowCounts(data, { rowsPerPage: 2 }), [2, 2, 1]);
  });

  for (const version of STORAGE_VERSIONS) {
    test(`24 MB of strings make several pages of at most ${PAGE_BYTES / MiB} MiB; Lance reads them, ${version}`, async () => {
      const name = `pages_${version.replace(".", "_")}`;
      const input = table(version);
      await writeDataset(tablePath(dir, name), input, { dataStorageVersion: version } as never);
      const ds = await openDataset(tablePath(dir, name));
      assert.equal(ds.manifest.fragments.length, 1);
      const file = ds.manifest.fragments[0]!.files[0]!;
      const reader = await LanceFileReader.open(ds.store, `data/${file.path}`, { sizeBytes: file.fileSizeBytes });
      const columnOf = version === "2.0" ? { s: 1, items: 3 } : { s: 1 };
      for (const [what, ci] of Object.entries(columnOf)) {
        const pages = reader.columns[ci]!.pages;
        assert.ok(pages.length >= (what === "items" ? 2 : 3), `${what}: ${pages.length} pages`);
        for (const page of pages) {
          const bytes = page.bufferSizes.reduce((a, b) => a + b, 0);
          // only the page holding the 9 MiB value alone may pass the limit
          assert.ok(bytes <= PAGE_BYTES || (page.numRows === 1 && bytes < 10 * MiB), `${what}: a page of ${page.numRows} rows holds ${bytes} bytes`);
        }
      }
      const theirs = await (await (await connect(dir)).openTable(name)).query().toArrow();
      assert.equal(theirs.numRows, ROWS);
      for (const column of Object.keys(columnOf).map((c) => (c === "items" ? "l" : c))) {
        const a = theirs.getChild(column)!;
        const b = input.getChild(column)!;
        for (let i = 0; i < ROWS; i++) assert.equal(String(a.get(i)), String(b.get(i)), `${column} row ${i}`);
      }
      const ours = await ds.scan({ columns: ["s"] }).toArrow();
      for (let i = 0; i < ROWS; i++) assert.equal(ours.getChild("s")!.get(i), input.getChild("s")!.get(i), `lancets s row ${i}`);
    });
  }
});
