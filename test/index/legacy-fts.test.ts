// The full-text layout before metadata.lance (tokens.lance, docs.lance,
// invert.lance): Lance 0.27's own segment from the compatibility corpus and
// one written here in that layout are searched with Lance 12's rows and BM25
// scores; optimize rebuilds such an index whole, as Lance does.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Float32, makeData, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { writeArrowFile } from "../../src/file/file-writer.js";
import { tableOf, uint32Data, uint64Data } from "../../src/index/arrow-columns.js";
import { DEFAULT_TOKENIZER_PARAMS, Tokenizer } from "../../src/index/inverted/tokenizer.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { assertSameScores, corpus, editIndices, oursFts, theirsFts } from "../helpers/index-compat.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

describe("the full-text layout before metadata.lance (Lance 0.27)", () => {
  test("rows and BM25 scores equal Lance's", async (t) => {
    const c = await corpus(t, "0.27.0/legacy_fts_index");
    if (!c) return;
    const [index] = c.ds.describeIndices();
    assert.equal(index?.indexType, "FTS");
    assert.equal(index.segments[0]!.files.length, 0, "the manifest lists no files; the layout is found in the directory");
    const counts: Record<string, number> = {};
    for (const q of ["puppy", "happy", "frodo", "puppy tail", "PUPPY", "dog", "happy frodo with"]) {
      const ours = await oursFts(c.ds, q);
      assertSameScores(ours, await theirsFts(c.table, q), q);
      counts[q] = ours.size;
    }
    assert.equal(counts.puppy, 3);
    assert.equal(counts.happy, 1);
    assert.equal(counts.dog, 0);
    // the tokenizer comes from tokens.lance (lower case), not the empty details in the manifest
    assert.equal(counts.PUPPY, 3);
  });

  test("optimize rebuilds it whole, as Lance does, and Lance then searches it like lancets", async (t) => {
    const c = await corpus(t, "0.27.0/legacy_fts_index");
    if (!c) return;
    await c.table.add(new Table({ text: vectorFromArray(["Puppy love", "a HAPPY dog", "the Puppies"], new Utf8()) }));
    const { dataset, indices } = await (await openDataset(c.path)).optimizeIndices();
    assert.equal(indices[0]!.fragmentsScanned, 2, "both fragments indexed again");
    const [index] = dataset.describeIndices();
    assert.equal(index!.segments.length, 1);
    assert.deepEqual(index!.segments[0]!.fragmentIds, [0, 1]);
    await c.table.checkoutLatest();
    for (const q of ["puppy", "happy", "dog", "HAPPY frodo"]) {
      const ours = await oursFts(dataset, q);
      assert.ok(ours.size > 0, q);
      assertSameScores(ours, await theirsFts(c.table, q), q);
    }
  });

  test("a filter ranks only the rows it matches, as Lance's prefilter does", async (t) => {
    const c = await corpus(t, "0.27.0/legacy_fts_index");
    if (!c) return;
    const ours = await c.ds.scan({ fullTextSearch: { query: "puppy" }, filter: "text LIKE '%tail'", withRowAddress: true }).toArrow();
    const theirs = await c.table.search("puppy", "fts").where("text LIKE '%tail'").withRowId().toArray();
    assert.deepEqual(
      ours.toArray().map((r) => String(r._rowaddr)),
      theirs.map((r) => String(r._rowid)),
    );
    assert.equal(ours.numRows, 1);
  });
});

/**
 * Writes a full-text segment in the layout before metadata.lance over the
 * rows of `table` (row address -> text), tokenized with Lance's defaults
 * (tokens.lance carries no tokenizer parameters), documents in reverse order,
 * token ids in order of first appearance.
 */
