// Worker threads kept across builds: a pool's threads build the next index
// too (no thread started anew), from compiled code (a bundle of the sources
// here), the segments equal a single-process build's and Lance uses them; a
// process that built on the shared pool exits without closing it; a closed
// pool refuses work.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { resolveWorkerCode } from "../../src/node/worker-code.js";
import { closeSharedWorkerPool, sharedWorkerPool, WorkerPool } from "../../src/node/worker-pool.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { expectCode } from "../helpers/store-conformance.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
let source: string;
const pool = new WorkerPool({ threads: 2 });

function rows(n: number, start: number): Table {
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(start + i) % 7}`), new Utf8()),
  });
}

async function ids(path: string, filter: string): Promise<string[]> {
  const t = await (await connect(join(path, ".."))).openTable("copy");
  return (await t.query().where(filter).select(["id"]).toArray()).map((r) => String(r.id)).sort();
}

before(async () => {
  const dir = tempDir();
  const t = await (await connect(dir)).createTable("src", rows(3000, 0));
  for (let k = 1; k < 4; k++) await t.add(rows(3000, k * 3000));
  source = tablePath(dir, "src");
});

after(async () => {
  await pool.close();
  await closeSharedWorkerPool();
});

describe("worker pool", () => {
  test("two builds on one pool run on the same threads, from compiled code, and equal a single-process build", async () => {
    const threads = copyDataset(source);
    const single = copyDataset(source);
    let a = await openDataset(threads);
    let b = await openDataset(single);
    a = await a.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ pool, maxConcurrency: 2 }), minGroups: 2 });
    const first = pool.stats();
    assert.equal(first.code, "bundled");
    assert.ok(first.threadsStarted >= 1 && first.threadsStarted <= 2, JSON.stringify(first));
    assert.equal(first.tasksRun, 2);
    assert.equal(first.threadIds.length, first.threadsStarted);
    a = await a.createScalarIndex("category", "BITMAP", { executor: new LocalExecutor({ pool }), minGroups: 2 });
    const second = pool.stats();
    assert.equal(second.tasksRun, 4);
    assert.equal(second.threadsStarted, first.threadsStarted, "the second build started no thread");
    assert.deepEqual(second.threadIds, first.threadIds);

    b = await b.createScalarIndex("id", "BTREE", { minGroups: 2 });
    b = await b.createScalarIndex("category", "BITMAP", { minGroups: 2 });
    const shape = (d: typeof a): unknown => d.describeIndices().map((i) => [i.indexType, i.segments.map((s) => s.fragmentIds)]);
    assert.deepEqual(shape(a), shape(b));
    assert.equal(a.describeIndices()[0]!.segments.length, 2);
    for (const f of ["id = 4321", "id BETWEEN 100 AND 250", "category = 'c3'", "category IN ('c1', 'c6') AND id < 500"]) {
      assert.deepEqual(await ids(threads, f), await ids(single, f), f);
    }
    const t = await (await connect(join(threads, ".."))).openTable("copy");
    assert.match(await t.query().where("category = 'c3'").explainPlan(true), /ScalarIndexQuery/);
  });

  test("LocalExecutors without a pool share the process's pool; closing it starts another later", async () => {
    const e1 = new LocalExecutor();
    const e2 = new LocalExecutor({ maxConcurrency: 1 });
    assert.equal(e1.pool(), e2.pool());
    assert.equal(e1.pool(), sharedWorkerPool());
    const before = e1.pool();
    await closeSharedWorkerPool();
    assert.notEqual(new LocalExecutor().pool(), before);
  });

  test("a closed pool refuses builds with INVALID_INPUT", async () => {
    const closed = new WorkerPool({ threads: 1 });
    await closed.close();
    const ds = await openDataset(copyDataset(source));
    await expectCode(ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ pool: closed }) }), "INVALID_INPUT", /worker pool is closed/);
    assert.throws(() => new WorkerPool({ threads: 0 }), /threads must be a positive integer/);
  });

  test("threads that fail to start fail the build (INTERNAL), they do not leave it waiting", async () => {
    const file = join(tempDir(), "broken-worker.mjs");
    writeFileSync(file, `throw new Error("no segment builder here");\n`);
    const broken = new WorkerPool({ threads: 2, code: { file, kind: "compiled" } });
    try {
      const ds = await openDataset(copyDataset(source));
      await expectCode(ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ pool: broken }), minGroups: 2 }), "INTERNAL", /no segment builder here/);
    } finally {
      await broken.close();
    }
  });

  test("the bundled worker is made once and reused while its sources are unchanged", async () => {
    const x = await resolveWorkerCode();
    const y = await resolveWorkerCode();
    assert.equal(x.kind, "bundled");
    assert.equal(x.file, y.file);
  });

  test("a process (node -e) that built twice on the shared pool exits without closing it", () => {
    const path = copyDataset(source);
    const script = `
      import { openDataset } from "./src/node/open-dataset.ts";
      import { LocalExecutor } from "./src/node/local-executor.ts";
      import { sharedWorkerPool } from "./src/node/worker-pool.ts";
      let ds = await openDataset(${JSON.stringify(path)});
      ds = await ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor(), minGroups: 2 });
      const first = sharedWorkerPool().stats();
      ds = await ds.createScalarIndex("category", "BITMAP", { executor: new LocalExecutor(), minGroups: 2 });
      console.log(JSON.stringify({ first, second: sharedWorkerPool().stats(), indexes: ds.describeIndices().length }));
    `;
    // bounded only so that a hang fails the test instead of stalling the suite
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    assert.equal(r.signal, null, `the process did not exit by itself: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    assert.equal(out.indexes, 2);
    assert.equal(out.second.threadsStarted, out.first.threadsStarted);
    assert.deepEqual(out.second.threadIds, out.first.threadIds);
    assert.equal(out.second.tasksRun, 4);
  });
});
