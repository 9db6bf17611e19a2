// Lance's own backward-compatibility corpus (datasets written by Lance
// 0.5-0.36, kept in Lance's repository under test_data/), read by lancets and
// by Lance 12 (lancedb) side by side: every dataset and every version, schema,
// counts and every value; index-using filters and full-text searches; and one
// append per table, read back by Lance.
//
// The corpus is Lance's data, not part of this repository: the test reads it
// from the folder named by LANCE_COMPAT_DATA (the folder holding test_data/
// and historical_datasets/) and works on copies in a temporary directory.

import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Binary, FixedSizeList, Float, Int64, Table, Utf8, vectorFromArray, type Schema, type Vector } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { schemaShape } from "../helpers/compare.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = process.env.LANCE_COMPAT_DATA;

/** What lancets must do when asked to append to the latest version. */
type AppendRule =
  /** Lance appends; so does lancets, and Lance reads the result as lancets does. */
  | "append"
  /** All data files are legacy (v1): Lance writes more v1 files; lancets refuses with NOT_SUPPORTED. */
  | "refuse-legacy"
  /** Lance refuses too (a mixture of file versions). */
  | "refuse-mixed"
  /** The data files were never kept and the manifest lacks row counts: both fail with not found. */
  | "missing-data";

interface CorpusEntry {
  path: string;
  append: AppendRule;
  /** Filters answered by a scalar index in Lance; lancets must use one too. */
  indexedFilters?: string[];
  /** Filters on columns without a scalar index. */
  filters?: string[];
  /** Full-text searches: same rows and scores as Lance's. */
  searches?: string[];
  /** The latest version's data files are not in the corpus; reading rows fails in Lance and lancets. */
  missingData?: boolean;
  /**
   * Columns whose values at `version` differ from what Lance 12 returns, with the values Lance's
   * own test of this dataset asserts after its schema repair (Lance 12 reads the stale column).
   */
  repaired?: { version: number; columns: Record<string, string[]> };
}

const CORPUS: CorpusEntry[] = [
  { path: "test_data/v0.5.9/no_fragments", append: "refuse-legacy" },
  { path: "test_data/v0.5.9/dataset_with_fragments", append: "missing-data", missingData: true },
  { path: "test_data/v0.7.5/with_deletions", append: "refuse-legacy", filters: ["x >= 15 AND x < 25", "x IN (7, 14, 21, 70)"] },
  { path: "test_data/v0.8.0/migrated_from_v0.7.5", append: "refuse-legacy", filters: ["x < 12"] },
  { path: "test_data/v0.8.14/corrupt_index", append: "refuse-legacy", filters: ["id < 10", "price > 50", "meta = 'meta_5'"] },
  // Lance 0.10.5 reused field ids 2 and 3 for the re-added columns b and c: Lance 12 reads the dropped
  // columns' data for them, lancets the newest file's, which is what Lance's repair (and its own test,
  // test_fix_v0_10_5_corrupt_schema) gives: b = 0, 4, 8, 12 and c = 0, 5, 10, 15
  {
    path: "test_data/v0.10.5/corrupt_schema",
    append: "refuse-legacy",
    filters: ["x = 1"],
    repaired: { version: 6, columns: { b: ["0", "4", "8", "12"], c: ["0", "5", "10", "15"] } },
  },
  { path: "test_data/v0.15.0/v1_no_files.lance", append: "refuse-legacy" },
  { path: "test_data/v0.15.0/v1_with_files.lance", append: "refuse-legacy", filters: ["x > 1"] },
  { path: "test_data/v0.15.0/v2_no_files.lance", append: "refuse-legacy" },
  { path: "test_data/v0.15.0/v2_with_files.lance", append: "append", filters: ["x > 1"] },
  { path: "test_data/v0.16.0/wrong_data_version_can_fix.lance", append: "append" },
  { path: "test_data/v0.16.0/wrong_data_version_no_fix.lance", append: "refuse-mixed" },
  { path: "test_data/v0.18.2/index_no_details.lance", append: "append", indexedFilters: ["id > 50", "id = 7", "id < 3 OR id >= 98"] },
  { path: "test_data/v0.20.0/old_btree_bitmap_indices.lance", append: "append", indexedFilters: ["btree > 2", "bitmap = 2", "btree = 1"] },
  { path: "test_data/v0.21.0/bad_index_fragment_bitmap", append: "append" },
  { path: "test_data/0.27.0/legacy_fts_index", append: "append", searches: ["puppy", "happy", "frodo", "puppy happy"] },
  { path: "test_data/v0.27.1/pq_in_schema", append: "append", filters: ["id < 5", "id BETWEEN 100 AND 110"] },
  // row counts are recorded, so Lance (and lancets) append although no row can be read
  { path: "test_data/v0.30.0_pre_created_at/index_without_created_at", append: "append", missingData: true },
  { path: "test_data/0.36.0/btree_in_index_pkg.lance", append: "append", indexedFilters: ["x = 500", "x >= 990", "x < 3"] },
  { path: "historical_datasets/0.13.0_string_encoding.lance", append: "append", filters: ["numbers > 1", "strings = 'bar'"] },
];

