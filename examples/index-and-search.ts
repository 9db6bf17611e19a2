// Build index segments per group of fragments, commit them together, and search.
// Run: npx tsx examples/index-and-search.ts [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { writeDataset } from "lancets";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const words = ["quick", "brown", "fox", "lazy", "dog", "jumps", "over", "the"];
const n = 6000;
let ds = await writeDataset(
  join(dir, "indexed.lance"),
  tableFromArrays({
    id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    category: Array.from({ length: n }, (_, i) => "abcd"[i % 4]!),
    price: Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000),
    text: Array.from({ length: n }, (_, i) => `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5) % 8]} item ${i}`),
  }),
  { maxRowsPerFile: 1000 }, // six fragments
);

// Workers: one uncommitted segment per fragment group (plain JSON; files under _indices/<uuid>/)
const a = await ds.createIndexUncommitted("id", "BTREE", { fragmentIds: [0, 1, 2] });
const b = await ds.createIndexUncommitted("id", "BTREE", { fragmentIds: [3, 4, 5] });
// Coordinator: one CreateIndex transaction adds every segment; each write returns the new version
ds = await ds.commitExistingIndexSegments("id_idx", "id", JSON.parse(JSON.stringify([a, b])));

// Or all at once: one segment per group of fragments, built here or by executors (see the distributed examples)
ds = await ds.createScalarIndex("category", "BITMAP", { fragmentGroupSize: 4 });
ds = await ds.createScalarIndex("price", "ZONEMAP", { params: { rowsPerZone: 8192, useSeeds: true } });
ds = await ds.createScalarIndex("text", "INVERTED", { fragmentGroupSize: 3 }); // "FTS" works too

// One segment over the union of two, committed in place of them
const merged = await ds.mergeExistingIndexSegments([a, b]);
ds = await ds.commitExistingIndexSegments("id_idx", "id", [merged]);

// Full-text search: BM25 as Lance scores it, best first, with _score; a filter ranks only its rows
const hits = await ds.scan({ fullTextSearch: { query: "quick brown fox" }, filter: "category = 'a'", limit: 10 }).toArrow();
console.log(hits.toArray().map((r) => `${r.id} ${r._score.toFixed(3)} ${r.text}`).join("\n"));

ds = await ds.dropIndex("price_idx");
console.log(ds.describeIndices().map((i) => `${i.name}: ${i.indexType}, ${i.segments.length} segment(s)`).join("\n"));

assert.deepEqual(ds.describeIndices().map((i) => i.indexType).sort(), ["BITMAP", "BTREE", "FTS"]);
assert.equal(ds.describeIndices().find((i) => i.name === "id_idx")!.segments.length, 1);
assert.equal(hits.numRows, 10);
assert.ok(hits.toArray().every((r) => r.category === "a" && /quick|brown|fox/.test(r.text)));
console.log("index-and-search: ok");
