// readDatasetOverview, readQueryPage and readSearchPage: the JSON the explorer
// draws equals what the Dataset says (describeIndices, fragments, explain, scan),
// and the version history names each version's operation.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { openDataset, readDatasetOverview, readQueryPage, readSearchPage } from "../../src/lancets.js";
import { FILTER, QUERY, writeExploreDataset } from "../explore/fixture.js";

let path: string;

before(async () => {
  ({ path } = await writeExploreDataset());
});

test("the overview lists versions with their operations, fragments and index segments", async () => {
  const ds = await openDataset(path);
  const overview = await readDatasetOverview(ds);
  assert.deepEqual(
    overview.versions.map((v) => [v.version, v.operation, v.numRows, v.numFragments]),
    [
      [1, "overwrite", 240, 6],
      [2, "createIndex", 240, 6],
      [3, "createIndex", 240, 6],
      [4, "append", 320, 8],
      [5, "delete", 310, 8],
    ],
  );
  assert.equal(overview.version, 5);
  assert.equal(overview.latestVersion, 5);
  assert.equal(overview.numRows, 310);
  assert.ok(overview.versions.every((v) => v.timestamp !== null && !Number.isNaN(Date.parse(v.timestamp))));
  assert.deepEqual(overview.fragments.map(({ seeds, ...f }) => f), JSON.parse(JSON.stringify(ds.fragments())));
  assert.equal(overview.fragments[0]!.deletedRows, 10);
  const described = ds.describeIndices();
  // fragment groups are balanced by rows, so which fragments share a segment is the planner's choice
  assert.deepEqual(
    overview.indices.map((i) => [i.name, i.indexType, i.segments.length, i.segments.flatMap((s) => s.fragmentIds).sort()]),
    [
      ["id_idx", "BTREE", 3, [0, 1, 2, 3, 4, 5]],
      ["text_idx", "FTS", 2, [0, 1, 2, 3, 4, 5]],
    ],
  );
  assert.deepEqual(overview.indices.map((i) => i.segments.map((s) => s.fragmentIds)), described.map((i) => i.segments.map((s) => s.fragmentIds)));
  assert.deepEqual(JSON.parse(JSON.stringify(overview.indices.map(({ segments, ...i }) => i))), JSON.parse(JSON.stringify(described.map(({ segments, ...i }) => i))));
  for (const [i, index] of overview.indices.entries()) {
    for (const [j, s] of index.segments.entries()) {
      const d = described[i]!.segments[j]!;
      assert.equal(s.uuid, d.uuid);
      assert.equal(s.createdAt, d.createdAt?.toISOString() ?? null);
      assert.equal(s.sizeBytes, d.files.reduce((n, f) => n + f.sizeBytes, 0));
      assert.ok(s.sizeBytes > 0);
    }
  }
  // JSON round trip changes nothing: the server's answer is what the page computes itself
  assert.deepEqual(JSON.parse(JSON.stringify(overview)), overview);
});

test("an older version's overview shows that version", async () => {
  const overview = await readDatasetOverview(await (await openDataset(path)).checkout(3));
  assert.equal(overview.version, 3);
  assert.equal(overview.latestVersion, 5);
  assert.equal(overview.fragments.length, 6);
  assert.equal(overview.versions.length, 5);
});

test("a query page holds the rows of the scan, the plan and the number of matches", async () => {
  const ds = await openDataset(path);
  const page = await readQueryPage(ds, { filter: FILTER, offset: 20, limit: 25 });
  assert.equal(page.explain, await ds.explain(FILTER));
  assert.match(page.explain, /BTREE index id_idx/);
  assert.equal(page.numRows, 65);
  assert.deepEqual(page.columns, ["id", "category", "text"]);
  const all = await ds.scan({ filter: FILTER }).toArrow();
  const expected = all.toArray().slice(20, 45).map((r) => [Number(r.id), r.category, r.text]);
  assert.deepEqual(page.rows, expected);
  const last = await readQueryPage(ds, { filter: FILTER, offset: 60, limit: 25 });
  assert.equal(last.rows.length, 5);
  await assert.rejects(readQueryPage(ds, { filter: FILTER, limit: 0 }), { code: "INVALID_INPUT" });
  await assert.rejects(readQueryPage(ds, { filter: FILTER, offset: -1 }), { code: "INVALID_INPUT" });
  await assert.rejects(readQueryPage(ds, { filter: "id >" }), { code: "INVALID_INPUT" });
});

test("a search page holds the hits and scores of the full-text scan", async () => {
  const ds = await openDataset(path);
  const page = await readSearchPage(ds, { query: QUERY, limit: 15 });
  const expected = await ds.scan({ fullTextSearch: { query: QUERY }, limit: 15 }).toArrow();
  assert.equal(page.rows.length, 15);
  assert.deepEqual(page.scores, expected.toArray().map((r) => r._score as number));
  assert.deepEqual(page.rows.map((r) => r[0]), expected.toArray().map((r) => Number(r.id)));
  assert.ok(page.scores.every((s, i) => s > 0 && (i === 0 || s <= page.scores[i - 1]!)));
});

test("limits: the newest versions only, and seeds left unread beyond maxSeedFragments", async () => {
  const ds = await openDataset(path);
  const overview = await readDatasetOverview(ds, { maxVersions: 2, maxSeedFragments: 3 });
  assert.deepEqual(overview.versions.map((v) => v.version), [4, 5]);
  assert.ok(overview.fragments.every((f) => f.seeds === null));
  assert.ok((await readDatasetOverview(ds)).fragments.every((f) => Array.isArray(f.seeds)));
  await assert.rejects(readDatasetOverview(ds, { maxVersions: 0 }), { code: "INVALID_INPUT" });
});
