// Reading selected rows (readFieldRows, and readFragmentColumns with a
// selection): over the fixture matrix written by Lance (every scalar type and
// data shape: nulls, all-null, constants, runs, low-cardinality dictionaries,
// every bit width, 2.0 / 2.1 / 2.2) and over files lancets writes with small
// pages, the rows equal the same rows taken from a full read, at chunk and
// page boundaries, sparse and dense; and a few scattered rows fetch only the
// chunks holding them.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Bool, Field, Float64, Int32, Int64, makeData, makeVector, Struct, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { takeData } from "../../src/core/arrow-data.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { encodeArrowFile } from "../../src/file/file-writer.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { planProjection, readFragmentColumns } from "../../src/table/scan.js";
import { BIG_ROWS, matrixFixtures, type MatrixFixtures } from "../helpers/matrix.js";
import { rng, tablePath } from "../helpers/oracle.js";
import { normalize } from "../helpers/values.js";
import { CountingStore } from "../helpers/counting-store.js";

let fx: MatrixFixtures;

before(async () => {
  fx = await matrixFixtures();
});

function values(d: Data): unknown[] {
  const vec = makeVector(d);
  return Array.from({ length: vec.length }, (_, i) => normalize(vec.get(i)));
}

/** Selections of a fragment of n rows: boundaries of 1024-value runs and of chunks, strided, random sparse and dense, one row, the ends. */
function selections(n: number, seed: number, sparseOnly = false): { name: string; rows: Uint32Array }[] {
  const r = rng(seed);
  const sorted = (xs: number[]): Uint32Array => Uint32Array.from(new Set(xs.filter((x) => x >= 0 && x < n))).sort();
  const boundaries: number[] = [];
  for (const b of [1024, 2048, 4096, 8192]) for (let at = b; at < n; at += b * 3) boundaries.push(at - 1, at);
  const sparse = [
    { name: "the last row", rows: sorted([n - 1]) },
    { name: "run and chunk boundaries", rows: sorted([0, ...boundaries, n - 1]) },
    { name: "random 1%", rows: sorted(Array.from({ length: n }, (_, i) => (r() < 0.01 ? i : -1))) },
  ];
  if (sparseOnly) return sparse;
  return [
    ...sparse,
    { name: "every 97th row", rows: sorted(Array.from({ length: Math.ceil(Math.min(n, 10_000) / 97) }, (_, i) => i * 97)) },
    { name: "random 40% of 3000 rows", rows: sorted(Array.from({ length: 3000 }, (_, i) => (r() < 0.4 ? Math.floor(n / 2) - 1500 + i : -1))) },
    { name: "a contiguous run", rows: sorted(Array.from({ length: 300 }, (_, i) => Math.floor(n / 3) + i)) },
  ];
}

/** Selected rows of every column of a dataset's fragments equal the same rows of a full read. */
async function checkDataset(name: string, seed: number, columns?: string[], sparseOnly = false): Promise<number> {
  const ds = await openDataset(tablePath(fx.dir, name));
  const projection = planProjection(ds.snapshot, columns ? { columns } : {});
  let checked = 0;
  for (const fragment of ds.manifest.fragments) {
    const full = await readFragmentColumns(ds.snapshot, fragment, projection.fields);
    for (const { name: what, rows } of selections(fragment.physicalRows, seed + fragment.id, sparseOnly)) {
      const got = await readFragmentColumns(ds.snapshot, fragment, projection.fields, rows);
      const idx = Int32Array.from(rows);
      for (const f of projection.fields) {
        const want = takeData(full.get(f.lance.id)!, idx);
        assert.deepEqual(values(got.get(f.lance.id)!), values(want), `${name} fragment ${fragment.id}, ${what}: column ${f.lance.name}`);
        checked++;
      }
    }
  }
  return checked;
}

