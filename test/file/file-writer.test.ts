// Standalone Lance files (index files): a column larger than PAGE_BYTES
// is cut into pages a reader accepts (no page claims more than 2^28 bytes or
// values), and reads back whole; small columns stay one page.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Binary, Int32, makeData, Table, makeVector } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { openFileReader } from "../../src/file/open-file-reader.js";
import { PAGE_BYTES } from "../../src/file/column-pages.js";
import { writeArrowFile } from "../../src/file/file-writer.js";
import { MemoryStore } from "../../src/io/memory-store.js";

function binaryColumn(rows: number, bytesPerRow: number): Table {
  const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => i * bytesPerRow);
  const bytes = new Uint8Array(rows * bytesPerRow);
  for (let r = 0; r < rows; r++) bytes.fill(r % 251, r * bytesPerRow, (r + 1) * bytesPerRow);
  const ids = makeData({ type: new Int32(), length: rows, nullCount: 0, data: Int32Array.from({ length: rows }, (_, i) => i) });
  return new Table({ id: makeVector(ids), b: makeVector(makeData({ type: new Binary(), length: rows, nullCount: 0, valueOffsets: offsets, data: bytes })) });
}

async function pagesAndValues(table: Table): Promise<{ pages: number[]; ok: boolean }> {
  const store = new MemoryStore();
  await writeArrowFile(store, "f.lance", table);
  const reader = await openFileReader(store, "f.lance");
  assert.ok(reader instanceof LanceFileReader);
  const data = await reader.readFields(reader.schema.fields.map((f) => f.id));
  const b = makeVector(data.get(1)!);
  const ok = b.length === table.numRows && [0, Math.floor(table.numRows / 2), table.numRows - 1].every((r) => (b.get(r) as Uint8Array)[0] === r % 251);
  return { pages: reader.columnPageCounts(), ok };
}

describe("standalone file writer", () => {
  test("a binary column past PAGE_BYTES is written in several pages and reads back", async () => {
    const rows = 80;
    const bytesPerRow = Math.ceil((PAGE_BYTES * 2.5) / rows);
    const { pages, ok } = await pagesAndValues(binaryColumn(rows, bytesPerRow));
    assert.ok(ok);
    // the id column is small: one page; the binary column: about 2.5 pages' worth
    assert.equal(pages[0], 1);
    assert.ok(pages[1]! >= 3, `pages per column: ${pages.join(", ")}`);
  });

  test("a small column stays one page", async () => {
    const { pages, ok } = await pagesAndValues(binaryColumn(1000, 10));
    assert.ok(ok);
    assert.deepEqual(pages, pages.map(() => 1));
  });
});