type LanceDb = Awaited<ReturnType<typeof connect>>;
type LanceTable = Awaited<ReturnType<LanceDb["openTable"]>>;

/** A copy of a corpus dataset in a temporary directory, as table "t". */
function copyEntry(path: string): { dir: string; uri: string } {
  const dir = tempDir("lancets-corpus-");
  const uri = join(dir, "t.lance");
  cpSync(join(ROOT!, path), uri, { recursive: true });
  return { dir, uri };
}

function versionsOf(uri: string): number[] {
  const dir = join(uri, "_versions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".manifest"))
    .map((n) => Number.parseInt(n, 10))
    .sort((a, b) => a - b);
}

function dataFileCount(uri: string): number {
  return existsSync(join(uri, "data")) ? readdirSync(join(uri, "data")).length : 0;
}

/** A value in a form both engines' Arrow values compare equal in. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v;
  if (v instanceof Uint8Array) return Array.from(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object") {
    const json = typeof (v as { toJSON?: () => unknown }).toJSON === "function" ? (v as { toJSON: () => unknown }).toJSON() : v;
    if (Array.isArray(json)) return json.map(plain);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(json as object)) out[k] = plain(x);
    return out;
  }
  return v;
}

/**
 * Rows as [row address, ...values], sorted. A list, not a map: a table Lance
 * 0.16 damaged holds two fragments with one id, so addresses repeat.
 */
function rowsByAddress(table: Table, names: string[], addressColumn: string): string[] {
  const out: string[] = [];
  const addresses = table.getChild(addressColumn)!;
  for (let i = 0; i < table.numRows; i++) {
    out.push(JSON.stringify([String(addresses.get(i)), ...names.map((n) => plain(table.getChild(n)!.get(i)))]));
  }
  return out.sort();
}

function assertSameRows(ours: string[], theirs: string[], label: string): void {
  assert.equal(ours.length, theirs.length, `${label}: row count`);
  for (let i = 0; i < theirs.length; i++) assert.equal(ours[i], theirs[i], `${label}: row ${i} of ${theirs.length}`);
}

async function lanceTable(dir: string, version?: number): Promise<LanceTable> {
  const table = await (await connect(dir)).openTable("t");
  if (version !== undefined) await table.checkout(version);
  return table;
}

/** The error `work` fails with, or its value. */
async function outcome(work: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return await work();
  } catch (err) {
    return err;
  }
}

