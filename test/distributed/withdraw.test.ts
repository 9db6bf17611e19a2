// A distributed build nobody serves: the executor says it is waiting for
// workers, and when it gives up (timeout, Ctrl-C / abort) the build is
// withdrawn, so a worker that connects afterwards commits nothing.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { BullMQExecutor } from "../../src/node/bullmq.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { textTable } from "../helpers/oracle.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";

let redis: RedisServer;
const workers: WorkerProcess[] = [];
before(async () => {
  redis = await startRedis();
});
after(() => {
  for (const w of workers) w.kill();
  redis?.stop();
});

async function dataset(): Promise<string> {
  const path = join(tempDir(), "t.lance");
  await writeDataset(path, textTable(400), { maxRowsPerFile: 100 });
  return path;
}

describe("withdrawn distributed builds", () => {
  test("no worker: the executor says so, times out, withdraws the build; a worker started later commits nothing", async () => {
    const path = await dataset();
    const status: string[] = [];
    const prefix = "w1";
    const build = (await openDataset(path)).createScalarIndex("id", "BTREE", {
      executor: new BullMQExecutor({ redisUrl: redis.url, prefix, timeoutMs: 1500, onStatus: (t) => status.push(t) }),
      fragmentGroupSize: 2,
    });
    await assert.rejects(build, (err: unknown) => err instanceof LanceError && err.code === "IO" && /did not finish within 2 s; its queued segment builds were withdrawn/.test(err.message));
    assert.match(status.join("\n"), /waiting for workers \(0 connected on queue .*w1.*\); start one with: lancets worker --redis redis:\/\/127\.0\.0\.1:\d+ --prefix w1/);
    workers.push(await startWorker(redis.url, prefix));
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await openDataset(path)).version, 1, "nothing committed");
    assert.doesNotMatch(workers.at(-1)!.log(), /committed/);
  });

  test("lancets index create --redis: Ctrl-C withdraws the build", async () => {
    const path = await dataset();
    const prefix = "w2";
    const bin = join(import.meta.dirname, "..", "..", "bin", "lancets.js");
    const child = spawn(process.execPath, [bin, "index", "create", path, "--column", "id", "--type", "btree", "--redis", redis.url, "--prefix", prefix, "--no-progress"], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/waiting for workers/.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(log, /waiting for workers \(0 connected/);
    child.kill("SIGINT");
    assert.equal(await exited, 1, log);
    assert.match(log, /was cancelled; its queued segment builds were withdrawn/);
    workers.push(await startWorker(redis.url, prefix));
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await openDataset(path)).version, 1, "nothing committed");
  });
});
