// Index segments on a bucket of a real object store server: Lance writes a
// table of several fragments, lancets builds BITMAP, ZONEMAP and FTS segments
// over fragment groups and commits them there, and Lance's planner (lancedb
// opened on the same bucket) uses them with results equal to a full scan.
// Zone-map seeds planted by lancets' appends on the bucket are harvested by
// optimizeIndices into the segment a scan of the same rows builds. Lance's own
// BITMAP and FTS indexes on the bucket answer lancets' filters and searches
// with Lance's rows and scores.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { planFragmentGroups } from "../../src/distributed/plan.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import type { RemoteTarget } from "./lance-on-store.js";
import { assertSameRows, normalize } from "./values.js";

/** Words no tokenizer stems or drops, so "contains the word" is the plain test of a match. */
const WORDS = ["fox", "owl", "elk", "yak", "emu", "gnu", "cod", "eel", "jay", "koi", "ram", "bat"];
const COLUMNS = ["id", "category", "score", "text"];
const FRAGMENTS = 4;
const ROWS_PER_FRAGMENT = 400;

function rows(first: number, n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => first + i);
  return new Table({
    id: vectorFromArray(
      ids.map((i) => BigInt(i)),
      new Int64(),
    ),
    category: vectorFromArray(
      ids.map((i) => (i % 11 === 0 ? null : `c${(i * 7) % 6}`)),
      new Utf8(),
    ),
    score: vectorFromArray(
      // rising with the row id, so zones of a zone map prune
      ids.map((i) => (i % 13 === 5 ? null : i / 10 + ((i * 7919) % 100) / 1000)),
      new Float64(),
    ),
    text: vectorFromArray(
      ids.map((i) => Array.from({ length: 1 + (i % 4) }, (_, k) => WORDS[(i * (k + 3) + k * k) % WORDS.length]!).join(" ")),
      new Utf8(),
    ),
  });
}

function sortedIds(t: Table): string[] {
  return Array.from(t.getChild("id")!.toArray() as BigInt64Array, String).sort();
}

/** The zone rows of a zone-map segment, column by column. */
async function zoneRows(ds: Dataset, uuid: string): Promise<Record<string, string>> {
  const r = await LanceFileReader.open(ds.store, `_indices/${uuid}/zonemap.lance`);
  const top = r.schema.fields.filter((f) => f.parentId === -1);
  const data = await r.readFields(top.map((f) => f.id));
  return Object.fromEntries(top.map((f) => [f.name, JSON.stringify(normalize(makeVector(data.get(f.id)!).toArray()))]));
}