describe("selected rows equal a full read's, over the fixture matrix", () => {
  for (const version of ["2.0", "2.1", "2.2"]) {
    const tag = version.replace(".", "_");
    test(`every type and shape, ${version}`, async () => {
      const checked = await checkDataset(`types_${tag}`, 1);
      assert.ok(checked > 1000, `${checked} columns checked`);
    });
    test(`lists and large lists, ${version}`, async () => {
      await checkDataset(`largelist_${tag}`, 2);
    });
    test(`long strings, 32 KiB binaries and 128-wide vectors, ${version}`, async () => {
      await checkDataset(`large_${tag}`, 3);
    });
    test(`${BIG_ROWS} rows over several pages, ${version}`, async () => {
      await checkDataset(`big_${tag}`, 4, ["id", "value", "category", "name"], true);
    });
  }
});

function sample(n: number): Table {
  const r = rng(5);
  const prices = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 4));
  const flags = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i % 3 === 0));
  const point = makeData({
    type: new Struct([new Field("p", new Float64(), true), new Field("f", new Bool(), true)]),
    length: n,
    nullCount: 0,
    children: [vectorFromArray(prices, new Float64()).data[0]!, vectorFromArray(flags, new Bool()).data[0]!],
  });
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i * 3)), new Int64()),
    small: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 100)), new Int32()),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => (r() < 0.1 ? null : `name-${i}-${"x".repeat(i % 13)}`)), new Utf8()),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => `cat-${i % 7}`), new Utf8()),
    flag: vectorFromArray(flags, new Bool()),
    point: makeVector(point),
  });
}

describe("selected rows of files lancets writes", () => {
  const N = 20_000;
  for (const version of ["2.0", "2.1", "2.2"]) {
    for (const rowsPerPage of [undefined, 1000, 4096]) {
      test(`file ${version}, ${rowsPerPage ? `${rowsPerPage} rows per page` : "one page per column"}`, async () => {
        const store = new MemoryStore();
        await store.put("f.lance", encodeArrowFile(sample(N), { fileVersion: version, ...(rowsPerPage ? { rowsPerPage } : {}) }));
        const reader = await LanceFileReader.open(store, "f.lance");
        const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
        const full = await reader.readFields(ids);
        const boundaries = rowsPerPage ? Array.from({ length: Math.floor(N / rowsPerPage) }, (_, i) => [(i + 1) * rowsPerPage - 1, (i + 1) * rowsPerPage]).flat() : [];
        for (const { name, rows } of [...selections(N, 9), { name: "page boundaries", rows: Uint32Array.from(new Set(boundaries.filter((b) => b < N))).sort() }]) {
          const got = await reader.readFieldRows(ids, rows);
          for (const id of ids) assert.deepEqual(values(got.get(id)!), values(takeData(full.get(id)!, Int32Array.from(rows))), `${name}: field ${id}`);
        }
      });
    }
  }

  test("a few scattered rows of a 2.2 file fetch only the chunks holding them", async () => {
    const store = new MemoryStore();
    const bytes = encodeArrowFile(sample(60_000), { fileVersion: "2.2" });
    await store.put("f.lance", bytes);
    const counting = new CountingStore(store);
    const reader = await LanceFileReader.open(counting, "f.lance");
    const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
    const rows = Uint32Array.from([5, 20_001, 45_000, 59_999]);
    await reader.readFieldRows(ids, rows); // chunk metadata is kept by the reader
    counting.take();
    const got = await reader.readFieldRows(ids, rows);
    assert.deepEqual(values(got.get(ids[0]!)!), ["15", "60003", "135000", "179997"].map((x) => BigInt(x)).map(normalize));
    const fetched = counting.takeRangeBytes();
    assert.ok(fetched < bytes.byteLength / 10, `fetched ${fetched} of ${bytes.byteLength} bytes for 4 rows`);
  });

  test("rows out of order, repeated or past the end are refused", async () => {
    const store = new MemoryStore();
    await store.put("f.lance", encodeArrowFile(sample(100), { fileVersion: "2.2" }));
    const reader = await LanceFileReader.open(store, "f.lance");
    await assert.rejects(reader.readFieldRows([0], Uint32Array.from([100])), { code: "INVALID_INPUT" });
    await assert.rejects(reader.readFieldRows([0], Uint32Array.from([3, 3])), { code: "INTERNAL" });
    await assert.rejects(reader.readFieldRows([0], Uint32Array.from([4, 3])), { code: "INTERNAL" });
  });
});
