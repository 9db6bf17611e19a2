// Datasets the corruption fuzz damages: written by real Lance (lancedb) in
// file versions 2.0, 2.1 and 2.2, with every index kind lancedb builds (BTREE,
// BITMAP, FTS, LABEL_LIST), ZONEMAP and multi-segment BTREE built by lancets,
// deletions, and one table with stable row ids. Next to each, a sentinel
// dataset of the same shape whose values appear nowhere else: a read that
// escapes the dataset root shows up as a sentinel value in the results.

import { Field, Float64, Int32, Int64, List, Table, Utf8, vectorFromArray } from "apache-arrow";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeManifestFile } from "../../src/format/table/manifest-file.js";
import { manifestPath, parseManifestFileName } from "../../src/format/table/version-names.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, lancedb, type StorageVersion } from "../helpers/oracle.js";

export const SENTINEL_ID_BASE = 9_000_000_000n;
export const SENTINEL_TEXT = "SENTINEL";

/** A file of a fixture named by its role, so that a case names the same file in every run (file names hold random uuids). */
export interface FixtureFile {
  role: string;
  /** Relative to the dataset root. */
  path: string;
  size: number;
}

export interface FuzzFixture {
  name: string;
  /** The pristine dataset; cases copy it. */
  path: string;
  /** A dataset of the same shape with sentinel values, copied next to each case as ../outside/secret.lance. */
  sentinelPath: string;
  /** Data file names of the sentinel (relative to its data/). */
  sentinelDataFiles: string[];
  files: FixtureFile[];
  filters: string[];
  ftsQuery?: string;
}

const WORDS = ["alpha", "beta", "gamma", "delta", "river", "stone", "cloud", "ember", "frost", "grove"];

function table(n: number, start: number, sentinel: boolean, withTags: boolean): Table {
  const ids = Array.from({ length: n }, (_, i) => start + i);
  const nul = <T>(i: number, v: T): T | null => (i % 11 === 4 ? null : v);
  const prefix = sentinel ? `${SENTINEL_TEXT}-` : "";
  const columns = {
    id: vectorFromArray(ids.map((i) => (sentinel ? SENTINEL_ID_BASE + BigInt(i) : BigInt(i))), new Int64()),
    num: vectorFromArray(ids.map((i) => nul(i, (i * 7919) % 1000)), new Int32()),
    price: vectorFromArray(ids.map((i) => nul(i, ((i * 37) % 1000) / 8)), new Float64()),
    category: vectorFromArray(ids.map((i) => nul(i, `${prefix}c${i % 7}`)), new Utf8()),
    text: vectorFromArray(
      ids.map((i) => nul(i, `${prefix}${WORDS[i % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]} ${sentinel ? SENTINEL_TEXT : WORDS[(i * 7) % WORDS.length]} n${i % 50}`)),
      new Utf8(),
    ),
    tags: vectorFromArray(
      ids.map((i) => nul(i, Array.from({ length: i % 4 }, (_, k) => `${prefix}t${(i + k) % 9}`))),
      new List(new Field("item", new Utf8(), true)),
    ),
  };
  // only the fixture with a LABEL_LIST index has a list column
  if (!withTags) delete (columns as Partial<typeof columns>).tags;
  return new Table(columns);
}

interface Spec {
  name: string;
  version: StorageVersion;
  stableRowIds: boolean;
  lanceIndexes: ("btree" | "bitmap" | "fts" | "labelList")[];
  lancetsIndexes: { column: string; type: string; groupSize?: number }[];
}

const SPECS: Spec[] = [
  { name: "v20", version: "2.0", stableRowIds: false, lanceIndexes: ["btree", "bitmap", "labelList"], lancetsIndexes: [{ column: "price", type: "ZONEMAP" }] },
  { name: "v21", version: "2.1", stableRowIds: false, lanceIndexes: ["fts", "bitmap"], lancetsIndexes: [{ column: "num", type: "BTREE", groupSize: 1 }, { column: "price", type: "ZONEMAP" }] },
  { name: "v22", version: "2.2", stableRowIds: false, lanceIndexes: ["btree", "fts"], lancetsIndexes: [{ column: "category", type: "BITMAP", groupSize: 1 }] },
  { name: "v22s", version: "2.2", stableRowIds: true, lanceIndexes: ["btree", "bitmap"], lancetsIndexes: [{ column: "price", type: "ZONEMAP" }, { column: "text", type: "FTS", groupSize: 1 }] },
];

// one filter per index kind: BTREE (id, num), BITMAP (category), ZONEMAP (price); the rest are scans
const FILTERS = ["id = 17", "category = 'c3'", "num > 900 OR num IS NULL", "price BETWEEN 10 AND 20", "text LIKE '%alpha%'"];

