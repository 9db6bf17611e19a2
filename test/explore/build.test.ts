// The live view of a distributed build (lancets explore --redis): while no
// worker serves the queue, every segment build job is queued, on the page as
// in openBuildWatcher(); once a `lancets worker` process has built them, each
// is done and counted under that worker's name, and the build commits.

import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, describe, test } from "node:test";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import type { BrowserContext, Page } from "playwright-core";
import { bundleExplorePage } from "../../scripts/build-explore.mjs";
import { startExploreServer, type ExploreServer } from "../../src/cli/explore.js";
import { BullMQExecutor, writeDataset, type Dataset } from "../../src/lancets.js";
import { openBuildWatcher, type BuildStatus, type BuildWatcher } from "../../src/node/build-status.js";
import { tablePath } from "../helpers/oracle.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";
import { CHROMIUM_SKIP, launchChromium, screenshotPath } from "../helpers/chromium.js";

const PREFIX = "explore";

/** Reads the watcher until `done` holds, at most `timeoutMs`. */
async function readUntil(watcher: BuildWatcher, done: (s: BuildStatus) => boolean, timeoutMs = 60_000): Promise<BuildStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await watcher.read();
    if (done(status)) return status;
    if (Date.now() > deadline) assert.fail(`the build queue never reached the expected state: ${JSON.stringify(status)}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe("the live view of a distributed build", () => {
  let redis: RedisServer;
  let watcher: BuildWatcher;
  let explore: ExploreServer | undefined;
  let context: BrowserContext | undefined;
  let worker: WorkerProcess | undefined;
  let build: Promise<Dataset>;
  let page: Page | undefined;

  before(async () => {
    redis = await startRedis();
    const path = tablePath(tempDir(), "build");
    const ds = await writeDataset(path, new Table({ id: vectorFromArray(Array.from({ length: 400 }, (_, i) => BigInt(i)), new Int64()) }), { maxRowsPerFile: 100 });
    watcher = await openBuildWatcher({ redisUrl: redis.url, prefix: PREFIX });
    build = ds.createScalarIndex("id", "BTREE", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix: PREFIX }), fragmentGroupSize: 1 });
    build.catch(() => undefined);
    if (!CHROMIUM_SKIP) {
      explore = await startExploreServer(path, { redis: redis.url, prefix: PREFIX }, await bundleExplorePage());
      context = await launchChromium();
      page = await context.newPage();
      await page.goto(explore.url);
    }
  });

  after(async () => {
    await context?.close();
    await explore?.close();
    await watcher?.close();
    worker?.kill("SIGKILL");
    redis?.stop();
  });

  test("queued while no worker serves the queue", async () => {
    const status = await readUntil(watcher, (s) => s.segments.length === 4);
    assert.deepEqual(
      status.segments.map((s) => [s.index, s.groupIndex, s.state, s.worker, s.plannedRows]),
      [0, 1, 2, 3].map((i) => ["id_idx", i, "queued", null, 100]),
    );
    assert.deepEqual(status.workers, [{ worker: "(queued)", queued: 4, running: 0, done: 0, failed: 0 }]);
    assert.equal(status.workersConnected, 0);
    assert.deepEqual(status.segments.map((s) => s.fragmentIds).flat().sort(), [0, 1, 2, 3]);
  });

  test("the page shows the queued segment builds", { skip: CHROMIUM_SKIP }, async () => {
    await page!.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll("#build tr.job[data-state=queued]").length === 4, undefined, { timeout: 60_000 });
  });

  test("done by the worker that built them, counted per worker, and committed", async () => {
    worker = await startWorker(redis.url, PREFIX);
    const name = `${hostname()}:${worker.child.pid}`;
    const indexed = await build;
    assert.equal(indexed.describeIndices()[0]!.segments.length, 4);
    const status = await readUntil(watcher, (s) => s.segments.length === 4 && s.segments.every((x) => x.state === "done"));
    assert.deepEqual(status.segments.map((s) => [s.state, s.worker, s.rowsDone]), [0, 1, 2, 3].map(() => ["done", name, 100]));
    assert.deepEqual(status.workers, [{ worker: name, queued: 0, running: 0, done: 4, failed: 0 }]);
    assert.equal(status.workersConnected, 1);
    if (page) {
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll("#build tr.job[data-state=done]").length === 4, undefined, { timeout: 60_000 });
      const workers = await page.locator("#build table.workers tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
      assert.deepEqual(workers, [[name, "0", "0", "4", "0"]]);
      await page.screenshot({ path: screenshotPath("build.png"), fullPage: true });
    }
  });
});
