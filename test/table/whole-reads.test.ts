// Files read whole (manifest, version hint, deletion file) that are far larger
// than their format allows are refused before anything is allocated; a
// dataset whose fragment ids are used up refuses appends with a LanceError.
// Sparse files: gigabytes of size, no disk use.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { tempDir } from "../helpers/tmp.js";

const GIB = 1024 ** 3;

async function fixture(): Promise<string> {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", indexTable(100));
  await t.add(indexTable(100, 100));
  await t.delete("id % 5 = 0");
  return tablePath(dir, "t");
}

function latestManifest(path: string): string {
  const names = readdirSync(join(path, "_versions")).filter((n) => n.endsWith(".manifest")).sort();
  // V2 names count down: the first name is the newest version
  return join(path, "_versions", names[0]!);
}

const corrupt = (pattern: RegExp) => (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && pattern.test(e.message);

test("a manifest, deletion file or hint of gigabytes is refused or ignored without being read", async () => {
  const source = await fixture();

  let path = copyDataset(source);
  truncateSync(latestManifest(path), 3 * GIB);
  await assert.rejects(openDataset(path), corrupt(/manifest of 3221225472 bytes is larger than any valid one/));

  path = copyDataset(source);
  const deletion = readdirSync(join(path, "_deletions"))[0]!;
  truncateSync(join(path, "_deletions", deletion), 2 * GIB + 5);
  const ds = await openDataset(path);
  await assert.rejects(ds.scan().toArrow(), corrupt(/deletion file of 2147483653 bytes is larger than any valid one \(at most \d+\)/));

  // the hint only speeds up finding the latest version
  path = copyDataset(source);
  truncateSync(join(path, "_versions", "latest_version_hint.json"), 4 * GIB + 1);
  const viaListing = await openDataset(path);
  assert.equal(viaListing.version, (await openDataset(source)).version);
  assert.equal((await viaListing.scan({ columns: ["id"] }).toArrow()).numRows, 160);
});

test("an append to a dataset whose fragment ids are used up is a LanceError, and writes nothing", async () => {
  const path = copyDataset(await fixture());
  const file = latestManifest(path);
  const decoded = decodeManifestFile(readFileSync(file), file);
  writeFileSync(file, encodeManifestFile({ ...decoded, manifest: { ...decoded.manifest, maxFragmentId: 2 ** 32 - 1 } }));
  const ds = await openDataset(path);
  const before = readdirSync(join(path, "data")).length;
  await assert.rejects(ds.append(indexTable(3, 1000)), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /no fragment ids left/.test(e.message));
  assert.equal(readdirSync(join(path, "data")).length, before, "the failed append removed its data file");
  assert.equal((await openDataset(path)).version, ds.version);
});
