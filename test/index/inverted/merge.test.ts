// A streamed FTS build whose partitions' documents and token sets fit half the
// budget merges them into one partition: its files hold what the one-partition
// in-memory build's hold (token set, documents, posting blocks and maxima);
// a failure while merging removes every file written; Lance's planner uses a
// merged segment with the rows and scores of its own index, pylance 14's with
// lancets' hits and scores, and a search over it reads one token set, one
// documents file and one posting list per token.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeVector, type Data, type Table } from "apache-arrow";
import { openFileReader } from "../../../src/file/open-file-reader.js";
import type { ObjectStore } from "../../../src/io/object-store.js";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildInverted, buildInvertedStreaming } from "../../../src/index/inverted/build.js";
import type { TrainingData } from "../../../src/index/training.js";
import { LocalFileStore } from "../../../src/node/fs-store.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { batchedInput, listFiles, MiB, SpyStore } from "../../helpers/budget-input.js";
import { CountingStore } from "../../helpers/counting-store.js";
import { connect, lancedb, tablePath } from "../../helpers/oracle.js";
import { pylanceSession } from "../../helpers/pylance.js";
import { textTable } from "../../helpers/text-corpus.js";
import { tempDir } from "../../helpers/tmp.js";

const ROWS = 20_000;

function training(): TrainingData {
  const t = textTable(ROWS, 0);
  return { values: t.getChild("text")!.data[0]!, rowIds: Float64Array.from({ length: ROWS }, (_, i) => Math.floor(i / 15_000) * 2 ** 32 + (i % 15_000)), fragments: [] };
}

/** Every top-level column of a file as plain values (binary as base64), and its schema metadata. */
async function fileContent(store: ObjectStore, path: string): Promise<Record<string, unknown>> {
  const reader = await openFileReader(store, path);
  const top = reader.schema.fields.filter((f) => f.parentId === -1);
  const data = await reader.readFields(top.map((f) => f.id));
  const plain = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
    if (typeof v === "bigint") return String(v);
    if (v !== null && typeof v === "object" && Symbol.iterator in v) return [...(v as Iterable<unknown>)].map(plain);
    return v;
  };
  const out: Record<string, unknown> = {};
  for (const f of top) out[f.name] = [...makeVector(data.get(f.id) as Data)].map(plain);
  out.metadata = Object.fromEntries(Object.entries(reader.schema.metadata).map(([k, v]) => [k, new TextDecoder().decode(v)]));
  return out;
}

