// `lancets append` from Arrow IPC and JSON lines, read back by Lance.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Table, tableToIPC } from "apache-arrow";
import { main } from "../../src/cli/main.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const run = (args: string[]): Promise<CliRun> => runCli(args, { mergeErrors: true });

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

test("JSON lines: integers beyond 2^53 stay exact, out-of-range numbers are named", async () => {
  const dir = tempDir();
  const path = join(dir, "big.lance");
  const jsonl = join(dir, "big.jsonl");
  writeFileSync(jsonl, ['{"id": 9007199254740993, "note": "9007199254740993 in a string", "x": 1.5}', '{"id": -9223372036854775808, "note": "min", "x": 12345678901234567890}'].join("\n") + "\n");
  let r = await run(["append", path, "--input", jsonl]);
  assert.equal(r.code, 0, r.out);
  const db = await connect(dir);
  const rows = await (await db.openTable("big")).query().toArray();
  assert.deepEqual(
    rows.map((x) => [String(x.id), x.note, x.x]),
    [
      ["9007199254740993", "9007199254740993 in a string", 1.5],
      ["-9223372036854775808", "min", 12345678901234567000],
    ],
  );
  const more = join(dir, "more.jsonl");
  writeFileSync(more, '{"id": 9223372036854775807, "note": "max", "x": 0}\n');
  r = await run(["append", path, "--input", more]);
  assert.equal(r.code, 0, r.out);
  assert.equal(String((await (await db.openTable("big")).query().where("note = 'max'").toArray())[0]!.id), "9223372036854775807");
  const errors: string[] = [];
  const bad = join(dir, "bad.jsonl");
  for (const [line, pattern] of [
    ['{"id": 1e400, "note": "x", "x": 0}', /line 1 column "id": Infinity \(out of range\) is not an Int64/],
    ['{"id": 9223372036854775808, "note": "x", "x": 0}', /9223372036854775808 is not an Int64/],
    ['{"id": 1, "note": "x", "x": 1e400}', /column "x": Infinity \(out of range\) is not a Float64/],
  ] as const) {
    writeFileSync(bad, `${line}\n`);
    errors.length = 0;
    const code = await main(["node", "lancets", "append", path, "--input", bad], () => undefined, (t) => errors.push(t));
    assert.equal(code, 1);
    assert.match(errors.join("\n"), pattern);
  }
});

test("JSON lines errors name the file line, on create and on append", async () => {
  const dir = tempDir();
  const path = join(dir, "lines.lance");
  const input = join(dir, "mixed.jsonl");
  writeFileSync(input, ['{"a": 1, "b": "x"}', "", '{"a": 2, "b": "y"}', '{"a": "three", "b": "z"}'].join("\n") + "\n");
  let r = await run(["append", path, "--input", input]);
  assert.equal(r.code, 1);
  assert.match(r.out, /mixed\.jsonl: column "a" mixes JSON types: a number on line 1, a string on line 4/);
  writeFileSync(input, ['{"a": 1, "b": "x"}', "", '{"a": 2, "b": "y"}'].join("\n") + "\n");
  assert.equal((await run(["append", path, "--input", input])).code, 0);
  writeFileSync(input, ['{"a": 3, "b": "x"}', "", "", '{"a": 4, "c": "y"}'].join("\n") + "\n");
  r = await run(["append", path, "--input", input]);
  assert.equal(r.code, 1);
  assert.match(r.out, /mixed\.jsonl line 4: column "c" is not in the dataset schema/);
});

test("JSON lines larger than a batch are read in batches: types from every line, errors name late lines, nothing committed on a late error", async () => {
  const dir = tempDir();
  const path = join(dir, "many.lance");
  const input = join(dir, "many.jsonl");
  const n = 70_000;
  // CRLF line ends; "x" is an integer until a float on the last line, so it is a number column
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, x: i === n - 1 ? 0.5 : i, s: `row ${i}` }));
  writeFileSync(input, lines.join("\r\n") + "\r\n");
  let r = await run(["append", path, "--input", input]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created with 70,000 rows: .* version 1 with 70,000 rows/);
  const table = await (await connect(dir)).openTable("many");
  const schema = await table.schema();
  assert.deepEqual(schema.fields.map((f) => [f.name, String(f.type)]), [["id", "Int64"], ["x", "Float64"], ["s", "Utf8"]]);
  const rows = await table.query().where("id IN (0, 65600, 69999)").toArray();
  assert.deepEqual(rows.map((x) => [Number(x.id), x.x, x.s]).sort((a, b) => (a[0] as number) - (b[0] as number)), [
    [0, 0, "row 0"],
    [65600, 65600, "row 65600"],
    [69999, 0.5, "row 69999"],
  ]);
  // a bad value after the first batches has been written fails the append: no new version
  lines[68_000] = JSON.stringify({ id: 1, x: "text", s: "bad" });
  writeFileSync(input, lines.join("\n"));
  r = await run(["append", path, "--input", input]);
  assert.equal(r.code, 1);
  assert.match(r.out, /many\.jsonl line 68001 column "x": "text" is not a Float64/);
  const after = await openDataset(path);
  assert.equal(after.version, 1);
  assert.equal(after.countRows(), n);
  // and on create, the first pass names the two lines whose types differ
  lines[68_000] = JSON.stringify({ id: "a string", x: 1, s: "bad" });
  writeFileSync(input, lines.join("\n"));
  r = await run(["append", join(dir, "other.lance"), "--input", input]);
  assert.equal(r.code, 1);
  assert.match(r.out, /column "id" mixes JSON types: a number on line 1, a string on line 68001/);
});

