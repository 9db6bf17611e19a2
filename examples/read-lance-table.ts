// Open a table that Lance wrote (lancedb, pylance, or lancets), describe it, and query it.
// Run: npx tsx examples/read-lance-table.ts path/to/table.lance
import { openDataset } from "lancets";

const uri = process.argv[2];
if (!uri) throw new Error("usage: read-lance-table.ts path/to/table.lance");
const ds = await openDataset(uri);
console.log(`${uri}: version ${ds.version}, ${ds.countRows()} rows, file format ${ds.dataStorageVersion}`);
for (const f of ds.schema.fields) console.log(`  ${f.name}: ${String(f.type)}${f.nullable ? "" : " not null"}`);
for (const index of ds.describeIndices()) {
  console.log(`  index ${index.name}: ${index.indexType} on ${index.columns.join(", ")}, ${index.segments.length} segment(s), ${index.numUnindexedRows} rows unindexed`);
}
const head = await ds.scan({ limit: 3 }).toArrow();
console.log(head.toArray().map((row) => JSON.stringify(row.toJSON(), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).join("\n"));

// A filter uses the table's scalar indexes where they help; explain says which
const filter = process.argv[3];
if (filter) {
  console.log(await ds.explain(filter));
  console.log(`${await ds.countRows(filter)} rows match ${filter}`);
}
