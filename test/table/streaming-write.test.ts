// Data files written as their pages fill: an append much larger than a page
// holds about a page per column (the bytes given and not yet written stay
// bounded), Lance reads the streamed files (pages of columns alternate in
// them) with the same values, and a write that fails part way leaves no data
// file and no new version.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Table, type RecordBatch } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { PAGE_BYTES } from "../../src/file/column-pages.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, STORAGE_VERSIONS } from "../helpers/oracle.js";
import { ProbeStore } from "../helpers/probe-store.js";
import { batchBytes, streamBatch } from "../helpers/stream-batches.js";
import { tempDir } from "../helpers/tmp.js";
import { normalize } from "../helpers/values.js";

const DATA_FILE_NAME = /^[01]{24}[0-9a-f]{26}\.lance$/;

/** Asserts equal columns, row by row in order (both tables are whole scans in row order). */
function assertSameTables(ours: Table, theirs: Table, label: string): void {
  assert.equal(ours.numRows, theirs.numRows, `${label}: rows`);
  for (const name of ["id", "r", "f", "s"]) {
    const a = ours.getChild(name)!;
    const b = theirs.getChild(name)!;
    for (let i = 0; i < ours.numRows; i++) {
      const x = a.get(i);
      const y = b.get(i);
      if (x !== y) assert.fail(`${label}: column ${name} row ${i}: ${String(x)} != ${String(y)}`);
    }
  }
}

