// `lancets append` from Arrow IPC and JSON lines, read back by Lance.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tableToIPC } from "apache-arrow";
import { main } from "../../src/cli/main.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(["node", "lancets", ...args], (t) => lines.push(t));
  return { code, out: lines.join("\n") };
}

test("lancets append creates from IPC, appends IPC stream and JSON lines", async () => {
  const dir = tempDir();
  const path = join(dir, "cli.lance");
  const file = join(dir, "a.arrow");
  writeFileSync(file, tableToIPC(textTable(100), "file"));
  let r = await run(["append", path, "--input", file]);
  assert.equal(r.code, 0);
  assert.match(r.out, /created with 100 rows: .* version 1 with 100 rows/);
  const stream = join(dir, "b.arrows");
  writeFileSync(stream, tableToIPC(textTable(50, 100), "stream"));
  r = await run(["append", path, "--input", stream]);
  assert.match(r.out, /appended 50 rows: .* version 2 with 150 rows/);
  const jsonl = join(dir, "c.jsonl");
  writeFileSync(jsonl, [{ id: 150, category: "c0", text: "from json", score: 1.5 }, { id: "151", category: null, text: "again", score: 2 }].map((o) => JSON.stringify(o)).join("\n") + "\n");
  r = await run(["append", path, "--input", jsonl]);
  assert.equal(r.code, 0, r.out);
  const ds = await openDataset(path);
  assert.equal(ds.countRows(), 152);
  const db = await connect(dir);
  const rows = await (await db.openTable("cli")).query().where("id >= 150").toArray();
  assert.deepEqual(
    rows.map((x) => [Number(x.id), x.category, x.text, x.score]).sort((a, b) => (a[0] as number) - (b[0] as number)),
    [
      [150, "c0", "from json", 1.5],
      [151, null, "again", 2],
    ],
  );
  const bad = join(dir, "bad.jsonl");
  writeFileSync(bad, '{"id": "x"}\n');
  r = await run(["append", path, "--input", bad]);
  assert.equal(r.code, 1);
  assert.equal((await openDataset(path)).version, 3);
});
