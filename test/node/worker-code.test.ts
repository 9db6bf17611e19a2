// What worker threads start with: this process's Node options less its entry's
// (--input-type) and less the TypeScript loader (tsx), which no worker file
// needs: the tsx shim, started without it, still builds a segment.

import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { workerExecArgv } from "../../src/node/worker-code.js";
import { WorkerPool } from "../../src/node/worker-pool.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const shim = new WorkerPool({ threads: 1, code: { file: join(ROOT, "src", "node", "worker-shim.mjs"), kind: "tsx" } });

after(async () => {
  await shim.close();
});

test("worker threads start without tsx and without this process's --input-type", () => {
  assert.deepEqual(workerExecArgv(["--import", "tsx", "--enable-source-maps"]), ["--enable-source-maps"]);
  assert.deepEqual(workerExecArgv(["--import=tsx/esm", "--max-old-space-size=4096"]), ["--max-old-space-size=4096"]);
  assert.deepEqual(workerExecArgv(["--require", "tsx/cjs", "-r", "./setup.cjs"]), ["-r", "./setup.cjs"]);
  assert.deepEqual(workerExecArgv(["--loader", "file:///app/node_modules/tsx/dist/loader.mjs", "--import", "./otel.mjs"]), ["--import", "./otel.mjs"]);
  assert.deepEqual(workerExecArgv(["--input-type", "module", "--conditions", "dev"]), ["--conditions", "dev"]);
  assert.deepEqual(workerExecArgv(["--input-type=module", "--import", "tsx"]), []);
  // a flag that merely names something else is kept
  assert.deepEqual(workerExecArgv(["--import", "./tsx-free.mjs", "--title=tsx"]), ["--import", "./tsx-free.mjs", "--title=tsx"]);
  // this test runs under --import tsx, which the threads do not get
  assert.ok(process.execArgv.some((a) => a === "tsx" || a.endsWith("=tsx")), process.execArgv.join(" "));
  assert.ok(!workerExecArgv().some((a) => /tsx/.test(a)), workerExecArgv().join(" "));
});

test("the tsx shim, started without --import tsx, builds a segment Lance uses", async () => {
  const dir = tempDir();
  await (await connect(dir)).createTable("t", new Table({ id: vectorFromArray(Array.from({ length: 500 }, (_, i) => BigInt(i)), new Int64()) }));
  const path = tablePath(dir, "t");
  const traces: string[] = [];
  const ds = await (await openDataset(path)).createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ pool: shim, onTrace: (t) => traces.push(...t.segments.map((s) => s.workerUrl)) }) });
  assert.equal(shim.stats().code, "tsx");
  assert.deepEqual(traces.map((u) => u.endsWith("/src/node/segment-worker.ts")), [true]);
  assert.equal(ds.describeIndices()[0]!.indexType, "BTREE");
  const t = await (await connect(dir)).openTable("t");
  assert.match(await t.query().where("id = 42").explainPlan(true), /ScalarIndexQuery/);
});
