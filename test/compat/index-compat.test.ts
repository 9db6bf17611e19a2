// Index compatibility, run against Lance 12 (lancedb) and Lance 14 (pylance)
// alike: the BTREE, BITMAP, ZONEMAP and FTS indexes each builds are used by
// lancets' planner with that Lance's rows and scores, and the ones lancets
// builds are used by that Lance's planner with the same results. lancedb
// builds no ZONEMAP, so Lance 12 is checked on lancets' zone maps only.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Table } from "apache-arrow";
import { openDataset } from "../../src/lancets.js";
import { lance12, lance14, type OracleEngine, type OracleIndexType } from "../helpers/engines.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";

interface IndexCase {
  column: string;
  type: OracleIndexType;
  /** The kind as Lance's plans name it. */
  planKind: string;
  filters: string[];
}

const CASES: IndexCase[] = [
  { column: "id", type: "BTREE", planKind: "BTree", filters: ["id = 1234", "id < 40 OR id > 1950", "id BETWEEN 900 AND 1100"] },
  { column: "category", type: "BITMAP", planKind: "Bitmap", filters: ["category = 'c3'", "category IN ('c1', 'c5')"] },
  { column: "score", type: "ZONEMAP", planKind: "ZoneMap", filters: ["score < 20", "score BETWEEN 300 AND 310.25"] },
];
const QUERIES = ["running", "alpha", "delta echo", "number 1234"];

function sortedIds(t: Table): string[] {
  return Array.from({ length: t.numRows }, (_, i) => String(t.getChild("id")!.get(i))).sort();
}

function scores(t: Table): Map<string, number> {
  return new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
}

function assertSameScores(ours: Map<string, number>, theirs: Map<string, number>, label: string): void {
  assert.ok(theirs.size > 0, `${label}: finds rows`);
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${label}: rows`);
  for (const [id, s] of theirs) assert.ok(Math.abs(ours.get(id)! - s) <= 1e-5 * Math.max(1, Math.abs(s)), `${label}: row ${id} lancets ${ours.get(id)}, Lance ${s}`);
}

/** Four fragments of 500 rows, some deleted, written by the engine. */
async function dataset(engine: OracleEngine, dir: string, name: string): Promise<string> {
  const path = `${dir}/${name}.lance`;
  await engine.write(path, [0, 1, 2, 3].map((k) => textTable(500, k * 500)));
  await engine.deleteRows(path, "id % 13 = 6");
  return path;
}

const session = pylanceSession("lancets-index-compat-");
const engines: [OracleEngine, string | undefined][] = [
  [lance12(), undefined],
  [lance14(() => session.py), session.skip],
];

for (const [engine, skip] of engines) {
  describe(`index compatibility with ${engine.label}`, { skip }, () => {
    test(`indexes ${engine.label} builds are used by lancets' planner, with its rows and scores`, async () => {
      const path = await dataset(engine, tempDir("lancets-index-compat-"), "built_by_lance");
      const built = CASES.filter((c) => engine.builds.has(c.type));
      for (const c of built) await engine.createIndex(path, c.column, c.type);
      await engine.createIndex(path, "text", "FTS");
      const ds = await openDataset(path);
      assert.deepEqual(ds.describeIndices().map((i) => i.name).sort(), [...built.map((c) => `${c.column}_idx`), "text_idx"].sort());
      assert.ok(ds.describeIndices().every((i) => i.segments.every((s) => s.ignored === undefined)), "no segment ignored");
      for (const c of built) {
        for (const filter of c.filters) {
          const plan = await ds.explain(filter);
          assert.match(plan, new RegExp(`${c.type} index ${c.column}_idx`), `${filter}: ${plan}`);
          assert.equal(await engine.indexUsed(path, filter), `${c.column}_idx(${c.planKind})`, `${filter}: Lance's own plan`);
          const full = sortedIds(await ds.scan({ filter, columns: ["id"], useIndex: false }).toArrow());
          assert.ok(full.length > 0, `${filter} matches rows`);
          assert.deepEqual(sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow()), full, `${filter}: lancets through the index`);
          assert.deepEqual(await engine.ids(path, filter), full, `${filter}: Lance`);
        }
      }
      for (const query of QUERIES) {
        assert.ok(await engine.searchUsesIndex(path, query), `${query}: Lance searches its index`);
        assertSameScores(scores(await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 10_000 }).toArrow()), await engine.search(path, query), query);
      }
    });

    test(`indexes lancets builds are used by ${engine.label}'s planner, with lancets' rows and scores`, async () => {
      const path = await dataset(engine, tempDir("lancets-index-compat-"), "built_by_lancets");
      let ds = await openDataset(path);
      for (const c of CASES) ds = await ds.createScalarIndex(c.column, c.type, { fragmentGroupSize: 2 });
      ds = await ds.createScalarIndex("text", "FTS");
      for (const c of CASES) {
        for (const filter of c.filters) {
          assert.equal(await engine.indexUsed(path, filter), `${c.column}_idx(${c.planKind})`, `${filter}: Lance's plan`);
          const ours = sortedIds(await ds.scan({ filter, columns: ["id"] }).toArrow());
          assert.ok(ours.length > 0, `${filter} matches rows`);
          assert.deepEqual(ours, sortedIds(await ds.scan({ filter, columns: ["id"], useIndex: false }).toArrow()), `${filter}: lancets`);
          assert.deepEqual(await engine.ids(path, filter), ours, `${filter}: Lance`);
        }
      }
      for (const query of QUERIES) {
        assert.ok(await engine.searchUsesIndex(path, query), `${query}: Lance searches lancets' index`);
        assertSameScores(scores(await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 10_000 }).toArrow()), await engine.search(path, query), query);
      }
    });
  });
}
