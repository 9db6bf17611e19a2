// `lancets scan` and `lancets query` output: JSON lines keep 64-bit integers
// exact (numbers where JSON numbers are exact, strings beyond 2^53), so
// `scan --json | append` round-trips types; a cut result says so.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const run = (args: string[]): Promise<CliRun> => runCli(args);

test("scan --json | append round-trips Int64 values, exact beyond 2^53", async () => {
  const dir = tempDir();
  const ids = [1n, -7n, 9007199254740993n, -9223372036854775808n];
  await writeDataset(join(dir, "a.lance"), new Table({ id: vectorFromArray(ids, new Int64()), s: vectorFromArray(["a", "b", null, "d"], new Utf8()) }));
  const r = await run(["scan", join(dir, "a.lance"), "--json"]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines, [
    { id: 1, s: "a" },
    { id: -7, s: "b" },
    { id: "9007199254740993", s: null },
    { id: "-9223372036854775808", s: "d" },
  ]);
  const jsonl = join(dir, "rows.jsonl");
  writeFileSync(jsonl, r.out + "\n");
  assert.equal((await run(["append", join(dir, "b.lance"), "--input", jsonl])).code, 0);
  const back = await (await openDataset(join(dir, "b.lance"))).scan().toArrow();
  assert.equal(String(back.schema.fields[0]!.type), "Int64");
  assert.deepEqual(Array.from(back.getChild("id")!.toArray() as BigInt64Array), ids);
});

test("a result cut by the limit says how many rows there are", async () => {
  const dir = tempDir();
  const n = 1033;
  await writeDataset(join(dir, "t.lance"), new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()) }));
  let r = await run(["scan", join(dir, "t.lance")]);
  assert.match(r.out, /\(20 of 1,033 rows; --limit to see more\)$/);
  r = await run(["query", join(dir, "t.lance"), "--filter", "id >= 500"]);
  assert.match(r.out, /\(20 of 533 rows; --limit to see more\)$/);
  r = await run(["query", join(dir, "t.lance"), "--filter", "id >= 1032"]);
  assert.match(r.out, /\(1 row\)$/);
  r = await run(["query", join(dir, "t.lance"), "--filter", "id < 5", "--limit", "5"]);
  assert.match(r.out, /\(5 rows\)$/);
});
