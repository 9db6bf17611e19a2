// A dataset whose fragment ids are used up (max_fragment_id at 2^32 - 1)
// refuses appends with a LanceError and writes nothing.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { tempDir } from "../helpers/tmp.js";

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
