// LABEL_LIST segments built by lancets on list columns written by lancets:
// Lance's planner (lancedb, Lance 12) uses them, lancets uses Lance's own,
// and for seeded random array_has_any / array_has_all / array_contains
// filters (nulls at both levels, empty lists, duplicates, unicode) lancets
// with its segments, lancets without them, Lance on lancets' segments, Lance
// on its own index and Lance scanning a twin table all return the same rows,
// over 1, 2 and 3 segments, after optimizeIndices and after a merge.

import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { Field, Int32, Int64, List, Table, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { LanceError } from "../../../src/core/errors.js";
import type { Dataset } from "../../../src/dataset/dataset.js";
import { LocalExecutor } from "../../../src/node/local-executor.js";
import { openDataset, writeDataset } from "../../../src/node/open-dataset.js";
import { connect, rng, tablePath } from "../../helpers/oracle.js";
import { copyDataset } from "../../helpers/fixture-copy.js";
import { pylanceSession } from "../../helpers/pylance.js";
import { tempDir } from "../../helpers/tmp.js";

const TAGS = ["tag-0", "tag-1", "tag-2", "tag-3", "tag-4", "tag-5", "tag-10", "", "é✓", "Tag-1"];
const ROWS = 200;

function data(start: number, n: number, seed: number): Table {
  const r = rng(seed);
  const list = <T>(pick: () => T, nullItem: number): (T | null)[] | null => {
    const x = r();
    if (x < 0.08) return null;
    if (x < 0.16) return [];
    return Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < nullItem ? null : pick()));
  };
  const columns: Record<string, Vector> = {
    id: vectorFromArray(Array.from({ length: n }, (_, i) => start + i), new Int32()),
    tags: vectorFromArray(Array.from({ length: n }, () => list(() => TAGS[Math.floor(r() * TAGS.length)]!, 0.05)) as never, new List(new Field("item", new Utf8(), true))),
    nums: vectorFromArray(Array.from({ length: n }, () => list(() => BigInt(Math.floor(r() * 20) - 5), 0)) as never, new List(new Field("item", new Int64(), true))),
  };
  return new Table(columns);
}

function randomFilter(r: () => number): string {
  const tag = (): string => (r() < 0.1 ? "NULL" : r() < 0.1 ? "'absent'" : `'${TAGS[Math.floor(r() * TAGS.length)]!.replace(/'/g, "''")}'`);
  const num = (): string => String(Math.floor(r() * 24) - 7);
  const values = (v: () => string): string => Array.from({ length: 1 + Math.floor(r() * 3) }, v).join(", ");
  const base = (): string => {
    const x = r();
    if (x < 0.25) return `array_has_any(tags, [${values(tag)}])`;
    if (x < 0.45) return `array_has_all(tags, [${values(tag)}])`;
    if (x < 0.6) return `array_contains(tags, ${tag()})`;
    if (x < 0.75) return `array_has_any(nums, [${values(num)}])`;
    if (x < 0.85) return `array_has_all(nums, [${values(num)}])`;
    return `array_has(nums, ${num()})`;
  };
  const x = r();
  if (x < 0.6) return base();
  if (x < 0.75) return `${base()} AND id < ${Math.floor(r() * 800)}`;
  if (x < 0.9) return `${base()} OR ${base()}`;
  return `NOT ${base()}`;
}

async function lancetsIds(ds: Dataset, filter: string, useIndex: boolean): Promise<number[]> {
  const t = await ds.scan({ filter, columns: ["id"], useIndex }).toArrow();
  return Array.from(t.getChild("id")?.toArray() ?? [], Number).sort((a, b) => a - b);
}

async function lanceIds(table: lancedb.Table, filter: string): Promise<number[]> {
  const rows = await table.query().where(filter).select(["id"]).toArray();
  return rows.map((x) => Number(x.id)).sort((a, b) => a - b);
}

const py = pylanceSession("lancets-label-list-");
let dir: string;
let twinPath: string;
let lancePath: string;
let sourcePath: string;

before(async () => {
  dir = tempDir();
  const parts = [data(0, ROWS, 1), data(ROWS, ROWS, 2), data(2 * ROWS, ROWS, 3)];
  // the same rows three times: lancets indexes one, Lance another, the twin has no index
  sourcePath = tablePath(dir, "source");
  twinPath = tablePath(dir, "twin");
  for (const path of [sourcePath, twinPath]) {
    let ds = await writeDataset(path, parts[0]!, { dataStorageVersion: "2.1" });
    for (const p of parts.slice(1)) ds = await ds.append(p);
  }
  lancePath = copyDataset(sourcePath);
  const lance = await (await lancedb.connect(join(lancePath, ".."))).openTable("copy");
  await lance.createIndex("tags", { config: lancedb.Index.labelList() });
  await lance.createIndex("nums", { config: lancedb.Index.labelList() });
});

