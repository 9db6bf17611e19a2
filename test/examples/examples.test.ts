// Every example under examples/ runs as a user would run it (its own process,
// through the package name "lancets"), checks its own results, and the
// README shows exactly these files.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { exampleBlocks } from "../../scripts/readme-examples.js";
import { connect, lancedb, tablePath, textTable } from "../helpers/oracle.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

function runExample(name: string, args: string[]): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "examples", name), ...args], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
  assert.equal(r.status, 0, `${name} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

describe("examples", () => {
  test("the README shows every example file as it is, and every example file is shown", () => {
    const blocks = exampleBlocks();
    for (const b of blocks) assert.equal(b.shown, b.actual, `README.md's block for ${b.file} is outdated: node --import tsx scripts/readme-examples.ts --write`);
    const shown = new Set(blocks.map((b) => b.file));
    for (const f of readdirSync(join(ROOT, "examples")).filter((n) => n.endsWith(".ts"))) assert.ok(shown.has(`examples/${f}`), `README.md shows examples/${f}`);
  });

  for (const name of ["read-write.ts", "index-and-search.ts", "filters.ts", "distributed-threads.ts", "seeds.ts", "browser.ts"]) {
    test(name, () => {
      const out = runExample(name, [tempDir("lancets-example-")]);
      assert.match(out, new RegExp(`^${name.replace(".ts", "")}: ok$`, "m"));
    });
  }

  test("distributed-bullmq.ts with a real Redis", () => {
    const out = runExample("distributed-bullmq.ts", [redis.url, tempDir("lancets-example-")]);
    assert.match(out, /^distributed-bullmq: ok$/m);
  });

  test("read-lance-table.ts on a table lancedb wrote", async () => {
    const dir = tempDir();
    const t = await (await connect(dir)).createTable("lance", textTable(300));
    await t.createIndex("id", { config: lancedb.Index.btree() });
    const out = runExample("read-lance-table.ts", [tablePath(dir, "lance"), "id < 10"]);
    assert.match(out, /version 2, 300 rows, file format 2\.2/);
    assert.match(out, /index id_idx: BTREE on id, 1 segment\(s\), 0 rows unindexed/);
    assert.match(out, /id < 10: BTREE index id_idx/);
    assert.match(out, /^10 rows match id < 10$/m);
  });
});
