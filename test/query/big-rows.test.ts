// More than 2^24 rows in one fragment and one index segment: the row sets,
// vocabularies and distinct-value groups that JS Maps and Sets cannot hold
// (V8 caps them at 2^24 entries). Writes about 400 MB and takes minutes, so it
// runs only with LANCETS_BIG_ROWS=1 (npm run test:big-rows).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int32, makeData, RecordBatch, Schema, Field, Struct, Utf8 } from "apache-arrow";
import type { Dataset } from "../../src/lancets.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { tempDir } from "../helpers/tmp.js";
import { join } from "node:path";

const skip = process.env.LANCETS_BIG_ROWS ? false : "writes 2^24 + 16 rows and indexes them; set LANCETS_BIG_ROWS=1 to run";
const N = 2 ** 24 + 16;
const BATCH_ROWS = 1 << 20;
const schema = new Schema([new Field("id", new Int32(), false), new Field("key", new Int32(), false), new Field("text", new Utf8(), false)]);

/** Rows start..end: id and key = row number, text = "x<row in base 36> common" (no stop word starts with x). */
function batch(start: number, end: number): RecordBatch {
  const n = end - start;
  const ids = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(n * 16);
  const suffix = new TextEncoder().encode(" common");
  let at = 0;
  for (let i = 0; i < n; i++) {
    ids[i] = start + i;
    bytes[at++] = 0x78; // x
    for (const c of (start + i).toString(36)) bytes[at++] = c.charCodeAt(0);
    bytes.set(suffix, at);
    at += suffix.length;
    offsets[i + 1] = at;
  }
  const id = makeData({ type: new Int32(), length: n, nullCount: 0, data: ids });
  const key = makeData({ type: new Int32(), length: n, nullCount: 0, data: ids.slice() });
  const text = makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes.slice(0, at) });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [id, key, text] }));
}

function* batches(): Generator<RecordBatch> {
  for (let start = 0; start < N; start += BATCH_ROWS) yield batch(start, Math.min(N, start + BATCH_ROWS));
}

describe("more than 2^24 rows", { skip }, () => {
  let ds: Dataset;

  before(async () => {
    const path = join(tempDir(), "big.lance");
    await writeDataset(path, batches(), { maxRowsPerFile: N });
    ds = await openDataset(path);
    assert.equal(ds.fragments().length, 1);
    ds = await ds.createScalarIndex("id", "BTREE");
    ds = await ds.createScalarIndex("key", "BITMAP");
    ds = await ds.createScalarIndex("text", "FTS");
  });

  test("a BTREE answers a filter matching every row of a 2^24 + 16 row fragment", async () => {
    assert.match(await ds.explain("id >= 0"), /BTREE index/);
    assert.equal(await ds.countRows("id >= 0"), N);
    assert.equal(await ds.countRows("id >= 0 AND id < 10"), 10);
  });

  test("a BITMAP index over 2^24 + 16 distinct values", async () => {
    assert.match(await ds.explain("key = 5"), /BITMAP index/);
    assert.equal(await ds.countRows(`key = ${N - 1}`), 1);
    assert.equal(await ds.countRows("key < 100 OR key > 16777210"), 100 + (N - 16777211));
  });

  test("full-text search: a vocabulary of 2^24 + 17 tokens, a prefilter matching every row", async () => {
    const last = await ds.scan({ fullTextSearch: { query: `x${(N - 1).toString(36)}` }, columns: ["id"], limit: 5 }).toArrow();
    assert.deepEqual([...last.getChild("id")!.toArray()], [N - 1]);
    const top = await ds.scan({ fullTextSearch: { query: "common" }, filter: "id >= 3", columns: ["id"], limit: 3 }).toArrow();
    assert.deepEqual([...top.getChild("id")!.toArray()], [3, 4, 5]);
  });

  test("take of every row", async () => {
    const addresses = new Float64Array(N);
    for (let i = 0; i < N; i++) addresses[i] = N - 1 - i;
    const rows = await ds.take(addresses, { columns: ["id"] });
    assert.equal(rows.numRows, N);
    const ids = rows.getChild("id")!;
    assert.equal(ids.get(0), N - 1);
    assert.equal(ids.get(N - 1), 0);
  });
});