function walk(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(root, full));
    else out.push(full.slice(root.length + 1));
  }
  return out.sort();
}

/** Names every file of a dataset by role (which version, fragment, index segment it belongs to). */
function fileRoles(path: string): FixtureFile[] {
  const versions = readdirSync(join(path, "_versions"))
    .map((n) => ({ n, parsed: parseManifestFileName(n) }))
    .filter((v) => v.parsed)
    .sort((a, b) => a.parsed!.version - b.parsed!.version);
  const latest = versions[versions.length - 1]!.parsed!;
  const roles = new Map<string, string>();
  roles.set(manifestPath(latest.version, latest.scheme), "manifest:latest");
  if (versions.length > 1) roles.set(`_versions/${versions[versions.length - 2]!.n}`, "manifest:previous");
  roles.set(`_versions/${versions[0]!.n}`, "manifest:first");
  const m = decodeManifestFile(new Uint8Array(readFileSync(join(path, manifestPath(latest.version, latest.scheme)))), "fixture");
  if (m.manifest.transactionFile) roles.set(`_transactions/${m.manifest.transactionFile}`, "transaction:latest");
  m.manifest.fragments.forEach((f, fi) => {
    f.files.forEach((d, di) => roles.set(`data/${d.path}`, `data:${fi}:${di}`));
    if (f.deletionFile) {
      const d = f.deletionFile;
      roles.set(`_deletions/${f.id}-${d.readVersion}-${d.id}.${d.fileType === "bitmap" ? "bin" : "arrow"}`, `deletion:${fi}`);
    }
  });
  const segmentsByName = new Map<string, number>();
  for (const i of m.indices) {
    const k = segmentsByName.get(i.name) ?? 0;
    segmentsByName.set(i.name, k + 1);
    if (!existsSync(join(path, "_indices", i.uuid))) continue;
    for (const f of readdirSync(join(path, "_indices", i.uuid)).sort()) roles.set(`_indices/${i.uuid}/${f}`, `index:${i.name}:${k}:${f}`);
  }
  const out: FixtureFile[] = [];
  for (const rel of walk(path)) {
    const role = roles.get(rel) ?? (rel === "_versions/latest_version_hint.json" ? "hint" : undefined);
    if (role) out.push({ role, path: rel, size: statSync(join(path, rel)).size });
  }
  return out.sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
}

async function build(dir: string, spec: Spec, sentinel: boolean): Promise<string> {
  const db = await connect(dir);
  const name = sentinel ? "secret" : spec.name;
  const options: Record<string, unknown> = { dataStorageVersion: spec.version };
  if (spec.stableRowIds) options.storageOptions = { new_table_enable_stable_row_ids: "true" };
  const tags = spec.lanceIndexes.includes("labelList");
  const t = await db.createTable(name, table(300, 0, sentinel, tags), options as never);
  await t.add(table(300, 300, sentinel, tags));
  await t.add(table(200, 600, sentinel, tags));
  await t.delete("id % 10 = 3");
  const path = join(dir, `${name}.lance`);
  if (sentinel) return path;
  for (const kind of spec.lanceIndexes) {
    if (kind === "btree") await t.createIndex("id", { config: lancedb.Index.btree() });
    else if (kind === "bitmap") await t.createIndex("category", { config: lancedb.Index.bitmap() });
    else if (kind === "fts") await t.createIndex("text", { config: lancedb.Index.fts() });
    else await t.createIndex("tags", { config: lancedb.Index.labelList() });
  }
  for (const ix of spec.lancetsIndexes) {
    const ds = await openDataset(path);
    await ds.createScalarIndex(ix.column, ix.type, ix.groupSize ? { fragmentGroupSize: ix.groupSize, name: `${ix.column}_${ix.type.toLowerCase()}` } : { name: `${ix.column}_${ix.type.toLowerCase()}` });
  }
  // a last append leaves one fragment no index covers
  await t.add(table(100, 800, false, tags));
  return path;
}

/** Builds every fixture under `dir` (a few seconds). */
export async function buildFixtures(dir: string): Promise<FuzzFixture[]> {
  const out: FuzzFixture[] = [];
  for (const spec of SPECS) {
    const path = await build(join(dir, spec.name), spec, false);
    const sentinelPath = await build(join(dir, spec.name, "outside"), spec, true);
    const fixture: FuzzFixture = {
      name: spec.name,
      path,
      sentinelPath,
      sentinelDataFiles: (await openDataset(sentinelPath)).manifest.fragments.flatMap((f) => f.files.map((d) => d.path)),
      files: fileRoles(path),
      filters: FILTERS,
    };
    if (spec.lanceIndexes.includes("fts") || spec.lancetsIndexes.some((i) => i.type === "FTS")) fixture.ftsQuery = "alpha river";
    out.push(fixture);
  }
  return out;
}
