// Finding the latest version: on a store that lists, from one listing of
// _versions/ (its first page where keys are listed in order), whatever the
// version hint says; on a store that cannot list (plain HTTP), from the hint
// or by probing manifest names upward from version 1 and bisecting, under
// both naming schemes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { manifestPath, VERSION_HINT_FILE, type ManifestNamingScheme } from "../../src/format/table/version-names.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import type { ListOptions, ObjectMeta, ReadOptions } from "../../src/io/object-store.js";
import { Dataset } from "../../src/dataset/dataset.js";
import { FIRST_LISTING_OBJECTS, latestVersion } from "../../src/table/versions.js";
import { Int32, Table, vectorFromArray } from "apache-arrow";
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

/**
 * A memory store that lists like an object store service (keys in order, a
 * page of `pageSize` at a time, stopping at the caller's limit) and records
 * every request it would send.
 */
class ServiceLikeStore extends MemoryStore {
  readonly listsInKeyOrder = true;
  requests: string[] = [];
  constructor(private readonly pageSize = 1000) {
    super("memory://service-like/");
  }
  override async size(path: string): Promise<number> {
    this.requests.push(`HEAD ${path}`);
    return super.size(path);
  }
  override async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    this.requests.push(`GET ${path}`);
    return super.read(path, options);
  }
  override async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.requests.push(`GET ${path} ${byteOffset}+${byteLength}`);
    return super.readRange(path, byteOffset, byteLength);
  }
  override async list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    const all = (await super.list(prefix)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const limit = options?.limit ?? Infinity;
    const out: ObjectMeta[] = [];
    for (let at = 0; at === 0 || (at < all.length && out.length < limit); at += this.pageSize) {
      this.requests.push(`LIST ${prefix}`);
      out.push(...all.slice(at, at + this.pageSize));
    }
    return out;
  }
}

async function serviceLike(scheme: ManifestNamingScheme, versions: number[], pageSize?: number): Promise<ServiceLikeStore> {
  const store = new ServiceLikeStore(pageSize);
  for (const v of versions) await store.put(manifestPath(v, scheme), new Uint8Array([v]));
  return store;
}

const range = (first: number, last: number): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i);

test("a store that lists: one LIST finds the latest version; an absent, stale or garbage hint changes nothing", async () => {
  for (const scheme of ["v1", "v2"] as const) {
    for (const hint of [undefined, 3, 99, "garbage"]) {
      const store = await serviceLike(scheme, range(1, 7));
      if (hint !== undefined) await store.put(VERSION_HINT_FILE, new TextEncoder().encode(hint === "garbage" ? "{no" : JSON.stringify({ version: hint })));
      store.requests = [];
      const found = await latestVersion(store);
      assert.equal(found.version, 7, `${scheme}, hint ${hint}`);
      assert.equal(found.scheme, scheme);
      assert.deepEqual(store.requests, ["LIST _versions/"], `${scheme}, hint ${hint}`);
    }
  }
  // both naming schemes in one small directory: the newest of either
  const mixed = await serviceLike("v1", [1, 2, 3]);
  for (const v of [4, 5]) await mixed.put(manifestPath(v, "v2"), new Uint8Array([v]));
  assert.equal((await latestVersion(mixed)).version, 5);
});

test("V2 names: the first page of the listing answers however many versions there are; V1 names need every page", async () => {
  const v2 = await serviceLike("v2", range(1, 2 * FIRST_LISTING_OBJECTS + 500));
  const found = await latestVersion(v2);
  assert.equal(found.version, 2 * FIRST_LISTING_OBJECTS + 500);
  assert.deepEqual(v2.requests, ["LIST _versions/"]);

  // after cleanup the history starts late; the first page still holds the newest
  const cleaned = await serviceLike("v2", range(3000, 4200));
  assert.equal((await latestVersion(cleaned)).version, 4200);
  assert.deepEqual(cleaned.requests, ["LIST _versions/"]);

  // V1 names do not sort by version: a full first page is followed by a whole listing
  const v1 = await serviceLike("v1", range(1, 2 * FIRST_LISTING_OBJECTS + 500));
  assert.equal((await latestVersion(v1)).version, 2 * FIRST_LISTING_OBJECTS + 500);
  assert.deepEqual(v1.requests, ["LIST _versions/", "LIST _versions/", "LIST _versions/", "LIST _versions/"]);
  // a V1 directory within one page costs one request
  const smallV1 = await serviceLike("v1", range(1, FIRST_LISTING_OBJECTS - 1));
  assert.equal((await latestVersion(smallV1)).version, FIRST_LISTING_OBJECTS - 1);
  assert.deepEqual(smallV1.requests, ["LIST _versions/"]);
});

test("opening a dataset on a store that lists costs one LIST and one GET (the manifest), as in Lance", async () => {
  const store = new ServiceLikeStore();
  const rows = (first: number): Table => new Table({ id: vectorFromArray(range(first, first + 9), new Int32()) });
  let ds = await Dataset.write(store, rows(0));
  ds = await ds.append(rows(10));
  ds = await ds.append(rows(20));
  assert.equal(ds.version, 3);
  store.requests = [];
  const opened = await Dataset.open(store);
  assert.equal(opened.version, 3);
  assert.deepEqual(store.requests, ["LIST _versions/", `GET ${manifestPath(3, "v2")}`]);
  assert.equal(opened.countRows(), 30);
});

test("a store that lists but has no manifest: NOT_FOUND saying whether anything is there", async () => {
  const empty = new ServiceLikeStore();
  await expectCode(latestVersion(empty), "NOT_FOUND", /the directory is missing or empty/);
  await empty.put("data/x.lance", new Uint8Array(1));
  await expectCode(latestVersion(empty), "NOT_FOUND", /_versions\/ holds no manifest/);
});
