// Filters that LABEL_LIST segments answer exactly are not rechecked on the
// fragments the segments cover: a count reads no data file there, a
// projection reads only its own columns at the matching rows. The rows are
// still those of a scan without the index and of Lance on a twin table:
// with null lists, null items and empty lists, deleted rows, a fragment no
// segment covers (scanned), limits, row ids, and stable row ids whose rows
// moved after the index was built.

import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Field, Int32, Int64, List, Table, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import type { Dataset } from "../../src/dataset/dataset.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { CountingStore } from "../helpers/counting-store.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const TAGS = ["a", "b", "c", "d", "", "é✓"];

function data(start: number, n: number, seed: number): Table {
  const r = rng(seed);
  const list = <T>(pick: () => T): (T | null)[] | null => {
    const x = r();
    if (x < 0.1) return null;
    if (x < 0.2) return [];
    return Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.08 ? null : pick()));
  };
  const columns: Record<string, Vector> = {
    id: vectorFromArray(Array.from({ length: n }, (_, i) => start + i), new Int32()),
    tags: vectorFromArray(Array.from({ length: n }, () => list(() => TAGS[Math.floor(r() * TAGS.length)]!)) as never, new List(new Field("item", new Utf8(), true))),
    nums: vectorFromArray(Array.from({ length: n }, () => list(() => BigInt(Math.floor(r() * 6)))) as never, new List(new Field("item", new Int64(), true))),
  };
  return new Table(columns);
}

const SETTLED = [
  "array_contains(tags, 'a')",
  "array_has_any(tags, ['b', ''])",
  "array_has_all(tags, ['a', 'c'])",
  "array_has_any(tags, [NULL])",
  "array_has_all(tags, [NULL, 'é✓'])",
  "array_has_any(tags, ['absent'])",
  "array_has(nums, 3)",
  "array_contains(tags, 'a') AND array_has_any(nums, [1, 2])",
  "array_contains(tags, 'd') OR array_has_all(nums, [0, 5])",
];
const RECHECKED = ["array_contains(tags, 'a') AND id < 150", "array_has_any(tags, ['c']) AND (id < 100 OR array_has(nums, 2))"];
const SCANNED = ["array_contains(tags, 'b') OR id = 7", "NOT array_contains(tags, 'a')"];

async function rowsOf(ds: Dataset, filter: string, useIndex: boolean, limit?: number): Promise<string[]> {
  const t = await ds.scan({ filter, columns: ["id", "tags", "nums"], useIndex, withRowAddress: true, ...(limit === undefined ? {} : { limit }) }).toArrow();
  return t.toArray().map((row) => JSON.stringify([row.id, row.tags?.toArray() ?? null, Array.from(row.nums?.toArray() ?? [null], String), String(row._rowaddr)]));
}

let dir: string;

before(async () => {
  dir = tempDir();
  // indexed and twin: the same rows in four fragments, the same rows deleted, the last fragment appended after the index
  const db = await connect(dir);
  for (const name of ["indexed", "twin"]) {
    let ds = await writeDataset(tablePath(dir, name), data(0, 120, 1));
    ds = await ds.append(data(120, 120, 2));
    ds = await ds.append(data(240, 120, 3));
    if (name === "indexed") {
      ds = await ds.createScalarIndex("tags", "LABEL_LIST", { fragmentGroupSize: 2 });
      await ds.createScalarIndex("nums", "LABEL_LIST");
    }
    // deleted after the index was built: its bitmaps still hold these rows
    await (await db.openTable(name)).delete("id % 7 = 3");
    await (await openDataset(tablePath(dir, name))).append(data(360, 120, 4));
  }
});