describe("FTS partitions merged", () => {
  test("a merged partition holds what the one-partition build writes", async () => {
    const data = training();
    const expected = new MemoryStore();
    await buildInverted(expected, "_indices/seg", data);
    // the same build within a small budget: several partitions, then merged
    const unmerged = new MemoryStore();
    const parts = await buildInvertedStreaming(unmerged, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: MiB });
    assert.ok(parts.files.filter((f) => f.path.endsWith("_docs.lance")).length > 2, "no merge under a 1 MiB budget");
    const store = new MemoryStore();
    const built = await buildInvertedStreaming(store, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: 4 * MiB });
    const names = built.files.map((f) => f.path).sort();
    assert.equal(names.length, 4, names.join(", "));
    const merged = Number(/^part_(\d+)_docs\.lance$/.exec(names[1]!)?.[1]);
    assert.ok(merged > 1, `merged partition ${names[1]} after several`);
    assert.deepEqual(names, ["metadata.lance", `part_${merged}_docs.lance`, `part_${merged}_invert.lance`, `part_${merged}_tokens.lance`]);
    assert.deepEqual(await listFiles(store, "_indices/seg"), names.map((n) => `_indices/seg/${n}`));
    const metadata = await fileContent(store, "_indices/seg/metadata.lance");
    assert.equal((metadata.metadata as Record<string, string>).partitions, `[${merged}]`);
    for (const kind of ["tokens", "docs", "invert"]) {
      assert.deepEqual(await fileContent(store, `_indices/seg/part_${merged}_${kind}.lance`), await fileContent(expected, `_indices/seg/part_0_${kind}.lance`), kind);
    }
  });

  test("a failure while merging removes every file written", async () => {
    const data = training();
    const counting = new SpyStore();
    const built = await buildInvertedStreaming(counting, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: 4 * MiB });
    const merged = Number(/^part_(\d+)_/.exec(built.files[1]!.path)?.[1]);
    // partitions 0..merged-1 write three files each; then the merged partition's three
    for (const failAt of [3 * merged + 1, 3 * merged + 3]) {
      const store = new SpyStore();
      store.failObjectAt = failAt;
      await assert.rejects(buildInvertedStreaming(store, "_indices/seg", batchedInput(data, 5000), {}, { memoryBytes: 4 * MiB }), /injected failure/);
      assert.deepEqual(await listFiles(store, "_indices/seg"), [], `failure at object ${failAt}`);
    }
  });

  test("Lance's planner uses a merged segment with the rows and scores of its own index; a search reads each file once", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const theirs = await db.createTable("theirs", textTable(ROWS, 0));
    await theirs.createIndex("text", { config: lancedb.Index.fts() });
    const ours = await db.createTable("ours", textTable(ROWS, 0));
    const path = tablePath(dir, "ours");
    await (await openDataset(new LocalFileStore(path))).createScalarIndex("text", "FTS", { params: { memoryBytes: 4 * MiB } });
    const ds = await openDataset(new LocalFileStore(path));
    const seg = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
    assert.equal(seg.files.filter((f) => f.path.endsWith("_docs.lance")).length, 1);
    assert.ok(!seg.files.some((f) => f.path.startsWith("part_0_")), seg.files.map((f) => f.path).join(", "));
    await ours.checkoutLatest();
    const results = async (t: typeof theirs, q: string) => new Map((await t.search(q, "fts").select(["id", "_score"]).limit(100_000).toArray()).map((r) => [String(r.id), r._score as number]));
    for (const q of ["running", "search index", "the table", "café", "generous operating electric"]) {
      assert.match(await ours.search(q, "fts").explainPlan(true), /MatchQuery: column=text/);
      const expected = await results(theirs, q);
      assert.ok(expected.size > 0, q);
      const got = await results(ours, q);
      assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${q}: rows`);
      for (const [id, s] of expected) assert.ok(Math.abs(got.get(id)! - s) <= 1e-5 * Math.max(1, s), `${q}: row ${id} scores ${got.get(id)} vs ${s}`);
      // lancets over the merged segment: the same rows and scores, each index file opened once
      const store = new CountingStore(new LocalFileStore(path));
      const mine = await (await openDataset(store)).scan({ fullTextSearch: { query: q }, columns: ["id"], limit: 100_000 }).toArrow();
      const mineScores = new Map(Array.from(mine.getChild("id")!.toArray() as BigInt64Array, (id, k) => [String(id), (mine.getChild("_score")!.toArray() as Float32Array)[k]!]));
      assert.deepEqual([...mineScores.keys()].sort(), [...expected.keys()].sort(), `${q}: lancets' rows`);
      const files = new Set(store.take().filter((r) => r.path.startsWith("_indices/") && /_(tokens|docs)\.lance$/.test(r.path)).map((r) => r.path));
      assert.equal(files.size, 2, [...files].join(", "));
    }
  });
});

const session = pylanceSession("lancets-fts-merge-");

describe("pylance 14 searches a merged FTS segment", { skip: session.skip }, () => {
  test("with lancets' hits and scores", async () => {
    const db = await connect(session.dir);
    await db.createTable("merged", textTable(ROWS, 0));
    const uri = tablePath(session.dir, "merged");
    const ds = await (await openDataset(new LocalFileStore(uri))).createScalarIndex("text", "FTS", { params: { memoryBytes: 4 * MiB } });
    const seg = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
    assert.ok(!seg.files.some((f) => f.path.startsWith("part_0_")), seg.files.map((f) => f.path).join(", "));
    for (const query of ["running", "search index", "café"]) {
      const plan = await session.py.explain(uri, { full_text_query: query, columns: ["id"] });
      assert.match(plan, /MatchQuery|BooleanQuery/, plan);
      assert.doesNotMatch(plan, /FlatMatchQuery/, `${query}: pylance searched without the index: ${plan}`);
      const theirs = await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: 100_000 });
      const ours = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 100_000 }).toArrow();
      assert.ok(theirs.numRows > 0, `${query} finds rows`);
      const scores = (t: Table): Map<string, number> => new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
      const a = scores(ours);
      const b = scores(theirs);
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${query}: rows`);
      for (const [id, sc] of b) assert.ok(Math.abs(a.get(id)! - sc) <= 1e-5 * Math.max(1, Math.abs(sc)), `${query}: row ${id} lancets ${a.get(id)} pylance ${sc}`);
    }
  });
});
