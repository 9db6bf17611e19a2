// What an index build costs in store requests besides reading its column:
// the commit checks the segment files with requests sent together, builds on
// the version it has just opened instead of opening it again, and opens the
// version it wrote without looking its manifest up. Lance's planner uses the
// index (explain plan) with results equal to lancets'.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import type { ObjectMeta, ReadOptions } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { ForwardingStore } from "../helpers/forwarding-store.js";

/** Records every call, and how many size requests were in flight at once. */
class RecordingStore extends ForwardingStore {
  calls: string[] = [];
  sizesInFlight = 0;
  maxSizesInFlight = 0;

  override async size(path: string): Promise<number> {
    this.calls.push(`size ${path}`);
    this.sizesInFlight++;
    this.maxSizesInFlight = Math.max(this.maxSizesInFlight, this.sizesInFlight);
    try {
      // answered a turn later, as a remote store answers
      await new Promise((resolve) => setImmediate(resolve));
      return await this.inner.size(path);
    } finally {
      this.sizesInFlight--;
    }
  }

  override read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    this.calls.push(`read ${path}`);
    return this.inner.read(path, options);
  }

  override readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.calls.push(`readRange ${path}`);
    return this.inner.readRange(path, byteOffset, byteLength);
  }

  override put(path: string, data: Uint8Array): Promise<void> {
    this.calls.push(`put ${path}`);
    return this.inner.put(path, data);
  }

  override putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    this.calls.push(`putIfAbsent ${path}`);
    return this.inner.putIfAbsent(path, data);
  }

  override list(prefix: string): Promise<ObjectMeta[]> {
    this.calls.push(`list ${prefix}`);
    return this.inner.list(prefix);
  }

  override delete(path: string): Promise<void> {
    this.calls.push(`delete ${path}`);
    return this.inner.delete(path);
  }
}

test("a BTREE build's commit: segment files checked together, no second open of the latest version, no lookup of the new manifest", async () => {
  const dir = tempDir();
  const path = `${dir}/t.lance`;
  const n = 20_000;
  await writeDataset(path, new Table({ id: vectorFromArray(BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % n)) as never, new Int64()) }));
  const store = new RecordingStore(new LocalFileStore(path));
  const ds = await openDataset(store);
  store.calls = [];
  const indexed = await ds.createScalarIndex("id", "BTREE");
  const calls = store.calls;
  const manifests = calls.filter((c) => c.startsWith("read _versions/"));
  const files = calls.filter((c) => c.startsWith("size _indices/"));
  const published = calls.findIndex((c) => c.startsWith("putIfAbsent _versions/"));
  assert.ok(published > 0, JSON.stringify(calls));
  assert.equal(files.length, 2, `page_data.lance and page_lookup.lance checked: ${JSON.stringify(calls)}`);
  assert.equal(store.maxSizesInFlight >= 2, true, "the segment files are checked at once");
  // after the new manifest is written, only that manifest is read: no listing, no size request
  assert.deepEqual(
    calls
      .slice(published + 1)
      // the version hint a local disk gets, as from Lance
      .filter((c) => c !== "put _versions/latest_version_hint.json")
      .map((c) => c.split(" ")[0]),
    ["read"],
    `after publishing: ${JSON.stringify(calls.slice(published + 1))}`,
  );
  // the job's commit opens the latest version, the segment commit checks it again; the commit attempt reuses that
  assert.ok(manifests.length <= 3, `manifests read: ${JSON.stringify(manifests)}`);
  assert.equal(indexed.version, ds.version + 1);

  const db = await connect(dir);
  const t = await db.openTable("t");
  const filter = "id >= 100 AND id < 140";
  assert.match(await t.query().where(filter).explainPlan(true), /ScalarIndexQuery/);
  const theirs = (await t.query().where(filter).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
  const ours = Array.from((await indexed.scan({ filter }).toArrow()).getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
  assert.deepEqual(ours, Array.from({ length: 40 }, (_, i) => 100 + i));
  assert.deepEqual(theirs, ours);
});
