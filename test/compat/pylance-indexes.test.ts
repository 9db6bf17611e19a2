// lancets uses the indexes Lance 14 (pylance 14.0.2) builds: BTREE (version 0,
// and version 1 with row addresses on datasets with stable row ids), BITMAP,
// ZONEMAP and INVERTED in each posting format pylance writes, as one segment,
// as several (create_index_uncommitted + commit_existing_index_segments) and
// after pylance's optimize_indices; its filters and full-text search give
// pylance's results, and explain names the segment used (full-text segments
// with 256-document posting blocks: see pylance-fts-block256.test.ts).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Table } from "apache-arrow";
import { isLanceError, openDataset } from "../../src/lancets.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-pylance-indexes-");
const { skip } = session;

function sortedIds(t: Table): string[] {
  return Array.from({ length: t.numRows }, (_, i) => String(t.getChild("id")!.get(i))).sort();
}

const FILTERS: [filter: string, index: RegExp][] = [
  ["id = 1234", /BTREE index id_idx/],
  ["id < 40 OR id > 3380", /BTREE index id_idx/],
  ["id BETWEEN 900 AND 1100", /BTREE index id_idx/],
  ["id IN (5, 77, 2999, 3333)", /BTREE index id_idx/],
  ["category = 'c3'", /BITMAP index category_idx/],
  ["category IN ('c1', 'c5') AND id > 2000", /BITMAP index category_idx/],
  ["score < 20", /ZONEMAP index score_idx/],
  ["score BETWEEN 500 AND 510.25", /ZONEMAP index score_idx/],
];

/** Every filter: lancets' explain names pylance's index, and lancets' rows equal pylance's (indexed and full scan). */
async function assertFiltersAsPylance(uri: string, label: string, filters = FILTERS): Promise<void> {
  const ds = await openDataset(uri);
  for (const [filter, index] of filters) {
    const plan = await ds.explain(filter);
    assert.match(plan, index, `${label}: ${filter}: ${plan}`);
    assert.doesNotMatch(plan, /ignored segment/, `${label}: ${filter}: ${plan}`);
    const ours = sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow());
    const theirs = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"] }));
    const full = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"], use_scalar_index: false }));
    assert.ok(full.length > 0, `${label}: ${filter} matches rows`);
    assert.deepEqual(theirs, full, `${label}: ${filter}: pylance indexed vs full scan`);
    assert.deepEqual(ours, full, `${label}: ${filter}: lancets vs pylance`);
  }
}

function scoreMap(t: Table): Map<string, number> {
  return new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
}

