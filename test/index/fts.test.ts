// INVERTED / FTS segments built by lancets: Lance searches them with the same
// rows and scores as its own index over the same data (1 and several
// segments), lancets' own search agrees, and the tokenizer matches Lance's
// word for word.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { textTable, vocabulary } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

type Db = Awaited<ReturnType<typeof connect>>;
type LanceTable = Awaited<ReturnType<Db["createTable"]>>;

const QUERIES = [
  "running", "run", "runs jumped", "search index", "the", "the table", "having", "does", "ourselves",
  "café", "cafe", "naive", "resume", "strasse", "ecole", "ÉCOLE", "Łódź", "42", "2024", "x86", "h2o", "covid 19",
  "o brien", "l33t", "ελληνικά", "русский", "日本語", "nationalization", "relational conditional", "happiness", "agreeable",
  "a".repeat(39), "b".repeat(40), "tokenization internationalization", "generous operating electric sensing hopeful",
];

let dir: string;
let db: Db;
let theirs: LanceTable;

async function build(name: string): Promise<LanceTable> {
  const t = await db.createTable(name, textTable(800, 0));
  for (let k = 1; k < 4; k++) await t.add(textTable(800, k * 800));
  await t.delete("id % 97 = 3");
  return t;
}

async function results(table: LanceTable, q: string): Promise<Map<string, number>> {
  const rows = await table.search(q, "fts").select(["id", "_score"]).limit(10_000).toArray();
  return new Map(rows.map((r) => [String(r.id), r._score as number]));
}

function assertSameScores(ours: Map<string, number>, expected: Map<string, number>, label: string): void {
  assert.deepEqual([...ours.keys()].sort(), [...expected.keys()].sort(), `${label}: rows`);
  for (const [id, s] of expected) {
    const mine = ours.get(id)!;
    assert.ok(Math.abs(mine - s) <= 1e-5 * Math.max(1, Math.abs(s)), `${label}: row ${id} scores ${mine} vs ${s}`);
  }
}

before(async () => {
  dir = tempDir();
  db = await connect(dir);
  theirs = await build("theirs");
  await theirs.createIndex("text", { config: lancedb.Index.fts() });
});

