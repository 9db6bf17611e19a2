// Manifests as older Lance releases wrote them: no max_fragment_id (Lance
// 0.13-0.29), no physical row or deletion counts (Lance 0.7), wrong physical
// row counts without a writer version (Lance 0.8.0). lancets must count, scan
// and append exactly as Lance 12 does on them, and never reuse a fragment id.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import type { Manifest } from "../../src/format/table/types.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

/** Rewrites every manifest of the dataset at `path` through `edit`. */
function editManifests(path: string, edit: (m: Manifest) => Manifest): void {
  for (const name of readdirSync(join(path, "_versions")).filter((n) => n.endsWith(".manifest"))) {
    const file = join(path, "_versions", name);
    const decoded = decodeManifestFile(readFileSync(file), file);
    writeFileSync(file, encodeManifestFile({ ...decoded, manifest: edit(decoded.manifest) }));
  }
}

function withoutWriterVersion(m: Manifest): Manifest {
  const { writerVersion: _dropped, ...rest } = m;
  return rest;
}

/** lancedb's count and the ids it scans, for the dataset at `path`. */
async function lanceView(path: string): Promise<{ count: number; ids: number[] }> {
  const dir = join(path, "..");
  const t = await (await connect(dir)).openTable("t");
  const rows = await t.query().select(["id"]).toArray();
  return { count: await t.countRows(), ids: rows.map((r) => Number(r.id)).sort((a, b) => a - b) };
}

async function lancetsView(path: string): Promise<{ count: number; ids: number[] }> {
  const ds = await openDataset(path);
  const table = await ds.scan({ columns: ["id"] }).toArrow();
  const ids = Array.from(table.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
  return { count: ds.countRows(), ids };
}

describe("manifests from older Lance releases", () => {
  test("no max_fragment_id: an append takes the id after the highest fragment id", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("t", textTable(5), { enableV2ManifestPaths: false } as never);
    const path = tablePath(dir, "t");
    editManifests(path, (m) => ({ ...m, maxFragmentId: undefined }));
    const before = decodeManifestFile(readFileSync(join(path, "_versions", "1.manifest")), "1.manifest").manifest;
    assert.equal(before.maxFragmentId, undefined, "the fixture lacks max_fragment_id");

    const ds = await (await openDataset(path)).append(textTable(2, 5));
    assert.deepEqual(ds.fragments().map((f) => f.id), [0, 1]);
    assert.equal(ds.manifest.maxFragmentId, 1);
    const theirs = await lanceView(path);
    assert.equal(theirs.count, 7);
    assert.deepEqual(theirs.ids, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await lancetsView(path), theirs);

    // overwrite keeps the high-water mark, as Lance does
    const over = await (await import("../../src/node/open-dataset.js")).writeDataset(path, textTable(1, 100), { mode: "overwrite" });
    assert.deepEqual(over.fragments().map((f) => f.id), [0]);
    assert.equal(over.manifest.maxFragmentId, 1);
    const again = await over.append(textTable(1, 200));
    assert.deepEqual(again.fragments().map((f) => f.id), [0, 2]);
    assert.deepEqual(await lancetsView(path), await lanceView(path));
  });

  test("missing and wrong fragment statistics are taken from the files, as Lance does", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const t = await db.createTable("t", textTable(100));
    await t.add(textTable(30, 100));
    await t.delete("id >= 10 AND id < 20");
    await t.delete("id >= 100 AND id < 103");
    const path = tablePath(dir, "t");
    const truth = await lanceView(path);
    assert.equal(truth.count, 117);

    // Lance 0.7: neither physical rows nor deletion counts, no writer version
    editManifests(path, (m) => ({
      ...withoutWriterVersion(m),
      fragments: m.fragments.map((f) => ({ ...f, physicalRows: 0, ...(f.deletionFile ? { deletionFile: { ...f.deletionFile, numDeletedRows: 0 } } : {}) })),
    }));
    assert.deepEqual(await lanceView(path), truth);
    assert.deepEqual(await lancetsView(path), truth);
    const ds = await openDataset(path);
    assert.deepEqual(
      ds.fragments().map((f) => [f.physicalRows, f.deletedRows, f.numRows]),
      [
        [100, 10, 90],
        [30, 3, 27],
      ],
    );
    // Lance's version summary reports the manifest as stored
    assert.equal((await ds.listVersions()).at(-1)!.metadata.total_data_file_rows, "0");

    // Lance 0.8.0's broken migration: wrong physical rows, no writer version: ignored
    editManifests(path, (m) => ({ ...m, fragments: m.fragments.map((f) => ({ ...f, physicalRows: f.id === 0 ? 90 : 27, ...(f.deletionFile ? { deletionFile: { ...f.deletionFile, numDeletedRows: f.id === 0 ? 10 : 3 } } : {}) })) }));
    assert.deepEqual(await lanceView(path), truth);
    assert.deepEqual(await lancetsView(path), truth);

    // an append records the true statistics, and both engines agree afterwards
    const next = await (await openDataset(path)).append(textTable(4, 1000));
    assert.ok(next.manifest.writerVersion, "lancets records its writer version");
    assert.deepEqual(next.manifest.fragments.map((f) => [f.id, f.physicalRows, f.deletionFile?.numDeletedRows ?? 0]), [
      [0, 100, 10],
      [1, 30, 3],
      [2, 4, 0],
    ]);
    const after = await lanceView(path);
    assert.equal(after.count, 121);
    assert.deepEqual(await lancetsView(path), after);
  });

  test("a data file needed for a row count is missing: the version opens, counting fails with NOT_FOUND", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("t", textTable(10));
    const path = tablePath(dir, "t");
    editManifests(path, (m) => ({ ...withoutWriterVersion(m), fragments: m.fragments.map((f) => ({ ...f, physicalRows: 0 })) }));
    const dataDir = join(path, "data");
    const name = readdirSync(dataDir)[0]!;
    renameSync(join(dataDir, name), join(dir, name));
    const ds = await openDataset(path);
    assert.equal(ds.version, 1);
    assert.throws(() => ds.countRows(), (err: unknown) => err instanceof LanceError && err.code === "NOT_FOUND" && /does not exist/.test(err.message));
    await assert.rejects(ds.scan().toArrow(), (err: unknown) => err instanceof LanceError && err.code === "NOT_FOUND");
    assert.equal((await ds.listVersions()).length, 1);
  });
});