async function assertSearchAsPylance(uri: string, label: string, queries = ["running", "alpha", "delta echo", "number 1234", "hotel india juliet"]): Promise<void> {
  const ds = await openDataset(uri);
  for (const query of queries) {
    const ours = scoreMap(await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 5000 }).toArrow());
    const theirs = scoreMap(await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: 5000 }));
    assert.ok(theirs.size > 0, `${label}: ${query} finds rows`);
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${label}: ${query}: rows`);
    for (const [id, s] of theirs) assert.ok(Math.abs(ours.get(id)! - s) <= 1e-5 * Math.max(1, Math.abs(s)), `${label}: ${query}: row ${id} lancets ${ours.get(id)} pylance ${s}`);
  }
}

async function indexedTable(name: string, options: { enable_stable_row_ids?: boolean } = {}): Promise<string> {
  const uri = `${session.dir}/${name}`;
  await session.py.write(uri, textTable(3000), { max_rows_per_file: 500, ...options });
  await session.py.delete(uri, "id % 17 = 5");
  return uri;
}

describe("lancets uses the indexes pylance 14 builds", { skip }, () => {
  test("BTREE, BITMAP, ZONEMAP and INVERTED, then rows appended and deleted after the build", async () => {
    const uri = await indexedTable("plain");
    for (const [column, type] of [["id", "BTREE"], ["category", "BITMAP"], ["score", "ZONEMAP"], ["text", "INVERTED"]] as const) await session.py.createScalarIndex(uri, column, type);
    const ds = await openDataset(uri);
    assert.deepEqual(
      ds.describeIndices().map((i) => [i.name, i.indexType, i.segments.map((s) => s.indexVersion)]),
      [["category_idx", "BITMAP", [0]], ["id_idx", "BTREE", [0]], ["score_idx", "ZONEMAP", [0]], ["text_idx", "FTS", [2]]],
      "pylance 14's default index versions",
    );
    await assertFiltersAsPylance(uri, "fresh");
    await assertSearchAsPylance(uri, "fresh");
    await session.py.write(uri, textTable(400, 3000), { max_rows_per_file: 500 }, "append");
    await session.py.delete(uri, "id % 10 = 7");
    await assertFiltersAsPylance(uri, "with unindexed rows");
    await assertSearchAsPylance(uri, "with unindexed rows");
    await session.py.optimizeIndices(uri);
    const optimized = await openDataset(uri);
    assert.ok(optimized.describeIndices().every((i) => i.numUnindexedRows === 0), "pylance's optimize_indices covered the appended fragment");
    await assertFiltersAsPylance(uri, "after pylance's optimize_indices");
    await assertSearchAsPylance(uri, "after pylance's optimize_indices");
  });

  test("BTREE version 1 (row addresses) on a dataset with stable row ids, through updates, deletes, optimize_indices and a rebuild by lancets", async () => {
    const uri = await indexedTable("stable", { enable_stable_row_ids: true });
    await session.py.update(uri, { score: "score + 0.5" }, "id % 10 = 3");
    for (const [column, type] of [["id", "BTREE"], ["category", "BITMAP"], ["score", "ZONEMAP"]] as const) await session.py.createScalarIndex(uri, column, type);
    const ds = await openDataset(uri);
    const btree = ds.describeIndices().find((i) => i.name === "id_idx")!;
    assert.deepEqual(btree.segments.map((s) => s.indexVersion), [1], "pylance 14 writes BTREE version 1 here");
    // rows moved after the build: their row ids stay, their addresses change
    const ids = (await ds.scan({ withRowId: true, withRowAddress: true, columns: ["id"] }).toArrow());
    assert.ok(Array.from({ length: ids.numRows }).some((_, i) => ids.getChild("_rowid")!.get(i) !== ids.getChild("_rowaddr")!.get(i)), "row ids differ from addresses");
    await assertFiltersAsPylance(uri, "stable, fresh");
    await session.py.update(uri, { category: "'c3'" }, "id % 9 = 1");
    await session.py.delete(uri, "id BETWEEN 1000 AND 1100");
    await assertFiltersAsPylance(uri, "stable, updated after the build");
    // lancets writes version-0 (row id) segments, which Lance 14 refuses to mix with its row-address
    // ones: lancets' optimize refuses to extend this index; pylance's own optimize_indices extends it
    await session.py.write(uri, textTable(400, 3000), {}, "append");
    await assert.rejects((await openDataset(uri)).optimizeIndices({ names: ["id_idx"] }), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /index "id_idx" has BTREE segments of index_version 1 \(row addresses\)/.test(e.message));
    assert.equal((await openDataset(uri)).version, (await session.py.summary(uri)).version, "nothing committed");
    await session.py.optimizeIndices(uri);
    const extended = (await openDataset(uri)).describeIndices().find((i) => i.name === "id_idx")!;
    assert.ok(extended.segments.every((s) => s.indexVersion === 1) && extended.numUnindexedRows === 0, "pylance extended the index with row-address segments");
    await assertFiltersAsPylance(uri, "stable, extended by pylance");
    // lancets rebuilds the whole index with row ids in one commit, which pylance uses
    await (await openDataset(uri)).createScalarIndex("id", "BTREE", { replace: true, fragmentGroupSize: 3 });
    const rebuilt = (await openDataset(uri)).describeIndices().find((i) => i.name === "id_idx")!;
    assert.ok(rebuilt.segments.length > 1 && rebuilt.segments.every((s) => s.indexVersion === 0));
    assert.match(await session.py.explain(uri, { filter: "id > 3100" }), /ScalarIndexQuery: .*@id_idx\(BTree\)/);
    await assertFiltersAsPylance(uri, "stable, rebuilt by lancets");
  });

  test("segments pylance builds apart (create_index_uncommitted) and commits as one index", async () => {
    const uri = await indexedTable("segments");
    for (const [column, type] of [["id", "BTREE"], ["category", "BITMAP"], ["text", "INVERTED"]] as const) {
      const parts = [];
      for (const group of [[0, 1], [2, 3, 4], [5]]) parts.push(await session.py.createIndexUncommitted(uri, column, type, group, { name: `${column}_idx` }));
      await session.py.commitExistingIndexSegments(uri, `${column}_idx`, column, parts);
    }
    await session.py.createScalarIndex(uri, "score", "ZONEMAP");
    const ds = await openDataset(uri);
    for (const name of ["id_idx", "category_idx", "text_idx"]) assert.equal(ds.describeIndices().find((i) => i.name === name)!.segments.length, 3, name);
    assert.match(await ds.explain("id BETWEEN 900 AND 2100"), /BTREE index id_idx, exact, 3 segments/);
    await assertFiltersAsPylance(uri, "three segments");
    await assertSearchAsPylance(uri, "three segments");
  });

  test("after compaction with deferred index remap (a fragment reuse index), lancets scans the rewritten fragments with pylance's rows", async () => {
    const uri = await indexedTable("deferred");
    await session.py.createScalarIndex(uri, "id", "BTREE");
    await session.py.delete(uri, "id % 3 = 0");
    await session.py.compact(uri, { defer_index_remap: true, target_rows_per_fragment: 5000 });
    const ds = await openDataset(uri);
    assert.ok(ds.indices.some((i) => i.name === "__lance_frag_reuse"), "pylance recorded a fragment reuse index");
    assert.deepEqual(ds.describeIndices().map((i) => i.name), ["id_idx"], "the system index is not listed");
    const live = new Set(ds.fragments().map((f) => f.id));
    assert.ok(ds.describeIndices()[0]!.segments.every((s) => s.fragmentIds.every((f) => !live.has(f))), "the BTREE segment covers only fragments compaction removed");
    for (const filter of ["id = 1234", "id < 40 OR id > 2950", "id BETWEEN 900 AND 1100"]) {
      assert.match(await ds.explain(filter), /no index[^]*fragments scanned: /, filter);
      const full = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"], use_scalar_index: false }));
      assert.ok(full.length > 0, filter);
      assert.deepEqual(sortedIds(await session.py.toTable(uri, { filter, columns: ["id"] })), full, `${filter}: pylance`);
      assert.deepEqual(sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow()), full, `${filter}: lancets`);
    }
  });

  const FORMATS: [label: string, params: Record<string, unknown>, indexVersion: number, ignored?: string][] = [
    ["format 1", { format_version: 1 }, 1],
    ["format 2", { format_version: 2 }, 2],
    ["format 2 with positions", { with_position: true }, 2],
    ["format 3", { format_version: 3 }, 3],
    ["format 3 with positions", { format_version: 3, with_position: true }, 3],
    ["256-document blocks", { block_size: 256 }, 3],
  ];
  for (const [label, params, indexVersion, ignored] of FORMATS) {
    test(`INVERTED, ${label}: ${ignored ? "ignored with the reason, searched flat" : "searched through the index"} with pylance's hits and scores`, async () => {
      const uri = await indexedTable(`fts_${label.replace(/\W+/g, "_")}`);
      await session.py.createScalarIndex(uri, "text", "INVERTED", { params });
      const ds = await openDataset(uri);
      const [segment] = ds.describeIndices()[0]!.segments;
      assert.equal(segment!.indexVersion, indexVersion);
      assert.equal(segment!.ignored, ignored);
      await assertSearchAsPylance(uri, label);
    });
  }
});
