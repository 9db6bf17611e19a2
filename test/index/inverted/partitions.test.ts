// FTS segments built within a memory budget: a partition is written each time
// the budget fills, the partitions together hold exactly the documents and
// postings of the one-partition in-memory build, Lance's planner uses such a
// segment and finds the rows and scores of its own index and of lancets'
// one-partition segment; files are removed after a failure; a budget below
// the minimum is INVALID_INPUT. Under a small budget a partition's posting
// file is written in several pages, which lancets and Lance both read.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { makeVector, Utf8, vectorFromArray, type Data } from "apache-arrow";
import type { LanceFileReader } from "../../../src/file/file-reader.js";
import { openFileReader } from "../../../src/file/open-file-reader.js";
import type { ObjectStore } from "../../../src/io/object-store.js";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildInverted, buildInvertedStreaming } from "../../../src/index/inverted/build.js";
import { openInvertedSegment } from "../../../src/index/inverted/read.js";
import type { BuiltSegmentFiles } from "../../../src/index/segment.js";
import type { TrainingData } from "../../../src/index/training.js";
import type { IndexMetadata } from "../../../src/format/table/types.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { batchedInput, isInvalidInput, listFiles, MiB, SpyStore } from "../../helpers/budget-input.js";
import { connect, lancedb, rng, tablePath } from "../../helpers/oracle.js";
import { textTable, vocabulary } from "../../helpers/text-corpus.js";
import { tempDir } from "../../helpers/tmp.js";

function texts(n: number, seed: number): Data {
  const next = rng(seed);
  const vocab = vocabulary();
  // rare words too, so that partitions have different vocabularies
  const word = (): string => (next() < 0.1 ? `w${Math.floor(next() * 20_000)}` : vocab[Math.floor(next() * vocab.length)]!);
  return vectorFromArray(
    Array.from({ length: n }, (_, i) => (i % 53 === 7 ? null : i % 61 === 9 ? "" : Array.from({ length: 2 + Math.floor(next() * 20) }, word).join(" "))),
    new Utf8(),
  ).data[0]!;
}

/** The most pages a column of a segment's part_N_invert.lance files has. */
async function invertPages(store: ObjectStore, dir: string, files: { path: string }[]): Promise<number> {
  let most = 0;
  for (const f of files.filter((f) => f.path.endsWith("_invert.lance"))) {
    const reader = (await openFileReader(store, `${dir}/${f.path}`)) as LanceFileReader;
    most = Math.max(most, ...reader.columnPageCounts());
  }
  return most;
}

/** Per token the (row id, frequency) pairs over all partitions, and per row id its token count. */
async function content(store: MemoryStore, built: BuiltSegmentFiles): Promise<{ partitions: number; postings: Map<string, string>; docs: Map<number, number> }> {
  const meta = { uuid: "seg", files: built.files, name: "text_idx", fields: [], datasetVersion: 1, fragmentBitmap: undefined } as unknown as IndexMetadata;
  const seg = await openInvertedSegment(store, meta);
  const postings = new Map<string, [number, number][]>();
  const docs = new Map<number, number>();
  const tokensFile = async (pid: number): Promise<string[]> => {
    const reader = await openFileReader(store, `_indices/seg/part_${pid}_tokens.lance`);
    const field = reader.schema.fields.find((f) => f.name === "_token")!;
    const data = (await reader.readFields([field.id])).get(field.id)!;
    return [...makeVector(data)] as string[];
  };
  for (const [pid, p] of seg.partitions.entries()) {
    p.rowIds.forEach((rowId, d) => {
      assert.ok(!docs.has(rowId), `row ${rowId} in two partitions`);
      docs.set(rowId, p.numTokens[d]!);
    });
    for (const token of await tokensFile(pid)) {
      const id = p.tokens.get(token)!;
      const { docIds, freqs } = await p.postings(id);
      const list = postings.get(token) ?? [];
      docIds.forEach((d, k) => list.push([p.rowIds[d]!, freqs[k]!]));
      postings.set(token, list);
    }
  }
  const flat = new Map([...postings].map(([t, l]) => [t, JSON.stringify(l.sort((a, b) => a[0] - b[0]))]));
  return { partitions: seg.partitions.length, postings: flat, docs };
}

const training = (): TrainingData => {
  const n = 40_000;
  return { values: texts(n, 3), rowIds: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 15_000) * 2 ** 32 + (i % 15_000)), fragments: [] };
};