/** Schema, count and every value of one version, lancets against Lance. */
async function compareVersion(dir: string, uri: string, version: number, entry: CorpusEntry, latest: boolean): Promise<string> {
  const theirs = await lanceTable(dir, version);
  const ds = await openDataset(uri, { version });
  assert.equal(ds.version, version);
  const label = `${entry.path}@${version}`;
  assert.deepEqual(schemaShape(ds.schema), schemaShape(await theirs.schema()), `${label}: schema`);
  const names = ds.schema.fields.map((f) => f.name);
  const lanceCount = await outcome(() => theirs.countRows());
  if (entry.missingData) {
    // Lance fails on the data files that were never kept; lancets must fail the same way, clearly
    assert.ok(await outcome(() => theirs.query().toArrow()) instanceof Error, `${label}: Lance cannot read the rows`);
    const scan = await outcome(() => ds.scan().toArrow());
    assert.ok(scan instanceof LanceError && scan.code === "NOT_FOUND", `${label}: scan should fail with NOT_FOUND, got ${String(scan)}`);
    const count = await outcome(() => ds.countRows());
    if (typeof lanceCount === "number") assert.equal(count, lanceCount, `${label}: countRows from the manifest`);
    else assert.ok(count instanceof LanceError && count.code === "NOT_FOUND", `${label}: countRows should fail with NOT_FOUND, got ${String(count)}`);
    return `${label}: data files missing: NOT_FOUND like Lance (count ${typeof lanceCount === "number" ? lanceCount : "unknown"})`;
  }
  assert.equal(typeof lanceCount, "number", `${label}: Lance counts rows (${String(lanceCount)})`);
  assert.equal(ds.countRows(), lanceCount, `${label}: countRows`);
  const lanceRows = await theirs.query().withRowId().toArrow();
  const ours = await ds.scan({ withRowAddress: true }).toArrow();
  const repaired = entry.repaired?.version === version ? entry.repaired.columns : {};
  const compared = names.filter((n) => !(n in repaired));
  assertSameRows(rowsByAddress(ours, compared, "_rowaddr"), rowsByAddress(lanceRows, compared, "_rowid"), label);
  for (const [column, expected] of Object.entries(repaired)) {
    const order = Array.from({ length: ours.numRows }, (_, i) => i).sort((a, b) => Number(BigInt(ours.getChild("_rowaddr")!.get(a)) - BigInt(ours.getChild("_rowaddr")!.get(b))));
    assert.deepEqual(order.map((i) => String(ours.getChild(column)!.get(i))), expected, `${label}: ${column} as Lance's schema repair gives it`);
  }
  const checked = [`${lanceCount} rows x ${names.length} columns${Object.keys(repaired).length > 0 ? ` (${Object.keys(repaired).join(", ")} as repaired)` : ""}`];
  if (latest) {
    for (const filter of [...(entry.filters ?? []), ...(entry.indexedFilters ?? [])]) {
      const lance = await theirs.query().where(filter).withRowId().toArrow();
      const mine = await ds.scan({ filter, withRowAddress: true }).toArrow();
      assertSameRows(rowsByAddress(mine, compared, "_rowaddr"), rowsByAddress(lance, compared, "_rowid"), `${label} where ${filter}`);
      assert.equal(await ds.countRows(filter), lance.numRows, `${label}: countRows(${filter})`);
    }
    for (const filter of entry.indexedFilters ?? []) {
      const lancePlan = await theirs.query().where(filter).explainPlan(true);
      assert.match(lancePlan, /ScalarIndexQuery/, `${label}: Lance answers ${filter} from its index`);
      const plan = await ds.explain(filter);
      assert.match(plan, /: (BTREE|BITMAP|ZONEMAP) index /, `${label}: lancets answers ${filter} from the index:\n${plan}`);
      assert.doesNotMatch(plan, /fragments read by index: none/, `${label}: ${filter}`);
    }
    for (const query of entry.searches ?? []) {
      const lance = await theirs.search(query, "fts").withRowId().limit(1000).toArray();
      const mine = await ds.scan({ fullTextSearch: { query }, withRowAddress: true, limit: 1000 }).toArrow();
      const scores = new Map<string, number>();
      for (let i = 0; i < mine.numRows; i++) scores.set(String(mine.getChild("_rowaddr")!.get(i)), mine.getChild("_score")!.get(i) as number);
      assert.deepEqual([...scores.keys()].sort(), lance.map((r) => String(r._rowid)).sort(), `${label}: rows found by "${query}"`);
      for (const r of lance) {
        const s = scores.get(String(r._rowid))!;
        assert.ok(Math.abs(s - (r._score as number)) <= 1e-5 * Math.max(1, Math.abs(r._score as number)), `${label}: "${query}" scores row ${String(r._rowid)} ${s}, Lance ${String(r._score)}`);
      }
      checked.push(`"${query}": ${lance.length} hits`);
    }
    if (entry.filters?.length || entry.indexedFilters?.length) checked.push(`${(entry.filters?.length ?? 0) + (entry.indexedFilters?.length ?? 0)} filters (${entry.indexedFilters?.length ?? 0} by index)`);
  }
  return `${label}: ${checked.join(", ")}`;
}

/** Two made-up rows of `schema` (the corpus tables hold these types). */
function madeUpRows(schema: Schema): Table {
  const columns: Record<string, Vector> = {};
  for (const f of schema.fields) {
    const t = f.type;
    if (t instanceof Int64) columns[f.name] = vectorFromArray([41n, 42n], t);
    else if (t instanceof Float) columns[f.name] = vectorFromArray([0.5, -1.25], t);
    else if (t instanceof Utf8) columns[f.name] = vectorFromArray(["made", "up"], t);
    else if (t instanceof Binary) columns[f.name] = vectorFromArray([new Uint8Array([1, 2]), new Uint8Array([3])], t);
    else if (t instanceof FixedSizeList) columns[f.name] = vectorFromArray([0, 1].map((k) => Array.from({ length: t.listSize }, (_, i) => k + i / 8)), t);
    else assert.fail(`no made-up values for column ${f.name} of type ${String(t)}`);
  }
  return new Table(columns);
}