describe("streamed data files", () => {
  for (const version of ["2.0", "2.2"] as const) {
    test(`a write several pages large holds about a page per column, ${version}`, async () => {
      const store = new ProbeStore(new MemoryStore());
      const batchRows = 32 * 1024;
      const batches = 64;
      let given = 0;
      let largestBatch = 0;
      // bytes given and bytes written when each batch is asked for
      const marks: { given: number; written: number }[] = [];
      async function* input(): AsyncGenerator<RecordBatch> {
        for (let b = 0; b < batches; b++) {
          // random 64-bit integers and strings: 28 bytes a row, little to compress
          const batch = streamBatch(b * batchRows, batchRows, b + 1, false, 12, ["r", "s"]);
          given += batchBytes(batch);
          largestBatch = Math.max(largestBatch, batchBytes(batch));
          marks.push({ given, written: store.bytesWritten });
          yield batch;
        }
      }
      const ds = await writeDataset(store, input(), { dataStorageVersion: version, maxRowsPerFile: 1 << 30 });
      // encodings may shrink the data a little (2.2): written bytes are scaled back to the input's
      const ratio = store.bytesWritten / given;
      assert.ok(ratio > 0.7, `written ${store.bytesWritten} of ${given} bytes given`);
      const maxHeld = Math.max(...marks.map((m) => m.given - m.written / ratio));
      // each column holds less than a page (and the batch that fills it) before its pages are written
      const bound = 2 * PAGE_BYTES + 2 * largestBatch;
      assert.ok(given > 3 * bound, `the input (${given} bytes) is several times the bound (${bound} bytes)`);
      assert.ok(maxHeld < bound, `at most ${maxHeld} bytes given and not yet written (bound ${bound})`);
      assert.ok(store.maxChunkBytes <= PAGE_BYTES + 64 * 1024, `largest piece ${store.maxChunkBytes} bytes`);
      assert.ok(store.maxPutBytes < 64 * 1024, `nothing large is put whole (largest ${store.maxPutBytes} bytes)`);
      assert.equal(ds.fragments().length, 1, "one data file");
      assert.ok(store.writes > 5, `the data file went up in ${store.writes} pieces`);
      assert.equal(ds.countRows(), batches * batchRows);
      // the last row (fragment 0, so its row address is its offset)
      const tail = await ds.take([batches * batchRows - 1]);
      const last = streamBatch((batches - 1) * batchRows, batchRows, batches, false, 12, ["r", "s"]);
      assert.equal(tail.numRows, 1);
      assert.deepEqual(normalize(tail.getChild("s")!.get(0)), normalize(last.getChild("s")!.get(batchRows - 1)));
      assert.deepEqual(normalize(tail.getChild("r")!.get(0)), normalize(last.getChild("r")!.get(batchRows - 1)));
    });
  }

  for (const version of STORAGE_VERSIONS) {
    test(`Lance reads streamed data files whose columns' pages alternate, ${version}`, async () => {
      const dir = tempDir();
      const path = join(dir, "streamed.lance");
      // the string column fills a page before the others: its first pages come ahead of theirs
      const batchRows = 20_000;
      const parts = Array.from({ length: 10 }, (_, b) => streamBatch(b * batchRows, batchRows, 100 + b, true, 64));
      async function* input(): AsyncGenerator<RecordBatch> {
        yield* parts;
      }
      const ds = await writeDataset(path, input(), { dataStorageVersion: version, maxRowsPerFile: 150_000 });
      assert.equal(ds.fragments().length, 2);
      const first = await LanceFileReader.open(new LocalFileStore(path), ds.fragments()[0]!.dataFiles[0]!.path);
      const start = (column: number): number => Math.min(...first.columns[column]!.pages[0]!.bufferOffsets);
      assert.ok(first.columns[3]!.pages.length >= 2, "the string column has several pages");
      assert.ok(start(3) < start(0), "the string column's first page comes before the id column's");
      const db = await connect(dir);
      const theirs = await (await db.openTable("streamed")).query().toArrow();
      const expected = new Table(parts);
      assertSameTables(theirs, expected, `Lance reads ${version}`);
      assertSameTables(await ds.scan().toArrow(), expected, `lancets reads ${version}`);
    });
  }

  test("a write that fails part way leaves no data file and no new version", async () => {
    const dir = tempDir();
    const path = join(dir, "failing.lance");
    await writeDataset(path, [streamBatch(0, 1000, 1, true)]);
    const before = readdirSync(join(path, "data")).sort();
    // the first failure is inside the first data file, the others after one or more files were finished
    for (const failOnWrite of [2, 6, 14]) {
      const store = new ProbeStore(new LocalFileStore(path), { failOnWrite });
      async function* input(): AsyncGenerator<RecordBatch> {
        for (let b = 0; b < 20; b++) yield streamBatch(1000 + b * 40_000, 40_000, 50 + b);
      }
      const ds = await openDataset(store);
      await assert.rejects(ds.append(input(), { maxRowsPerFile: 200_000 }), (err: unknown) => err instanceof LanceError && err.code === "IO" && /injected failure/.test(err.message));
      assert.ok(store.aborted.length >= 1, `the upload in progress was aborted (failure on write ${failOnWrite})`);
      if (failOnWrite > 6) assert.ok(store.finished.length >= 1, `a data file had been finished before the failure on write ${failOnWrite}`);
      assert.deepEqual(readdirSync(join(path, "data")).sort(), before, `no data file left (failure on write ${failOnWrite})`);
    }
    const ds = await openDataset(path);
    assert.equal(ds.version, 1);
    assert.equal(ds.countRows(), 1000);
    const table = await (await connect(dir)).openTable("failing");
    assert.equal(await table.version(), 1);
    assertSameTables(await table.query().toArrow(), new Table([streamBatch(0, 1000, 1, true)]), "Lance after failed writes");
  });

  test("an iterable is read one batch ahead: refused input closes it, a failing one commits nothing", async () => {
    const store = new MemoryStore();
    let asked = 0;
    let closed = false;
    async function* reserved(): AsyncGenerator<RecordBatch> {
      try {
        for (let b = 0; b < 5; b++) {
          asked++;
          const batch = streamBatch(b * 10, 10, b);
          yield new Table({ _rowid: batch.getChild("id")!, s: batch.getChild("s")! }).batches[0]!;
        }
      } finally {
        closed = true;
      }
    }
    await assert.rejects(writeDataset(store, reserved()), (err: unknown) => err instanceof LanceError && err.code === "INVALID_INPUT" && /_rowid/.test(err.message));
    assert.equal(asked, 1, "only the first batch was read");
    assert.ok(closed, "the input was closed");
    async function* failing(): AsyncGenerator<RecordBatch> {
      for (let b = 0; b < 40; b++) yield streamBatch(b * 50_000, 50_000, b);
      throw new LanceError("IO", "the source went away");
    }
    await assert.rejects(writeDataset(store, failing(), { maxRowsPerFile: 400_000 }), /the source went away/);
    assert.deepEqual(await store.list(""), [], "no data file, no version");
  });
});
