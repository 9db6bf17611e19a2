// What a full scan costs in store requests on a table Lance wrote: the chunk
// metadata of a mini-block page comes in the same request as the first chunks
// a window needs (never in a request of its own), every value byte is fetched
// about once, and the values equal Lance's.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { bytesReadTwice, CountingStore } from "../helpers/counting-store.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

const ROWS = 50_000;
let path: string;
let lanceRows: Record<string, unknown>[];

before(async () => {
  const dir = tempDir();
  const r = rng(5);
  const data = new Table({
    id: vectorFromArray(BigInt64Array.from({ length: ROWS }, (_, i) => BigInt((i * 7919) % ROWS)) as never, new Int64()),
    value: vectorFromArray(Float64Array.from({ length: ROWS }, () => Math.round(r() * 1e6) / 100) as never, new Float64()),
    category: vectorFromArray(Array.from({ length: ROWS }, (_, i) => `cat-${String((i * 31) % 1000).padStart(4, "0")}`), new Utf8()),
    text: textTable(ROWS, 0).getChild("text")!,
  });
  const db = await connect(dir);
  const t = await db.createTable("t", data);
  path = tablePath(dir, "t");
  lanceRows = (await t.query().where("id < 50").toArray()).map((row) => ({ id: Number(row.id), value: row.value, category: row.category, text: row.text }));
});

test("a full scan fetches no chunk metadata on its own, and each value byte about once", async () => {
  const store = new CountingStore(new LocalFileStore(path));
  const ds = await openDataset(store);
  const file = `data/${ds.manifest.fragments[0]!.files[0]!.path}`;
  const reader = await LanceFileReader.open(new LocalFileStore(path), file);
  const metaRanges = reader.columns.flatMap((c) => c.pages.filter((p) => p.bufferOffsets.length >= 2).map((p) => ({ start: p.bufferOffsets[0]!, end: p.bufferOffsets[0]! + p.bufferSizes[0]! })));
  const pages = reader.columns.reduce((n, c) => n + c.pages.length, 0);
  assert.ok(metaRanges.length >= 4, `${metaRanges.length} pages with chunk metadata`);
  store.take();
  let rows = 0;
  const mine: Record<string, unknown>[] = [];
  for await (const batch of ds.scan({ columns: ["id", "value", "category", "text"], batchSize: 65536 })) {
    rows += batch.numRows;
    for (const row of batch.toArray()) if (Number(row.id) < 50) mine.push({ id: Number(row.id), value: row.value, category: row.category, text: row.text });
  }
  assert.equal(rows, ROWS);
  const byId = (a: Record<string, unknown>, b: Record<string, unknown>): number => (a.id as number) - (b.id as number);
  assert.deepEqual(mine.sort(byId), lanceRows.sort(byId));

  const reads = store.take().filter((r) => r.path === file && r.op === "readRange");
  const tail = reads.filter((r) => r.byteOffset! + r.byteLength! === reader.fileSize);
  assert.equal(tail.length, 1, "one read of the file's tail");
  for (const r of reads) {
    if (tail.includes(r)) continue;
    const end = r.byteOffset! + r.byteLength!;
    assert.ok(!metaRanges.some((m) => r.byteOffset! >= m.start && end <= m.end), `read ${r.byteOffset}+${r.byteLength} holds nothing but chunk metadata`);
  }
  // a page's first read guesses the bytes its first window needs; what it fetched past them is fetched again
  const twice = bytesReadTwice(reads);
  assert.ok(twice <= pages * 8 * 1024, `${twice} bytes fetched twice over ${pages} pages`);
  const fetched = reads.reduce((n, r) => n + r.byteLength!, 0);
  assert.ok(fetched <= reader.fileSize + pages * 8 * 1024, `${fetched} bytes fetched of a ${reader.fileSize}-byte file`);
  // requests: the tail, then per page at most one for each window reaching it (its metadata rides along)
  assert.ok(reads.length <= 1 + 2 * pages + 2, `${reads.length} requests for ${pages} pages`);
});
