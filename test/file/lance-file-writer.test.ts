// Lance files written as they are encoded: the layout laid out piece by piece
// (format/file/layout-stream.ts) and the file streamed to an ObjectWriter
// (file/lance-file-writer.ts) give exactly encodeLanceFile's bytes; pages of
// columns may alternate and still read back; a failed upload is aborted and
// leaves nothing at the path.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeVector, Table } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { concatData } from "../../src/core/arrow-data.js";
import { encodeColumnPages } from "../../src/file/column-pages.js";
import { encodeArrowFile, PagedFileWriter, writeArrowFile } from "../../src/file/file-writer.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { writeLanceFile } from "../../src/file/lance-file-writer.js";
import { openFileReader } from "../../src/file/open-file-reader.js";
import { LanceFileLayout } from "../../src/format/file/layout-stream.js";
import { encodeLanceFile, type FileContents } from "../../src/format/file/layout-writer.js";
import { arrowToLanceFields } from "../../src/format/table/arrow-schema.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { STORAGE_VERSIONS, wideTable } from "../helpers/oracle.js";
import { ProbeStore } from "../helpers/probe-store.js";
import { normalize } from "../helpers/values.js";

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Every column of the wide table in pages of 97 rows, with schema metadata and two extra global buffers (one empty). */
function contentsOf(table: Table, fileVersion: string): FileContents {
  const columns = table.schema.fields.flatMap((f) => encodeColumnPages(f.name, concatData(table.getChild(f.name)!.data), fileVersion, { rowsPerPage: 97 }));
  return {
    fileVersion,
    fields: arrowToLanceFields(table.schema),
    schemaMetadata: { owner: new TextEncoder().encode("tests"), "lance.seed.x": Uint8Array.of(1, 2, 3) },
    numRows: table.numRows,
    columns,
    globalBuffers: [Uint8Array.from({ length: 1000 }, (_, i) => i & 255), new Uint8Array(0), Uint8Array.of(9)],
  };
}

async function readAll(store: MemoryStore, path: string): Promise<Table> {
  const reader = await openFileReader(store, path);
  assert.ok(reader instanceof LanceFileReader);
  const data = await reader.readFields(reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id));
  const columns: Record<string, ReturnType<typeof makeVector>> = {};
  reader.schema.fields.filter((f) => f.parentId === -1).forEach((f) => (columns[f.name] = makeVector(data.get(f.id)!)));
  return new Table(columns);
}

function assertSameValues(ours: Table, expected: Table): void {
  assert.equal(ours.numRows, expected.numRows);
  for (const f of expected.schema.fields) {
    const a = ours.getChild(f.name)!;
    const b = expected.getChild(f.name)!;
    for (let i = 0; i < expected.numRows; i++) assert.deepEqual(normalize(a.get(i)), normalize(b.get(i)), `${f.name} row ${i}`);
  }
}

describe("streamed Lance files", () => {
  // lancets writes list columns in 2.0 only
  const wide = wideTable(1000);
  const table = wide.select(wide.schema.fields.map((f) => f.name).filter((n) => n !== "tags"));

  for (const version of STORAGE_VERSIONS) {
    test(`the layout laid out piece by piece equals encodeLanceFile's, file version ${version}`, () => {
      const contents = contentsOf(table, version);
      const expected = encodeLanceFile(contents);
      const layout = new LanceFileLayout(version);
      const pieces: Uint8Array[] = [];
      contents.columns.forEach((column, c) => column.pages.forEach((page) => pieces.push(...layout.addPage(c, page))));
      pieces.push(...layout.finish(contents));
      const bytes = concat(pieces);
      assert.ok(contents.columns.every((c) => c.pages.length > 5), "several pages per column");
      assert.equal(bytes.byteLength, expected.byteLength);
      assert.equal(layout.byteLength, expected.byteLength);
      assert.deepEqual(bytes, expected);
    });

    test(`a file streamed to an object writer equals encodeLanceFile's, file version ${version}`, async () => {
      const contents = contentsOf(table, version);
      const store = new ProbeStore(new MemoryStore());
      const size = await writeLanceFile(store, "f.lance", version, async (writer) => {
        for (const [c, column] of contents.columns.entries()) for (const page of column.pages) await writer.writePage(c, page);
        return contents;
      });
      const expected = encodeLanceFile(contents);
      assert.equal(size, expected.byteLength);
      assert.deepEqual(await store.read("f.lance"), expected);
      assert.equal(store.maxPutBytes, 0, "never put whole by the writer");
    });

    test(`writeArrowFile streams encodeArrowFile's bytes for one-column fields, and reads back with a struct, file version ${version}`, async () => {
      const store = new ProbeStore(new MemoryStore());
      const options = { fileVersion: version, rowsPerPage: 128, metadata: { k: "v" }, globalBuffers: [Uint8Array.of(5, 6)] };
      const flat = table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== "point"));
      const size = await writeArrowFile(store, "t.lance", flat, options);
      const expected = encodeArrowFile(flat, options);
      assert.equal(size, expected.byteLength);
      assert.deepEqual(await store.read("t.lance"), expected);
      // a struct's columns alternate page by page
      await writeArrowFile(store, "s.lance", table, options);
      assertSameValues(await readAll(store.inner as MemoryStore, "s.lance"), table);
    });

    test(`pages of columns alternating in the file read back, file version ${version}`, async () => {
      const store = new MemoryStore();
      const writer = await PagedFileWriter.open(store, "p.lance", table.schema, { fileVersion: version });
      for (let start = 0; start < table.numRows; start += 300) {
        const part = table.slice(start, Math.min(table.numRows, start + 300));
        await writer.addPage(part.schema.fields.map((f) => concatData(part.getChild(f.name)!.data)));
      }
      const size = await writer.finish();
      assert.equal(size, await store.size("p.lance"));
      assertSameValues(await readAll(store, "p.lance"), table);
    });
  }

  test("an upload that fails part way is aborted and leaves nothing", async () => {
    for (const failOnWrite of [1, 2, 5]) {
      const store = new ProbeStore(new MemoryStore(), { failOnWrite });
      await assert.rejects(writeArrowFile(store, "x.lance", wideTable(3000), { fileVersion: "2.0", rowsPerPage: 200 }), (err: unknown) => err instanceof LanceError && err.code === "IO");
      assert.deepEqual(store.aborted, ["x.lance"], `aborted (failure on write ${failOnWrite})`);
      assert.deepEqual(store.finished, []);
      assert.deepEqual(await store.list(""), []);
    }
  });

  test("a failure while producing pages aborts the upload", async () => {
    const store = new ProbeStore(new MemoryStore());
    const contents = contentsOf(table, "2.2");
    await assert.rejects(
      writeLanceFile(store, "y.lance", "2.2", async (writer) => {
        await writer.writePage(0, contents.columns[0]!.pages[0]!);
        throw new LanceError("INVALID_INPUT", "bad rows");
      }),
      /bad rows/,
    );
    assert.deepEqual(store.aborted, ["y.lance"]);
    assert.deepEqual(await store.list(""), []);
  });

  test("an unknown file version is refused before the upload starts", async () => {
    const store = new ProbeStore(new MemoryStore());
    await assert.rejects(writeArrowFile(store, "z.lance", table, { fileVersion: "2.7" }), (err: unknown) => err instanceof LanceError && err.code === "NOT_SUPPORTED");
    assert.deepEqual(store.opened, []);
  });
});
