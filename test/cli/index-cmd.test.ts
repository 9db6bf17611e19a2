// `lancets index create|list|drop`, checked with Lance's planner.

import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, tablePath } from "../helpers/oracle.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const run = (args: string[]): Promise<CliRun> => runCli(args, { mergeErrors: true });

test("index create, list and drop", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("t", indexTable(400));
  for (let k = 1; k < 4; k++) await table.add(indexTable(400, k * 400));
  const path = tablePath(dir, "t");
  let r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--group-size", "2", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created BTREE index "id_idx" on id: 2 segments, 1600 rows, version 5/);
  r = await run(["index", "create", path, "--column", "category", "--type", "BITMAP", "--name", "cats", "--workers", "2", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  r = await run(["index", "create", path, "--column", "price", "--type", "zonemap", "--rows-per-zone", "100", "--workers", "1", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  await table.checkoutLatest();
  assert.match(await table.query().where("id = 5").explainPlan(true), /@id_idx\(BTree\)/);
  assert.match(await table.query().where("category = 'c1'").explainPlan(true), /@cats\(Bitmap\)/);
  assert.match(await table.query().where("price > 100").explainPlan(true), /@price_idx\(ZoneMap\)/);
  r = await run(["index", "list", path]);
  // by default every worker gets at least one group
  assert.match(r.out, /cats\s+BITMAP\s+category\s+2\s+1600\s+0/);
  assert.match(r.out, /id_idx\s+BTREE\s+id\s+2\s+1600\s+0/);
  assert.match(r.out, /price_idx\s+ZONEMAP\s+price\s+1\s+1600\s+0/);
  r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--no-progress"]);
  assert.match(r.out, /already exists; pass --replace to rebuild it/);
  assert.equal(r.code, 1);
  r = await run(["index", "drop", path, "--name", "cats"]);
  assert.match(r.out, /dropped index "cats"/);
  await table.checkoutLatest();
  assert.deepEqual((await table.listIndices()).map((i) => i.name), ["id_idx"]);
  r = await run(["index", "list", path, "--json"]);
  assert.deepEqual(JSON.parse(r.out).map((i: { name: string }) => i.name), ["id_idx", "price_idx"]);
});

test("index create --type fts and lancets search", async () => {
  const { textTable } = await import("../helpers/text-corpus.js");
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("docs", textTable(300, 0));
  await table.add(textTable(300, 300));
  const path = tablePath(dir, "docs");
  let r = await run(["index", "create", path, "--column", "text", "--type", "inverted", "--group-size", "1", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created FTS index "text_idx" on text: 2 segments/);
  r = await run(["search", path, "running search", "--limit", "3", "--json", "--columns", "id"]);
  assert.equal(r.code, 0, r.out);
  const rows = r.out.split("\n").map((l) => JSON.parse(l) as { id: string; _score: number });
  assert.equal(rows.length, 3);
  await table.checkoutLatest();
  const lance = await table.search("running search", "fts").select(["id", "_score"]).limit(3).toArray();
  assert.deepEqual(rows.map((x) => x._score.toFixed(4)), lance.map((x) => (x._score as number).toFixed(4)));
  r = await run(["search", path, "café", "--limit", "2"]);
  assert.match(r.out, /_score/);
  assert.match(r.out, /\(2 rows\)/);
});

test("index optimize reports seeds and scans", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("z", indexTable(500));
  const path = tablePath(dir, "z");
  let r = await run(["index", "create", path, "--column", "name", "--type", "zonemap", "--rows-per-zone", "64", "--workers", "1", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--workers", "1", "--no-progress"]);
  await table.checkoutLatest();
  await table.add(indexTable(300, 500)); // Lance plants a seed for "name" (a string zone map uses seeds)
  r = await run(["index", "optimize", path]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /name_idx\s+ZONEMAP\s+1\s+1\s+0/);
  assert.match(r.out, /id_idx\s+BTREE\s+1\s+0\s+1/);
  r = await run(["index", "optimize", path, "--name", "id_idx"]);
  assert.match(r.out, /every index was up to date/);
});

test("index create --memory sets the BTREE build budget", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  await db.createTable("t", indexTable(400));
  const path = tablePath(dir, "t");
  let r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--memory", "512KiB", "--workers", "1", "--no-progress"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /memoryBytes must be a whole number of bytes, at least 1048576 \(1 MiB\), got 524288/);
  r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--memory", "lots", "--workers", "1", "--no-progress"]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /expected a size such as 64MiB/);
  r = await run(["index", "create", path, "--column", "id", "--type", "btree", "--memory", "1.5MiB", "--workers", "1", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created BTREE index "id_idx" on id: 1 segment, 400 rows/);
});

test("index create --type label_list on a list column from JSON lines, on worker threads; query --explain names it", async () => {
  const dir = tempDir();
  const path = tablePath(dir, "tags");
  const jsonl = `${dir}/tags.jsonl`;
  const { writeFileSync } = await import("node:fs");
  writeFileSync(jsonl, Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, tags: i % 10 === 0 ? null : [`tag-${i % 7}`, `tag-${i % 3}`] })).join("\n") + "\n");
  let r = await run(["append", path, "--input", jsonl, "--max-rows-per-file", "100"]);
  assert.equal(r.code, 0, r.out);
  r = await run(["index", "create", path, "--column", "tags", "--type", "label_list", "--workers", "2", "--no-progress"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created LABEL_LIST index "tags_idx" on tags: 2 segments, 300 rows/);
  r = await run(["query", path, "--filter", "array_contains(tags, 'tag-1')", "--explain"]);
  assert.match(r.out, /LABEL_LIST index tags_idx, exact, 2 segments/);
  r = await run(["query", path, "--filter", "array_contains(tags, 'tag-1')", "--count"]);
  const table = await (await connect(dir)).openTable("tags");
  assert.match(await table.query().where("array_contains(tags, 'tag-1')").explainPlan(true), /@tags_idx\(LabelList\)/);
  assert.equal(r.out.trim(), String(await table.countRows("array_contains(tags, 'tag-1')")));
  r = await run(["index", "create", path, "--column", "id", "--type", "label_list", "--no-progress"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /LABEL_LIST index needs a list column; column "id" has type Int64/);
});
