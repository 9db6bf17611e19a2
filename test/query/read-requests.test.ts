// What a BTREE point lookup and a full-text search cost in store requests, on
// a table Lance wrote and indexed: a cold lookup or search fetches no byte
// twice, a second lookup on the same dataset fetches neither index metadata
// nor page metadata again, and the top-10 rows of a search are taken chunk by
// chunk rather than as whole pages. Results equal Lance's.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { bytesReadTwice, CountingStore, type RecordedRead } from "../helpers/counting-store.js";
import { connect, lancedb, rng, tablePath } from "../helpers/oracle.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

const ROWS = 100_000;
let path: string;
let table: Awaited<ReturnType<lancedb.Connection["createTable"]>>;

before(async () => {
  const dir = tempDir();
  const r = rng(9);
  const text = textTable(ROWS, 0).getChild("text")!;
  const data = new Table({
    id: vectorFromArray(BigInt64Array.from({ length: ROWS }, (_, i) => BigInt((i * 7919) % ROWS)) as never, new Int64()),
    value: vectorFromArray(Float64Array.from({ length: ROWS }, () => r()) as never, new Float64()),
    category: vectorFromArray(Array.from({ length: ROWS }, (_, i) => `cat-${i % 100}`), new Utf8()),
    text,
  });
  const db = await connect(dir);
  table = await db.createTable("t", data);
  await table.createIndex("id", { config: lancedb.Index.btree() });
  await table.createIndex("text", { config: lancedb.Index.fts() });
  path = tablePath(dir, "t");
});

const bytes = (reads: RecordedRead[]): number => reads.reduce((a, x) => a + (x.byteLength ?? 0), 0);
const COLUMNS = ["id", "value", "category", "text"];

async function lanceRows(filter: string): Promise<unknown[]> {
  return (await table.query().where(filter).select(COLUMNS).toArray()).map((x) => [Number(x.id), x.value, x.category, x.text]);
}

test("BTREE point lookups: no byte fetched twice; the second lookup fetches only index and data chunks", async () => {
  const store = new CountingStore(new LocalFileStore(path));
  const ds = await openDataset(store);
  store.take();
  const lookups: RecordedRead[][] = [];
  for (const id of [123, 98_765]) {
    const got = (await ds.scan({ filter: `id = ${id}`, columns: COLUMNS }).toArrow()).toArray().map((x) => [Number(x.id), x.value, x.category, x.text]);
    assert.deepEqual(got, await lanceRows(`id = ${id}`));
    assert.equal(got.length, 1);
    lookups.push(store.take());
  }
  const [cold, warm] = lookups as [RecordedRead[], RecordedRead[]];
  assert.equal(bytesReadTwice(cold), 0, JSON.stringify(cold));
  assert.equal(bytesReadTwice([...cold, ...warm]), 0, JSON.stringify(warm));
  assert.ok(!warm.some((x) => x.path.endsWith("page_lookup.lance")), "the page lookup is loaded once");
  // per column one chunk, and the index's values and row ids of one page
  assert.ok(warm.length <= COLUMNS.length + 2, `${warm.length} requests: ${JSON.stringify(warm)}`);
  assert.ok(warm.length < cold.length, `${warm.length} vs ${cold.length}`);
});

test("full-text top 10: no byte fetched twice, and the ten rows taken chunk by chunk", async () => {
  const store = new CountingStore(new LocalFileStore(path));
  const ds = await openDataset(store);
  store.take();
  const ours = await ds.scan({ fullTextSearch: { query: "electric engine" }, limit: 10, columns: ["id"] }).toArrow();
  const theirs = await table.search("electric engine", "fts").select(["id"]).limit(10).toArray();
  assert.equal(ours.numRows, 10);
  assert.equal(theirs.length, 10);
  const reads = store.take();
  assert.equal(bytesReadTwice(reads), 0, JSON.stringify(reads));
  const data = reads.filter((x) => x.path.startsWith("data/"));
  const idColumnBytes = ROWS * 8;
  // the id column is 800 KB; ten rows' chunks (and the file's tail) are a fraction of it
  assert.ok(bytes(data) < idColumnBytes / 2, `${bytes(data)} bytes of data files in ${data.length} requests`);
});