describe("LABEL_LIST", () => {
  test("lancets' segments answer list filters as Lance does, and Lance's planner uses them", async () => {
    const path = copyDataset(sourcePath);
    let ds = await openDataset(path);
    ds = await ds.createScalarIndex("tags", "LABEL_LIST", { fragmentGroupSize: 1 });
    ds = await ds.createScalarIndex("nums", "label_list", { fragmentGroupSize: 2 });
    assert.deepEqual(
      ds.describeIndices().map((i) => [i.name, i.indexType, i.segments.length]),
      [
        ["nums_idx", "LABEL_LIST", 2],
        ["tags_idx", "LABEL_LIST", 3],
      ],
    );
    const table = await (await connect(join(path, ".."))).openTable("copy");
    const twin = await (await connect(dir)).openTable("twin");
    const lanceDs = await openDataset(lancePath);
    assert.deepEqual(lanceDs.describeIndices().map((i) => i.indexType), ["LABEL_LIST", "LABEL_LIST"]);
    const lanceTable = await (await lancedb.connect(join(lancePath, ".."))).openTable("copy");
    // the daft-lance floor case, then Lance's planner on every segment
    const floor = "array_contains(tags, 'tag-1')";
    assert.match(await table.query().where(floor).explainPlan(true), /ScalarIndexQuery: query=\[array_has_any\(tags.*@tags_idx\(LabelList\)/);
    assert.match(await table.query().where("array_has_all(nums, [1, 2])").explainPlan(true), /@nums_idx\(LabelList\)/);
    const explained = await ds.explain(floor);
    for (const s of ds.describeIndices().find((i) => i.name === "tags_idx")!.segments) assert.ok(explained.includes(s.uuid.slice(0, 8)), `lancets' explain names segment ${s.uuid}: ${explained}`);
    assert.match(await lanceDs.explain(floor), /LABEL_LIST index tags_idx, exact/);
    const expectedFloor = await lanceIds(twin, floor);
    assert.ok(expectedFloor.length > 20);
    const r = rng(7);
    const filters = [floor, "array_has_all(tags, [])", "array_has_any(tags, [])", "array_contains(tags, NULL)", "array_has_any(tags, [NULL])", "array_has_any(tags, make_array('tag-2', 'é✓'))", ...Array.from({ length: 70 }, () => randomFilter(r))];
    let indexed = 0;
    for (const filter of filters) {
      const expected = await lanceIds(twin, filter);
      assert.deepEqual(await lancetsIds(ds, filter, false), expected, `lancets without index: ${filter}`);
      assert.deepEqual(await lancetsIds(ds, filter, true), expected, `lancets with its segments: ${filter}`);
      assert.deepEqual(await lanceIds(table, filter), expected, `Lance on lancets' segments: ${filter}`);
      assert.deepEqual(await lancetsIds(lanceDs, filter, true), expected, `lancets on Lance's index: ${filter}`);
      assert.deepEqual(await lanceIds(lanceTable, filter), expected, `Lance on its own index: ${filter}`);
      if (/LABEL_LIST index (tags|nums)_idx/.test(await ds.explain(filter))) indexed++;
    }
    assert.ok(indexed > 40, `lancets used its segments for ${indexed} filters`);
  });

  test("optimizeIndices covers appended fragments, merged segments are used, worker threads build the same", async () => {
    const path = copyDataset(sourcePath);
    let ds = await openDataset(path);
    ds = await ds.createScalarIndex("tags", "LABEL_LIST", { fragmentGroupSize: 2 });
    ds = await ds.append(data(3 * ROWS, 100, 4));
    const optimized = await ds.optimizeIndices();
    ds = optimized.dataset;
    const index = ds.describeIndices()[0]!;
    assert.equal(index.numUnindexedRows, 0);
    assert.equal(index.segments.length, 3);
    const table = await (await connect(join(path, ".."))).openTable("copy");
    assert.equal((await table.indexStats("tags_idx"))?.numUnindexedRows, 0);
    for (const filter of ["array_has_any(tags, ['tag-3', 'tag-4'])", "array_has_all(tags, ['tag-0', 'tag-1'])"]) {
      assert.match(await table.query().where(filter).explainPlan(true), /@tags_idx\(LabelList\)/);
      assert.deepEqual(await lancetsIds(ds, filter, true), await lancetsIds(ds, filter, false), filter);
      assert.deepEqual(await lanceIds(table, filter), await lancetsIds(ds, filter, false), filter);
    }
    // merge two uncommitted segments into one, commit it under another name
    const a = await ds.createIndexUncommitted("nums", "LABEL_LIST", { name: "merged", fragmentIds: [0, 1] });
    const b = await ds.createIndexUncommitted("nums", "LABEL_LIST", { name: "merged", fragmentIds: [2, 3] });
    const merged = await ds.mergeExistingIndexSegments([a, b]);
    assert.deepEqual(merged.fragmentIds, [0, 1, 2, 3]);
    ds = await ds.commitExistingIndexSegments("merged", "nums", [merged]);
    await table.checkoutLatest();
    assert.match(await table.query().where("array_has(nums, 3)").explainPlan(true), /@merged\(LabelList\)/);
    assert.deepEqual(await lanceIds(table, "array_has(nums, 3)"), await lancetsIds(ds, "array_has(nums, 3)", false));
    // worker threads build the same segments as the calling thread
    const threads = await (await openDataset(copyDataset(sourcePath))).createScalarIndex("tags", "LABEL_LIST", { executor: new LocalExecutor({ maxConcurrency: 2 }), fragmentGroupSize: 1 });
    const single = await (await openDataset(copyDataset(sourcePath))).createScalarIndex("tags", "LABEL_LIST", { fragmentGroupSize: 1 });
    assert.deepEqual(
      threads.describeIndices()[0]!.segments.map((s) => s.fragmentIds),
      single.describeIndices()[0]!.segments.map((s) => s.fragmentIds),
    );
    for (const filter of ["array_contains(tags, 'tag-5')", "array_has_all(tags, ['tag-2', 'tag-3'])"]) {
      assert.deepEqual(await lancetsIds(threads, filter, true), await lancetsIds(single, filter, true), filter);
    }
  });

  test("Lance 14 uses lancets' segments, lancets uses Lance 14's", { skip: py.skip ?? false }, async () => {
    const path = copyDataset(sourcePath);
    const ds = await (await openDataset(path)).createScalarIndex("tags", "LABEL_LIST", { fragmentGroupSize: 2 });
    const filters = ["array_contains(tags, 'tag-1')", "array_has_all(tags, ['tag-2', 'tag-3'])", "array_has_any(tags, ['é✓', NULL])", "NOT array_has_any(tags, ['tag-0'])"];
    for (const filter of filters) {
      assert.match(await py.py.explain(path, { filter }), /ScalarIndexQuery.*tags_idx/, filter);
      assert.equal(await py.py.countRows(path, filter), (await lancetsIds(ds, filter, false)).length, filter);
    }
    await py.py.createScalarIndex(path, "nums", "LABEL_LIST");
    const withLance = await openDataset(path);
    const nums = withLance.describeIndices().find((i) => i.name === "nums_idx")!;
    assert.equal(nums.indexType, "LABEL_LIST");
    for (const filter of ["array_has(nums, 3)", "array_has_all(nums, [1, 2])", "array_has_any(nums, [-5, 14])"]) {
      assert.match(await withLance.explain(filter), /LABEL_LIST index nums_idx, exact/, filter);
      assert.deepEqual(await lancetsIds(withLance, filter, true), await lancetsIds(withLance, filter, false), filter);
      assert.equal(await py.py.countRows(path, filter), (await lancetsIds(withLance, filter, false)).length, filter);
    }
  });

  test("wrong column types are refused before any work", async () => {
    const ds = await openDataset(copyDataset(sourcePath));
    const refused = (pattern: RegExp) => (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && pattern.test(e.message);
    await assert.rejects(ds.createScalarIndex("id", "LABEL_LIST"), refused(/LABEL_LIST index needs a list column; column "id" has type Int32/));
    await assert.rejects(ds.createIndexUncommitted("id", "LABEL_LIST", { fragmentIds: [0] }), refused(/needs a list column/));
    await assert.rejects(ds.createScalarIndex("tags", "BTREE"), refused(/BTREE index cannot be built on column "tags"/));
    await assert.rejects(ds.scan({ filter: "array_contains(id, 1)" }).toArrow(), refused(/array_contains needs a list column; "id" is Int32/));
    await assert.rejects(ds.scan({ filter: "array_has_any(tags, [1])" }).toArrow(), refused(/cannot compare column "tags"/));
    assert.equal((await openDataset(ds.uri)).version, ds.version);
  });
});
