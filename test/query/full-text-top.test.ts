// Top-k full-text searches, which prune with block-max WAND, against the
// whole ranking (every matching row, scored without pruning, best first, ties
// by row address) and against Lance: a word in every document (a posting list
// of many blocks), hundreds of documents with equal scores, deleted rows,
// rows appended after the index (searched flat), and indexes of one segment
// (Lance's), of four segments and of several partitions (lancets'). The best k
// rows are the first k of the whole ranking, and their scores are Lance's.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openInvertedSegment } from "../../src/index/inverted/read.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, lancedb, rng, tablePath } from "../helpers/oracle.js";
import { vocabulary } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

const PER_FRAGMENT = 1500;
const QUERIES = ["common", "common alpha", "alpha beta", "running search", "common running index data", "beta"];
const LIMITS = [1, 5, 10, 37];

function corpus(start: number, n: number): Table {
  const r = rng(start + 5);
  const vocab = vocabulary();
  const texts = Array.from({ length: n }, (_, i) => {
    // a third of the documents are the same three words: their scores tie
    if ((start + i) % 3 === 0) return "common alpha beta";
    const words = Array.from({ length: 2 + Math.floor(r() * 12) }, () => vocab[Math.floor(r() * vocab.length)]!);
    return ["common", ...words].join(" ");
  });
  return new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()), text: vectorFromArray(texts, new Utf8()) });
}

const dir = tempDir();
type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;
const tables = new Map<string, LanceTable>();

async function build(name: string): Promise<LanceTable> {
  const db = await connect(dir);
  const t = await db.createTable(name, corpus(0, PER_FRAGMENT));
  for (let k = 1; k < 4; k++) await t.add(corpus(k * PER_FRAGMENT, PER_FRAGMENT));
  await t.delete("id % 13 = 5");
  return t;
}

before(async () => {
  const lance = await build("lance");
  await lance.createIndex("text", { config: lancedb.Index.fts() });
  tables.set("lance", lance);
  const segments = await build("segments");
  await (await openDataset(tablePath(dir, "segments"))).createScalarIndex("text", "FTS", { fragmentGroupSize: 1 });
  tables.set("segments", segments);
  const partitions = await build("partitions");
  await (await openDataset(tablePath(dir, "partitions"))).createScalarIndex("text", "FTS", { params: { memoryBytes: 1024 * 1024 } });
  tables.set("partitions", partitions);
  const appended = await build("appended");
  await (await openDataset(tablePath(dir, "appended"))).createScalarIndex("text", "FTS", { fragmentGroupSize: 2 });
  await appended.add(corpus(4 * PER_FRAGMENT, 300));
  tables.set("appended", appended);
});

async function ranking(name: string, query: string, limit: number): Promise<[string, number][]> {
  const ds = await openDataset(tablePath(dir, name));
  const t = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit }).toArrow();
  return Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]);
}

describe("top-k full-text search", () => {
  for (const name of ["lance", "segments", "partitions", "appended"]) {
    test(`${name}: the best k rows are the first k of the whole ranking, with Lance's scores`, async () => {
      const ds = await openDataset(tablePath(dir, name));
      const segments = ds.indices.filter((i) => ds.snapshot.indexType(i) === "FTS");
      const partitions = (await Promise.all(segments.map((s) => openInvertedSegment(ds.store, s)))).reduce((n, s) => n + s.partitions.length, 0);
      if (name === "segments") assert.equal(segments.length, 4);
      if (name === "partitions") assert.ok(partitions > 1, `${partitions} partitions`);
      if (name === "appended") assert.ok(ds.describeIndices()[0]!.numUnindexedRows > 0);
      const table = tables.get(name)!;
      await table.checkoutLatest();
      for (const query of QUERIES) {
        const whole = await ranking(name, query, 100_000);
        assert.ok(whole.length > 40, `${query}: ${whole.length} rows`);
        if (query === "common") {
          assert.ok(whole.length > 5000, "a posting list of many blocks");
          assert.ok(new Set(whole.map(([, s]) => s)).size < whole.length / 2, "many equal scores");
        }
        for (const limit of LIMITS) {
          const top = await ranking(name, query, limit);
          assert.deepEqual(top, whole.slice(0, limit), `${name}: ${query}, top ${limit}`);
          const theirs = (await table.search(query, "fts").select(["id"]).limit(limit).toArray()).map((r) => r._score as number);
          assert.equal(theirs.length, top.length);
          top.forEach(([, s], i) => assert.ok(Math.abs(s - theirs[i]!) <= 1e-5 * Math.max(1, s), `${name}: ${query}, rank ${i} of ${limit}: ${s} vs Lance ${theirs[i]}`));
        }
      }
    });
  }
});
