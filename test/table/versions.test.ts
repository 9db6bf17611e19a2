// Finding the latest version on a store that cannot list (plain HTTP): by
// probing manifest names upward from version 1 and bisecting, under both
// naming schemes; the version hint still comes first.

import assert from "node:assert/strict";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { manifestPath, VERSION_HINT_FILE, type ManifestNamingScheme } from "../../src/format/table/version-names.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import type { ObjectMeta } from "../../src/io/object-store.js";
import { latestVersion } from "../../src/table/versions.js";
import { expectCode } from "../helpers/store-conformance.js";

/** A memory store whose list is refused, and which counts the objects asked about. */
class UnlistedStore extends MemoryStore {
  probes = 0;
  override async size(path: string): Promise<number> {
    this.probes++;
    return super.size(path);
  }
  override async list(prefix: string): Promise<ObjectMeta[]> {
    throw new LanceError("NOT_SUPPORTED", `cannot list ${prefix}`);
  }
}

async function withVersions(scheme: ManifestNamingScheme, versions: number[]): Promise<UnlistedStore> {
  const store = new UnlistedStore("memory://unlisted/");
  for (const v of versions) await store.put(manifestPath(v, scheme), new Uint8Array([v]));
  return store;
}

test("without listing, the latest version is found by probing and bisection (V1 and V2 names)", async () => {
  for (const scheme of ["v1", "v2"] as const) {
    for (const latest of [1, 2, 3, 7, 8, 9, 100, 1025]) {
      const store = await withVersions(scheme, Array.from({ length: latest }, (_, i) => i + 1));
      const found = await latestVersion(store);
      assert.equal(found.version, latest, `${scheme}, ${latest} versions`);
      assert.equal(found.scheme, scheme);
      // logarithmic, not one request per version (each probe may try both names)
      assert.ok(store.probes <= 6 * Math.ceil(Math.log2(latest + 1)) + 6, `${store.probes} probes for ${latest} versions`);
    }
  }
});

test("without listing: the hint is used first; without hint and version 1 the dataset is NOT_FOUND, saying why", async () => {
  const hinted = await withVersions("v2", [5, 6, 7]);
  await hinted.put(VERSION_HINT_FILE, new TextEncoder().encode(JSON.stringify({ version: 6 })));
  assert.equal((await latestVersion(hinted)).version, 7);
  const cleaned = await withVersions("v2", [5, 6, 7]);
  await expectCode(latestVersion(cleaned), "NOT_FOUND", /cannot list _versions\/, and neither _versions\/latest_version_hint\.json nor a manifest of version 1 exists/);
});
