// One index built partly by Lance 14 (pylance's create_index_uncommitted) and
// partly by lancets (createIndexUncommitted) on disjoint fragment groups, and
// committed in one commit, by lancets or by pylance's
// commit_existing_index_segments fed from lancets' segment JSON: both engines
// use every segment and return the same rows (and full-text scores). pylance's
// uncommitted full-text segments wait in a staging layout that the commit
// finalizes; lancets' commit does so as pylance's does.

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { describe, test } from "node:test";
import type { Table } from "apache-arrow";
import { isLanceError, openDataset, type IndexSegment } from "../../src/lancets.js";
import { textTable } from "../helpers/oracle.js";
import { type PylanceSegment, pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-pylance-mixed-");
const { skip } = session;

/** pylance's segment as lancets' segment JSON. */
function fromPylance(s: PylanceSegment, column: string, indexType: IndexSegment["indexType"]): IndexSegment {
  return {
    uuid: s.uuid,
    name: s.name,
    column,
    fieldId: s.fields[0]!,
    indexType,
    fragmentIds: s.fragment_ids,
    datasetVersion: s.dataset_version,
    indexVersion: s.index_version,
    indexDetails: { typeUrl: s.type_url!, value: s.details ?? "" },
    files: s.files.map((f) => ({ path: f.path, sizeBytes: f.size_bytes })),
    createdAt: Date.now(),
  };
}

/** lancets' segment JSON as pylance's Index. */
function toPylance(s: IndexSegment): PylanceSegment {
  return {
    uuid: s.uuid,
    name: s.name,
    fields: [s.fieldId],
    dataset_version: s.datasetVersion,
    fragment_ids: s.fragmentIds,
    index_version: s.indexVersion,
    files: s.files.map((f) => ({ path: f.path, size_bytes: f.sizeBytes })),
    type_url: s.indexDetails.typeUrl,
    details: s.indexDetails.value,
  };
}

function sortedIds(t: Table): string[] {
  return Array.from({ length: t.numRows }, (_, i) => String(t.getChild("id")!.get(i))).sort();
}

interface MixedCase {
  column: string;
  pylanceType: string;
  type: IndexSegment["indexType"];
  planName: string;
  filters: string[];
}

const CASES: MixedCase[] = [
  { column: "id", pylanceType: "BTREE", type: "BTREE", planName: "BTree", filters: ["id = 1234", "id < 40 OR id > 2950", "id BETWEEN 1400 AND 1600"] },
  { column: "category", pylanceType: "BITMAP", type: "BITMAP", planName: "Bitmap", filters: ["category = 'c3'", "category IN ('c1', 'c5')"] },
];

async function assertBothUse(uri: string, c: MixedCase, label: string): Promise<void> {
  const ds = await openDataset(uri);
  const described = ds.describeIndices().find((i) => i.name === `${c.column}_idx`)!;
  assert.equal(described.segments.length, 2, `${label}: segments`);
  assert.equal(described.numUnindexedRows, 0, `${label}: every fragment indexed`);
  for (const filter of c.filters) {
    assert.match(await ds.explain(filter), new RegExp(`${c.type} index ${c.column}_idx, exact, 2 segments`), `${label}: ${filter}`);
    assert.match(await session.py.explain(uri, { filter }), new RegExp(`ScalarIndexQuery: .*@${c.column}_idx\\(${c.planName}\\)`), `${label}: ${filter}`);
    const full = sortedIds(await session.py.toTable(uri, { filter, columns: ["id"], use_scalar_index: false }));
    assert.ok(full.length > 0, `${label}: ${filter} matches rows`);
    assert.deepEqual(sortedIds(await session.py.toTable(uri, { filter, columns: ["id"] })), full, `${label}: ${filter}: pylance`);
    assert.deepEqual(sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow()), full, `${label}: ${filter}: lancets`);
  }
}

