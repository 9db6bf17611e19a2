// Legacy (v1) Lance files, written by Lance 12 itself (data storage version
// "legacy"): every type the legacy writer stores reads with the values
// lancedb returns -- nulls included, which legacy files keep only as empty
// strings -- through scans, take and filtered scans; row ranges read only the
// batches and bytes holding them; damaged files give LanceErrors.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import {
  Bool,
  DateMillisecond,
  Dictionary,
  DurationMillisecond,
  Field,
  FixedSizeList,
  Float16,
  Int32,
  Int64,
  List,
  makeData,
  Null,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openFileReader } from "../../src/file/open-file-reader.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, rng, tablePath, wideTable, type lancedb } from "../helpers/oracle.js";
import { expectCleanOutcome } from "../helpers/clean-outcome.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows, normalize } from "../helpers/values.js";
import { CountingStore } from "../helpers/counting-store.js";

const ROWS = 2500; // Lance's legacy writer starts a batch every 1024 rows

/** Types beyond the reader matrix's wide table: f16, lists of strings and structs, nested lists, boolean vectors, date64, dictionaries, nulls, times, durations, non-nullable strings. */
function extraTable(n: number): Table {
  const idx = Array.from({ length: n }, (_, i) => i);
  const col = (name: string, values: unknown[], type: DataType, nullable = true): { field: Field; data: Data } => ({
    field: new Field(name, type, nullable),
    data: vectorFromArray(values as never, type as never).data[0]!,
  });
  const cols = [
    col("id", idx.map((i) => BigInt(i)), new Int64()),
    col("half", idx.map((i) => (i % 100) / 4), new Float16()),
    col("words", idx.map((i) => (i % 4 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => (k === 1 ? "" : `s${i}-${k}`)))), new List(new Field("item", new Utf8(), true))),
    col("pairs", idx.map((i) => Array.from({ length: i % 3 }, (_, k) => ({ a: i + k, b: `b${k}` }))), new List(new Field("item", new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]), true))),
    col("nested", idx.map((i) => Array.from({ length: (i % 2) + 1 }, (_, k) => Array.from({ length: k + 1 }, (_, j) => i + j))), new List(new Field("item", new List(new Field("item", new Int32(), true)), true))),
    col("bits", idx.map((i) => [i % 2 === 0, i % 3 === 0, true]), new FixedSizeList(3, new Field("item", new Bool(), true))),
    col("moment", idx.map((i) => new Date(Date.UTC(2021, 0, 1) + i * 1000)), new DateMillisecond()),
    col("kind", idx.map((i) => `kind-${i % 7}`), new Dictionary(new Utf8(), new Int32())),
    col("nothing", idx.map(() => null), new Null()),
    col("clock", idx.map((i) => BigInt(i * 1000)), new TimeMicrosecond()),
    col("wait", idx.map((i) => BigInt(i)), new DurationMillisecond()),
    // not nullable: empty strings stay empty strings
    col("label", idx.map((i) => (i % 3 === 0 ? "" : `l${i}`)), new Utf8(), false),
  ];
  const schema = new Schema(cols.map((c) => c.field));
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: cols.map((c) => c.data) });
  return new Table([new RecordBatch(schema, struct)]);
}

interface Fixture {
  name: string;
  ds: Dataset;
  table: lancedb.Table;
  columns: string[];
}

const fixtures: Fixture[] = [];
let legacyBytes: Uint8Array;
let wideBytes: Uint8Array;
let legacyFields: Dataset["manifest"]["fields"];

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  for (const [name, make] of [
    ["wide", (n: number, start: number) => wideTable(n, start)],
    ["extra", (n: number) => extraTable(n)],
  ] as const) {
    const table = await db.createTable(name, make(ROWS, 0), { dataStorageVersion: "legacy" } as never);
    if (name === "wide") await table.add(wideTable(300, ROWS));
    const ds = await openDataset(tablePath(dir, name));
    const columns = ds.schema.fields.map((f) => f.name);
    fixtures.push({ name, ds, table, columns });
  }
  // a smaller file of two batches for the damage tests
  await db.createTable("small", wideTable(1100), { dataStorageVersion: "legacy" } as never);
  const small = await openDataset(tablePath(dir, "small"));
  legacyFields = small.manifest.fields;
  legacyBytes = new Uint8Array(readFileSync(join(tablePath(dir, "small"), "data", small.manifest.fragments[0]!.files[0]!.path)));
  wideBytes = new Uint8Array(readFileSync(join(tablePath(dir, "wide"), "data", fixtures[0]!.ds.manifest.fragments[0]!.files[0]!.path)));
});

