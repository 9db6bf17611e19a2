// Writing with lancets, reading with Lance (and back): create, append,
// overwrite in every file version; Lance appends, deletes, updates and
// compacts on top; schema mismatches, empty input and unsupported types.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Field, FixedSizeList, Float32, Int32, Int64, List, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, STORAGE_VERSIONS, tablePath, textTable, wideTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

let dir: string;
const wide = (n: number, start = 0): Table => {
  const t = wideTable(n, start);
  return t.select(t.schema.fields.filter((f) => f.name !== "tags").map((f) => f.name));
};
const columns = wide(1).schema.fields.map((f) => f.name);

before(() => {
  dir = tempDir();
});

describe("writing datasets Lance reads", () => {
  for (const version of STORAGE_VERSIONS) {
    test(`append to a Lance dataset, then Lance writes on top, ${version}`, async () => {
      const db = await connect(dir);
      const name = `append_${version.replace(".", "_")}`;
      const table = await db.createTable(name, wide(1000), { dataStorageVersion: version } as never);
      const ds = await openDataset(tablePath(dir, name));
      const appended = await ds.append(wide(3000, 1000), { maxRowsPerFile: 1200 });
      assert.equal(appended.version, 2);
      assert.equal(appended.fragments().length, 4);
      assert.ok(appended.fragments().every((f) => f.dataFiles.every((d) => d.fileVersion === version)));
      assert.equal(appended.manifest.writerVersion?.library, "lancets");
      await table.checkoutLatest();
      assert.equal(await table.countRows(), 4000);
      assertSameRows(await appended.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", columns, `${version} after lancets append`);
      // Lance builds on lancets' version
      await table.add(wide(500, 4000));
      await table.delete("id % 5 = 0");
      await table.update({ where: "id = 1001", values: { i32: "7" } } as never);
      const afterLance = await openDataset(tablePath(dir, name));
      assertSameRows(await afterLance.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", columns, `${version} after Lance writes`);
      await table.optimize();
      const compacted = await openDataset(tablePath(dir, name));
      assert.equal(compacted.countRows(), 3600);
      assertSameRows(await compacted.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", columns, `${version} after compaction`);
      // and lancets appends again after Lance's compaction
      const again = await compacted.append(wide(10, 9000));
      await table.checkoutLatest();
      assert.equal(await table.countRows(), 3610);
      assert.ok(again.manifest.fragments.every((f, i, all) => i === 0 || f.id > all[i - 1]!.id));
    });

    test(`create and overwrite with lancets, ${version}`, async () => {
      const path = join(dir, `created_${version.replace(".", "_")}.lance`);
      const created = await writeDataset(path, wide(2500), { dataStorageVersion: version, maxRowsPerFile: 1000 });
      assert.equal(created.version, 1);
      assert.equal(created.fragments().length, 3);
      assert.equal(created.namingScheme, "v2");
      const db = await connect(dir);
      const table = await db.openTable(`created_${version.replace(".", "_")}`);
      assert.equal(await table.countRows(), 2500);
      assertSameRows(await created.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", columns, `${version} create`);
      await assert.rejects(writeDataset(path, wide(10)), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /already exists/.test(e.message));
      const replaced = await writeDataset(path, textTable(300), { mode: "overwrite" });
      assert.equal(replaced.version, 2);
      assert.deepEqual(replaced.schema.fields.map((f) => f.name), ["id", "category", "text", "score"]);
      await table.checkoutLatest();
      assert.equal(await table.countRows(), 300);
      assert.deepEqual((await table.schema()).fields.map((f) => f.name), ["id", "category", "text", "score"]);
      assert.equal(replaced.dataStorageVersion, version);
    });
  }

  test("wide values: long strings, big vectors and an all-null column", async () => {
    const n = 40;
    const long = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : `${"lorem ipsum ".repeat(600)}${i}`));
    const vec = new FixedSizeList(4096, new Field("item", new Float32(), true));
    const table = new Table({
      id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
      long: vectorFromArray(long, new Utf8()),
      vec: vectorFromArray(Array.from({ length: n }, (_, i) => Array.from({ length: 4096 }, (_, k) => Math.fround(i + k / 4096))), vec),
      nothing: vectorFromArray(Array.from({ length: n }, () => null), new Int32()),
    });
    for (const version of STORAGE_VERSIONS) {
      const name = `widevals_${version.replace(".", "_")}`;
      const ds = await writeDataset(join(dir, `${name}.lance`), table, { dataStorageVersion: version });
      const db = await connect(dir);
      const theirs = await (await db.openTable(name)).query().withRowId().toArrow();
      assertSameRows(await ds.scan({ withRowId: true }).toArrow(), theirs, "_rowid", ["id", "long", "vec", "nothing"], `wide values ${version}`);
    }
  });

  test("nullable structs", async () => {
    const type = new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]);
    const values = Array.from({ length: 100 }, (_, i) => (i % 9 === 0 ? null : { a: i % 4 === 0 ? null : i, b: i % 5 === 0 ? null : `b${i}` }));
    const table = new Table({ id: vectorFromArray(Array.from({ length: 100 }, (_, i) => BigInt(i)), new Int64()), s: vectorFromArray(values, type) });
    for (const version of ["2.1", "2.2"] as const) {
      const name = `structs_${version.replace(".", "_")}`;
      const ds = await writeDataset(join(dir, `${name}.lance`), table, { dataStorageVersion: version });
      const db = await connect(dir);
      assertSameRows(await ds.scan({ withRowId: true }).toArrow(), await (await db.openTable(name)).query().withRowId().toArrow(), "_rowid", ["id", "s"], `structs ${version}`);
    }
    await assert.rejects(writeDataset(join(dir, "structs20.lance"), table, { dataStorageVersion: "2.0" }), (e: unknown) => e instanceof LanceError && /struct column "s" has 12 null rows/.test(e.message));
  });

  test("appending to a dataset with stable row ids assigns new ids", async () => {
    const db = await connect(dir);
    const table = await db.createTable("stable", textTable(1000), { storageOptions: { new_table_enable_stable_row_ids: "true" } } as never);
    const ds = await openDataset(tablePath(dir, "stable"));
    const appended = await ds.append(textTable(500, 1000));
    assert.equal(appended.manifest.nextRowId, 1500n);
    await table.checkoutLatest();
    assertSameRows(await appended.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", ["id", "text"], "stable ids");
    await table.update({ where: "id = 1200", values: { score: "-1" } } as never);
    const after = await openDataset(tablePath(dir, "stable"));
    assertSameRows(await after.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", ["id", "score"], "stable ids after update");
  });

  test("unknown writer feature flags are refused before anything is written", async () => {
    const path = join(dir, "flagged.lance");
    await writeDataset(path, textTable(20));
    const versions = join(path, "_versions");
    const name = readdirSync(versions).find((n) => n.endsWith(".manifest"))!;
    const file = join(versions, name);
    const decoded = decodeManifestFile(readFileSync(file), file);
    decoded.manifest.writerFeatureFlags |= 4096n;
    writeFileSync(file, encodeManifestFile(decoded));
    const before = readdirSync(join(path, "data")).length;
    const ds = await openDataset(path);
    await assert.rejects(ds.append(textTable(5, 20)), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /writer feature flag unknown flag 4096/.test(e.message));
    assert.equal(readdirSync(join(path, "data")).length, before);
    assert.equal((await openDataset(path)).version, 1);
  });

  test("bad input changes nothing", async () => {
    const path = join(dir, "guarded.lance");
    const ds = await writeDataset(path, textTable(100));
    const versionsBefore = readdirSync(join(path, "_versions")).sort();
    const filesBefore = readdirSync(join(path, "data")).length;
    const expectError = async (data: Parameters<typeof ds.append>[0], pattern: RegExp, code = "INVALID_INPUT"): Promise<void> => {
      await assert.rejects(ds.append(data), (e: unknown) => e instanceof LanceError && e.code === code && pattern.test(e.message));
    };
    const t = textTable(10);
    await expectError(t.select(["id", "category", "text"]), /column "score" is missing/);
    await expectError(new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), extra: vectorFromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], new Int32()) }), /column "extra" is not in the dataset schema/);
    await expectError(new Table({ id: vectorFromArray(["a"], new Utf8()), category: t.getChild("category")!.slice(0, 1), text: t.getChild("text")!.slice(0, 1), score: t.getChild("score")!.slice(0, 1) }), /column "id" has type Utf8 but the dataset stores Int64/);
    await expectError([], /no data/);
    await expectError(new Table(t.schema), /no data/);
    const nullIds = new Table({
      id: vectorFromArray([1n, null], new Int64()),
      category: vectorFromArray(["a", "b"], new Utf8()),
      text: vectorFromArray(["a", "b"], new Utf8()),
      score: t.getChild("score")!.slice(0, 2),
    });
    const strictPath = join(dir, "strict.lance");
    const strictSchema = new Schema([new Field("id", new Int64(), false), new Field("category", new Utf8()), new Field("text", new Utf8()), new Field("score", t.schema.fields[3]!.type)]);
    const strict = await writeDataset(strictPath, new Table(strictSchema, t.batches.map((b) => new RecordBatch(strictSchema, b.data))));
    await assert.rejects(strict.append(nullIds), (e: unknown) => e instanceof LanceError && /column "id" is not nullable but the data has 1 nulls/.test(e.message));
    const lists = new Table({ l: vectorFromArray([[[1]]] as never, new List(new Field("item", new List(new Field("item", new Int32(), true)), true))) });
    await assert.rejects(writeDataset(join(dir, "lists.lance"), lists), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /column "l" is a list of List/.test(e.message));
    assert.deepEqual(readdirSync(join(path, "_versions")).sort(), versionsBefore);
    assert.equal(readdirSync(join(path, "data")).length, filesBefore);
    assert.equal((await openDataset(path)).version, 1);
    assert.ok(!existsSync(join(dir, "lists.lance", "_versions")));
  });
});
