// Index builds on worker threads (LocalExecutor) and on lancets worker
// processes through BullMQ on a private Redis: same indexes as a
// single-process build, used by Lance; a worker killed mid-segment, a build
// that fails for good, a Lance append meanwhile, and an unreachable Redis.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { BullMQExecutor } from "../../src/node/bullmq.js";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { InProcessExecutor } from "../../src/distributed/in-process-executor.js";
import { cleanupIndexFiles } from "../../src/index/segments-api.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "../helpers/redis.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

let source: string;
let big: string;
let redis: RedisServer;
const workers: WorkerProcess[] = [];

function rows(n: number, start: number): Table {
  const r = rng(start + 3);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    key: vectorFromArray(Array.from({ length: n }, () => `k-${Math.floor(r() * 1e9).toString(36)}-${Math.floor(r() * 1e9).toString(36)}`), new Utf8()),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(start + i) % 9}`), new Utf8()),
  });
}

async function sameQueries(path: string, reference: string, filters: string[]): Promise<void> {
  const db = await connect(join(path, ".."));
  const ref = await connect(join(reference, ".."));
  const a = await db.openTable(path.split("/").at(-1)!.replace(/\.lance$/, ""));
  const b = await ref.openTable(reference.split("/").at(-1)!.replace(/\.lance$/, ""));
  for (const f of filters) {
    const x = (await a.query().where(f).select(["id"]).toArray()).map((r) => String(r.id)).sort();
    const y = (await b.query().where(f).select(["id"]).toArray()).map((r) => String(r.id)).sort();
    assert.deepEqual(x, y, f);
  }
}

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("src", textTable(600, 0));
  for (let k = 1; k < 6; k++) await t.add(textTable(600, k * 600));
  source = tablePath(dir, "src");
  const b = await db.createTable("big", rows(150_000, 0));
  for (let k = 1; k < 4; k++) await b.add(rows(150_000, k * 150_000));
  big = tablePath(dir, "big");
  redis = await startRedis();
});

after(async () => {
  for (const w of workers) w.kill();
  redis?.stop();
});

describe("executors", () => {
  test("LocalExecutor builds every index type like a single process does", async () => {
    const threads = copyDataset(source);
    const single = copyDataset(source);
    let a = await openDataset(threads);
    let b = await openDataset(single);
    const progress: number[] = [];
    for (const [column, type] of [["id", "BTREE"], ["id", "ZONEMAP"], ["text", "FTS"]] as const) {
      const name = `${column}_${type.toLowerCase()}`;
      a = await a.createScalarIndex(column, type, { name, executor: new LocalExecutor({ maxConcurrency: 2 }), minGroups: 3, onProgress: (p) => p.done && progress.push(p.groupIndex) });
      b = await b.createScalarIndex(column, type, { name, executor: new InProcessExecutor(), minGroups: 3 });
    }
    assert.deepEqual(progress.sort(), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
    assert.deepEqual(
      a.describeIndices().map((i) => [i.name, i.segments.map((s) => s.fragmentIds)]),
      b.describeIndices().map((i) => [i.name, i.segments.map((s) => s.fragmentIds)]),
    );
    await sameQueries(threads, single, ["id = 77", "id BETWEEN 10 AND 900", "id > 3500"]);
    const db = await connect(join(threads, ".."));
    const t = await db.openTable("copy");
    assert.match(await t.query().where("id = 5").explainPlan(true), /ScalarIndexQuery/);
    const ref = await (await connect(join(single, ".."))).openTable("copy");
    for (const q of ["running search", "café"]) {
      const x = await t.search(q, "fts").select(["id", "_score"]).limit(1000).toArray();
      const y = await ref.search(q, "fts").select(["id", "_score"]).limit(1000).toArray();
      assert.deepEqual(x.map((r) => `${r.id}:${(r._score as number).toFixed(5)}`).sort(), y.map((r) => `${r.id}:${(r._score as number).toFixed(5)}`).sort());
    }
  });

  test("BullMQ on Redis with two worker processes", async () => {
    const prefix = "t1";
    workers.push(await startWorker(redis.url, prefix), await startWorker(redis.url, prefix));
    const path = copyDataset(source);
    const reference = copyDataset(source);
    let ds = await openDataset(path);
    const done: number[] = [];
    ds = await ds.createScalarIndex("id", "BITMAP", {
      executor: new BullMQExecutor({ redisUrl: redis.url, prefix }),
      fragmentGroupSize: 1,
      onProgress: (p) => p.done && done.push(p.groupIndex),
    });
    assert.equal(ds.describeIndices()[0]!.segments.length, 6);
    assert.deepEqual(done.sort(), [0, 1, 2, 3, 4, 5]);
    await (await openDataset(reference)).createScalarIndex("id", "BITMAP", { fragmentGroupSize: 1 });
    await sameQueries(path, reference, ["id = 17", "id IN (2, 4, 3000)", "id < 100"]);
    const t = await (await connect(join(path, ".."))).openTable("copy");
    assert.match(await t.query().where("id = 17").explainPlan(true), /@id_idx\(Bitmap\)/);
    // both processes worked
    assert.ok(workers.every((w) => /built segment/.test(w.log())), workers.map((w) => w.log()).join("\n"));
  });

  test("a worker killed mid-segment: another rebuilds it, the index is committed once", async () => {
    const prefix = "t2";
    const a = await startWorker(redis.url, prefix);
    const b = await startWorker(redis.url, prefix);
    workers.push(a, b);
    const path = copyDataset(big);
    const reference = copyDataset(big);
    const ds = await openDataset(path);
    const build = ds.createScalarIndex("key", "BTREE", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix }), fragmentGroupSize: 1 });
    // kill whichever worker starts building first
    const deadline = Date.now() + 60_000;
    let victim: WorkerProcess | undefined;
    while (!victim && Date.now() < deadline) {
      victim = [a, b].find((w) => /building segment/.test(w.log()));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(victim, "a worker started building");
    victim.kill("SIGKILL");
    const committed = await build;
    const index = committed.describeIndices()[0]!;
    assert.equal(index.segments.length, 4);
    assert.equal(new Set(index.segments.map((s) => s.uuid)).size, 4);
    assert.equal(committed.version, ds.version + 1, "committed exactly once");
    assert.equal((await openDataset(path)).version, ds.version + 1);
    await (await openDataset(reference)).createScalarIndex("key", "BTREE", { fragmentGroupSize: 1 });
    const sample = (await (await openDataset(reference)).scan({ columns: ["key"], limit: 3 }).toArrow()).getChild("key")!.toArray() as string[];
    await sameQueries(path, reference, [`key = '${sample[0]}'`, `key < '${sample[1]}'`, "key IS NULL"]);
    // the killed attempt's files are removable, and cleanup never touches committed segments
    const dirs = readdirSync(join(path, "_indices"));
    const removed = await cleanupIndexFiles(committed, { olderThanMs: 0 });
    assert.deepEqual(readdirSync(join(path, "_indices")).sort(), index.segments.map((s) => s.uuid).sort());
    assert.equal(dirs.length - removed.length, 4);
  });

  test("a build that fails for good fails the flow and commits nothing", async () => {
    const prefix = "t3";
    workers.push(await startWorker(redis.url, prefix));
    const path = copyDataset(source);
    const ds = await openDataset(path);
    const executor = new BullMQExecutor({ redisUrl: redis.url, prefix, attempts: 2 });
    const task = { uri: path, version: ds.version, column: "gone", indexType: "BTREE" as const, name: "gone_idx", fragmentIds: [0], params: {}, groupIndex: 0, plannedRows: 600 };
    await assert.rejects(
      executor.run(ds.snapshot, { uri: path, version: ds.version, column: "gone", indexType: "BTREE", name: "gone_idx", replace: false, tasks: [task] }),
      (e: unknown) => e instanceof LanceError && /distributed index build failed: .*column "gone" does not exist/.test(e.message),
    );
    assert.equal((await openDataset(path)).version, ds.version);
  });

  test("a Lance append during a distributed build shows as unindexed rows", async () => {
    const prefix = "t4";
    workers.push(await startWorker(redis.url, prefix));
    const path = copyDataset(big);
    const ds = await openDataset(path);
    const build = ds.createScalarIndex("key", "BITMAP", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix }), fragmentGroupSize: 2 });
    const t = await (await connect(join(path, ".."))).openTable("copy");
    await t.add(rows(1000, 9_000_000));
    const committed = await build;
    const index = committed.describeIndices()[0]!;
    assert.deepEqual(index.segments.flatMap((s) => s.fragmentIds).sort(), [0, 1, 2, 3]);
    assert.equal(index.numUnindexedRows, 1000);
    await t.checkoutLatest();
    assert.equal((await t.query().where("id >= 9000000").toArray()).length, 1000);
  });

  test("Redis unreachable: a clear error within a bounded time", async () => {
    const ds = await openDataset(source);
    const started = Date.now();
    await assert.rejects(
      ds.createScalarIndex("id", "BTREE", { executor: new BullMQExecutor({ redisUrl: "redis://127.0.0.1:1", connectTimeoutMs: 2000 }) }),
      (e: unknown) => e instanceof LanceError && e.code === "IO" && /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/.test(e.message),
    );
    assert.ok(Date.now() - started < 5000);
    assert.equal((await openDataset(source)).version, ds.version);
  });
});
