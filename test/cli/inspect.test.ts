// `lancets inspect` prints what lancedb reports, as text and as JSON.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { connect, lancedb, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

let path: string;
let table: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  table = await db.createTable("t", textTable(400));
  await table.add(textTable(100, 400));
  await table.createIndex("id", { config: lancedb.Index.btree() });
  await table.delete("id < 5");
  path = tablePath(dir, "t");
});

const run = (args: string[]): Promise<CliRun> => runCli(args, { mergeErrors: true });

describe("lancets inspect", () => {
  test("--json equals lancedb's view", async () => {
    const { code, out } = await run(["inspect", path, "--json"]);
    assert.equal(code, 0);
    const report = JSON.parse(out);
    assert.equal(report.version, await table.version());
    assert.equal(report.numRows, await table.countRows());
    assert.equal(report.fragments.length, 2);
    assert.deepEqual(
      report.schema.map((f: { name: string }) => f.name),
      (await table.schema()).fields.map((f) => f.name),
    );
    assert.deepEqual(report.indices.map((i: { name: string; indexType: string }) => [i.name, i.indexType]), [["id_idx", "BTREE"]]);
    assert.deepEqual(report.readerFeatureFlags, ["DELETION_FILES"]);
  });

  test("text output", async () => {
    const { code, out } = await run(["inspect", path]);
    assert.equal(code, 0);
    assert.match(out, /version\s+4/);
    assert.match(out, /rows\s+495 in 2 fragments/);
    assert.match(out, /id_idx\s+BTREE\s+id\s+1\s+495\s+0/);
  });

  test("--version inspects an older version", async () => {
    const { out } = await run(["inspect", path, "--json", "--version", "1"]);
    assert.equal(JSON.parse(out).numRows, 400);
  });

  test("errors exit non-zero with the code and message", () => {
    const bin = join(process.cwd(), "bin", "lancets.js");
    const missing = join(tempDir(), "none.lance");
    const r = spawnSync(process.execPath, [bin, "inspect", missing], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lancets: NOT_FOUND: no dataset at .*none\.lance/);
    const ok = spawnSync(process.execPath, [bin, "inspect", path, "--json"], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).numRows, 495);
  });
});
