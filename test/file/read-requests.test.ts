// How many requests and bytes reads of a 2.x file cost: bytes the speculative
// tail read already holds are not fetched again, and the chunk metadata of a
// page read in part is kept, so the next point read in that page fetches only
// its chunk; a row read in another page of a column fetches the metadata of
// every page of the column, so later point reads fetch their chunks only.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { encodeArrowFile } from "../../src/file/file-writer.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { bytesReadTwice, CountingStore } from "../helpers/counting-store.js";
import { rng } from "../helpers/oracle.js";

function table(n: number): Table {
  const r = rng(5);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, () => BigInt(Math.floor(r() * 2 ** 40))), new Int64()),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => `name-${i}`), new Utf8()),
  });
}

async function stored(t: Table, fileVersion: string, rowsPerPage?: number): Promise<{ store: CountingStore; size: number }> {
  const inner = new MemoryStore();
  const bytes = encodeArrowFile(t, { fileVersion, ...(rowsPerPage ? { rowsPerPage } : {}) });
  await inner.put("f.lance", bytes);
  return { store: new CountingStore(inner), size: bytes.byteLength };
}

const total = (reads: { byteLength?: number }[]): number => reads.reduce((a, r) => a + (r.byteLength ?? 0), 0);

for (const version of ["2.0", "2.1", "2.2"]) {
  test(`${version}: a file no larger than the speculative tail is read whole with one request`, async () => {
    const t = table(500);
    const { store, size } = await stored(t, version);
    assert.ok(size < 64 * 1024, `${size} bytes`);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    const data = await reader.readFields(reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id));
    assert.deepEqual(Array.from(makeVector(data.get(0)!).toArray() as BigInt64Array), Array.from(t.getChild("id")!.toArray() as BigInt64Array));
    const reads = store.take();
    assert.equal(reads.length, 1, JSON.stringify(reads));
    assert.equal(total(reads), size);
  });

  test(`${version}: a whole read of a larger file fetches every byte once`, async () => {
    const t = table(60_000);
    const { store, size } = await stored(t, version, 10_000);
    assert.ok(size > 4 * 64 * 1024, `${size} bytes`);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    const data = await reader.readFields(reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id));
    assert.equal(makeVector(data.get(1)!).get(59_999), "name-59999");
    const reads = store.take();
    assert.equal(bytesReadTwice(reads), 0, JSON.stringify(reads));
    assert.equal(total(reads), size);
    assert.equal(reads.length, 2, JSON.stringify(reads));
  });
}

for (const version of ["2.1", "2.2"]) {
  test(`${version}: the next point read in a page read in part fetches only its chunk, not the page's chunk metadata again`, async () => {
    const t = table(200_000);
    const ids = t.getChild("id")!.toArray() as BigInt64Array;
    const { store, size } = await stored(t, version, 200_000);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    store.take();
    const rows = [10, 150_000, 99_999];
    const perRead: number[] = [];
    const all = [];
    for (const row of rows) {
      const data = await reader.readFieldRanges([0], [{ start: row, end: row + 1 }]);
      assert.equal(makeVector(data.get(0)!).get(0), ids[row]);
      const reads = store.take();
      perRead.push(reads.length);
      all.push(...reads);
      // a point read fetches a small part of the 1.6 MB column
      assert.ok(total(reads) < 64 * 1024, `${total(reads)} bytes for one row`);
    }
    assert.ok(perRead[0]! >= 2, `the first read fetches the chunk metadata and a chunk: ${perRead[0]} requests`);
    assert.deepEqual(perRead.slice(1), [1, 1], `later reads fetch one chunk each: ${perRead}`);
    assert.equal(bytesReadTwice(all), 0);
  });

  test(`${version}: concurrent point reads in one page share the request for its chunk metadata`, async () => {
    const t = table(200_000);
    const ids = t.getChild("id")!.toArray() as BigInt64Array;
    const { store, size } = await stored(t, version, 200_000);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    store.take();
    const rows = [5, 60_000, 120_000, 180_000];
    const got = await Promise.all(rows.map((row) => reader.readFieldRanges([0], [{ start: row, end: row + 1 }])));
    got.forEach((data, i) => assert.equal(makeVector(data.get(0)!).get(0), ids[rows[i]!]));
    const reads = store.take();
    assert.ok(reads.length <= rows.length + 1, `${reads.length} requests: ${JSON.stringify(reads)}`);
  });
}

