// lancets reads what Lance 14 (pylance 14.0.2) writes: every value equal to
// pylance's own read, over every scalar type and data shape of the reader
// matrix, each file version pylance writes (default, 2.0, 2.1, 2.2),
// several fragments, deletions, updates, stable row ids, compaction and old
// versions, and file version 2.3 ("next").

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Field, Int32, Int64, List, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { decodePlanarLayout } from "../../src/format/file/page-v23.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { isLanceError, openDataset } from "../../src/lancets.js";
import { describeFlags } from "../../src/format/table/feature-flags.js";
import { largeValuesTable, typeMatrixTable } from "../helpers/matrix.js";
import { textTable, wideTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { assertSameRows } from "../helpers/values.js";
import type { CompressiveEncoding } from "../../src/format/pb/encodings_v2_3_pb.js";

/** A small deterministic generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const session = pylanceSession("lancets-pylance-read-");
const { skip } = session;

async function assertSameAsPylance(uri: string, label: string, version?: number, except: string[] = []): Promise<Table> {
  let ds = await openDataset(uri);
  if (version !== undefined) ds = await ds.checkout(version);
  const summary = await session.py.request<{ version: number; data_storage_version: string; count_rows: number; fragments: { id: number; physical_rows: number; num_deletions: number }[] }>("summary", { uri, version });
  assert.equal(ds.version, summary.version, `${label}: version`);
  assert.equal(ds.dataStorageVersion, summary.data_storage_version, `${label}: data storage version`);
  assert.equal(ds.countRows(), summary.count_rows, `${label}: countRows`);
  assert.deepEqual(
    ds.fragments().map((f) => [f.id, f.physicalRows, f.deletedRows]),
    summary.fragments.map((f) => [f.id, f.physical_rows, f.num_deletions]),
    `${label}: fragments`,
  );
  const all = ds.schema.fields.map((f) => f.name);
  const columns = all.filter((n) => !except.includes(n));
  const ours = await ds.scan({ columns, withRowId: true, withRowAddress: true }).toArrow();
  const theirs = await session.py.toTable(uri, { with_row_id: true, with_row_address: true, version });
  assert.deepEqual(all, theirs.schema.fields.map((f) => f.name).filter((n) => !n.startsWith("_")), `${label}: column names`);
  assertSameRows(ours, theirs, "_rowid", [...columns, "_rowaddr"], label);
  return ours;
}

describe("lancets reads tables pylance 14 writes", { skip }, () => {
  for (const version of [undefined, "2.0", "2.1", "2.2"] as const) {
    const label = version ?? "default";

    test(`every type and shape in several fragments with deletions, file version ${label}`, async () => {
      const uri = `${session.dir}/types_${label}`;
      const matrixVersion = version ?? "2.2";
      const options = { max_rows_per_file: 400, ...(version ? { data_storage_version: version } : {}) };
      const written = await session.py.write(uri, typeMatrixTable(700, 0, matrixVersion), options);
      assert.equal(written.data_storage_version, version ?? "2.2", "pylance 14's default file version");
      await session.py.write(uri, typeMatrixTable(200, 700, matrixVersion), options, "append");
      await session.py.delete(uri, "id % 9 = 4 OR id BETWEEN 100 AND 180");
      const ds = await openDataset(uri);
      assert.ok(ds.fragments().length >= 3, `${ds.fragments().length} fragments`);
      assert.deepEqual(describeFlags(ds.manifest.readerFeatureFlags), ["DELETION_FILES"]);
      const rows = await assertSameAsPylance(uri, `types ${label}`);
      assert.ok(rows.numCols > 200 && rows.numRows > 700, `${rows.numCols} columns, ${rows.numRows} rows`);
    });
  }

  test("long strings, 32 KiB binaries, 128-wide vectors and nested columns", async () => {
    for (const version of ["2.0", "2.2"]) {
      await session.py.write(`${session.dir}/large_${version}`, largeValuesTable(60, 0), { data_storage_version: version });
      await assertSameAsPylance(`${session.dir}/large_${version}`, `large ${version}`);
      await session.py.write(`${session.dir}/wide_${version}`, wideTable(800), { data_storage_version: version, max_rows_per_file: 300 });
      await assertSameAsPylance(`${session.dir}/wide_${version}`, `wide ${version}`);
    }
  });

  test("stable row ids through update, delete, append and compaction; every older version too", async () => {
    const uri = `${session.dir}/stable`;
    await session.py.write(uri, textTable(1200), { enable_stable_row_ids: true, max_rows_per_file: 400 });
    await session.py.update(uri, { score: "score * -1" }, "id % 10 = 3");
    await session.py.delete(uri, "id % 7 = 2");
    await session.py.write(uri, textTable(300, 1200), { max_rows_per_file: 400 }, "append");
    const compacted = await session.py.compact(uri, { target_rows_per_fragment: 5000 });
    assert.ok(compacted.fragments_removed > 0, "compaction rewrote fragments");
    const ds = await openDataset(uri);
    assert.ok(describeFlags(ds.manifest.readerFeatureFlags).includes("STABLE_ROW_IDS"));
    const rows = await assertSameAsPylance(uri, "stable row ids");
    const ids = rows.getChild("_rowid")!.toArray() as BigUint64Array;
    const addrs = rows.getChild("_rowaddr")!.toArray() as BigUint64Array;
    assert.ok(ids.some((v, i) => v !== addrs[i]), "row ids differ from row addresses after update and compaction");
    for (let v = 1; v < ds.version; v++) await assertSameAsPylance(uri, `stable row ids, version ${v}`, v);
  });

  test("update and compaction without stable row ids", async () => {
    const uri = `${session.dir}/updated`;
    await session.py.write(uri, textTable(900), { max_rows_per_file: 300, data_storage_version: "2.1" });
    await session.py.update(uri, { category: "'changed'", score: "score + 1000" }, "id % 4 = 1");
    await session.py.delete(uri, "id % 13 = 0");
    await assertSameAsPylance(uri, "after update");
    await session.py.compact(uri, { target_rows_per_fragment: 2000 });
    await assertSameAsPylance(uri, "after compaction");
  });

  test("file version 2.3: every type and shape in several fragments with deletions", async () => {
    const uri = `${session.dir}/types_2.3`;
    const options = { max_rows_per_file: 400, data_storage_version: "2.3" };
    const written = await session.py.write(uri, typeMatrixTable(700, 0, "2.2"), options);
    assert.equal(written.data_storage_version, "2.3");
    await session.py.write(uri, typeMatrixTable(200, 700, "2.2"), options, "append");
    await session.py.delete(uri, "id % 9 = 4 OR id BETWEEN 100 AND 180");
    const ds = await openDataset(uri);
    assert.equal(ds.dataStorageVersion, "2.3");
    assert.ok(ds.fragments().length >= 3, `${ds.fragments().length} fragments`);
    const rows = await assertSameAsPylance(uri, "types 2.3");
    assert.ok(rows.numCols > 200 && rows.numRows > 700, `${rows.numCols} columns, ${rows.numRows} rows`);
    // list pages of the sparse plane (all-null and all-empty lists) read in windows of rows too
    const columns = ["id", "list_i32__allnull", "list_i32__runs", "list_utf8__allnull", "list_utf8__runs", "struct__allnull"];
    const ours = await ds.scan({ columns, filter: "id < 50 OR id > 850", withRowId: true }).toArrow();
    const theirs = await session.py.toTable(uri, { columns, filter: "id < 50 OR id > 850", with_row_id: true });
    assert.equal(ours.numRows, theirs.numRows);
    assertSameRows(ours, theirs, "_rowid", columns, "sparse list pages, filtered");
  });

  test("file version 2.3: sparse planes that list null and list positions (one value in thousands of rows, null-or-empty lists, structs null at a stride) read as pylance reads them", async () => {
    const uri = `${session.dir}/sparse_2.3`;
    const n = 5000;
    const rows = Array.from({ length: n }, (_, i) => i);
    const table = new Table({
      id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
      one_value: vectorFromArray(rows.map((i) => (i === 4321 ? BigInt(i) : null)), new Int64()),
      null_or_empty: vectorFromArray(rows.map((i) => (i % 3 === 0 ? null : [])), new List(new Field("item", new Int32(), true))),
      null_or_empty_utf8: vectorFromArray(rows.map((i) => (i % 7 === 0 ? null : [])), new List(new Field("item", new Utf8(), true))),
      struct_stride: vectorFromArray(rows.map((i) => (i % 5 === 0 ? null : { a: null })), new Struct([new Field("a", new Int32(), true)])),
    });
    await session.py.write(uri, table, { data_storage_version: "2.3", max_rows_per_file: 4000 });
    await session.py.delete(uri, "id % 11 = 6");
    const ds = await openDataset(uri);
    // the pages are sparse planes with positions, the layout this test is about
    const file = ds.fragments()[0]!.dataFiles[0]!.path;
    const reader = await LanceFileReader.open(new LocalFileStore(uri), file);
    const sparse = reader.columns.filter((c) => c.pages.some((p) => decodePlanarLayout(p.encoding.value, { path: file, byteOffset: 0 }).structure?.codec.case === "sparse"));
    assert.equal(sparse.length, 4, "four columns of sparse pages");
    await assertSameAsPylance(uri, "sparse 2.3");
    const columns = ["id", "one_value", "null_or_empty", "struct_stride"];
    const ours = await ds.scan({ columns, filter: "id > 4300 AND id < 4400", withRowId: true }).toArrow();
    assertSameRows(ours, await session.py.toTable(uri, { columns, filter: "id > 4300 AND id < 4400", with_row_id: true }), "_rowid", columns, "sparse 2.3, filtered");
    assert.equal(ours.numRows, 90);
  });

  test("file version 2.3: sparse lists with items (a list in thousands of rows, lists at a stride, null items, lists of structs) read as pylance reads them", async () => {
    const uri = `${session.dir}/sparse_items_2.3`;
    const n = 8000;
    const rows = Array.from({ length: n }, (_, i) => i);
    const int32s = new List(new Field("item", new Int32(), true));
    const table = new Table({
      id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
      one_list: vectorFromArray(rows.map((i) => (i === 4321 ? [5] : [])), int32s),
      null_item: vectorFromArray(rows.map((i) => (i === 99 ? [null, 1] : null)), int32s),
      stride: vectorFromArray(rows.map((i) => (i % 1000 === 3 ? [7, 7] : null)), int32s),
      structs: vectorFromArray(rows.map((i) => (i === 600 ? [{ a: 1 }, null] : null)), new List(new Field("item", new Struct([new Field("a", new Int32(), true)]), true))),
    });
    await session.py.write(uri, table, { data_storage_version: "2.3", max_rows_per_file: 6000 });
    await session.py.delete(uri, "id % 13 = 5");
    const ds = await openDataset(uri);
    // the pages are sparse planes whose lists hold items, the layout this test is about
    const file = ds.fragments()[0]!.dataFiles[0]!.path;
    const reader = await LanceFileReader.open(new LocalFileStore(uri), file);
    const withItems = reader.columns.filter((c) =>
      c.pages.some((p) => {
        const codec = decodePlanarLayout(p.encoding.value, { path: file, byteOffset: 0 }).structure?.codec;
        return codec?.case === "sparse" && codec.value.layers.some((l) => l.layer.case === "list" && l.layer.value.numChildSlots > 0n);
      }),
    );
    assert.equal(withItems.length, 4, "four columns of sparse lists with items");
    await assertSameAsPylance(uri, "sparse lists with items 2.3");
    const columns = ["id", "one_list", "null_item", "stride", "structs"];
    const filter = "id BETWEEN 90 AND 700 OR id BETWEEN 4000 AND 4400";
    const ours = await ds.scan({ columns, filter, withRowId: true }).toArrow();
    assertSameRows(ours, await session.py.toTable(uri, { columns, filter, with_row_id: true }), "_rowid", columns, "sparse lists with items 2.3, filtered");
  });

  test("file version 2.3: sparse planes whose positions and counts sit in page buffers (flat, delta, dictionary, run-length) read as pylance reads them", async () => {
    const uri = `${session.dir}/sparse_buffers_2.3`;
    const n = 10_000;
    const random = seeded(18);
    const pick = (k: number): Set<number> => {
      const chosen = new Set<number>();
      while (chosen.size < k) chosen.add(Math.floor(random() * n));
      return chosen;
    };
    const few = pick(40);
    const many = pick(300);
    const nulls = pick(30);
    const sortedMany = [...many].sort((a, b) => a - b);
    const runCount = new Map<number, number>();
    let current = 1;
    for (const p of sortedMany) {
      if (random() < 0.05) current = [1, 2, 3, 7, 50][Math.floor(random() * 5)]!;
      runCount.set(p, current);
    }
    const rows = Array.from({ length: n }, (_, i) => i);
    const int32s = new List(new Field("item", new Int32(), true));
    const sevens = (k: number): number[] => new Array<number>(k).fill(7);
    const table = new Table({
      id: vectorFromArray(rows.map((i) => BigInt(i)), new Int64()),
      // few lists: positions and counts flat; nulls at a stride broken by the lists: validity delta encoded
      flat: vectorFromArray(rows.map((i) => (few.has(i) ? sevens(1 + Math.floor(random() * 5)) : i % 3 === 0 ? null : [])), int32s),
      // hundreds of lists: positions delta encoded over bit-packed deltas, counts bit-packed or in a dictionary
      delta: vectorFromArray(rows.map((i) => (many.has(i) ? sevens(1 + Math.floor(random() * 3)) : [])), int32s),
      dictionary: vectorFromArray(rows.map((i) => (many.has(i) ? sevens([1, 17, 300, 40][Math.floor(random() * 4)]!) : [])), int32s),
      runs: vectorFromArray(rows.map((i) => (many.has(i) ? sevens(runCount.get(i)!) : [])), int32s),
      halves: vectorFromArray(rows.map((i) => (many.has(i) ? sevens(i < n / 2 ? 1 : 2) : [])), int32s),
      // null lists at random rows, null items inside the lists
      null_lists: vectorFromArray(rows.map((i) => (nulls.has(i) ? null : many.has(i) ? sevens(1 + Math.floor(random() * 3)) : [])), int32s),
      null_items: vectorFromArray(rows.map((i) => (many.has(i) ? [...Array.from({ length: Math.floor(random() * 4) }, () => (random() < 0.5 ? null : 7)), 7] : [])), int32s),
      // long lists: thousands of items each
      long: vectorFromArray(rows.map((i) => (few.has(i) ? sevens(1000 + Math.floor(random() * 3000)) : [])), int32s),
      // one string repeated: chunked values whose offsets are an arithmetic sequence
      strings: vectorFromArray(rows.map((i) => (many.has(i) ? new Array<string>(1 + Math.floor(random() * 3)).fill("x") : [])), new List(new Field("item", new Utf8(), true))),
      one_value: vectorFromArray(rows.map((i) => (many.has(i) ? 5n : null)), new Int64()),
    });
    await session.py.write(uri, table, { data_storage_version: "2.3" });
    const ds = await openDataset(uri);
    // the encodings this test is about, each present in the file
    const file = ds.fragments()[0]!.dataFiles[0]!.path;
    const reader = await LanceFileReader.open(new LocalFileStore(uri), file);
    const seen = new Set<string>();
    const walk = (enc: CompressiveEncoding | undefined): void => {
      const c = enc?.compression;
      if (!c?.case) return;
      seen.add(c.case);
      if (c.case === "delta") walk(c.value.deltas);
      if (c.case === "dictionary") [c.value.indices, c.value.items].forEach(walk);
      if (c.case === "rle") [c.value.values, c.value.runLengths].forEach(walk);
    };
    let buffered = 0;
    for (const column of reader.columns) {
      for (const page of column.pages) {
        const codec = decodePlanarLayout(page.encoding.value, { path: file, byteOffset: 0 }).structure?.codec;
        if (codec?.case !== "sparse") continue;
        if (page.bufferSizes.length > 0) buffered++;
        for (const { layer } of codec.value.layers) {
          if (layer.case === "validity") walk(layer.value.positions);
          if (layer.case === "list") [layer.value.nonEmptyPositions, layer.value.counts, layer.value.validity?.positions].forEach(walk);
        }
      }
    }
    assert.ok(buffered >= 9, `${buffered} sparse pages with buffers`);
    for (const kind of ["flat", "delta", "outOfLineBitpacking", "dictionary", "rle", "arithmeticSequence", "constant"]) assert.ok(seen.has(kind), `sparse sequences in ${kind} (seen: ${[...seen].join(", ")})`);
    await assertSameAsPylance(uri, "sparse planes with buffers 2.3");
    const columns = ["id", "flat", "delta", "dictionary", "runs", "null_lists", "null_items", "long", "strings"];
    const filter = "id BETWEEN 1000 AND 3000 OR id > 9000";
    const ours = await ds.scan({ columns, filter, withRowId: true }).toArrow();
    assertSameRows(ours, await session.py.toTable(uri, { columns, filter, with_row_id: true }), "_rowid", columns, "sparse planes with buffers 2.3, filtered");
  });

  for (const version of ["2.3", "next"]) {
    test(`file version ${version}: text, long strings, 32 KiB binaries, 128-wide vectors and wide rows read as pylance reads them; appends refused`, async () => {
      const uri = `${session.dir}/v23_${version}`;
      const written = await session.py.write(uri, textTable(1000), { data_storage_version: version, max_rows_per_file: 400 });
      assert.equal(written.data_storage_version, "2.3");
      await session.py.delete(uri, "id % 5 = 1");
      const ds = await openDataset(uri);
      assert.equal(ds.dataStorageVersion, "2.3");
      await assertSameAsPylance(uri, `text ${version}`);
      await session.py.write(`${uri}_large`, largeValuesTable(60, 0), { data_storage_version: version });
      await assertSameAsPylance(`${uri}_large`, `large ${version}`);
      await session.py.write(`${uri}_wide`, wideTable(800), { data_storage_version: version, max_rows_per_file: 300 });
      await assertSameAsPylance(`${uri}_wide`, `wide ${version}`);
      await assert.rejects(ds.append(textTable(10, 1000)), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /file format 2\.3, which lancets does not write/.test(e.message));
      assert.equal((await session.py.summary(uri)).count_rows, 800, "nothing appended");
    });
  }
});
