// Segments whose index_version is newer than lancets reads (as a newer Lance
// writes them: BITMAP 1 stores row addresses) are never used: Lance 12
// ignores them too, explain names each ignored segment and why, filters scan
// their fragments, with Lance's results. Full-text version 3 is read (its
// 128-document blocks are version 2's; 256-document blocks, see
// test/compat/pylance-fts-block256.test.ts).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { unreadableIndexVersion } from "../../src/format/index/index-type.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { assertSameRows, assertSameScores, corpus, editIndices, lanceIndexUse, open, oursFts, theirsFts } from "../helpers/index-compat.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

describe("segments of a newer index_version than lancets reads", () => {
  test("are never used: their fragments are scanned, explain says which segment and why, results equal Lance's", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const words = ["alpha", "beta", "gamma", "running", "puppy"];
    const part = (start: number, n: number): Table =>
      new Table({
        id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
        cat: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(start + i) % 5}`), new Utf8()),
        text: vectorFromArray(Array.from({ length: n }, (_, i) => `${words[(start + i) % 5]} ${words[((start + i) * 3) % 5]} w${(start + i) % 7}`), new Utf8()),
      });
    const table = await db.createTable("t", part(0, 200));
    for (let k = 1; k < 4; k++) await table.add(part(k * 200, 200));
    const path = tablePath(dir, "t");
    let ds = await openDataset(path);
    ds = await ds.createScalarIndex("id", "BTREE", { fragmentGroupSize: 2 });
    await table.checkoutLatest();
    await table.createIndex("cat", { config: lancedb.Index.bitmap() });
    await table.createIndex("text", { config: lancedb.Index.fts() });
    const idSegments = (await openDataset(path)).indices.filter((i) => i.name === "id_idx");
    assert.equal(idSegments.length, 2);
    const newer = idSegments.find((i) => i.fragmentIds?.includes(0))!;
    const older = idSegments.find((i) => i !== newer)!;
    // as a Lance with a BTREE version past 1 (lancets reads 1: row addresses), BITMAP version 1
    // (row addresses) would write them; a full-text version 3 (Lance 14's newest posting format,
    // which both Lance 12 and lancets read) stays in use
    editIndices(path, (indices) => {
      for (const i of indices) {
        if (i.uuid === newer.uuid) i.indexVersion = 2;
        if (i.name === "cat_idx") i.indexVersion = 1;
        if (i.name === "text_idx") i.indexVersion = 3;
      }
    });
    const c = await open(path);

    // Lance 12 ignores the BTREE and BITMAP segments too, and still uses the other BTREE segment
    assert.equal(await lanceIndexUse(c.table, "id < 100"), "id_idx(BTree)");
    assert.equal(await lanceIndexUse(c.table, "cat = 'c1'"), undefined);
    const plan = await c.ds.explain("id < 100 OR id > 500");
    assert.match(plan, new RegExp(`BTREE index id_idx, exact, 1 segment: ${older.uuid.slice(0, 8)}`));
    assert.match(plan, new RegExp(`ignored segment ${newer.uuid} of index id_idx: index_version 2 is newer than the BTREE versions lancets reads \\(up to 1\\)`));
    assert.match(plan, new RegExp(`fragments scanned: ${newer.fragmentIds!.join(",")}$`));
    for (const filter of ["id < 100", "id > 500", "id = 7", "id < 100 OR id > 500", "cat = 'c1'", "cat = 'c1' AND id > 300"]) {
      assert.ok((await assertSameRows(c.ds, c.table, filter)) > 0, filter);
    }
    const catPlan = await c.ds.explain("cat = 'c1'");
    assert.match(catPlan, /cat = 'c1': no index/);
    assert.match(catPlan, /ignored segment [0-9a-f-]{36} of index cat_idx: index_version 1 is newer than the BITMAP versions lancets reads/);

    const described = new Map(c.ds.describeIndices().map((i) => [i.name, i]));
    assert.equal(described.get("id_idx")!.segments.find((s) => s.uuid === newer.uuid)!.ignored, "index_version 2 is newer than the BTREE versions lancets reads (up to 1)");
    assert.equal(described.get("id_idx")!.segments.find((s) => s.uuid === older.uuid)!.ignored, undefined);
    assert.equal(described.get("text_idx")!.segments[0]!.indexVersion, 3);
    assert.equal(described.get("text_idx")!.segments[0]!.ignored, undefined);
    assert.equal(unreadableIndexVersion("FTS", 4, true), "index_version 4 is newer than the FTS versions lancets reads (up to 3)");

    // through the version 3 segment, with Lance 12's hits and scores
    for (const q of ["puppy", "running w3", "gamma beta"]) {
      const ours = await oursFts(c.ds, q);
      assert.ok(ours.size > 0, q);
      assertSameScores(ours, await theirsFts(c.table, q), q);
    }

    // lancets does not extend an index it cannot read
    await c.table.add(part(800, 50));
    await assert.rejects((await openDataset(path)).optimizeIndices({ names: ["id_idx"] }), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /index "id_idx" has a segment lancets does not read \(index_version 2.*lancets adds no segments to it/.test(e.message));
  });

  test("a details-less segment above version 0 is not used (Lance 12 ignores it too)", async (t) => {
    const c = await corpus(t, "v0.18.2/index_no_details.lance");
    if (!c) return;
    editIndices(c.path, (indices) => {
      indices[0]!.indexVersion = 1;
    });
    const { ds, table } = await open(c.path);
    assert.equal(await lanceIndexUse(table, "id > 50"), undefined);
    assert.match(await ds.explain("id > 50"), /id > 50: no index[^]*ignored segment f1fc279b-59f2-4617-a3e7-057af5fee009 of index id_idx: index_version 1 is newer than the BTREE versions lancets reads \(up to 0\)/);
    assert.equal(await assertSameRows(ds, table, "id > 50"), 49);
  });
});
