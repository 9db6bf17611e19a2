// A segment too large to build fails before any data is read, with
// NOT_SUPPORTED and the advice to split: checked on the planned row counts of
// a small table whose manifest is made to claim a billion rows.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Float64, Int64, Table, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { planIndexBuild } from "../../src/distributed/build-index.js";
import { maxSegmentRows } from "../../src/index/segment-limits.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

async function billionRowTable() {
  const dir = tempDir();
  const db = await connect(dir);
  const part = (k: number) => new Table({ v: vectorFromArray(Array.from({ length: 100 }, (_, i) => BigInt(k * 100 + i)), new Int64()), f: vectorFromArray(Array.from({ length: 100 }, (_, i) => i / 3), new Float64()) });
  const t = await db.createTable("t", part(0));
  for (let k = 1; k < 4; k++) await t.add(part(k));
  const ds = await openDataset(tablePath(dir, "t"));
  // the plan reads only the manifest: four fragments of 250M rows each
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 250_000_000;
  return ds;
}

const notSupported = (pattern: RegExp) => (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && pattern.test(e.message);

test("a 1B-row BTREE segment fails early with NOT_SUPPORTED and the advice to split; split, it plans", async () => {
  const ds = await billionRowTable();
  assert.equal(maxSegmentRows("BTREE", new Int64()), 2 ** 28);
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BTREE"), notSupported(/BTREE segment of 1,000,000,000 rows .*at most 268,435,456 rows .*at least 4 segments: fragmentGroupSize \(CLI --group-size\) of at most 1 fragments/));
  await assert.rejects(ds.createScalarIndex("v", "BTREE"), notSupported(/split the index/));
  await assert.rejects(ds.createIndexUncommitted("v", "BTREE", { fragmentIds: [0, 1, 2, 3] }), notSupported(/at least 4 segments/));
  await assert.rejects(ds.createIndexUncommitted("v", "BTREE", { fragmentIds: [0, 1] }), notSupported(/500,000,000 rows/));
  assert.deepEqual(await ds.store.list("_indices/"), [], "nothing written");
  const job = planIndexBuild(ds.snapshot, "v", "BTREE", { fragmentGroupSize: 1 });
  assert.deepEqual(job.tasks.map((t) => t.plannedRows), [250_000_000, 250_000_000, 250_000_000, 250_000_000]);
});

test("ZONEMAP and BITMAP plan a 1B-row segment; BITMAP stops past 2^31 rows", async () => {
  const ds = await billionRowTable();
  assert.equal(planIndexBuild(ds.snapshot, "f", "ZONEMAP").tasks[0]!.plannedRows, 1_000_000_000);
  assert.equal(planIndexBuild(ds.snapshot, "v", "BITMAP").tasks.length, 1);
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 1_000_000_000;
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BITMAP"), notSupported(/BITMAP segment of 4,000,000,000 rows .* at least 2 segments: .* at most 2 fragments/));
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BTREE", { fragmentGroupSize: 1 }), notSupported(/after splitting fragments of 1,000,000,000 rows into smaller ones/));
});