describe("legacy (v1) files written by Lance", () => {
  test("the data files are legacy files of several batches", async () => {
    for (const f of fixtures) {
      for (const frag of f.ds.fragments()) for (const file of frag.dataFiles) assert.equal(file.fileVersion, "0.2", `${f.name}: ${file.path}`);
      const file = f.ds.manifest.fragments[0]!.files[0]!;
      const reader = await openFileReader(f.ds.store, `data/${file.path}`, { fields: f.ds.manifest.fields, fieldIds: file.fields });
      assert.equal(reader.fileVersion, "legacy");
      assert.equal(reader.numRows, ROWS);
    }
  });

  test("a scan equals lancedb's rows, every column", async () => {
    for (const f of fixtures) {
      const ours = await f.ds.scan({ withRowId: true }).toArrow();
      const theirs = await f.table.query().withRowId().toArrow();
      assert.equal(ours.numRows, theirs.numRows, f.name);
      for (const field of ours.schema.fields) {
        if (field.name === "_rowid") continue;
        assert.equal(String(field.type), String(theirs.schema.fields.find((x) => x.name === field.name)!.type), `${f.name}.${field.name} type`);
      }
      assertSameRows(ours, theirs, "_rowid", f.columns, `${f.name} scan`);
    }
  });

  test("nullable strings: empty values read as nulls, as in Lance", async () => {
    const f = fixtures[1]!;
    const ours = await f.ds.scan({ columns: ["words"] }).toArrow();
    const words = makeVector(ours.getChild("words")!.data[0]!.children[0]!);
    let nulls = 0;
    for (let i = 0; i < words.length; i++) if (words.get(i) === null) nulls++;
    assert.ok(nulls > 0, "the empty items of `words` are nulls");
  });

  test("take across batches equals lancedb's rows", async () => {
    const random = rng(7);
    for (const f of fixtures) {
      const theirs = await f.table.query().withRowId().toArrow();
      const byAddress = new Map<string, number>();
      const key = theirs.getChild("_rowid")!;
      for (let i = 0; i < theirs.numRows; i++) byAddress.set(String(key.get(i)), i);
      const addresses = [...new Set([0, 1023, 1024, 2047, 2048, ROWS - 1, ...Array.from({ length: 40 }, () => Math.floor(random() * ROWS))])];
      const ours = await f.ds.take(addresses, { withRowAddress: true });
      assert.equal(ours.numRows, addresses.length, f.name);
      for (const column of f.columns) {
        const a = ours.getChild(column)!;
        const b = theirs.getChild(column)!;
        for (let i = 0; i < ours.numRows; i++) {
          const j = byAddress.get(String(ours.getChild("_rowaddr")!.get(i)))!;
          assert.equal(JSON.stringify(normalize(a.get(i))), JSON.stringify(normalize(b.get(j))), `${f.name}.${column} at address ${addresses[i]}`);
        }
      }
    }
  });

  test("a filtered scan equals lancedb's", async () => {
    for (const f of fixtures) {
      for (const filter of ["id >= 1000 AND id < 1100", "id < 3 OR id > 2490"]) {
        // Lance 12 panics taking rows of a legacy fixed-size list of booleans ("Expecting fixed
        // stride data type"), so that column is compared with lancedb's full scan instead
        const columns = f.columns.filter((c) => c !== "bits");
        const ours = await f.ds.scan({ filter, withRowId: true }).toArrow();
        const theirs = await f.table.query().where(filter).select(columns).withRowId().toArrow();
        assert.ok(ours.numRows > 0, `${f.name} ${filter}`);
        assertSameRows(ours, theirs, "_rowid", columns, `${f.name} where ${filter}`);
        if (columns.length < f.columns.length) {
          const all = await f.table.query().withRowId().toArrow();
          const key = all.getChild("_rowid")!;
          const at = new Map<string, number>();
          for (let i = 0; i < all.numRows; i++) at.set(String(key.get(i)), i);
          for (let i = 0; i < ours.numRows; i++) {
            const j = at.get(String(ours.getChild("_rowid")!.get(i)))!;
            assert.equal(JSON.stringify(normalize(ours.getChild("bits")!.get(i))), JSON.stringify(normalize(all.getChild("bits")!.get(j))), `bits row ${i}`);
          }
        }
      }
    }
  });

  test("row ranges read only the batches and bytes that hold them", async () => {
    const f = fixtures[0]!;
    const file = f.ds.manifest.fragments[0]!.files[0]!;
    const store = new MemoryStore();
    await store.put("f.lance", wideBytes);
    const counting = new CountingStore(store);
    const reader = await openFileReader(counting, "f.lance", { fields: f.ds.manifest.fields, fieldIds: file.fields });
    const ids = reader.schema.fields.filter((x) => x.parentId === -1).map((x) => x.id);
    counting.take();
    const full = await reader.readFields(ids);
    const fullBytes = counting.takeRangeBytes();
    const ranges = [
      { start: 3, end: 5 },
      { start: 1020, end: 1030 },
      { start: ROWS - 2, end: ROWS },
    ];
    const part = await reader.readFieldRanges(ids, ranges);
    const fetched = counting.takeRangeBytes();
    assert.ok(fetched * 10 < fullBytes, `ranges fetched ${fetched} bytes, the whole file ${fullBytes}`);
    for (const id of ids) {
      const whole = makeVector(full.get(id)!);
      const got = makeVector(part.get(id)!);
      const expected = ranges.flatMap((r) => Array.from({ length: r.end - r.start }, (_, i) => whole.get(r.start + i)));
      assert.equal(got.length, expected.length);
      for (let i = 0; i < got.length; i++) assert.deepEqual(JSON.stringify(got.get(i), big), JSON.stringify(expected[i], big), `field ${id} row ${i}`);
    }
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? String(v) : v;
}

describe("damaged legacy files", () => {
  async function readAll(bytes: Uint8Array): Promise<void> {
    const store = new MemoryStore();
    await store.put("f.lance", bytes);
    const reader = await openFileReader(store, "f.lance", { fields: legacyFields, fieldIds: legacyFields.map((f) => f.id) });
    await reader.readFields(reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id));
  }

  test("the undamaged file reads", async () => {
    await readAll(legacyBytes);
  });

  test("truncations are CORRUPT_FILE", async () => {
    const size = legacyBytes.byteLength;
    for (const cut of [1, 4, 8, 15, 16, 17, 100, 1000, size >> 1, size - 1]) {
      await assert.rejects(readAll(legacyBytes.subarray(0, size - cut)), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /f\.lance/.test(e.message), `cut ${cut}`);
    }
  });

  test("bad magic, a metadata position past the end, an unknown version", async () => {
    const bad = legacyBytes.slice();
    bad[bad.byteLength - 1] = 0x58;
    await assert.rejects(readAll(bad), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /bad magic/.test(e.message));
    const far = legacyBytes.slice();
    new DataView(far.buffer).setBigInt64(far.byteLength - 16, BigInt(far.byteLength * 10), true);
    await assert.rejects(readAll(far), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /metadata position/.test(e.message));
    const version = legacyBytes.slice();
    new DataView(version.buffer).setUint16(version.byteLength - 6, 9, true);
    await assert.rejects(readAll(version), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /version 0\.9/.test(e.message));
  });

  test("four hundred random mutations", async () => {
    const random = rng(4321);
    const size = legacyBytes.byteLength;
    let ok = 0;
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const m = legacyBytes.slice();
      // half hit the tail (metadata, page table), where damage matters most
      const at = random() < 0.5 ? size - 1 - Math.floor(random() * Math.min(size, 2048)) : Math.floor(random() * size);
      const kind = i % 3;
      if (kind === 0) m[at] = m[at]! ^ (1 << Math.floor(random() * 8));
      else if (kind === 1) for (let k = 0; k < 8 && at + k < size; k++) m[at + k] = 0xff;
      else for (let k = 0; k < 16 && at + k < size; k++) m[at + k] = Math.floor(random() * 256);
      if ((await expectCleanOutcome(() => readAll(m), `mutation ${i}`)) === "ok") ok++;
      else errors++;
    }
    assert.ok(errors > 40, `${errors} of 400 mutations were detected`);
    assert.ok(ok > 40, `${ok} of 400 mutations still decoded`);
  });
});
