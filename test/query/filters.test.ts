// Filtered reads beyond row equality: parse errors name what and where,
// literals Lance refuses are refused, explain names the segments and
// fragments, scan options (limit, row addresses, columns) hold under a
// filter, and `lancets query` prints rows, plans and counts.

import assert from "node:assert/strict";
import { truncateSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { parseFilter } from "../../src/query/filter-parse.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;

let path: string;
let table: LanceTable;
let ds: Dataset;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  table = await db.createTable("t", indexTable(1000));
  for (let k = 1; k < 4; k++) await table.add(indexTable(1000, k * 1000));
  await table.delete("id % 13 = 0");
  path = tablePath(dir, "t");
  ds = await openDataset(path);
  ds = await ds.createScalarIndex("id", "BTREE", { fragmentGroupSize: 2 });
  ds = await ds.createScalarIndex("category", "BITMAP");
  ds = await ds.createScalarIndex("price", "ZONEMAP", { params: { rowsPerZone: 100 } });
  await table.add(indexTable(300, 4000));
  ds = await openDataset(path);
});

function parseError(filter: string): string {
  try {
    parseFilter(filter);
  } catch (e) {
    assert.ok(e instanceof LanceError, String(e));
    assert.equal(e.code, "INVALID_INPUT");
    return e.message;
  }
  assert.fail(`«${filter}» parsed`);
}

describe("filter parsing", () => {
  test("errors say what was expected and at which position", () => {
    assert.match(parseError("id = "), /position 5: expected a literal, found the end of the filter/);
    assert.match(parseError("id >> 3"), /position 4: expected a literal, found ">"/);
    assert.match(parseError("id IN (1, 2"), /position 11: expected "\)"/);
    assert.match(parseError("name = 'abc"), /position 7: unterminated string literal/);
    assert.match(parseError("id BETWEEN 1"), /position 12: expected AND/);
    assert.match(parseError("id = 1 AND"), /position 10: expected a column name/);
    assert.match(parseError("id = 1 id = 2"), /position 7: expected AND, OR or the end of the filter, found "id"/);
    assert.match(parseError("day = DATE '2021-13-01'"), /position 11: invalid date '2021-13-01'/);
    assert.match(parseError("ts > TIMESTAMP '2021-01-01 25:00:00'"), /position 15: invalid time/);
    assert.match(parseError("id = 1 ; drop"), /position 7: unexpected character ";"/);
    assert.match(parseError("   "), /position 0: the filter is empty/);
    assert.match(parseError("\"id = 1"), /position 0: unterminated quoted identifier/);
  });

  test("the grammar Lance accepts", () => {
    // each of these parses to the expected shape
    assert.deepEqual(parseFilter(`"my col" >= 3`), { kind: "cmp", op: ">=", column: "my col", value: { kind: "number", text: "3", value: 3, integer: true } });
    assert.deepEqual(parseFilter("3 < id"), { kind: "cmp", op: ">", column: "id", value: { kind: "number", text: "3", value: 3, integer: true } });
    assert.equal(parseFilter("`x` <> 1 -- trailing comment").kind, "cmp");
    assert.deepEqual(parseFilter("CAST('12.345' AS DECIMAL(10, 2))  = d"), { kind: "cmp", op: "=", column: "d", value: { kind: "decimal", digits: 1235n, scale: 2, text: "12.345" } });
    assert.deepEqual(parseFilter("flag"), { kind: "cmp", op: "=", column: "flag", value: { kind: "bool", value: true } });
    assert.equal(parseFilter("NOT flag AND x IS NOT NULL").kind, "and");
    assert.deepEqual(parseFilter("name ILIKE 'a!%%' ESCAPE '!'"), { kind: "like", column: "name", pattern: "a!%%", negated: false, caseInsensitive: true, escape: "!" });
    assert.deepEqual(parseFilter("ts = TIMESTAMP '1970-01-01T00:00:01.5+01:00'"), {
      kind: "cmp",
      op: "=",
      column: "ts",
      value: { kind: "timestamp", micros: -3_598_500_000n, text: "1970-01-01T00:00:01.5+01:00" },
    });
    // integers beyond Int64 / UInt64 are Float64 literals, as in Lance
    assert.equal((parseFilter("x = 18446744073709551615") as { value: { integer: boolean } }).value.integer, true);
    assert.equal((parseFilter("x = 18446744073709551616") as { value: { integer: boolean } }).value.integer, false);
  });
});

