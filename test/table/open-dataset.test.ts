// openDataset against datasets written by real Lance (@lancedb/lancedb):
// versions, schema, fragments, row counts and indices must equal what Lance reports.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { openDataset } from "../../src/node/open-dataset.js";
import { assertSameAsLance } from "../helpers/compare.js";
import { connect, lancedb, STORAGE_VERSIONS, tablePath, textTable, wideTable, type StorageVersion } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["openTable"]>>;

interface Fixture {
  name: string;
  path: string;
  table: LanceTable;
}

const fixtures: Fixture[] = [];
let dir: string;

before(async () => {
  dir = tempDir();
  const db = await connect(dir);
  for (const v of STORAGE_VERSIONS) {
    const name = `wide_${v.replace(".", "_")}`;
    const table = await db.createTable(name, wideTable(300), { dataStorageVersion: v as StorageVersion } as never);
    await table.add(wideTable(200, 300));
    await table.add(wideTable(250, 500));
    await table.delete("id % 10 = 0");
    await table.update({ where: "id = 5", values: { i32: "42" } } as never);
    fixtures.push({ name, path: tablePath(dir, name), table });
  }

  const compacted = await db.createTable("compacted", wideTable(100), { dataStorageVersion: "2.2" } as never);
  for (let k = 1; k < 5; k++) await compacted.add(wideTable(100, k * 100));
  await compacted.delete("id < 50");
  await compacted.optimize();
  fixtures.push({ name: "compacted", path: tablePath(dir, "compacted"), table: compacted });

  const indexed = await db.createTable("indexed", textTable(1000));
  await indexed.add(textTable(1000, 1000));
  await indexed.createIndex("id", { config: lancedb.Index.btree() });
  await indexed.createIndex("category", { config: lancedb.Index.bitmap() });
  await indexed.createIndex("text", { config: lancedb.Index.fts() });
  await indexed.add(textTable(500, 2000));
  await indexed.delete("id % 97 = 0");
  fixtures.push({ name: "indexed", path: tablePath(dir, "indexed"), table: indexed });

  const optimized = await db.createTable("indexed_optimized", textTable(800));
  await optimized.createIndex("id", { config: lancedb.Index.btree() });
  await optimized.createIndex("text", { config: lancedb.Index.fts() });
  await optimized.add(textTable(300, 800));
  await optimized.add(textTable(300, 1100));
  await optimized.optimize();
  fixtures.push({ name: "indexed_optimized", path: tablePath(dir, "indexed_optimized"), table: optimized });

  const v1 = await db.createTable("v1_paths", textTable(400), {
    storageOptions: { new_table_enable_v2_manifest_paths: "false", new_table_data_storage_version: "2.1" },
  } as never);
  await v1.add(textTable(100, 400));
  await v1.delete("id < 20");
  await v1.createIndex("id", { config: lancedb.Index.btree() });
  fixtures.push({ name: "v1_paths", path: tablePath(dir, "v1_paths"), table: v1 });
});

describe("openDataset reports what Lance reports", () => {
  test("every fixture, latest version", async () => {
    assert.ok(fixtures.length >= 7);
    for (const f of fixtures) {
      const ds = await openDataset(f.path);
      await assertSameAsLance(ds, f.table);
    }
  });

  test("every version of every fixture, via checkout", async () => {
    for (const f of fixtures) {
      const latest = await openDataset(f.path);
      const versions = await f.table.listVersions();
      for (const v of versions) {
        const ds = await latest.checkout(v.version);
        await f.table.checkout(v.version);
        try {
          await assertSameAsLance(ds, f.table);
        } finally {
          await f.table.checkoutLatest();
        }
      }
    }
  });

  test("listVersions equals lancedb's listVersions", async () => {
    for (const f of fixtures) {
      const ds = await openDataset(f.path);
      const ours = await ds.listVersions();
      const theirs = await f.table.listVersions();
      assert.deepEqual(
        ours.map((v) => ({ version: v.version, timestamp: v.timestamp?.getTime(), metadata: v.metadata })),
        theirs.map((v) => ({ version: v.version, timestamp: v.timestamp.getTime(), metadata: { ...v.metadata } })),
        f.name,
      );
    }
  });

  test("data files carry the dataset's storage version", async () => {
    for (const f of fixtures.filter((x) => x.name.startsWith("wide_"))) {
      const ds = await openDataset(f.path);
      const expected = f.name.slice(5).replace("_", ".");
      assert.equal(ds.dataStorageVersion, expected);
      for (const frag of ds.fragments()) for (const file of frag.dataFiles) assert.equal(file.fileVersion, expected);
    }
  });

  test("deletions and updates show as deletion files and new fragments", async () => {
    const wide = fixtures.find((f) => f.name === "wide_2_2")!;
    const ds = await openDataset(wide.path);
    const frags = ds.fragments();
    // three appends plus the fragment holding the updated row
    assert.equal(frags.length, 4);
    assert.ok(frags.slice(0, 3).every((f) => f.deletionFile !== undefined && f.deletedRows > 0));
    assert.equal(frags[3]!.physicalRows, 1);
    assert.equal(ds.manifest.readerFeatureFlags & 1n, 1n);
  });

  test("V1 manifest names are found and read", async () => {
    const f = fixtures.find((x) => x.name === "v1_paths")!;
    const ds = await openDataset(f.path);
    assert.equal(ds.namingScheme, "v1");
    assert.match(ds.manifestPath, /^_versions\/\d{1,19}\.manifest$/);
    const other = fixtures.find((x) => x.name === "indexed")!;
    assert.equal((await openDataset(other.path)).namingScheme, "v2");
  });

  test("file:// URIs open the same dataset", async () => {
    const f = fixtures[0]!;
    const a = await openDataset(f.path);
    const b = await openDataset(`file://${f.path}`);
    assert.equal(b.version, a.version);
    assert.equal(b.countRows(), a.countRows());
  });

  test("segments list fragment ids, files and sizes", async () => {
    const f = fixtures.find((x) => x.name === "indexed")!;
    const ds = await openDataset(f.path);
    const btree = ds.describeIndices().find((i) => i.name === "id_idx")!;
    assert.equal(btree.indexType, "BTREE");
    assert.deepEqual(btree.segments[0]!.fragmentIds, [0, 1]);
    assert.deepEqual(btree.segments[0]!.files.map((x) => x.path).sort(), ["page_data.lance", "page_lookup.lance"]);
    for (const file of btree.segments[0]!.files) {
      assert.equal(file.sizeBytes, await ds.store.size(`_indices/${btree.segments[0]!.uuid}/${file.path}`));
    }
    const fts = ds.describeIndices().find((i) => i.name === "text_idx")!;
    assert.equal(fts.typeUrl, "/lance.table.InvertedIndexDetails");
    assert.ok(fts.numUnindexedRows > 0);
  });
});