async function assertSameSearch(uri: string, label: string): Promise<void> {
  const ds = await openDataset(uri);
  const fts = ds.describeIndices().find((i) => i.name === "text_idx")!;
  assert.equal(fts.segments.length, 2);
  assert.ok(fts.segments.every((s) => s.ignored === undefined), `${label}: lancets uses both segments`);
  for (const query of ["running", "delta echo", "number 1234"]) {
    const plan = await session.py.explain(uri, { full_text_query: query, columns: ["id"] });
    assert.match(plan, /MatchQuery/, `${label}: ${query}: ${plan}`);
    assert.doesNotMatch(plan, /FlatMatchQuery/, `${label}: ${query}: ${plan}`);
    const theirs = await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: 5000 });
    const ours = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 5000 }).toArrow();
    const scores = (t: Table): Map<string, number> => new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
    const a = scores(ours);
    const b = scores(theirs);
    assert.ok(b.size > 0, `${label}: ${query} finds rows`);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${label}: ${query}: rows`);
    for (const [id, s] of b) assert.ok(Math.abs(a.get(id)! - s) <= 1e-5 * Math.max(1, Math.abs(s)), `${label}: ${query}: row ${id} lancets ${a.get(id)} pylance ${s}`);
  }
}

describe("one index from segments built by pylance 14 and by lancets", { skip }, () => {
  test("on a dataset with stable row ids, pylance's BTREE segments hold row addresses and lancets' row ids: lancets refuses to commit them together", async () => {
    const uri = `${session.dir}/stable`;
    await session.py.write(uri, textTable(1200), { max_rows_per_file: 300, enable_stable_row_ids: true });
    const theirs = await session.py.createIndexUncommitted(uri, "id", "BTREE", [0, 1], { name: "id_idx" });
    assert.equal(theirs.index_version, 1);
    const ds = await openDataset(uri);
    const ours = await ds.createIndexUncommitted("id", "BTREE", { name: "id_idx", fragmentIds: [2, 3] });
    await assert.rejects(
      ds.commitExistingIndexSegments("id_idx", "id", [fromPylance(theirs, "id", "BTREE"), ours]),
      (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /row addresses/.test(e.message),
    );
    assert.equal((await openDataset(uri)).indices.length, 0, "nothing committed");
    // each engine's segments alone are fine
    await ds.commitExistingIndexSegments("id_idx", "id", [fromPylance(theirs, "id", "BTREE")]);
    assert.match(await (await openDataset(uri)).explain("id < 100"), /BTREE index id_idx, exact, 1 segment/);
    assert.equal(await (await openDataset(uri)).countRows("id < 100"), await session.py.countRows(uri, "id < 100"));
  });

  for (const committer of ["lancets", "pylance"] as const) {
    test(`BTREE, BITMAP and INVERTED segments from both engines, committed by ${committer}`, async () => {
      const uri = `${session.dir}/mixed_${committer}`;
      await session.py.write(uri, textTable(3000), { max_rows_per_file: 500 });
      await session.py.delete(uri, "id % 19 = 4");
      const ds = await openDataset(uri);
      const all: MixedCase[] = [...CASES, { column: "text", pylanceType: "INVERTED", type: "FTS", planName: "", filters: [] }];
      for (const c of all) {
        const name = `${c.column}_idx`;
        const theirs = await session.py.createIndexUncommitted(uri, c.column, c.pylanceType, [0, 1, 2], { name });
        const ours = await ds.createIndexUncommitted(c.column, c.pylanceType, { name, fragmentIds: [3, 4, 5] });
        if (committer === "pylance") {
          await session.py.commitExistingIndexSegments(uri, name, c.column, [theirs, toPylance(ours)]);
        } else if (c.type === "FTS") {
          // pylance leaves an uncommitted full-text segment in a staging layout that the commit finalizes
          assert.ok(theirs.files.every((f) => f.path.startsWith("staging/")), JSON.stringify(theirs.files));
          const committed = await (await openDataset(uri)).commitExistingIndexSegments(name, c.column, [fromPylance(theirs, c.column, c.type), ours]);
          const finalized = committed.indices.find((i) => i.uuid === theirs.uuid)!;
          assert.deepEqual(finalized.files.map((f) => f.path.replace(/^part_\d+_/, "part_")).sort(), ["metadata.lance", "part_docs.lance", "part_invert.lance", "part_tokens.lance"]);
          const staging = `${uri}/_indices/${theirs.uuid}/staging`;
          assert.ok(!existsSync(staging) || readdirSync(staging).length === 0, "staging files removed");
        } else {
          await (await openDataset(uri)).commitExistingIndexSegments(name, c.column, [fromPylance(theirs, c.column, c.type), ours]);
        }
      }
      for (const c of CASES) await assertBothUse(uri, c, `${committer} commit, ${c.type}`);
      await assertSameSearch(uri, `${committer} commit`);
    });
  }

  test("pylance's staged full-text segments over two fragment groups, committed by lancets: both engines search them with equal hits and scores; an incomplete staged segment is refused", async () => {
    const uri = `${session.dir}/staged_fts`;
    await session.py.write(uri, textTable(3000), { max_rows_per_file: 500 });
    await session.py.delete(uri, "id % 23 = 7");
    const a = await session.py.createIndexUncommitted(uri, "text", "INVERTED", [0, 1, 2], { name: "text_idx" });
    const b = await session.py.createIndexUncommitted(uri, "text", "INVERTED", [3, 4, 5], { name: "text_idx" });
    const ds = await openDataset(uri);
    const incomplete = { ...fromPylance(b, "text", "FTS"), files: fromPylance(b, "text", "FTS").files.filter((f) => !f.path.endsWith("_docs.lance")) };
    await assert.rejects(ds.commitExistingIndexSegments("text_idx", "text", [incomplete]), (e: unknown) => isLanceError(e) && e.code === "INVALID_INPUT" && /staged partition \d+ has invert, metadata, tokens, expected tokens, invert, docs and metadata/.test(e.message));
    assert.equal((await openDataset(uri)).indices.length, 0, "nothing committed");
    await ds.commitExistingIndexSegments("text_idx", "text", [fromPylance(a, "text", "FTS"), fromPylance(b, "text", "FTS")]);
    await assertSameSearch(uri, "pylance's staged segments, lancets commit");
  });
});