/** Registers the segment tests against `target()` (called once the server is up). */
export function segmentsOnStore(target: () => RemoteTarget): void {
  test("lancets builds BITMAP, ZONEMAP and FTS segments over fragment groups on the bucket; Lance's planner uses them, results equal a full scan", async () => {
    const t = target();
    const options = { storageOptions: t.storageOptions };
    const db = await lancedb.connect(t.dbUri, options);
    const table = await db.createTable("segments", rows(0, ROWS_PER_FRAGMENT));
    for (let k = 1; k < FRAGMENTS; k++) await table.add(rows(k * ROWS_PER_FRAGMENT, ROWS_PER_FRAGMENT));
    const uri = `${t.dbUri}/segments.lance`;

    let ds = await openDataset(uri, options);
    const before = ds.version;
    ds = await ds.createScalarIndex("category", "BITMAP", { fragmentGroupSize: 2 });
    ds = await ds.createScalarIndex("score", "ZONEMAP", { fragmentGroupSize: 3, params: { rowsPerZone: 100 } });
    ds = await ds.createScalarIndex("text", "FTS", { fragmentGroupSize: 2 });
    assert.equal(ds.version, before + 3);
    // each index is committed as segments over disjoint fragment groups covering every fragment
    const segments = Object.fromEntries(ds.describeIndices().map((i) => [i.name, i.segments.map((s) => s.fragmentIds)]));
    const plan = (groupSize: number): number[][] => planFragmentGroups(ds.manifest.fragments.map((f) => ({ id: f.id, numRows: f.physicalRows })), { fragmentGroupSize: groupSize });
    assert.deepEqual(segments, { category_idx: plan(2), score_idx: plan(3), text_idx: plan(2) });
    assert.deepEqual(plan(2).flat().sort(), [0, 1, 2, 3]);
    assert.equal(plan(3).length, 2);
    // the committed index files are on the bucket
    for (const { uuid } of ds.describeIndices().flatMap((i) => i.segments)) assert.ok((await ds.store.list(`_indices/${uuid}/`)).length > 0, uuid);

    await table.checkoutLatest();
    assert.equal(await table.version(), ds.version);
    const cases: [string, RegExp][] = [
      ["category = 'c3'", /ScalarIndexQuery: query=.*@category_idx\(Bitmap\)/],
      ["category IN ('c1', 'c4')", /@category_idx\(Bitmap\)/],
      ["category IS NULL", /@category_idx\(Bitmap\)/],
      ["score > 150", /@score_idx\(ZoneMap\)/],
      ["score BETWEEN 20 AND 21.5", /@score_idx\(ZoneMap\)/],
    ];
    for (const [filter, used] of cases) {
      const plan = await table.query().where(filter).explainPlan(true);
      assert.match(plan, used, `${filter}: ${plan}`);
      const theirs = await table.query().where(filter).toArrow();
      const full = await ds.scan({ filter, useIndex: false }).toArrow();
      assert.ok(full.numRows > 0, filter);
      assertSameRows(full, theirs, "id", COLUMNS, `Lance with lancets' index vs full scan: ${filter}`);
      assertSameRows(await ds.scan({ filter }).toArrow(), theirs, "id", COLUMNS, `lancets with its index: ${filter}`);
    }

    const all = await ds.scan({ columns: ["id", "text"] }).toArrow();
    const texts = all.getChild("text")!.toArray() as string[];
    const ids = Array.from(all.getChild("id")!.toArray() as BigInt64Array, String);
    for (const word of ["fox", "koi", "bat"]) {
      const plan = await table.search(word, "fts").explainPlan(true);
      assert.match(plan, /MatchQuery: column=text/, plan);
      assert.doesNotMatch(plan, /FlatMatchQuery/, `Lance searched without lancets' index: ${plan}`);
      const found = await table.search(word, "fts").select(["id"]).limit(100_000).toArrow();
      const expected = ids.filter((_, i) => texts[i]!.split(" ").includes(word)).sort();
      assert.ok(expected.length > 10, word);
      assert.deepEqual(sortedIds(found), expected, `Lance's search for ${word} vs a full scan`);
      assert.deepEqual(sortedIds(await ds.scan({ fullTextSearch: { query: word }, columns: ["id"], limit: 100_000 }).toArrow()), expected, `lancets' search for ${word}`);
    }
  });

  test("seeds planted by appends on the bucket are harvested by optimizeIndices into the segment a scan builds", async () => {
    const t = target();
    const options = { storageOptions: t.storageOptions };
    // the same rows twice: one dataset harvests its seeds, the other scans
    const [seededUri, scannedUri] = [`${t.dbUri}/seeded.lance`, `${t.dbUri}/scanned.lance`];
    const sets = await Promise.all(
      [seededUri, scannedUri].map(async (uri) => {
        let ds = await writeDataset(uri, rows(0, 600), options);
        ds = await ds.createScalarIndex("score", "ZONEMAP", { params: { rowsPerZone: 128, useSeeds: true } });
        ds = await ds.createScalarIndex("category", "ZONEMAP", { params: { rowsPerZone: 100 } });
        ds = await ds.append(rows(600, 500));
        return ds.append(rows(1100, 333));
      }),
    );
    const seeded = sets[0]!;
    // the appended data files carry the seeds, in Lance's layout
    for (const fragment of seeded.manifest.fragments.slice(1)) {
      const reader = await LanceFileReader.open(seeded.store, `data/${fragment.files[0]!.path}`);
      const meta = Object.fromEntries(Object.entries(reader.schema.metadata).map(([k, v]) => [k, new TextDecoder().decode(v)]));
      assert.deepEqual(meta, { "lance.seed.score": "1:128", "lance.seed.category": "2:100" });
    }
    const harvested = await seeded.optimizeIndices();
    const scanned = await sets[1]!.optimizeIndices({ ignoreSeeds: true });
    assert.deepEqual(
      harvested.indices.map((r) => [r.name, r.fragments, r.fragmentsFromSeeds, r.fragmentsScanned]),
      [
        ["score_idx", [1, 2], 2, 0],
        ["category_idx", [1, 2], 2, 0],
      ],
    );
    assert.deepEqual(scanned.indices.map((r) => r.fragmentsScanned), [2, 2]);
    for (let k = 0; k < harvested.indices.length; k++) {
      assert.deepEqual(await zoneRows(harvested.dataset, harvested.indices[k]!.segment!), await zoneRows(scanned.dataset, scanned.indices[k]!.segment!), harvested.indices[k]!.name);
    }
    assert.ok(harvested.dataset.describeIndices().every((i) => i.numUnindexedRows === 0));

    // Lance's planner uses the optimized indexes on the bucket, with a full scan's results
    const db = await lancedb.connect(t.dbUri, options);
    const table = await db.openTable("seeded");
    assert.equal(await table.version(), harvested.dataset.version);
    const full = await openDataset(seededUri, options);
    for (const filter of ["score > 100", "score < 3", "score IS NULL", "category = 'c2'", "category IS NULL"]) {
      assert.match(await table.query().where(filter).explainPlan(true), /@(score|category)_idx\(ZoneMap\)/, filter);
      const expected = await full.scan({ filter, useIndex: false }).toArrow();
      assert.ok(expected.numRows > 0, filter);
      assertSameRows(expected, await table.query().where(filter).toArrow(), "id", COLUMNS, `Lance with the harvested index vs full scan: ${filter}`);
    }
  });

  test("Lance builds BITMAP and FTS indexes on the bucket; lancets queries them there with Lance's rows and scores", async () => {
    const t = target();
    const options = { storageOptions: t.storageOptions };
    const db = await lancedb.connect(t.dbUri, options);
    const table = await db.createTable("lance_indexed", rows(0, ROWS_PER_FRAGMENT));
    for (let k = 1; k < FRAGMENTS; k++) await table.add(rows(k * ROWS_PER_FRAGMENT, ROWS_PER_FRAGMENT));
    await table.delete("id % 9 = 4");
    await table.createIndex("category", { config: lancedb.Index.bitmap() });
    await table.createIndex("text", { config: lancedb.Index.fts() });
    const ds = await openDataset(`${t.dbUri}/lance_indexed.lance`, options);
    assert.equal(ds.version, await table.version());
    assert.deepEqual(ds.describeIndices().map((i) => i.name).sort(), ["category_idx", "text_idx"]);

    for (const filter of ["category = 'c3'", "category IN ('c1', 'c4')", "category IS NULL", "category = 'c0' AND id < 900"]) {
      assert.match(await table.query().where(filter).explainPlan(true), /@category_idx\(Bitmap\)/, filter);
      assert.match(await ds.explain(filter), /BITMAP index category_idx/, filter);
      const theirs = await table.query().where(filter).toArrow();
      assert.ok(theirs.numRows > 0, filter);
      assertSameRows(await ds.scan({ filter }).toArrow(), theirs, "id", COLUMNS, `lancets with Lance's BITMAP: ${filter}`);
    }

    for (const query of ["fox", "koi bat", "owl elk yak"]) {
      const theirs = await table.search(query, "fts").withRowId().limit(10_000).toArray();
      const ours = await ds.scan({ fullTextSearch: { query }, withRowAddress: true, limit: 10_000 }).toArrow();
      assert.ok(theirs.length > 10, query);
      const theirScores = new Map(theirs.map((r) => [String(r._rowid), r._score as number]));
      const ourScores = new Map(Array.from({ length: ours.numRows }, (_, i) => [String(ours.getChild("_rowaddr")!.get(i)), ours.getChild("_score")!.get(i) as number]));
      assert.deepEqual([...ourScores.keys()].sort(), [...theirScores.keys()].sort(), `rows of the search for ${query}`);
      for (const [row, score] of theirScores) {
        const mine = ourScores.get(row)!;
        assert.ok(Math.abs(mine - score) <= 1e-5 * Math.max(1, Math.abs(score)), `${query}: row ${row} scores ${mine}, Lance ${score}`);
      }
    }
  });
}
