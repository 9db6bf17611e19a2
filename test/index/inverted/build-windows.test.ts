// A full-text build reads its text in scan windows sized from its memory
// budget, not cut at the scan's usual row limit: over a Lance 2.0 data file,
// whose text page holds the whole fragment, the page is fetched once for the
// build (and once more for the scan's first, probing window), where windows
// of a fixed few MiB fetched it once per window. The index built answers as
// one built from windows of any size.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { textStreamOptions } from "../../../src/index/inverted/build.js";
import { LocalFileStore } from "../../../src/node/fs-store.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { ForwardingStore } from "../../helpers/forwarding-store.js";
import { connect, tablePath } from "../../helpers/oracle.js";
import { tempDir } from "../../helpers/tmp.js";

const ROWS = 300_000;

/** Counts the bytes read from data files. */
class CountingStore extends ForwardingStore {
  dataBytes = 0;
  override readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    if (path.startsWith("data/")) this.dataBytes += byteLength;
    return this.inner.readRange(path, byteOffset, byteLength);
  }
}

test("windows are a quarter of the budget, with no row limit below what short text needs", () => {
  const at128 = textStreamOptions(128 * 1024 * 1024);
  assert.equal(at128.windowBytes, 32 * 1024 * 1024);
  assert.equal(at128.readAheadWindows, 1);
  // 32 MiB of 40-byte documents is about 840,000 rows: more than the scan's default limit of 131,072
  assert.ok(at128.maxWindowRows! >= 1_000_000, `maxWindowRows ${at128.maxWindowRows}`);
  assert.equal(textStreamOptions(1024 * 1024).windowBytes, 1024 * 1024);
});

test("a full-text build over a Lance 2.0 fragment fetches its text page about once, and its index answers", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const ids = Array.from({ length: ROWS }, (_, i) => BigInt(i));
  const text = ids.map((i) => `item ${Number(i) % 1000} running search index number ${Number(i) % 97}`);
  await db.createTable("docs", new Table({ id: vectorFromArray(ids, new Int64()), text: vectorFromArray(text, new Utf8()) }), { dataStorageVersion: "2.0" } as never);
  const path = tablePath(dir, "docs");
  const store = new CountingStore(new LocalFileStore(path));
  const ds = await openDataset(store);
  assert.equal(ds.dataStorageVersion, "2.0");
  assert.equal(ds.manifest.fragments.length, 1);
  const [file] = await new LocalFileStore(path).list("data/");
  const textBytes = text.reduce((n, t) => n + t.length, 0);
  assert.ok(file!.size > textBytes, `data file of ${file!.size} bytes holds ${textBytes} bytes of text`);

  const indexed = await ds.createScalarIndex("text", "INVERTED");
  // the probing window and one window for the rest of the fragment: the page twice at most
  // (windows of 4 MiB read it once for every 90,000 rows: five times)
  assert.ok(store.dataBytes <= 2 * file!.size + 1024 * 1024, `${store.dataBytes} bytes read from a ${file!.size}-byte data file`);
  assert.ok(store.dataBytes >= textBytes, `${store.dataBytes} bytes read, the text alone is ${textBytes}`);

  // "977" is the number of every 1000th row (item 977) and of no row's "number" (below 97)
  const rows = await indexed.scan({ fullTextSearch: { query: "977" }, limit: ROWS, columns: ["id"] }).toArrow();
  const got = [...rows.getChild("id")!].map(Number).sort((a, b) => a - b);
  assert.deepEqual(got, Array.from({ length: ROWS / 1000 }, (_, k) => k * 1000 + 977));
  // and Lance's planner uses the index built this way, with the same rows
  const lance = await db.openTable("docs");
  await lance.checkoutLatest();
  const fromLance = (await lance.search("977", "fts", "text").select(["id"]).limit(ROWS).toArray()).map((r) => Number(r.id)).sort((a, b) => a - b);
  assert.deepEqual(fromLance, got);
  assert.doesNotMatch(await lance.search("977", "fts", "text").explainPlan(true), /FlatMatchQuery/);
});
