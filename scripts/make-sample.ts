// Regenerates examples/sample.lance with real Lance (@lancedb/lancedb): a small
// dataset with three fragments, deletions and BTREE, BITMAP and FTS indexes.
// Run with: npx tsx scripts/make-sample.ts
import { rmSync } from "node:fs";
import { connect, lancedb, textTable } from "../test/helpers/oracle.js";

const dir = "examples";
rmSync(`${dir}/sample.lance`, { recursive: true, force: true });
const db = await connect(dir);
const table = await db.createTable("sample", textTable(2000));
await table.add(textTable(1000, 2000));
await table.createIndex("id", { config: lancedb.Index.btree() });
await table.createIndex("category", { config: lancedb.Index.bitmap() });
await table.createIndex("text", { config: lancedb.Index.fts() });
await table.add(textTable(500, 3000));
await table.delete("id % 50 = 0");
console.log(`examples/sample.lance: version ${await table.version()}, ${await table.countRows()} rows`);