describe("FTS within a memory budget", () => {
  test("partitions written as the budget fills hold the in-memory build's documents and postings", async () => {
    const data = training();
    const expected = new MemoryStore();
    const whole = await buildInverted(expected, "_indices/seg", data);
    const want = await content(expected, whole);
    assert.equal(want.partitions, 1);
    const store = new MemoryStore();
    const built = await buildInvertedStreaming(store, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: MiB });
    const got = await content(store, built);
    assert.ok(got.partitions >= 4, `${got.partitions} partitions`);
    assert.ok((await invertPages(store, "_indices/seg", built.files)) > 1, "posting files of several pages");
    assert.equal(await invertPages(expected, "_indices/seg", whole.files), 1);
    assert.deepEqual(await listFiles(store, "_indices/seg"), built.files.map((f) => `_indices/seg/${f.path}`).sort());
    assert.deepEqual(got.docs, want.docs);
    assert.equal(got.postings.size, want.postings.size);
    assert.deepEqual(got.postings, want.postings);
    // with a budget the data fits, one partition equal to the in-memory build's files
    const roomy = new MemoryStore();
    const one = await buildInvertedStreaming(roomy, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: 256 * MiB });
    assert.deepEqual(one.files, whole.files);
    for (const f of whole.files) assert.deepEqual(await roomy.read(`_indices/seg/${f.path}`), await expected.read(`_indices/seg/${f.path}`), f.path);
  });

  test("a failure removes the partitions written", async () => {
    const data = training();
    for (const failAt of [2, 7]) {
      const store = new SpyStore();
      store.failObjectAt = failAt;
      await assert.rejects(buildInvertedStreaming(store, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: MiB }), /injected failure/);
      assert.deepEqual(await listFiles(store, "_indices/seg"), []);
    }
  });

  test("a budget below the minimum is INVALID_INPUT naming it", async () => {
    for (const memoryBytes of [0, 1000, MiB - 1, NaN]) {
      await assert.rejects(buildInvertedStreaming(new MemoryStore(), "seg", batchedInput(training(), 5000), {}, { memoryBytes }), isInvalidInput(/memoryBytes must be .* at least 1048576/));
    }
  });
});

describe("FTS segments of several partitions in Lance", () => {
  type Db = Awaited<ReturnType<typeof connect>>;
  let db: Db;
  let dir: string;
  const make = async (name: string) => {
    const t = await db.createTable(name, textTable(6000, 0));
    for (let k = 1; k < 4; k++) await t.add(textTable(6000, k * 6000));
    await t.delete("id % 97 = 3");
    return t;
  };
  before(async () => {
    dir = tempDir();
    db = await connect(dir);
  });

  test("Lance's planner uses a segment of several partitions with the rows and scores of one partition and of its own index", async () => {
    const theirs = await make("theirs");
    await theirs.createIndex("text", { config: lancedb.Index.fts() });
    const tables = { parts: await make("parts"), one: await make("one") };
    for (const [name, memoryBytes] of [["parts", MiB], ["one", 256 * MiB]] as const) {
      const ds = await openDataset(tablePath(dir, name));
      const seg = await ds.createIndexUncommitted("text", "FTS", { fragmentIds: ds.manifest.fragments.map((f) => f.id), params: { memoryBytes } });
      const partitions = seg.files.filter((f) => f.path.endsWith("_docs.lance")).length;
      const pages = await invertPages(ds.store, `_indices/${seg.uuid}`, seg.files);
      if (name === "parts") {
        assert.ok(partitions >= 3, `${partitions} partitions`);
        assert.ok(pages > 1, `posting files of ${pages} pages`);
      } else assert.equal(partitions, 1);
      await ds.commitExistingIndexSegments("text_idx", "text", [seg]);
      await tables[name].checkoutLatest();
    }
    const results = async (t: typeof theirs, q: string) => new Map((await t.search(q, "fts").select(["id", "_score"]).limit(100_000).toArray()).map((r) => [String(r.id), r._score as number]));
    for (const q of ["running", "search index", "the table", "café", "covid 19", "generous operating electric", "tokenization"]) {
      assert.match(await tables.parts.search(q, "fts").explainPlan(true), /MatchQuery: column=text/);
      const expected = await results(theirs, q);
      assert.ok(expected.size > 0, q);
      for (const t of [tables.parts, tables.one]) {
        const got = await results(t, q);
        assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${q}: rows`);
        for (const [id, s] of expected) assert.ok(Math.abs(got.get(id)! - s) <= 1e-5 * Math.max(1, s), `${q}: row ${id} scores ${got.get(id)} vs ${s}`);
      }
    }
  });
});
