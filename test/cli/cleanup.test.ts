// `lancets cleanup` and `lancets index cleanup`: dry run, safety age, durations.

import assert from "node:assert/strict";
import { existsSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDuration } from "../../src/cli/cleanup.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const run = (args: string[]): Promise<CliRun> => runCli(args);

test("durations", () => {
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("15m"), 900_000);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  assert.equal(parseDuration("0s"), 0);
  for (const bad of ["", "-1h", "1 hour", "h", "1e400"]) assert.throws(() => parseDuration(bad), /duration/);
});

test("lancets cleanup: dry run, then removal; young files stay; index cleanup still works", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("t", indexTable(200));
  await table.add(indexTable(200, 200));
  const path = tablePath(dir, "t");
  const ds = await openDataset(path);
  const segment = await ds.createIndexUncommitted("id", "BTREE", { fragmentIds: [0] });
  writeFileSync(join(path, "data", "orphan.lance"), new Uint8Array(2048));
  writeFileSync(join(path, "_transactions", "9-orphan.txn"), new Uint8Array(10));
  // everything is two hours old except the orphan transaction
  const old = new Date(Date.now() - 7_200_000);
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const f of walk(path)) if (!f.endsWith("9-orphan.txn")) utimesSync(f, old, old);

  let r = await run(["cleanup", path, "--dry-run"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /data\s+data\/orphan\.lance\s+2048/);
  assert.match(r.out, new RegExp(`index\\s+_indices/${segment.uuid}/`));
  assert.doesNotMatch(r.out, /9-orphan/);
  assert.match(r.out, /would remove \d+ files \(.*\), 1 index segment$/);
  assert.ok(existsSync(join(path, "data", "orphan.lance")));

  r = await run(["index", "cleanup", path, "--dry-run"]);
  assert.equal(r.out, `would remove 1 uncommitted segment: ${segment.uuid}`);
  r = await run(["index", "cleanup", path]);
  assert.equal(r.out, `removed 1 uncommitted segment: ${segment.uuid}`);
  assert.ok(existsSync(join(path, "data", "orphan.lance")), "index cleanup touches index files only");

  r = await run(["cleanup", path]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /removed 1 file \(2\.0 KiB\)$/);
  assert.ok(!existsSync(join(path, "data", "orphan.lance")));
  assert.ok(existsSync(join(path, "_transactions", "9-orphan.txn")));
  r = await run(["cleanup", path, "--older-than", "0s"]);
  assert.match(r.out, /_transactions\/9-orphan\.txn/);
  r = await run(["cleanup", path, "--older-than", "0s"]);
  assert.equal(r.out, "nothing to remove");
  await table.checkoutLatest();
  assert.equal(await table.countRows(), 400);
  r = await run(["cleanup", path, "--older-than", "soon"]);
  assert.notEqual(r.code, 0);
});
