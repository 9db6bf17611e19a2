// Index segments of older Lance versions from its compatibility corpus (read
// from LANCE_COMPAT_DATA): segments without index details take their kind from
// the column and their files, as Lance infers it; details under the
// lance.index.pb type name; Lance 0.20's BITMAP and BTREE; vector indexes,
// which lancets lists but does not use. Rows, plans (lancets' explain and
// Lance's explainPlan) and results are compared with lancedb (Lance 12).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { indexTypeName } from "../../src/format/index/index-type.js";
import { assertSameRows, assertSameScores, COMPAT, corpus, editIndices, lanceIndexUse, NO_CORPUS, open, oursFts, sameRowsOrClearError, theirsFts } from "../helpers/index-compat.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

describe("segments without index details", () => {
  test("the BTREE of Lance 0.18 is a BTREE (its page files are in the legacy file format)", async (t) => {
    const c = await corpus(t, "v0.18.2/index_no_details.lance");
    if (!c) return;
    const [index] = c.ds.describeIndices();
    assert.equal(index?.indexType, "BTREE");
    assert.equal(index.typeUrl, "");
    for (const filter of ["id > 50", "id = 7", "id BETWEEN 10 AND 12"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "id_idx(BTree)", filter);
      const outcome = await sameRowsOrClearError(c.ds, c.table, filter);
      if (outcome === "same") assert.match(await c.ds.explain(filter), /BTREE index id_idx, exact, 1 segment/);
      else assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
    }
  });

  test("BTREE, BITMAP and full-text segments with neither details nor a file list are used as Lance uses them", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const words = ["Alpha", "beta", "gamma", "running", "runs", "puppy", "the"];
    const n = 600;
    const table = await db.createTable(
      "t",
      new Table({
        id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
        cat: vectorFromArray(Array.from({ length: n }, (_, i) => `c${i % 5}`), new Utf8()),
        text: vectorFromArray(Array.from({ length: n }, (_, i) => `${words[i % 7]} ${words[(i * 3) % 7]} w${i % 11}`), new Utf8()),
      }),
    );
    await table.createIndex("id", { config: lancedb.Index.btree() });
    await table.createIndex("cat", { config: lancedb.Index.bitmap() });
    await table.createIndex("text", { config: lancedb.Index.fts({ stem: true, removeStopWords: true }) });
    const path = tablePath(dir, "t");
    editIndices(path, (indices) => {
      for (const i of indices) {
        delete i.indexDetails;
        i.files = [];
        // Lance reads details-less segments only at version 0
        i.indexVersion = 0;
      }
    });
    const c = await open(path);
    assert.deepEqual(
      c.ds.describeIndices().map((i) => [i.name, i.indexType, i.typeUrl]),
      [
        ["cat_idx", "BITMAP", ""],
        ["id_idx", "BTREE", ""],
        ["text_idx", "FTS", ""],
      ],
    );
    for (const [filter, used] of [
      ["id > 550", "id_idx(BTree)"],
      ["id IN (3, 599)", "id_idx(BTree)"],
      ["cat = 'c1'", "cat_idx(Bitmap)"],
    ] as const) {
      assert.equal(await lanceIndexUse(c.table, filter), used, filter);
      assert.ok((await assertSameRows(c.ds, c.table, filter)) > 0, filter);
      assert.match(await c.ds.explain(filter), new RegExp(`${used.slice(used.indexOf("(") + 1, -1).toUpperCase()} index ${used.slice(0, used.indexOf("("))}, exact`));
    }
    // stemming and stop words come from the params in metadata.lance, as Lance reads them
    for (const q of ["running", "runs puppy", "the alpha"]) assertSameScores(await oursFts(c.ds, q), await theirsFts(c.table, q), q);
  });

  test("the column and then the index files name the kind, in Lance's order", () => {
    assert.equal(indexTypeName(undefined, ["page_lookup.lance", "page_data.lance"], "scalar"), "BTREE");
    assert.equal(indexTypeName(undefined, ["bitmap_page_lookup.lance"], "scalar"), "BITMAP");
    assert.equal(indexTypeName(undefined, ["tokens.lance", "docs.lance", "invert.lance"], "scalar"), "FTS");
    assert.equal(indexTypeName(undefined, ["metadata.lance", "part_0_docs.lance"], "scalar"), "FTS");
    assert.equal(indexTypeName(undefined, ["index.idx"], "vector"), "VECTOR");
    assert.equal(indexTypeName(undefined, ["bitmap_page_lookup.lance"], "list"), "LABEL_LIST");
    assert.equal(indexTypeName(undefined, [], "scalar"), "BTREE");
    assert.equal(indexTypeName(undefined, []), "UNKNOWN");
  });
});

