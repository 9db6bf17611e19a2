// BullMQ index builds on an object-store dataset (Azure Blob on Azurite,
// loopback): the coordinator holds the account key, the jobs in Redis carry
// the URI and the account name and endpoint only, and each `lancets worker`
// uses its own key (from its environment, or from --storage-option); a worker
// without one cannot build. A memory:// dataset is refused.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
import { Redis } from "ioredis";
import { LanceError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { BullMQExecutor } from "../../src/node/bullmq.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { startAzurite, type AzureServer } from "../helpers/azurite.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "../helpers/redis.js";

let server: AzureServer;
let redis: RedisServer;
const workers: WorkerProcess[] = [];
let byEnv: WorkerProcess;
let byOption: WorkerProcess;
let keyless: WorkerProcess;

function rows(n: number): Table {
  return new Table({
    id: vectorFromArray(Int32Array.from({ length: n }, (_, i) => (i * 7919) % n)),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => `c${i % 7}`), new Utf8()),
  });
}

/** The data of every job in Redis under `prefix`, by job name. */
async function jobsIn(prefix: string): Promise<{ name: string; data: Record<string, unknown> }[]> {
  const client = new Redis(redis.url);
  try {
    const jobs: { name: string; data: Record<string, unknown> }[] = [];
    for (const key of await client.keys(`bull:${prefix}-*`)) {
      if ((await client.type(key)) !== "hash") continue;
      const [name, data] = await client.hmget(key, "name", "data");
      if (name && data) jobs.push({ name, data: JSON.parse(data) });
    }
    return jobs;
  } finally {
    client.disconnect();
  }
}

describe("BullMQ builds on an Azure Blob dataset", { timeout: 150_000 }, () => {
  before(async () => {
    [server, redis] = await Promise.all([startAzurite(), startRedis()]);
    await server.createContainer("jobs");
    // none of them gets the account name or endpoint: those come with the jobs
    [byEnv, byOption, keyless] = await Promise.all([
      startWorker(redis.url, "env", [], { AZURE_STORAGE_ACCOUNT_KEY: server.key }),
      startWorker(redis.url, "option", ["--storage-option", `azure_storage_account_key=${server.key}`]),
      startWorker(redis.url, "keyless"),
    ]);
    workers.push(byEnv, byOption, keyless);
  });
  after(async () => {
    for (const w of workers) w.kill();
    redis?.stop();
    await server?.stop();
  });

  test("workers with their own key build and commit; the jobs in Redis hold no key", async () => {
    const uri = "az://jobs/t.lance";
    const ds = await writeDataset(uri, rows(4000), { storageOptions: server.storageOptions, maxRowsPerFile: 1000 });
    const statuses: string[] = [];
    let indexed = await ds.createScalarIndex("category", "BITMAP", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix: "env", onStatus: (s) => statuses.push(s) }), fragmentGroupSize: 2 });
    assert.match(byEnv.log(), /built segment 1 of category_idx/, byEnv.log());
    indexed = await indexed.createScalarIndex("id", "BTREE", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix: "option" }), fragmentGroupSize: 1 });
    assert.match(byOption.log(), /committed 4 segment\(s\) of id_idx/, byOption.log());
    assert.equal(indexed.version, ds.version + 2);
    assert.deepEqual(
      indexed.describeIndices().map((i) => [i.name, i.segments.length, i.numUnindexedRows]),
      [
        ["category_idx", 2, 0],
        ["id_idx", 4, 0],
      ],
    );
    assert.match(await indexed.explain("category = 'c3'"), /category_idx/);
    assert.equal(await indexed.countRows("category = 'c3'"), await indexed.countRows("category = 'c3'", { useIndex: false }));
    assert.equal(await indexed.countRows("id < 100"), 100);
    assert.ok(statuses.some((s) => /credentials \(azure_storage_account_key\) stay on this machine/.test(s)), statuses.join("\n"));

    const jobs = [...(await jobsIn("env")), ...(await jobsIn("option"))];
    assert.equal(jobs.length, 2 + 1 + 4 + 1);
    const shared = { azure_storage_account_name: server.account, azure_endpoint: server.endpoint, allow_http: "true" };
    for (const job of jobs) {
      assert.deepEqual(job.data["storageOptions"], shared, job.name);
      assert.ok(!JSON.stringify(job.data).includes(server.key), "no key in a job");
    }
    assert.equal((await openDataset(uri, { storageOptions: server.storageOptions })).version, indexed.version);
  });

  test("a worker without a key of its own cannot build: the flow fails and nothing is committed", async () => {
    const uri = "az://jobs/keyless.lance";
    const ds = await writeDataset(uri, rows(1000), { storageOptions: server.storageOptions });
    await assert.rejects(
      ds.createScalarIndex("id", "BTREE", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix: "keyless", attempts: 1 }) }),
      (e: unknown) => e instanceof LanceError && /distributed index build failed: segment 0: /.test(e.message),
    );
    assert.match(keyless.log(), /building segment 0/);
    assert.equal((await openDataset(uri, { storageOptions: server.storageOptions })).version, ds.version);
  });

  test("a memory:// dataset is refused: workers cannot reach it", async () => {
    const mem = await writeDataset(new MemoryStore(), rows(10));
    await assert.rejects(
      mem.createScalarIndex("id", "BTREE", { executor: new BullMQExecutor({ redisUrl: redis.url, prefix: "memory" }) }),
      (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /memory:\/\/ dataset lives in one process/.test(e.message),
    );
  });
});
