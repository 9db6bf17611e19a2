// ds.cleanup(): files no version references (leftovers of failed writes and
// index builds) are removed once older than the safety age; files any version
// references, old versions included, are kept, and Lance reads every version
// afterwards.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

function walk(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(root, full));
    else out.push(relative(root, full));
  }
  return out.sort();
}

/** Sets every file's modification time `ageMs` into the past. */
function age(root: string, ageMs: number): void {
  const t = new Date(Date.now() - ageMs);
  for (const f of walk(root)) utimesSync(join(root, f), t, t);
}

/** Every version as Lance reads it: version -> sorted ids. */
async function lanceVersions(path: string): Promise<Map<number, bigint[]>> {
  const db = await lancedb.connect(join(path, ".."));
  const table = await db.openTable(path.split("/").pop()!.replace(/\.lance$/, ""));
  const out = new Map<number, bigint[]>();
  for (const v of await table.listVersions()) {
    await table.checkout(v.version);
    const ids = (await table.query().select(["id"]).toArrow()).getChild("id")!.toArray() as BigInt64Array;
    out.set(v.version, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return out;
}

/** A dataset with history: appends, deletions (twice on one fragment), indexes, an overwrite. */
async function history(): Promise<string> {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("t", indexTable(300));
  await table.add(indexTable(300, 300));
  await table.delete("id < 10");
  await table.delete("id < 20");
  await table.createIndex("id", { config: lancedb.Index.btree() });
  await table.createIndex("category", { config: lancedb.Index.bitmap() });
  const path = tablePath(dir, "t");
  const ds = await openDataset(path);
  const withZones = await ds.createScalarIndex("price", "ZONEMAP");
  await withZones.dropIndex("category_idx");
  // an overwrite: the newest version references none of the earlier data files
  await table.add(indexTable(50, 1000), { mode: "overwrite" });
  await table.add(indexTable(50, 2000));
  return path;
}

/** Leftovers of failed writes and builds: an orphan data file, transaction, deletion file and an uncommitted segment. */
async function leftovers(path: string): Promise<string[]> {
  const anyData = readdirSync(join(path, "data"))[0]!;
  copyFileSync(join(path, "data", anyData), join(path, "data", "0a0b0c0d-1111-2222-3333-444455556666.lance"));
  writeFileSync(join(path, "_transactions", "41-0a0b0c0d-1111-2222-3333-444455556666.txn"), new Uint8Array([1, 2, 3]));
  const anyDeletion = readdirSync(join(path, "_deletions"))[0]!;
  copyFileSync(join(path, "_deletions", anyDeletion), join(path, "_deletions", "0-40-1234567.arrow"));
  const ds = await openDataset(path);
  const segment = await ds.createIndexUncommitted("id", "BTREE", { fragmentIds: [ds.manifest.fragments[0]!.id], name: "abandoned" });
  return [
    "_deletions/0-40-1234567.arrow",
    "_transactions/41-0a0b0c0d-1111-2222-3333-444455556666.txn",
    "data/0a0b0c0d-1111-2222-3333-444455556666.lance",
    ...segment.files.map((f) => `_indices/${segment.uuid}/${f.path}`),
  ].sort();
}

test("cleanup removes what no version references and keeps every version readable by Lance", async () => {
  const path = await history();
  const before = await lanceVersions(path);
  assert.ok(before.size >= 8, `versions: ${[...before.keys()].join(",")}`);
  const referenced = walk(path);
  const orphans = await leftovers(path);
  age(path, 2 * 3_600_000);
  const ds = await openDataset(path);

  const dry = await ds.cleanup({ dryRun: true });
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.files.map((f) => f.path), orphans);
  assert.deepEqual(new Set(dry.files.map((f) => f.kind)), new Set(["data", "transaction", "deletion", "index"]));
  assert.equal(dry.indexSegments.length, 1);
  assert.equal(dry.bytes, orphans.reduce((n, p) => n + statSync(join(path, p)).size, 0));
  for (const p of orphans) assert.ok(existsSync(join(path, p)), `dry run removed ${p}`);

  const done = await ds.cleanup();
  assert.deepEqual(done.files.map((f) => f.path), orphans);
  for (const p of orphans) assert.ok(!existsSync(join(path, p)), `${p} is still there`);
  // the emptied segment directory goes too
  assert.ok(!existsSync(join(path, "_indices", dry.indexSegments[0]!)), "the removed segment's directory is gone");
  // everything any version references (old data files, replaced deletion files, dropped indexes' segments) is kept
  assert.deepEqual(walk(path), referenced);
  assert.deepEqual(await lanceVersions(path), before);
  // lancets reads every version too
  for (const v of await ds.listVersions()) {
    const at = await ds.checkout(v.version);
    assert.equal((await at.scan({ columns: ["id"] }).toArrow()).numRows, before.get(v.version)!.length);
  }
  assert.deepEqual((await ds.cleanup({ olderThanMs: 0 })).files, []);
});

test("files younger than the safety age are kept (a write or build in progress)", async () => {
  const path = await history();
  const orphans = await leftovers(path);
  age(path, 2 * 3_600_000);
  // the orphan data file and segment are fresh: 10 minutes old
  const fresh = new Date(Date.now() - 600_000);
  utimesSync(join(path, orphans.find((p) => p.startsWith("data/"))!), fresh, fresh);
  const segmentFile = orphans.find((p) => p.startsWith("_indices/"))!;
  utimesSync(join(path, segmentFile), fresh, fresh);
  const ds = await openDataset(path);
  const result = await ds.cleanup();
  assert.deepEqual(result.files.map((f) => f.path), orphans.filter((p) => p.startsWith("_deletions/") || p.startsWith("_transactions/")));
  assert.deepEqual(result.indexSegments, [], "a segment with one fresh file is left whole");
  assert.ok(existsSync(join(path, orphans.find((p) => p.startsWith("data/"))!)));
  // with a shorter age they go
  const second = await ds.cleanup({ olderThanMs: 60_000 });
  assert.deepEqual(second.files.map((f) => f.path), orphans.filter((p) => p.startsWith("data/") || p.startsWith("_indices/")));
});

test("cleanup stops, removing nothing, when a version cannot be read", async () => {
  const path = await history();
  const orphans = await leftovers(path);
  age(path, 2 * 3_600_000);
  const ds = await openDataset(path);
  const versions = readdirSync(join(path, "_versions")).filter((n) => n.endsWith(".manifest")).sort();
  writeFileSync(join(path, "_versions", versions[Math.floor(versions.length / 2)]!), new Uint8Array(40));
  await assert.rejects(ds.cleanup({ olderThanMs: 0 }), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /cleanup stopped: version \d+/.test(e.message));
  for (const p of orphans) assert.ok(existsSync(join(path, p)));
  await assert.rejects(ds.cleanup({ olderThanMs: -1 }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT");
});

test("leftovers of a failed append are removed; a stable-row-id dataset keeps its files", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("s", indexTable(200), { storageOptions: { new_table_enable_stable_row_ids: "true" } });
  await table.add(indexTable(200, 200));
  await table.delete("id % 3 = 0");
  const path = tablePath(dir, "s");
  const ds = await openDataset(path);
  const referenced = walk(path);
  // an append whose input fails midway removes its own files; one killed before its commit cannot: simulate by a file in data/
  mkdirSync(join(path, "data"), { recursive: true });
  writeFileSync(join(path, "data", "killed-writer.lance"), new Uint8Array(1000));
  age(path, 3 * 3_600_000);
  const result = await ds.cleanup();
  assert.deepEqual(result.files.map((f) => f.path), ["data/killed-writer.lance"]);
  assert.deepEqual(walk(path), referenced);
  await table.checkoutLatest();
  assert.equal(await table.countRows(), ds.countRows());
});