describe("older index details", () => {
  test("details under lance.index.pb (Lance 0.36) name a BTREE that filters use", async (t) => {
    const c = await corpus(t, "0.36.0/btree_in_index_pkg.lance");
    if (!c) return;
    const [index] = c.ds.describeIndices();
    assert.equal(index?.indexType, "BTREE");
    assert.equal(index.typeUrl, "/lance.index.pb.BTreeIndexDetails");
    for (const filter of ["x > 50", "x = 7", "x < 3", "x IN (1, 999, 5000)", "x IS NULL"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "x_idx(BTree)", filter);
      await assertSameRows(c.ds, c.table, filter);
      assert.match(await c.ds.explain(filter), /BTREE index x_idx, exact, 1 segment: a71ff08b/, filter);
    }
  });

  test("the BITMAP of Lance 0.20 answers like Lance; its BTREE answers like Lance or refuses clearly", async (t) => {
    const c = await corpus(t, "v0.20.0/old_btree_bitmap_indices.lance");
    if (!c) return;
    assert.deepEqual(
      c.ds.describeIndices().map((i) => [i.name, i.indexType]),
      [
        ["bitmap_idx", "BITMAP"],
        ["btree_idx", "BTREE"],
      ],
    );
    for (const filter of ["bitmap = 2", "bitmap > 1", "bitmap IN (1, 4, 9)", "bitmap IS NULL", "bitmap <= 3"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "bitmap_idx(Bitmap)", filter);
      await assertSameRows(c.ds, c.table, filter);
      assert.match(await c.ds.explain(filter), /BITMAP index bitmap_idx, exact/, filter);
    }
    assert.equal(await assertSameRows(c.ds, c.table, "bitmap = 2"), 1);
    // the BTREE's page files are in the legacy (v1) file format
    for (const filter of ["btree = 2", "btree > 1"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "btree_idx(BTree)", filter);
      const outcome = await sameRowsOrClearError(c.ds, c.table, filter);
      if (outcome === "same") assert.match(await c.ds.explain(filter), /BTREE index btree_idx, exact/);
      else assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
    }
  });
});

describe("vector indexes, which lancets lists but does not use", () => {
  test("IVF_PQ indexes with and without details open and describe; other columns filter as in Lance", async (t) => {
    if (!COMPAT) return t.skip(NO_CORPUS);
    const pq = await corpus(t, "v0.27.1/pq_in_schema");
    assert.deepEqual(
      pq!.ds.describeIndices().map((i) => [i.name, i.indexType, i.columns]),
      [["vec_idx", "VECTOR", ["vec"]]],
    );
    assert.equal(await assertSameRows(pq!.ds, pq!.table, "id < 10"), 10);
    assert.match(await pq!.ds.explain("id < 10"), /id < 10: no index/);

    const overlapping = await corpus(t, "v0.21.0/bad_index_fragment_bitmap");
    const [vector] = overlapping!.ds.describeIndices();
    assert.equal(vector?.indexType, "VECTOR");
    assert.equal(vector.segments.length, 2);
    assert.equal(overlapping!.ds.countRows(), await overlapping!.table.countRows());

    // details-less, on legacy data files
    const old = await corpus(t, "v0.8.14/corrupt_index");
    const described = old!.ds.describeIndices();
    assert.deepEqual(
      described.map((i) => [i.name, i.indexType, i.columns]),
      [["vector_idx", "VECTOR", ["vector"]]],
    );
    assert.equal(old!.ds.countRows(), await old!.table.countRows());
    const outcome = await sameRowsOrClearError(old!.ds, old!.table, "price > 50 AND id < 1000");
    if (outcome !== "same") assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
  });
});