describe("filtered reads", () => {
  test("literals that do not convert to the column type are refused before reading, as Lance refuses them", async () => {
    for (const filter of ["num = 2.5", "num = '3'", "category = 3", "price = 'x'", "day = '2021-01-01'", "ts = 5", "num LIKE 'a%'", "3"]) {
      await assert.rejects(ds.scan({ filter }).toArrow(), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT", filter);
      await assert.rejects(table.query().where(filter).toArray(), Error, `Lance accepts «${filter}»`);
    }
    await assert.rejects(ds.countRows("missing = 1"), /column "missing", which does not exist/);
  });

  test("explain names each predicate's index, segments and fragments, and the fragments scanned", async () => {
    const plan = await ds.explain("id < 100 AND category = 'c3' AND price > 10 AND name IS NOT NULL");
    const segments = ds.describeIndices().find((i) => i.name === "id_idx")!.segments;
    assert.equal(segments.length, 2);
    assert.match(plan, /id < 100: BTREE index id_idx, exact, 2 segments: /);
    for (const s of segments) assert.ok(plan.includes(s.uuid.slice(0, 8)), `segment ${s.uuid} named`);
    assert.match(plan, /category = 'c3': BITMAP index category_idx, exact, 1 segment: \w{8} \(fragments 0-3\)/);
    assert.match(plan, /price > 10: ZONEMAP index price_idx, at most \(candidates rechecked\)/);
    assert.match(plan, /name IS NOT NULL: no index, evaluated on the rows read/);
    assert.match(plan, /fragments read by index: 0 \(\d+ candidate rows\), 1 \(0 candidate rows\)/);
    assert.match(plan, /fragments scanned: 4$/);
    // OR is answered by indexes when both sides are; NOT is not
    assert.match(await ds.explain("id = 5 OR category = 'c1'"), /fragments read by index: 0 .*3 \(/);
    assert.match(await ds.explain("NOT (id = 5)"), /fragments read by index: none/);
    assert.match(await ds.explain("id = 5 OR name = 'x'"), /fragments read by index: none/);
  });

  test("limit, columns and row addresses under a filter match Lance", async () => {
    const filter = "category IN ('c1', 'c4') AND price < 60";
    const all = await ds.scan({ filter, columns: ["id", "price"], withRowAddress: true }).toArrow();
    assert.deepEqual(all.schema.fields.map((f) => f.name), ["id", "price", "_rowaddr"]);
    const lance = await table.query().where(filter).withRowId().select(["id"]).toArray();
    const byId = new Map(lance.map((r) => [String(r.id), String(r._rowid)]));
    assert.equal(all.numRows, lance.length);
    for (let i = 0; i < all.numRows; i++) assert.equal(String(all.getChild("_rowaddr")!.get(i)), byId.get(String(all.getChild("id")!.get(i))));
    const limited = await ds.scan({ filter, columns: ["id"], limit: 7 }).toArrow();
    assert.deepEqual(Array.from(limited.getChild("id")!.toArray() as BigInt64Array).map(String), Array.from(all.getChild("id")!.toArray() as BigInt64Array).slice(0, 7).map(String));
    assert.equal((await ds.scan({ filter, limit: 0 }).toArrow()).numRows, 0);
    assert.equal(await ds.countRows(filter), all.numRows);
    // deleted rows never come back, whether an index or a scan answers
    assert.equal(await ds.countRows("id = 13"), 0);
    assert.equal(await ds.countRows("id = 4013"), 1);
    assert.equal(await ds.countRows("id = 4013 OR id = 13"), 1);
  });
});

const run = (args: string[]): Promise<CliRun> => runCli(args);

describe("lancets query", () => {
  test("prints matching rows, the plan, the count", async () => {
    let r = await run(["query", path, "--filter", "id BETWEEN 10 AND 14", "--columns", "id,category", "--limit", "20"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^id\s+category\n/);
    assert.match(r.out, /\(4 rows\)$/); // 13 is deleted
    assert.ok(!r.out.includes("\n13 "));
    r = await run(["query", path, "--filter", "id BETWEEN 10 AND 14", "--limit", "2", "--json", "--columns", "id"]);
    assert.deepEqual(r.out.split("\n").map((l) => JSON.parse(l)), [{ id: 10 }, { id: 11 }]);
    r = await run(["query", path, "--filter", "category = 'c2'", "--explain"]);
    assert.match(r.out, /category = 'c2': BITMAP index category_idx/);
    r = await run(["query", path, "--filter", "category = 'c2'", "--count"]);
    assert.equal(r.out, String(await table.countRows("category = 'c2'")));
    r = await run(["query", path, "--filter", "category = 'c2'", "--count", "--no-index"]);
    assert.equal(r.out, String(await table.countRows("category = 'c2'")));
    // --no-index never opens a segment: with the bitmap segment's file damaged, only the indexed count fails
    const copy = copyDataset(path);
    const segment = (await openDataset(copy)).describeIndices().find((i) => i.name === "category_idx")!.segments[0]!;
    for (const f of segment.files) truncateSync(join(copy, "_indices", segment.uuid, f.path), 10);
    r = await run(["query", copy, "--filter", "category = 'c2'", "--count", "--no-index"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, String(await table.countRows("category = 'c2'")));
    r = await run(["query", copy, "--filter", "category = 'c2'", "--count"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /CORRUPT_FILE/);
    r = await run(["query", path, "--filter", "category = = 'c2'"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^lancets: INVALID_INPUT: filter parse error at position 11: expected a literal, found "="$/);
  });
});

describe("filters on a table with stable row ids", () => {
  test("BTREE and BITMAP segments (row ids, not addresses) answer as a full scan and as Lance", async () => {
    const { textTable } = await import("../helpers/oracle.js");
    const dir = tempDir();
    const db = await connect(dir);
    const t = await db.createTable("s", textTable(2000), { storageOptions: { new_table_enable_stable_row_ids: "true" } } as never);
    await t.add(textTable(1500, 2000));
    const lancedb = await import("@lancedb/lancedb");
    await t.createIndex("id", { config: lancedb.Index.btree() });
    await t.createIndex("category", { config: lancedb.Index.bitmap() });
    // rows move (update, compaction), some are deleted, new ones are not indexed
    await t.update({ where: "id % 10 = 3", values: { score: "-1" } } as never);
    await t.delete("id % 7 = 2");
    await t.optimize();
    await t.add(textTable(500, 3500));
    const stable = await openDataset(tablePath(dir, "s"));
    assert.equal(stable.manifest.readerFeatureFlags & 2n, 2n);
    const categories = Array.from(new Set((await t.query().select(["category"]).limit(50).toArray()).map((r) => String(r.category))));
    const filters = ["id = 13", "id = 1234", "id < 40", "id BETWEEN 1990 AND 2010", "id >= 3990", `category = '${categories[0]}'`, `category IN ('${categories[1]}', 'nope') AND id < 500`, "id = 16 OR id = 3600", "score < 0 AND id < 100"];
    let indexed = 0;
    for (const filter of filters) {
      const ours = await stable.scan({ filter, columns: ["id"] }).toArrow();
      const scan = await stable.scan({ filter, columns: ["id"], useIndex: false }).toArrow();
      const lance = (await t.query().where(filter).select(["id"]).toArray()).map((r) => String(r.id)).sort();
      const got = Array.from(ours.getChild("id")?.toArray() ?? [], String).sort();
      assert.deepEqual(got, Array.from(scan.getChild("id")?.toArray() ?? [], String).sort(), filter);
      assert.deepEqual(got, lance, filter);
      if (/ index /.test(await stable.explain(filter))) indexed++;
    }
    assert.ok(indexed >= 7, `${indexed} filters used an index`);
  });
});
