// Filtered reads that use index segments, counts, and the plan behind them.
// Run: npx tsx examples/filters.ts [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateDay, Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { writeDataset } from "lancets";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const n = 4000;
let ds = await writeDataset(
  join(dir, "filters.lance"),
  new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
    category: vectorFromArray(Array.from({ length: n }, (_, i) => "abc"[i % 3]!), new Utf8()),
    price: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 100) / 2), new Float64()),
    day: vectorFromArray(Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + (i % 60)))), new DateDay()),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `lancets ${i}` : `other ${i}`)), new Utf8()),
  }),
  { maxRowsPerFile: 500 },
);
ds = await ds.createScalarIndex("id", "BTREE", { fragmentGroupSize: 4 });
ds = await ds.createScalarIndex("category", "BITMAP");

const t = await ds.scan({ filter: "price BETWEEN 10 AND 20 AND category IN ('a', 'b')", columns: ["id", "price"], limit: 100 }).toArrow();
const count = await ds.countRows("day >= DATE '2024-02-01' AND name LIKE 'lan%'");
console.log(await ds.explain("id = 42 OR category = 'a'"));
// filter: (id = 42 OR category = 'a')
//   id = 42: BTREE index id_idx, exact, 2 segments: ... (fragments 0-3), ... (fragments 4-7)
//   category = 'a': BITMAP index category_idx, exact, 1 segment: ... (fragments 0-7)
//   fragments read by index: 0 (...candidate rows), 1 (...), ...
const everyRow = await ds.scan({ filter: "id = 42 OR category = 'a'", useIndex: false }).toArrow(); // evaluate on every row instead
const byIndex = await ds.scan({ filter: "id = 42 OR category = 'a'" }).toArrow();

assert.equal(t.numRows, 100);
assert.ok(t.toArray().every((r) => r.price >= 10 && r.price <= 20));
assert.equal(count, await ds.countRows("day >= DATE '2024-02-01' AND name LIKE 'lan%'", { useIndex: false }));
assert.equal(byIndex.numRows, everyRow.numRows);
console.log(`${t.numRows} rows, ${count} counted, ${byIndex.numRows} by index = ${everyRow.numRows} by scan`);
console.log("filters: ok");
