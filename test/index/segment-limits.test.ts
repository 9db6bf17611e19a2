// What one segment holds, checked before any data is read: BTREE and BITMAP
// segments of a billion rows and more plan as one segment (index files are
// written page by page), while a segment past what the formats' counters and
// one bitmap value hold fails with NOT_SUPPORTED and the advice to split:
// checked on the planned row counts of a small table whose manifest is made
// to claim more rows. The BITMAP limit rests on a bound of one value's
// bitmap, checked here on real encoded bitmaps.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Float64, Int64, Table, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { planIndexBuild } from "../../src/distributed/build-index.js";
import { encodeRowAddrTreeMap } from "../../src/format/index/row-addr-map.js";
import { MAX_BINARY_VALUE_BYTES, maxBitmapBytes, maxSegmentRows } from "../../src/index/segment-limits.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

async function claimedTable(rowsPerFragment: number) {
  const dir = tempDir();
  const db = await connect(dir);
  const part = (k: number) => new Table({ v: vectorFromArray(Array.from({ length: 100 }, (_, i) => BigInt(k * 100 + i)), new Int64()), f: vectorFromArray(Array.from({ length: 100 }, (_, i) => i / 3), new Float64()) });
  const t = await db.createTable("t", part(0));
  for (let k = 1; k < 4; k++) await t.add(part(k));
  const ds = await openDataset(tablePath(dir, "t"));
  // the plan reads only the manifest: four fragments of rowsPerFragment rows each
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = rowsPerFragment;
  return ds;
}

const notSupported = (pattern: RegExp) => (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && pattern.test(e.message);

test("a 1B-row BTREE segment plans as one; past 2^32 pages of 4096 rows it fails early with the advice to split", async () => {
  const ds = await claimedTable(250_000_000);
  assert.equal(maxSegmentRows("BTREE"), 2 ** 44);
  const one = planIndexBuild(ds.snapshot, "v", "BTREE");
  assert.deepEqual(
    one.tasks.map((t) => t.plannedRows),
    [1_000_000_000],
  );
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 2 ** 43;
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BTREE"), notSupported(/BTREE segment of 35,184,372,088,832 rows .*at most 17,592,186,044,416 rows .*at least 2 segments: fragmentGroupSize \(CLI --group-size\) of at most 2 fragments/));
  await assert.rejects(ds.createScalarIndex("v", "BTREE"), notSupported(/split the index/));
  await assert.rejects(ds.createIndexUncommitted("v", "BTREE", { fragmentIds: [0, 1, 2] }), notSupported(/at least 2 segments/));
  assert.deepEqual(await ds.store.list("_indices/"), [], "nothing written");
  assert.deepEqual(
    planIndexBuild(ds.snapshot, "v", "BTREE", { fragmentGroupSize: 2 }).tasks.map((t) => t.plannedRows),
    [2 ** 44, 2 ** 44],
  );
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 2 ** 45;
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BTREE", { fragmentGroupSize: 1 }), notSupported(/after splitting fragments of 35,184,372,088,832 rows into smaller ones/));
});

test("BITMAP plans 4B rows as one segment (the whole-file limit of 2^31 rows is gone) and stops where one value's bitmap could outgrow a Binary value", async () => {
  const ds = await claimedTable(1_000_000_000);
  assert.equal(planIndexBuild(ds.snapshot, "v", "BITMAP").tasks[0]!.plannedRows, 4_000_000_000);
  const limit = maxSegmentRows("BITMAP", 4);
  assert.ok(limit > 17_000_000_000 && limit < 2 ** 34, `limit ${limit}`);
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 5_000_000_000;
  assert.throws(() => planIndexBuild(ds.snapshot, "v", "BITMAP"), notSupported(/BITMAP segment of 20,000,000,000 rows .* over 4 fragments\); split the index into at least 2 segments: .* at most 3 fragments/));
  assert.equal(planIndexBuild(ds.snapshot, "v", "BITMAP", { fragmentGroupSize: 3 }).tasks.length, 2);
  // many small fragments each add their bitmap header and a partial container
  const small = maxSegmentRows("BITMAP", 1_000_000);
  assert.ok(small > 900_000_000 && small < 1_000_000_000, `limit over 1M fragments ${small}`);
  for (const [rows, fragments] of [
    [limit, 4],
    [small, 1_000_000],
  ] as const) {
    assert.ok(maxBitmapBytes(rows, fragments) <= MAX_BINARY_VALUE_BYTES && maxBitmapBytes(rows + 1, fragments) > MAX_BINARY_VALUE_BYTES, `${rows} rows over ${fragments} fragments`);
  }
  // ZONEMAP and FTS: only row ids bound them
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 2 ** 52;
  assert.throws(() => planIndexBuild(ds.snapshot, "f", "ZONEMAP"), notSupported(/more than row ids can number/));
  for (const f of ds.snapshot.manifest.fragments) f.physicalRows = 2 ** 50;
  assert.equal(planIndexBuild(ds.snapshot, "f", "ZONEMAP").tasks[0]!.plannedRows, 2 ** 52);
});

test("one value's bitmap stays within the bound the BITMAP limit assumes, for any density and fragment size", () => {
  for (const [fragments, rowsPerFragment] of [
    [1, 1_000_000],
    [3, 70_000],
    [50, 1],
    [40, 3],
    [20, 4097],
    [5, 65537],
  ] as const) {
    for (const every of [1, 2, 16, 17, 1000]) {
      const ids: number[] = [];
      for (let f = 0; f < fragments; f++) for (let r = 0; r < rowsPerFragment; r += every) ids.push(f * 2 ** 32 + r);
      const bytes = encodeRowAddrTreeMap(Float64Array.from(ids)).byteLength;
      assert.ok(bytes <= maxBitmapBytes(fragments * rowsPerFragment, fragments), `${fragments} fragments of ${rowsPerFragment} rows, every ${every}th: ${bytes} bytes`);
    }
  }
  assert.equal(MAX_BINARY_VALUE_BYTES, 2 ** 31 - 1);
});
