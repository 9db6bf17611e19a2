// Filters at the edges: very long AND / OR chains (answered, as Lance answers
// them), nesting past the depth limit (a clear INVALID_INPUT, never a stack
// overflow), and LIKE patterns matched without regular expressions, equal to
// Lance's answers.

import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { compileLike } from "../../src/query/like.js";
import { MAX_FILTER_DEPTH, parseFilter } from "../../src/query/filter-parse.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["openTable"]>>;

const WORDS = ["", "a", "ab", "abc", "A_b", "a%b", "x\\y", "100%", "café", "CAFÉ", "straße", "日本語", "ΣΊΣΥΦΟΣ", "aaaaaaaaab", "mississippi", "_", "%", "a\nb"];

let ds: Dataset;
let table: LanceTable;

before(async () => {
  const dir = tempDir();
  const n = 400;
  const data = new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 23 === 5 ? null : `${WORDS[i % WORDS.length]}${i % 3 === 0 ? "" : String(i % 7)}`)), new Utf8()),
  });
  await writeDataset(join(dir, "t.lance"), data);
  ds = await openDataset(join(dir, "t.lance"));
  table = await (await connect(dir)).openTable("t");
});

function isInvalid(pattern: RegExp) {
  return (e: unknown): boolean => e instanceof LanceError && e.code === "INVALID_INPUT" && pattern.test(e.message);
}

describe("filter limits", () => {
  test("OR and AND chains of thousands of terms are answered as Lance answers them", async () => {
    for (const terms of [5_000, 10_000]) {
      const or = Array.from({ length: terms }, (_, i) => `id = ${i * 7}`).join(" OR ");
      assert.equal(await ds.countRows(or), await table.countRows(or), `${terms} ORs`);
      const and = Array.from({ length: terms }, (_, i) => `id != ${i * 3 + 1}`).join(" AND ");
      assert.equal(await ds.countRows(and), await table.countRows(and), `${terms} ANDs`);
      const rows = await ds.scan({ filter: or, columns: ["id"] }).toArrow();
      assert.equal(rows.numRows, Math.ceil(400 / 7));
    }
  });

  test("nesting deeper than the limit is INVALID_INPUT; just under it is answered", async () => {
    const deep = 5_000;
    await assert.rejects(ds.countRows(`${"(".repeat(deep)}id = 1${")".repeat(deep)}`), isInvalid(/more than 500 levels deep/));
    await assert.rejects(ds.countRows(`${"NOT ".repeat(deep)}id = 1`), isInvalid(/more than 500 levels deep/));
    await assert.rejects(ds.countRows(`id = ${"CAST(".repeat(deep)}1${" AS BIGINT)".repeat(deep)}`), isInvalid(/more than 500 levels deep/));
    const ok = MAX_FILTER_DEPTH - 1;
    const nested = `${"(".repeat(ok)}id < 10${")".repeat(ok)}`;
    assert.equal(await ds.countRows(nested), 10);
    // Lance's own parser refuses NOT NOT; an even number of NOTs is the condition itself
    assert.equal(await ds.countRows(`${"NOT ".repeat(ok - 1)}id < 10`), 10);
    assert.equal(await ds.countRows(`${"NOT (".repeat(200)}id < 10${")".repeat(200)}`), 10);
    // chains stay shallow whatever their length
    const depthOf = (e: ReturnType<typeof parseFilter>): number => (e.kind === "and" || e.kind === "or" ? 1 + Math.max(depthOf(e.left), depthOf(e.right)) : e.kind === "not" ? 1 + depthOf(e.expr) : 0);
    assert.ok(depthOf(parseFilter(Array.from({ length: 100_000 }, (_, i) => `id = ${i}`).join(" OR "))) <= 17);
  });

  test("LIKE and ILIKE patterns equal Lance's answers; 50,000 % signs are one pattern, not a regular expression", async () => {
    const patterns = ["%", "", "a%", "%b", "a_", "_", "__", "%a%b%", "a\\%b%", "a\\_b%", "100\\%%", "%\\\\%", "caf_%", "CAF%", "stra_e%", "日%", "%語%", "σίσυφος%", "%iss%ipp%", "a%a%a%a%b%", "%\n%", "x%y%"];
    for (const p of patterns) {
      for (const op of ["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"]) {
        const filter = `s ${op} '${p.replace(/'/g, "''")}'`;
        const lance = (await table.query().where(filter).select(["id"]).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
        const ours = Array.from((await ds.scan({ filter, columns: ["id"] }).toArrow()).getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
        assert.deepEqual(ours, lance, filter);
      }
    }
    const huge = `s LIKE '${"%".repeat(50_000)}'`;
    assert.equal(await ds.countRows(huge), await table.countRows(huge));
    assert.equal(await ds.countRows(`s LIKE '${"%a".repeat(2_000)}%'`), 0);
  });

  test("the matcher: wildcards, escapes, code points, worst cases in bounded time", () => {
    const m = (p: string, v: string, ci = false, esc = "\\"): boolean => compileLike(p, esc, ci).matches(v);
    assert.equal(m("a%", "abc"), true);
    assert.equal(m("a_c", "abc"), true);
    assert.equal(m("a_c", "ac"), false);
    assert.equal(m("_", "日"), true, "one code point");
    assert.equal(m("__", "😀"), false, "an astral character is one character");
    assert.equal(m("a!%", "a%", false, "!"), true);
    assert.equal(m("a!%", "ab", false, "!"), false);
    assert.equal(m("%b", "aaab"), true);
    assert.equal(m("%ab%ab", "abxabab"), true);
    assert.equal(m("ABC", "abc", true), true);
    assert.equal(m("", ""), true);
    assert.equal(m("", "a"), false);
    const long = "a".repeat(20_000);
    assert.equal(m(`${"%a".repeat(500)}%b`, long), false);
    assert.equal(m(`${"%a".repeat(500)}%`, long), true);
  });
});