async function writeLegacySegment(path: string, uuid: string, docs: [rowAddress: number, text: string][], invertMetadata?: Record<string, string>): Promise<void> {
  const tokenizer = new Tokenizer(DEFAULT_TOKENIZER_PARAMS);
  const ids = new Map<string, number>();
  const postings: Map<number, number>[] = [];
  const lengths: number[] = [];
  for (const [row, text] of docs) {
    const tokens = tokenizer.tokenize(text);
    lengths.push(tokens.length);
    for (const token of tokens) {
      let id = ids.get(token);
      if (id === undefined) {
        ids.set(token, (id = ids.size));
        postings.push(new Map());
      }
      postings[id]!.set(row, (postings[id]!.get(row) ?? 0) + 1);
    }
  }
  const store = new LocalFileStore(path);
  const dir = `_indices/${uuid}`;
  const encoder = new TextEncoder();
  const sorted = [...ids].sort(([a], [b]) => Buffer.compare(encoder.encode(a), encoder.encode(b)));
  await writeArrowFile(
    store,
    `${dir}/tokens.lance`,
    tableOf([
      { name: "_token", data: vectorFromArray(sorted.map(([t]) => t), new Utf8()).data[0]!, nullable: false },
      { name: "_token_id", data: uint32Data(sorted.map(([, id]) => id)), nullable: false },
    ]),
    { fileVersion: "2.0" },
  );
  const reversed = docs.map(([row], i) => [row, lengths[i]!] as const).reverse();
  await writeArrowFile(
    store,
    `${dir}/docs.lance`,
    tableOf([
      { name: "_rowid", data: uint64Data(reversed.map(([row]) => row)), nullable: false },
      { name: "_num_tokens", data: uint32Data(reversed.map(([, n]) => n)), nullable: false },
    ]),
    { fileVersion: "2.0" },
  );
  const rows: number[] = [];
  const freqs: number[] = [];
  const offsets: number[] = [];
  for (const list of postings) {
    offsets.push(rows.length);
    for (const [row, freq] of [...list].sort(([a], [b]) => a - b)) {
      rows.push(row);
      freqs.push(freq);
    }
  }
  await writeArrowFile(
    store,
    `${dir}/invert.lance`,
    tableOf([
      { name: "_rowid", data: uint64Data(rows), nullable: false },
      { name: "_frequency", data: makeData({ type: new Float32(), length: freqs.length, nullCount: 0, data: Float32Array.from(freqs) }), nullable: false },
    ]),
    { fileVersion: "2.0", metadata: invertMetadata ?? { offsets: JSON.stringify(offsets) } },
  );
}

describe("a full-text segment in the older layout written here", () => {
  test("Lance 12 and lancets rank alike: default tokenizer, unsorted documents, repeated tokens, deleted rows", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const table = await db.createTable("t", textTable(300, 0));
    for (let k = 1; k < 3; k++) await table.add(textTable(300, k * 300));
    const path = tablePath(dir, "t");
    const all = await table.query().select(["text"]).withRowId().toArray();
    const docs = all.filter((r) => r.text !== null).map((r) => [Number(r._rowid), r.text as string] as [number, string]);
    const uuid = "6f1c0b9e-8d2a-4c57-9e3b-0a1b2c3d4e5f";
    await writeLegacySegment(path, uuid, docs);
    const textField = (await openDataset(path)).manifest.fields.find((f) => f.name === "text")!.id;
    editIndices(path, (indices) => {
      indices.push({
        uuid,
        fields: [textField],
        name: "text_idx",
        datasetVersion: 3,
        fragmentIds: [0, 1, 2],
        indexDetails: { typeUrl: "/lance.table.InvertedIndexDetails", value: new Uint8Array(0) },
        indexVersion: 0,
        files: [],
        coveringFields: [],
      });
    });
    // deleted rows stay in the index's statistics, in Lance's and in lancets'
    await table.checkoutLatest();
    await table.delete("id % 10 = 3");
    const ds = await openDataset(path);
    assert.equal(ds.describeIndices()[0]!.indexType, "FTS");
    let matched = 0;
    for (const q of ["running", "the table", "searches indexing", "café", "ECOLE", "h2o", "merge commit version", "hopeful generous", "ourselves"]) {
      const ours = await oursFts(ds, q);
      assertSameScores(ours, await theirsFts(table, q), q);
      matched += ours.size;
    }
    assert.ok(matched > 100, `${matched} hits`);
  });

  test("posting offsets that do not fit invert.lance are refused as corrupt", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("t", textTable(50, 0));
    const path = tablePath(dir, "t");
    const ds0 = await openDataset(path);
    const uuid = "0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
    const docs = (await ds0.scan({ columns: ["text"], withRowAddress: true }).toArrow()).toArray().filter((r) => r.text !== null).map((r) => [Number(r._rowaddr), r.text as string] as [number, string]);
    await writeLegacySegment(path, uuid, docs, { offsets: "[0, 5, 3]" });
    editIndices(path, (indices) => {
      indices.push({ uuid, fields: [ds0.manifest.fields.find((f) => f.name === "text")!.id], name: "text_idx", datasetVersion: 1, fragmentIds: [0], indexDetails: { typeUrl: "/lance.table.InvertedIndexDetails", value: new Uint8Array(0) }, indexVersion: 0, files: [], coveringFields: [] });
    });
    const ds = await openDataset(path);
    await assert.rejects(
      ds.scan({ fullTextSearch: { query: "running" } }).toArrow(),
      (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /invert\.lance.*posting list offsets that do not rise/.test(e.message),
    );
  });
});