/** Rows to append: the dataset's own first rows, or made-up ones where it has none to read. */
async function rowsToAppend(ds: Dataset, readable: boolean): Promise<Table> {
  if (readable && ds.countRows() > 0) return ds.scan({ limit: 3 }).toArrow();
  return madeUpRows(ds.schema);
}

async function checkAppend(entry: CorpusEntry): Promise<string> {
  const { dir, uri } = copyEntry(entry.path);
  const before = versionsOf(uri);
  if (entry.append === "missing-data") {
    const ds = await openDataset(uri);
    const err = await outcome(async () => ds.append(await rowsToAppend(ds, false)));
    assert.ok(err instanceof LanceError && err.code === "NOT_FOUND", `append should fail with NOT_FOUND, got ${String(err)}`);
    assert.deepEqual(versionsOf(uri), before, "no version committed");
    return "append: NOT_FOUND (data files missing), nothing committed";
  }
  const ds = await openDataset(uri);
  const rows = await rowsToAppend(ds, !entry.missingData);
  if (entry.append === "refuse-legacy" || entry.append === "refuse-mixed") {
    const err = await outcome(() => ds.append(rows));
    assert.ok(err instanceof LanceError && err.code === "NOT_SUPPORTED", `append should be refused, got ${String(err)}`);
    assert.match(err.message, entry.append === "refuse-legacy" ? /legacy \(v1\) Lance file format.*overwrite/ : /several file versions/);
    assert.deepEqual(versionsOf(uri), before, "no version committed");
    assert.equal(dataFileCount(uri), dataFileCount(join(ROOT!, entry.path)), "no data file written");
    if (entry.append === "refuse-legacy" && ds.countRows() > 0) {
      // the way out the message gives: rewrite in a 2.x format with lancets, then Lance reads it
      const all = await ds.scan().toArrow();
      const rewritten = await (await import("../../src/node/open-dataset.js")).writeDataset(uri, all, { mode: "overwrite", dataStorageVersion: "2.0" });
      assert.equal(await (await lanceTable(dir)).countRows(), all.numRows);
      await rewritten.append(rows);
      assert.equal(await (await lanceTable(dir)).countRows(), all.numRows + rows.numRows);
      return `append: refused (${entry.append}); rewritten as 2.0 and appended, read by Lance`;
    }
    return `append: refused (${entry.append}), nothing written`;
  }
  const next = await ds.append(rows);
  assert.equal(next.countRows(), ds.countRows() + rows.numRows);
  const ids = next.fragments().map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length, `fragment ids are unique: ${ids.join(", ")}`);
  const lance = await lanceTable(dir);
  assert.equal(await lance.version(), next.version);
  assert.equal(await lance.countRows(), next.countRows(), "Lance counts the appended table as lancets does");
  if (entry.missingData) {
    const added = next.fragments().at(-1)!;
    const mine = await next.scan({ fragmentIds: [added.id] }).toArrow();
    assert.equal(mine.numRows, rows.numRows);
    // Lance cannot scan (fragment 0's file is missing) but counts every fragment
    const stats = await lance.stats();
    assert.equal(stats.fragmentStats.numFragments, next.fragments().length, "Lance sees the new fragment");
    return `append: ${rows.numRows} rows into fragment ${added.id}, version ${next.version} counted by Lance (${next.countRows()} rows)`;
  }
  const names = next.schema.fields.map((f) => f.name);
  const theirs = rowsByAddress(await lance.query().withRowId().toArrow(), names, "_rowid");
  const ours = rowsByAddress(await next.scan({ withRowAddress: true }).toArrow(), names, "_rowaddr");
  assertSameRows(ours, theirs, `${entry.path} after append`);
  return `append: ${rows.numRows} rows, version ${next.version} read by Lance (${next.countRows()} rows)`;
}

describe("Lance's compatibility corpus", () => {
  if (!ROOT) {
    test("corpus", (t) => {
      t.skip("LANCE_COMPAT_DATA is not set: point it at a copy of Lance's test_data corpus (the folder holding test_data/ and historical_datasets/)");
    });
    return;
  }
  for (const entry of CORPUS) {
    test(entry.path, async (t) => {
      assert.ok(existsSync(join(ROOT, entry.path)), `${entry.path} is in the corpus`);
      const { dir, uri } = copyEntry(entry.path);
      const versions = versionsOf(uri);
      assert.ok(versions.length > 0, "the dataset has versions");
      for (const v of versions) t.diagnostic(await compareVersion(dir, uri, v, entry, v === versions.at(-1)));
      t.diagnostic(await checkAppend(entry));
    });
  }
});
