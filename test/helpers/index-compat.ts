// Helpers for tests of index segments written by other Lance versions: corpus
// datasets copied and opened by lancets and lancedb, manifests whose index
// entries a test rewrites, and comparisons of rows, plans and scores.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { TestContext } from "node:test";
import type { Table } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import type { IndexMetadata } from "../../src/format/table/types.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { copyDataset } from "./fixture-copy.js";
import { connect } from "./oracle.js";

export type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["openTable"]>>;

export const COMPAT = process.env.LANCE_COMPAT_DATA;
export const NO_CORPUS = "LANCE_COMPAT_DATA is not set (it names the folder holding Lance's test_data/ compatibility corpus)";

/** A temporary copy of a corpus dataset, opened by lancets and by lancedb; undefined (test skipped) without the corpus. */
export async function corpus(t: TestContext, relative: string): Promise<{ ds: Dataset; table: LanceTable; path: string } | undefined> {
  if (!COMPAT) {
    t.skip(NO_CORPUS);
    return undefined;
  }
  const path = copyDataset(join(COMPAT, "test_data", relative));
  return { path, ...(await open(path)) };
}

export async function open(path: string): Promise<{ ds: Dataset; table: LanceTable }> {
  const db = await connect(dirname(path));
  return { ds: await openDataset(path), table: await db.openTable(basename(path).replace(/\.lance$/, "")) };
}

function json(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

function rowsOf(t: Table): string[] {
  return t
    .toArray()
    .map((r) => json(r.toJSON()))
    .sort();
}

/** Rows matching `filter` in lancets and in lancedb, which must be equal. */
export async function assertSameRows(ds: Dataset, table: LanceTable, filter: string): Promise<number> {
  const ours = rowsOf(await ds.scan({ filter }).toArrow());
  const theirs = rowsOf(await table.query().where(filter).toArrow());
  assert.deepEqual(ours, theirs, `rows of ${filter}`);
  return ours.length;
}

export async function lanceIndexUse(table: LanceTable, filter: string): Promise<string | undefined> {
  return /ScalarIndexQuery: query=.*?@(\w+\(\w+\))/.exec(await table.query().where(filter).explainPlan(true))?.[1];
}

/** Full-text hits as row address -> score, best first. */
export async function oursFts(ds: Dataset, query: string): Promise<Map<string, number>> {
  const t = await ds.scan({ fullTextSearch: { query }, withRowAddress: true, limit: 10_000 }).toArrow();
  const out = new Map<string, number>();
  for (let i = 0; i < t.numRows; i++) out.set(String(t.getChild("_rowaddr")!.get(i)), t.getChild("_score")!.get(i) as number);
  return out;
}

export async function theirsFts(table: LanceTable, query: string): Promise<Map<string, number>> {
  const rows = await table.search(query, "fts").withRowId().limit(10_000).toArray();
  return new Map(rows.map((r) => [String(r._rowid), r._score as number]));
}

export function assertSameScores(ours: Map<string, number>, theirs: Map<string, number>, label: string): void {
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${label}: rows`);
  for (const [row, score] of theirs) {
    const mine = ours.get(row)!;
    assert.ok(Math.abs(mine - score) <= 1e-5 * Math.max(1, Math.abs(score)), `${label}: row ${row} scores ${mine}, Lance ${score}`);
  }
}

/** Rewrites the latest manifest of the dataset at `path` after `edit` changes its index entries. */
export function editIndices(path: string, edit: (indices: IndexMetadata[]) => void): void {
  const dir = join(path, "_versions");
  const files = readdirSync(dir).filter((f) => f.endsWith(".manifest"));
  const decoded = files.map((f) => ({ f, m: decodeManifestFile(readFileSync(join(dir, f)), f) }));
  const latest = decoded.reduce((a, b) => (b.m.manifest.version > a.m.manifest.version ? b : a));
  edit(latest.m.indices);
  writeFileSync(join(dir, latest.f), encodeManifestFile(latest.m));
}

/** Lancets either answers like Lance or refuses with a LanceError (files it cannot read yet), never anything else. */
export async function sameRowsOrClearError(ds: Dataset, table: LanceTable, filter: string): Promise<"same" | LanceError> {
  try {
    await assertSameRows(ds, table, filter);
    return "same";
  } catch (err) {
    if (err instanceof LanceError) return err;
    throw err;
  }
}
