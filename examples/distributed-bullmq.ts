// Index builds through BullMQ on Redis: workers (here two in this process; normally `lancets worker`
// on each machine) build the segments, and a commit job commits them once.
// Run: npx tsx examples/distributed-bullmq.ts redis://127.0.0.1:6379 [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { BullMQExecutor, startWorker, writeDataset } from "lancets";

const redisUrl = process.argv[2];
if (!redisUrl) throw new Error("usage: distributed-bullmq.ts redis://host:port [work-dir]");
const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const prefix = `example-${process.pid}`;
const workers = [await startWorker({ redisUrl, prefix, concurrency: 1 }), await startWorker({ redisUrl, prefix, concurrency: 1 })];
try {
  const n = 20_000;
  const ds = await writeDataset(
    join(dir, "bullmq.lance"),
    tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), category: Array.from({ length: n }, (_, i) => `c${i % 10}`) }),
    { maxRowsPerFile: 2500 },
  );
  const indexed = await ds.createScalarIndex("category", "BITMAP", { executor: new BullMQExecutor({ redisUrl, prefix }), fragmentGroupSize: 4 });
  const index = indexed.describeIndices()[0]!;
  console.log(`${index.name}: ${index.segments.length} segments, committed as version ${indexed.version}`);
  assert.equal(index.segments.length, 2);
  assert.equal(await indexed.countRows("category = 'c3'"), 2000);
  console.log("distributed-bullmq: ok");
} finally {
  await Promise.all(workers.map((w) => w.close()));
}
