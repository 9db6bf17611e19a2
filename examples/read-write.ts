// Create a dataset from Arrow data, append to it, and read it back.
// Run: npx tsx examples/read-write.ts [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { openDataset, writeDataset } from "lancets";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const uri = join(dir, "table.lance");

// Writing takes an apache-arrow Table, a RecordBatch, an (async) iterable of RecordBatches,
// or an array of row objects; each data file becomes one fragment
const table = tableFromArrays({
  id: BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i)),
  text: Array.from({ length: 1000 }, (_, i) => `row number ${i}`),
});
const created = await writeDataset(uri, table, { dataStorageVersion: "2.2", maxRowsPerFile: 250 });
const appended = await created.append([{ id: 1000n, text: "one more row" }]); // a new version

const ds = await openDataset(uri); // a path, a file:// URI, or openDataset(uri, { version: 1 })
console.log(`version ${ds.version}: ${ds.countRows()} rows in ${ds.fragments().length} fragments`);
console.log(ds.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(", "));
console.log((await ds.listVersions()).map((v) => `v${v.version} ${v.metadata.total_rows} rows`).join(", "));
const first = await ds.checkout(1);

// Data comes as apache-arrow RecordBatches (an async iterable) or one Table
let scanned = 0;
for await (const batch of ds.scan({ columns: ["id", "text"], batchSize: 8192 })) scanned += batch.numRows;
const some = await ds.scan({ fragmentIds: [0, 2], withRowAddress: true, limit: 100 }).toArrow();
const rows = await ds.take([5n, (2n << 32n) + 3n], { columns: ["id"] }); // by row address: fragment << 32 | offset
console.log(`take: ids ${rows.toArray().map((r) => r.id).join(", ")}`);

// An overwrite replaces the data, and may change the schema
const replaced = await writeDataset(uri, tableFromArrays({ name: ["a", "b"] }), { mode: "overwrite" });

assert.equal(appended.version, 2);
assert.equal(ds.countRows(), 1001);
assert.equal(first.countRows(), 1000);
assert.equal(scanned, 1001);
assert.equal(some.numRows, 100);
assert.deepEqual(rows.toArray().map((r) => r.id), [5n, 503n]);
assert.deepEqual(replaced.schema.fields.map((f) => f.name), ["name"]);
console.log("read-write: ok");