describe("exact LABEL_LIST answers", () => {
  test("are not rechecked on covered fragments, and give the rows of a scan and of Lance", async () => {
    const ds = await openDataset(tablePath(dir, "indexed"));
    const twin = await (await connect(dir)).openTable("twin");
    const lastFragment = ds.manifest.fragments.at(-1)!.id;
    let nonEmpty = 0;
    for (const filter of [...SETTLED, ...RECHECKED, ...SCANNED]) {
      const expected = await rowsOf(ds, filter, false);
      assert.deepEqual(await rowsOf(ds, filter, true), expected, filter);
      const lance = (await twin.query().where(filter).select(["id"]).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
      assert.deepEqual(expected.map((r) => JSON.parse(r)[0] as number).sort((a, b) => a - b), lance, `Lance on the twin: ${filter}`);
      assert.equal(await ds.countRows(filter), expected.length, filter);
      for (const limit of [1, 5]) assert.deepEqual(await rowsOf(ds, filter, true, limit), expected.slice(0, limit), `${filter} limit ${limit}`);
      if (expected.length > 0) nonEmpty++;
      const explained = await ds.explain(filter);
      const settled = SETTLED.includes(filter);
      if (SCANNED.includes(filter)) assert.match(explained, /fragments read by index: none/, filter);
      else {
        for (const f of ds.manifest.fragments.slice(0, -1)) assert.match(explained, new RegExp(`[ ,]${f.id} \\(\\d+ candidate rows?${settled ? ", exact: not rechecked" : "(, read whole)?"}\\)`), `${filter}: ${explained}`);
        // the fragment appended after the index is scanned
        assert.match(explained, new RegExp(`fragments scanned: ${lastFragment}$`), `${filter}: ${explained}`);
      }
      if (!settled) assert.doesNotMatch(explained, /not rechecked/, filter);
    }
    assert.ok(nonEmpty >= SETTLED.length - 1, `${nonEmpty} filters matched rows`);
  });

  test("a count reads no data file of a covered fragment; a rechecked filter does", async () => {
    const path = tablePath(dir, "indexed");
    const store = new CountingStore(new LocalFileStore(path));
    const ds = await openDataset(store);
    const covered = new Set(ds.manifest.fragments.slice(0, -1).flatMap((f) => f.files.map((file) => `data/${file.path}`)));
    const uncovered = ds.manifest.fragments.at(-1)!.files.map((file) => `data/${file.path}`);
    store.take();
    const settledCount = await ds.countRows("array_contains(tags, 'a') OR array_has(nums, 4)");
    const read = new Set(store.take().map((r) => r.path));
    assert.deepEqual([...read].filter((p) => covered.has(p)), []);
    for (const p of uncovered) assert.ok(read.has(p), `the unindexed fragment's data file ${p} is scanned`);
    const scanned = await openDataset(tablePath(dir, "twin"));
    assert.equal(settledCount, await scanned.countRows("array_contains(tags, 'a') OR array_has(nums, 4)"));
    await ds.countRows("array_contains(tags, 'a') AND id < 150");
    const recheckRead = new Set(store.take().map((r) => r.path));
    assert.ok([...covered].some((p) => recheckRead.has(p)), "a rechecked filter reads the covered fragments' data files");
  });

  test("on stable row ids, rows moved by an update after the index was built are scanned, not answered from the index", async () => {
    const db = await connect(dir);
    const t = await db.createTable("stable", data(0, 300, 5), { storageOptions: { new_table_enable_stable_row_ids: "true" } } as never);
    await t.add(data(300, 200, 6));
    let ds = await openDataset(tablePath(dir, "stable"));
    assert.equal(ds.manifest.readerFeatureFlags & 2n, 2n);
    await ds.createScalarIndex("tags", "LABEL_LIST");
    // the index keeps the old lists of these rows; their new ones live in a fragment it does not cover
    await t.update({ where: "id % 5 = 0", valuesSql: { tags: "make_array('moved')" } });
    await t.delete("id % 11 = 4");
    ds = await openDataset(tablePath(dir, "stable"));
    assert.equal(ds.describeIndices()[0]!.indexType, "LABEL_LIST");
    let settled = 0;
    for (const filter of ["array_contains(tags, 'a')", "array_has_any(tags, ['moved', 'b'])", "array_has_all(tags, ['c', 'd'])", "array_contains(tags, 'moved')"]) {
      const expected = await rowsOf(ds, filter, false);
      assert.deepEqual(await rowsOf(ds, filter, true), expected, filter);
      assert.equal(await ds.countRows(filter), expected.length, filter);
      const lance = (await t.query().where(filter).select(["id"]).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
      assert.deepEqual(expected.map((r) => JSON.parse(r)[0] as number).sort((a, b) => a - b), lance, `Lance: ${filter}`);
      if (/not rechecked/.test(await ds.explain(filter))) settled++;
    }
    assert.equal(settled, 4);
    assert.ok((await ds.countRows("array_contains(tags, 'moved')")) > 50);
  });
});
