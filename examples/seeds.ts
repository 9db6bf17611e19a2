// Index seeds: appends plant per-zone statistics in the new data files, so extending
// a zone map afterwards reads no column data.
// Run: npx tsx examples/seeds.ts [work-dir]
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { writeDataset } from "lancets";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "lancets-example-"));
const rows = (start: number, n: number) => tableFromArrays({ s: Array.from({ length: n }, (_, i) => `key-${String(start + i).padStart(6, "0")}`) });
let ds = await writeDataset(join(dir, "seeded.lance"), rows(0, 10_000));
ds = await ds.createScalarIndex("s", "ZONEMAP", { params: { useSeeds: true } });
ds = await ds.append(rows(10_000, 5_000)); // plants a seed for column s
const { dataset, indices } = await ds.optimizeIndices(); // or { names: ["s_idx"] }
console.log(indices.map((i) => `${i.name}: ${i.fragmentsFromSeeds} fragment(s) from seeds, ${i.fragmentsScanned} scanned`).join("\n"));

assert.equal(indices[0]!.fragmentsFromSeeds, 1);
assert.equal(dataset.describeIndices()[0]!.numUnindexedRows, 0);
assert.equal(await dataset.countRows("s >= 'key-012000'"), 3000);
console.log("seeds: ok");
