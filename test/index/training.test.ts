// A segment's training input may be read more than once (a BTREE build over
// a column in order that turns out not to be reads it again): progress counts
// every row once, and the segment built after such a second read is used by
// Lance's planner with the results of its full scan.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import { trainingInput } from "../../src/index/training.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

/** Ids 0..n-1 in order except `late`, which holds a small value near the end. */
function idsInOrderButOne(n: number, late: number): BigInt64Array {
  const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
  ids[late] = 17n;
  return ids;
}

test("progress of training input read twice counts each row once", async () => {
  const dir = tempDir();
  const path = `${dir}/t.lance`;
  const n = 90_000;
  await writeDataset(path, new Table({ id: vectorFromArray(idsInOrderButOne(n, 80_000) as never, new Int64()) }));
  const ds = await openDataset(path);
  const reports: number[] = [];
  const input = trainingInput(ds.snapshot, "id", [0], (rows) => reports.push(rows));
  // a first read stopped after one batch, then a whole one
  for await (const batch of input.batches()) {
    assert.ok(batch.rowIds.length > 0);
    break;
  }
  const afterFirst = reports.reduce((a, b) => a + b, 0);
  assert.ok(afterFirst > 0 && afterFirst < n, `first read reported ${afterFirst} rows`);
  let read = 0;
  for await (const batch of input.batches()) read += batch.rowIds.length;
  assert.equal(read, n);
  assert.equal(
    reports.reduce((a, b) => a + b, 0),
    n,
  );
  assert.ok(reports.every((r) => r > 0));
});

test("a BTREE over a column whose order breaks late: progress ends at the row count, and Lance uses the segment", async () => {
  const dir = tempDir();
  const path = `${dir}/t.lance`;
  const n = 90_000;
  await writeDataset(path, new Table({ id: vectorFromArray(idsInOrderButOne(n, 80_000) as never, new Int64()) }));
  const ds = await openDataset(path);
  const progress: number[] = [];
  const indexed = await ds.createScalarIndex("id", "BTREE", { onProgress: (p) => progress.push(p.rowsDone) });
  assert.equal(Math.max(...progress), n);

  const db = await connect(dir);
  const t = await db.openTable("t");
  for (const filter of ["id = 17", "id >= 79990 AND id < 80010", "id > 89990"]) {
    assert.match(await t.query().where(filter).explainPlan(true), /ScalarIndexQuery/);
    const theirs = (await t.query().where(filter).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
    const ours = Array.from((await indexed.scan({ filter }).toArrow()).getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
    const expected = Array.from(idsInOrderButOne(n, 80_000), Number)
      .filter((v) => (filter === "id = 17" ? v === 17 : filter.startsWith("id >=") ? v >= 79990 && v < 80010 : v > 89990))
      .sort((a, b) => a - b);
    assert.deepEqual(ours, expected, filter);
    assert.deepEqual(theirs, expected, filter);
  }
});
