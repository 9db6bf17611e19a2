// LABEL_LIST, BLOOMFILTER and NGRAM indexes built by a lancets worker process
// through BullMQ on a private Redis: one segment per fragment, the same
// segments (fragments and files) as a build in this process, used by Lance
// 12's planner with the rows of a full scan; a column of the wrong type is
// refused before any job is queued.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Field, Int32, Int64, List, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { BullMQExecutor } from "../../src/node/bullmq.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, rng } from "../helpers/oracle.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";

let redis: RedisServer;
let worker: WorkerProcess;
const PREFIX = "lists";

function rows(n: number): Table {
  const r = rng(21);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
    tags: vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 31 === 0 ? null : Array.from({ length: Math.floor(r() * 4) }, () => `tag-${Math.floor(r() * 12)}`))),
      new List(new Field("item", new Utf8(), true)),
    ),
    doc: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : `document number ${Math.floor(r() * 50)} of ${i % 7 === 0 ? "Café" : "the set"}`)), new Utf8()),
  });
}

before(async () => {
  redis = await startRedis();
  worker = await startWorker(redis.url, PREFIX);
});

after(() => {
  worker?.kill();
  redis?.stop();
});

test("LABEL_LIST, BLOOMFILTER and NGRAM built through BullMQ equal an in-process build and Lance uses them", async () => {
  const dir = tempDir();
  const refDir = tempDir();
  let ds = await writeDataset(join(dir, "t.lance"), rows(3000), { maxRowsPerFile: 1000 });
  let ref = await writeDataset(join(refDir, "t.lance"), rows(3000), { maxRowsPerFile: 1000 });
  const executor = new BullMQExecutor({ redisUrl: redis.url, prefix: PREFIX });
  for (const [column, type] of [["tags", "LABEL_LIST"], ["id", "BLOOMFILTER"], ["doc", "NGRAM"]] as const) {
    ds = await ds.createScalarIndex(column, type, { executor, fragmentGroupSize: 1 });
    ref = await ref.createScalarIndex(column, type, { fragmentGroupSize: 1 });
  }
  const shape = (d: typeof ds): unknown => d.describeIndices().map((i) => [i.name, i.indexType, i.segments.map((s) => s.fragmentIds.join(",")).sort()]);
  assert.deepEqual(shape(ds), shape(ref));
  assert.deepEqual(
    ds.describeIndices().map((i) => i.segments.length),
    [3, 3, 3],
  );
  assert.match(worker.log(), /built segment/);
  const t = await (await connect(dir)).openTable("t");
  const cases: [string, RegExp][] = [
    ["array_has_any(tags, ['tag-3', 'tag-11'])", /LabelList/],
    ["array_contains(tags, 'tag-1')", /LabelList/],
    ["id = 42", /BloomFilter/],
    ["id IN (7, 2999)", /BloomFilter/],
    ["contains(doc, 'number 3')", /NGram/],
    ["contains(doc, 'Café')", /NGram/],
  ];
  for (const [filter, plan] of cases) {
    const full = await ds.countRows(filter, { useIndex: false });
    assert.equal(await ds.countRows(filter), full, filter);
    assert.equal(await ref.countRows(filter), full, filter);
    assert.match(await t.query().where(filter).explainPlan(true), plan, filter);
    assert.equal(await t.countRows(filter), full, filter);
  }
});

test("an index type the column cannot take is refused before any BullMQ job", async () => {
  const dir = tempDir();
  const ds = await writeDataset(join(dir, "t.lance"), new Table({ n: vectorFromArray([1, 2, 3], new Int32()), s: vectorFromArray(["a", "b", "c"], new Utf8()) }));
  const executor = new BullMQExecutor({ redisUrl: "redis://127.0.0.1:1", prefix: "never" });
  for (const [column, type] of [["n", "NGRAM"], ["s", "LABEL_LIST"], ["tags", "BLOOMFILTER"]] as const) {
    await assert.rejects(ds.createScalarIndex(column, type, { executor }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT", `${type} on ${column}`);
  }
  assert.equal((await openDataset(join(dir, "t.lance"))).describeIndices().length, 0);
});