test("Arrow IPC input is read batch by batch: several batches append, a stream cut short commits nothing, an empty one creates an empty dataset", async () => {
  const dir = tempDir();
  const path = join(dir, "ipc.lance");
  const batches = [0, 1, 2, 3].map((b) => textTable(500, b * 500).batches).flat();
  const file = join(dir, "many.arrow");
  writeFileSync(file, tableToIPC(new Table(batches), "file"));
  let r = await run(["append", path, "--input", file]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created with 2,000 rows: .* version 1 with 2,000 rows/);
  const stream = tableToIPC(new Table(batches), "stream");
  const cut = join(dir, "cut.arrows");
  writeFileSync(cut, stream.subarray(0, Math.floor(stream.byteLength * 0.8)));
  r = await run(["append", path, "--input", cut]);
  assert.equal(r.code, 1);
  assert.match(r.out, /cut\.arrows is neither an Arrow IPC file or stream nor JSON lines/);
  assert.equal((await openDataset(path)).version, 1);
  const table = await (await connect(dir)).openTable("ipc");
  assert.equal(await table.countRows(), 2000);
  const empty = join(dir, "empty.arrows");
  writeFileSync(empty, tableToIPC(new Table(batches[0]!.schema), "stream"));
  r = await run(["append", join(dir, "empty.lance"), "--input", empty]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /created with 0 rows/);
});

test("JSON lines: arrays become list columns, nulls and empty arrays kept", async () => {
  const dir = tempDir();
  const path = join(dir, "lists.lance");
  const jsonl = join(dir, "lists.jsonl");
  const rows = [
    { id: 1, tags: ["a", "b"], scores: [1, 2.5], ns: [1, 2], flags: [true] },
    { id: 2, tags: [], scores: null, ns: [null, 3], flags: [] },
    { id: 3, tags: null, scores: [0], ns: [], flags: [false, null] },
    { id: 4, tags: ["c", null], scores: [], ns: null, flags: null },
  ];
  writeFileSync(jsonl, rows.map((o) => JSON.stringify(o)).join("\n") + "\n");
  let r = await run(["append", path, "--input", jsonl]);
  assert.equal(r.code, 0, r.out);
  const ds = await openDataset(path);
  assert.deepEqual(
    ds.schema.fields.map((f) => `${f.name}: ${String(f.type)}`),
    ["id: Int64", "tags: List<Utf8>", "scores: List<Float64>", "ns: List<Int64>", "flags: List<Bool>"],
  );
  // appended to, then read by Lance
  const more = join(dir, "more.jsonl");
  writeFileSync(more, JSON.stringify({ id: 5, tags: ["d"], scores: [3], ns: [7], flags: [true, true] }) + "\n");
  r = await run(["append", path, "--input", more]);
  assert.equal(r.code, 0, r.out);
  const got = await (await (await connect(dir)).openTable("lists")).query().toArray();
  const plain = (v: unknown): unknown => (v === null ? null : Array.from(v as Iterable<unknown>, (x) => (typeof x === "bigint" ? Number(x) : x)));
  assert.deepEqual(
    got.sort((a, b) => Number(a.id) - Number(b.id)).map((x) => ({ id: Number(x.id), tags: plain(x.tags), scores: plain(x.scores), ns: plain(x.ns), flags: plain(x.flags) })),
    [...rows, { id: 5, tags: ["d"], scores: [3], ns: [7], flags: [true, true] }],
  );
  const mixed = join(dir, "mixed.jsonl");
  writeFileSync(mixed, '{"id": 1, "tags": ["a", 1]}\n');
  r = await run(["append", join(dir, "mixed.lance"), "--input", mixed]);
  assert.equal(r.code, 1);
  assert.match(r.out, /column "tags\[\]" mixes JSON types/);
  const wrong = join(dir, "wrong.jsonl");
  writeFileSync(wrong, '{"id": 6, "tags": "not a list", "scores": [], "ns": [], "flags": []}\n');
  r = await run(["append", path, "--input", wrong]);
  assert.equal(r.code, 1);
  assert.match(r.out, /line 1 column "tags": "not a list" is not a List<Utf8>/);
});
