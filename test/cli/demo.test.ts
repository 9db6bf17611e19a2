// `lancets demo`: every step runs on a small size, the indexed filters equal a
// full scan (the demo itself refuses to go on otherwise), the zone map is
// extended from seeds, and Lance reads the dataset and uses its indexes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

test("lancets demo --rows 20000", async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const code = await main(["node", "lancets", "demo", "--rows", "20000", "--dir", dir, "--workers", "2", "--no-progress"], (t) => lines.push(t));
  const out = lines.join("\n");
  assert.equal(code, 0, out);
  for (const step of ["write", "BTREE on id", "BITMAP on category", "ZONEMAP on ts", "FTS on text", "append (with seeds)", "optimize indexes"]) {
    assert.match(out, new RegExp(`^${step.replace(/[()]/g, "\\$&")}\\s+[\\d.]+ m?s`, "m"), step);
  }
  assert.match(out, /ts_idx: 1 from seeds/);
  assert.match(out, /id = 8880\s+1\s+.*BTREE id_idx/);
  assert.match(out, /ZONEMAP ts_idx/);
  assert.match(out, /full-text search "quick brown fox" \(BM25 over 3 segments/);
  const db = await connect(dir);
  const table = await db.openTable("demo");
  assert.equal(await table.countRows(), 24_000);
  // the rows the demo found are Lance's rows
  const printed = /^(category = 'garden' AND price < 500 AND id >= \d+ AND id < \d+)\s+(\d+)\s.*BITMAP category_idx \+ BTREE id_idx/m.exec(out);
  assert.ok(printed, out);
  assert.equal(Number(printed[2]), await table.countRows(printed[1]!));
  assert.match(await table.query().where("id = 5").explainPlan(true), /@id_idx\(BTree\)/);
  assert.match(await table.query().where("category = 'music'").explainPlan(true), /@category_idx\(Bitmap\)/);
  const hits = await table.search("quick brown fox", "fts").limit(3).toArray();
  assert.equal(hits.length, 3);
});