for (const version of ["2.1", "2.2"]) {
  test(`${version}: a take of scattered rows fetches the chunks holding them, not every chunk between them`, async () => {
    const t = table(200_000);
    const { store, size } = await stored(t, version, 200_000);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    store.take();
    const rows = [7, 20_000, 45_000, 45_010, 90_000, 130_000, 160_001, 199_999];
    const ranges = rows.map((r) => ({ start: r, end: r + 1 }));
    const data = await reader.readFieldRanges([0, 1], ranges);
    const ids = t.getChild("id")!.toArray() as BigInt64Array;
    assert.deepEqual(Array.from(makeVector(data.get(0)!).toArray() as BigInt64Array), rows.map((r) => ids[r]));
    assert.deepEqual(Array.from({ length: rows.length }, (_, i) => makeVector(data.get(1)!).get(i)), rows.map((r) => `name-${r}`));
    const reads = store.take();
    // the two columns take about 3.4 MB; seven groups of chunks are a few tens of KiB each
    assert.ok(total(reads) < 400 * 1024, `${total(reads)} bytes in ${reads.length} requests`);
    assert.equal(bytesReadTwice(reads), 0);
    // many scattered rows: the ordinary path, whole pages
    const many = Array.from({ length: 100 }, (_, i) => ({ start: i * 1999, end: i * 1999 + 1 }));
    const manyData = await reader.readFieldRanges([0], many);
    assert.deepEqual(Array.from(makeVector(manyData.get(0)!).toArray() as BigInt64Array), many.map((r) => ids[r.start]));
  });
}

for (const version of ["2.1", "2.2"]) {
  test(`${version}: windows that split a page fetch its chunks about once, not the whole page per window`, async () => {
    const t = table(200_000);
    const { store, size } = await stored(t, version, 200_000);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    store.take();
    const names: string[] = [];
    for (let start = 0; start < 200_000; start += 65_536) {
      const data = await reader.readFieldRanges([0, 1], [{ start, end: Math.min(200_000, start + 65_536) }]);
      const vec = makeVector(data.get(1)!);
      names.push(vec.get(0) as string, vec.get(vec.length - 1) as string);
    }
    assert.deepEqual(names, ["name-0", "name-65535", "name-65536", "name-131071", "name-131072", "name-196607", "name-196608", "name-199999"]);
    const reads = store.take();
    // only the chunks on the window boundaries (a few KiB each) are fetched twice
    assert.ok(bytesReadTwice(reads) < 64 * 1024, `${bytesReadTwice(reads)} bytes fetched twice`);
    assert.ok(total(reads) < size * 1.05, `${total(reads)} bytes fetched of a ${size}-byte file`);
  });
}

for (const version of ["2.1", "2.2"]) {
  test(`${version}: a row read in another page than the last fetches the metadata of every page of its columns in the same round; later reads in other pages fetch their chunks only`, async () => {
    const t = table(200_000);
    const ids = t.getChild("id")!.toArray() as BigInt64Array;
    const { store, size } = await stored(t, version, 20_000);
    const reader = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    assert.equal(reader.columns[0]!.pages.length, 10);
    store.take();
    const rows = [10, 150_000, 99_999, 45_000, 185_000, 120_000];
    const perRead: number[] = [];
    const all = [];
    for (const row of rows) {
      const data = await reader.readFieldRows([0, 1], Uint32Array.of(row));
      assert.equal(makeVector(data.get(0)!).get(0), ids[row]);
      assert.equal(makeVector(data.get(1)!).get(0), `name-${row}`);
      const reads = store.take();
      perRead.push(reads.length);
      all.push(...reads);
    }
    // the first: each column's page metadata, then its chunk
    assert.equal(perRead[0], 4, `requests per read: ${perRead}`);
    // the second: the metadata of the 18 other pages of both columns, then its two chunks
    assert.equal(perRead[1], 18 + 2, `requests per read: ${perRead}`);
    // then one chunk per column, whatever the page
    assert.deepEqual(perRead.slice(2), [2, 2, 2, 2], `requests per read: ${perRead}`);
    assert.equal(bytesReadTwice(all), 0);
    // a fresh reader's reads within one page, in steps (a filter's column, then the row's others), fetch that page's metadata only
    const fresh = await LanceFileReader.open(store, "f.lance", { sizeBytes: size });
    store.take();
    await fresh.readFieldRows([0], Uint32Array.of(77_777));
    assert.equal(store.take().length, 2);
    const row = await fresh.readFieldRows([0, 1], Uint32Array.of(77_777));
    assert.equal(makeVector(row.get(1)!).get(0), "name-77777");
    assert.ok(store.take().length <= 3);
  });
}
