// Index builds on worker threads: one segment per fragment group, built in parallel, committed once.
// Run: npx tsx examples/distributed-threads.ts [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { LocalExecutor, writeDataset } from "lancets";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const n = 20_000;
const ds = await writeDataset(
  join(dir, "threads.lance"),
  tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), text: Array.from({ length: n }, (_, i) => `document ${i} about ${i % 2 ? "cats" : "dogs"}`) }),
  { maxRowsPerFile: 2500 },
);
const executor = new LocalExecutor({ maxConcurrency: 2 });
const indexed = await ds.createScalarIndex("text", "INVERTED", {
  executor,
  fragmentGroupSize: 2,
  onProgress: (p) => {
    if (p.done) console.log(`segment ${p.groupIndex}: ${p.rowsDone} rows`);
  },
});
const index = indexed.describeIndices()[0]!;
console.log(`${index.name}: ${index.segments.length} segments over ${indexed.fragments().length} fragments`);
const hits = await indexed.scan({ fullTextSearch: { query: "cats" }, limit: 5 }).toArrow();

assert.equal(index.segments.length, 4);
assert.equal(index.numUnindexedRows, 0);
assert.equal(hits.numRows, 5);
console.log("distributed-threads: ok");