describe("full-text segments", () => {
  for (const groupSize of [4, 1]) {
    test(`Lance searches ${groupSize === 4 ? "one segment" : "four segments"} exactly like its own index`, async () => {
      const name = `ours_${groupSize}`;
      const ours = await build(name);
      let ds = await openDataset(tablePath(dir, name));
      ds = await ds.createScalarIndex("text", "INVERTED", { fragmentGroupSize: groupSize });
      const described = ds.describeIndices()[0]!;
      assert.equal(described.indexType, "FTS");
      assert.equal(described.segments.length, 4 / groupSize);
      await ours.checkoutLatest();
      const stats = await ours.indexStats("text_idx");
      assert.equal(stats?.numIndices, 4 / groupSize);
      assert.equal(stats?.indexType, "FTS");
      assert.match(await ours.search("running", "fts").explainPlan(true), /MatchQuery: column=text/);
      let nonEmpty = 0;
      for (const q of QUERIES) {
        const expected = await results(theirs, q);
        if (expected.size > 0) nonEmpty++;
        assertSameScores(await results(ours, q), expected, `Lance over lancets' index: ${q}`);
        const mine = await ds.scan({ fullTextSearch: { query: q }, columns: ["id"], limit: 10_000 }).toArrow();
        const own = new Map<string, number>();
        for (let i = 0; i < mine.numRows; i++) own.set(String(mine.getChild("id")!.get(i)), mine.getChild("_score")!.get(i) as number);
        assertSameScores(own, expected, `lancets' search: ${q}`);
        // lancets returns the best rows first
        const scores = Array.from(mine.getChild("_score")!.toArray() as Float32Array);
        assert.ok(scores.every((s, i) => i === 0 || scores[i - 1]! >= s));
      }
      assert.ok(nonEmpty > 25, `${nonEmpty} queries matched something`);
      const top = await ds.scan({ fullTextSearch: { query: "running search" }, limit: 10 }).toArrow();
      assert.equal(top.numRows, 10);
      assert.deepEqual(top.schema.fields.map((f) => f.name), ["id", "text", "_score"]);
    });
  }

  test("rows appended after the index are found by a flat search, scored as Lance scores them", async () => {
    const t = await build("appended");
    await (await openDataset(tablePath(dir, "appended"))).createScalarIndex("text", "FTS", { fragmentGroupSize: 2 });
    await t.add(textTable(300, 5000));
    const ds = await openDataset(tablePath(dir, "appended"));
    assert.equal(ds.describeIndices()[0]!.numUnindexedRows, 300);
    assert.match(await t.search("running", "fts").explainPlan(true), /FlatMatchQuery/);
    for (const q of ["running", "search index", "café", "42"]) {
      const expected = await results(t, q);
      assert.ok([...expected.keys()].some((id) => Number(id) >= 5000), q);
      const mine = await ds.scan({ fullTextSearch: { query: q }, columns: ["id"], limit: 10_000 }).toArrow();
      const own = new Map<string, number>();
      for (let i = 0; i < mine.numRows; i++) own.set(String(mine.getChild("id")!.get(i)), mine.getChild("_score")!.get(i) as number);
      assertSameScores(own, expected, `with unindexed rows: ${q}`);
    }
  });

  test("a filter ranks only the rows it matches, as Lance's prefilter does", async () => {
    const t = await build("filtered");
    let ds = await openDataset(tablePath(dir, "filtered"));
    ds = await ds.createScalarIndex("text", "FTS", { fragmentGroupSize: 2 });
    ds = await ds.createScalarIndex("id", "BTREE");
    await t.checkoutLatest();
    for (const [q, filter] of [
      ["running", "id < 1200"],
      ["search index", "id < 300 OR id > 3000"],
      ["café", "id BETWEEN 100 AND 2500 AND text IS NOT NULL"],
      ["running search", "id >= 5000"],
    ] as const) {
      const rows = await t.search(q, "fts").where(filter).select(["id", "_score"]).limit(10_000).toArray();
      const expected = new Map(rows.map((r) => [String(r.id), r._score as number]));
      const mine = await ds.scan({ fullTextSearch: { query: q }, filter, columns: ["id"], limit: 10_000 }).toArrow();
      const own = new Map<string, number>();
      for (let i = 0; i < mine.numRows; i++) own.set(String(mine.getChild("id")!.get(i)), mine.getChild("_score")!.get(i) as number);
      assertSameScores(own, expected, `${q} where ${filter}`);
    }
    // the limit applies after the filter: the best 5 matching rows (ties may be broken differently)
    const five = await ds.scan({ fullTextSearch: { query: "running" }, filter: "id < 1200", columns: ["id"], limit: 5 }).toArrow();
    const lance5 = await t.search("running", "fts").where("id < 1200").select(["id", "_score"]).limit(5).toArray();
    const ourScores = Array.from(five.getChild("_score")!.toArray() as Float32Array);
    const theirScores = lance5.map((r) => r._score as number);
    assert.equal(ourScores.length, 5);
    ourScores.forEach((x, i) => assert.ok(Math.abs(x - theirScores[i]!) <= 1e-5 * Math.max(1, x), `rank ${i}: ${x} vs ${theirScores[i]}`));
    for (const id of five.getChild("id")!.toArray() as BigInt64Array) assert.ok(id < 1200n);
  });

  test("lancets searches segments Lance built (FST token sets, varint posting tails) with Lance's rows and scores", async () => {
    const ds = await openDataset(tablePath(dir, "theirs"));
    const segment = ds.describeIndices()[0]!.segments[0]!;
    const { LanceFileReader } = await import("../../src/file/file-reader.js");
    const metadata = await LanceFileReader.open(ds.store, `_indices/${segment.uuid}/metadata.lance`);
    assert.equal(new TextDecoder().decode(metadata.schema.metadata.token_set_format), "fst");
    assert.equal(new TextDecoder().decode(metadata.schema.metadata.posting_tail_codec), "varint_delta_v1");
    let nonEmpty = 0;
    for (const q of QUERIES) {
      const expected = await results(theirs, q);
      if (expected.size > 0) nonEmpty++;
      const mine = await ds.scan({ fullTextSearch: { query: q }, columns: ["id"], limit: 10_000 }).toArrow();
      const own = new Map<string, number>();
      for (let i = 0; i < mine.numRows; i++) own.set(String(mine.getChild("id")!.get(i)), mine.getChild("_score")!.get(i) as number);
      assertSameScores(own, expected, `lancets over Lance's index: ${q}`);
    }
    assert.ok(nonEmpty > 25, `${nonEmpty} queries matched something`);
  });

  test("the tokenizer agrees with Lance on every word of the vocabulary", async () => {
    const words = vocabulary();
    const table = new Table({
      id: vectorFromArray(words.map((_, i) => BigInt(i)), new Int64()),
      text: vectorFromArray(words.map((w) => `${w} filler`), new Utf8()),
    });
    const lanceSide = await db.createTable("words_lance", table);
    await lanceSide.createIndex("text", { config: lancedb.Index.fts() });
    const ourSide = await db.createTable("words_ours", table);
    await (await openDataset(tablePath(dir, "words_ours"))).createScalarIndex("text", "FTS");
    await ourSide.checkoutLatest();
    for (const w of words) {
      const a = await results(lanceSide, w);
      const b = await results(ourSide, w);
      assertSameScores(b, a, `word ${w}`);
    }
  });

  test("non-string columns, nulls, empty strings and empty fragments", async () => {
    const ds = await openDataset(tablePath(dir, "theirs"));
    await assert.rejects(ds.createIndexUncommitted("id", "fts", { fragmentIds: [0] }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /needs a string column; column "id" has type Int64/.test(e.message));
    const t = await db.createTable("edge", new Table({ id: vectorFromArray([1n, 2n, 3n], new Int64()), text: vectorFromArray([null, "", "lonely word"], new Utf8()) }));
    await t.add(new Table({ id: vectorFromArray([4n], new Int64()), text: vectorFromArray(["gone"], new Utf8()) }));
    await t.delete("id = 4");
    const edge = await (await openDataset(tablePath(dir, "edge"))).createScalarIndex("text", "inverted", { fragmentGroupSize: 1 });
    const hits = await edge.scan({ fullTextSearch: { query: "lonely" } }).toArrow();
    assert.deepEqual(Array.from(hits.getChild("id")!.toArray() as BigInt64Array), [3n]);
    assert.equal((await edge.scan({ fullTextSearch: { query: "gone" } }).toArrow()).numRows, 0);
    await t.checkoutLatest();
    assert.equal((await t.search("lonely", "fts").toArray()).length, 1);
  });
});
