// Index segments written by older and newer Lance versions: the old full-text
// layout without metadata.lance, segments without index details (their kind
// found from their files, as Lance does), details under the lance.index.pb
// type name, old BITMAP and BTREE segments, vector indexes lancets does not
// use, and segments whose index_version is newer than lancets reads (never
// used; explain says so). Everything is checked against lancedb (Lance 12):
// rows, scores, and whether its planner uses the same index.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { Float32, Int64, makeData, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { writeArrowFile } from "../../src/file/file-writer.js";
import { tableOf, uint32Data, uint64Data } from "../../src/index/arrow-columns.js";
import { DEFAULT_TOKENIZER_PARAMS, Tokenizer } from "../../src/index/inverted/tokenizer.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { indexTypeName } from "../../src/format/index/index-type.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import type { IndexMetadata } from "../../src/format/table/types.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/table/dataset.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["openTable"]>>;

const COMPAT = process.env.LANCE_COMPAT_DATA;
const NO_CORPUS = "LANCE_COMPAT_DATA is not set (it names the folder holding Lance's test_data/ compatibility corpus)";

/** A temporary copy of a corpus dataset, opened by lancets and by lancedb; undefined (test skipped) without the corpus. */
async function corpus(t: TestContext, relative: string): Promise<{ ds: Dataset; table: LanceTable; path: string } | undefined> {
  if (!COMPAT) {
    t.skip(NO_CORPUS);
    return undefined;
  }
  const path = copyDataset(join(COMPAT, "test_data", relative));
  return { path, ...(await open(path)) };
}

async function open(path: string): Promise<{ ds: Dataset; table: LanceTable }> {
  const db = await connect(dirname(path));
  return { ds: await openDataset(path), table: await db.openTable(basename(path).replace(/\.lance$/, "")) };
}

function json(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

function rowsOf(t: Table): string[] {
  return t
    .toArray()
    .map((r) => json(r.toJSON()))
    .sort();
}

/** Rows matching `filter` in lancets and in lancedb, which must be equal. */
async function assertSameRows(ds: Dataset, table: LanceTable, filter: string): Promise<number> {
  const ours = rowsOf(await ds.scan({ filter }).toArrow());
  const theirs = rowsOf(await table.query().where(filter).toArrow());
  assert.deepEqual(ours, theirs, `rows of ${filter}`);
  return ours.length;
}

async function lanceIndexUse(table: LanceTable, filter: string): Promise<string | undefined> {
  return /ScalarIndexQuery: query=.*?@(\w+\(\w+\))/.exec(await table.query().where(filter).explainPlan(true))?.[1];
}

/** Full-text hits as row address -> score, best first. */
async function oursFts(ds: Dataset, query: string): Promise<Map<string, number>> {
  const t = await ds.scan({ fullTextSearch: { query }, withRowAddress: true, limit: 10_000 }).toArrow();
  const out = new Map<string, number>();
  for (let i = 0; i < t.numRows; i++) out.set(String(t.getChild("_rowaddr")!.get(i)), t.getChild("_score")!.get(i) as number);
  return out;
}

async function theirsFts(table: LanceTable, query: string): Promise<Map<string, number>> {
  const rows = await table.search(query, "fts").withRowId().limit(10_000).toArray();
  return new Map(rows.map((r) => [String(r._rowid), r._score as number]));
}

function assertSameScores(ours: Map<string, number>, theirs: Map<string, number>, label: string): void {
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${label}: rows`);
  for (const [row, score] of theirs) {
    const mine = ours.get(row)!;
    assert.ok(Math.abs(mine - score) <= 1e-5 * Math.max(1, Math.abs(score)), `${label}: row ${row} scores ${mine}, Lance ${score}`);
  }
}

/** Rewrites the latest manifest of the dataset at `path` after `edit` changes its index entries. */
function editIndices(path: string, edit: (indices: IndexMetadata[]) => void): void {
  const dir = join(path, "_versions");
  const files = readdirSync(dir).filter((f) => f.endsWith(".manifest"));
  const decoded = files.map((f) => ({ f, m: decodeManifestFile(readFileSync(join(dir, f)), f) }));
  const latest = decoded.reduce((a, b) => (b.m.manifest.version > a.m.manifest.version ? b : a));
  edit(latest.m.indices);
  writeFileSync(join(dir, latest.f), encodeManifestFile(latest.m));
}

/** Lancets either answers like Lance or refuses with a LanceError (files it cannot read yet), never anything else. */
async function sameRowsOrClearError(ds: Dataset, table: LanceTable, filter: string): Promise<"same" | LanceError> {
  try {
    await assertSameRows(ds, table, filter);
    return "same";
  } catch (err) {
    if (err instanceof LanceError) return err;
    throw err;
  }
}

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

describe("segments without index details", () => {
  test("the BTREE of Lance 0.18 is a BTREE (its page files are in the legacy file format)", async (t) => {
    const c = await corpus(t, "v0.18.2/index_no_details.lance");
    if (!c) return;
    const [index] = c.ds.describeIndices();
    assert.equal(index?.indexType, "BTREE");
    assert.equal(index.typeUrl, "");
    for (const filter of ["id > 50", "id = 7", "id BETWEEN 10 AND 12"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "id_idx(BTree)", filter);
      const outcome = await sameRowsOrClearError(c.ds, c.table, filter);
      if (outcome === "same") assert.match(await c.ds.explain(filter), /BTREE index id_idx, exact, 1 segment/);
      else assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
    }
  });

  test("BTREE, BITMAP and full-text segments with neither details nor a file list are used as Lance uses them", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const words = ["Alpha", "beta", "gamma", "running", "runs", "puppy", "the"];
    const n = 600;
    const table = await db.createTable(
      "t",
      new Table({
        id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
        cat: vectorFromArray(Array.from({ length: n }, (_, i) => `c${i % 5}`), new Utf8()),
        text: vectorFromArray(Array.from({ length: n }, (_, i) => `${words[i % 7]} ${words[(i * 3) % 7]} w${i % 11}`), new Utf8()),
      }),
    );
    await table.createIndex("id", { config: lancedb.Index.btree() });
    await table.createIndex("cat", { config: lancedb.Index.bitmap() });
    await table.createIndex("text", { config: lancedb.Index.fts({ stem: true, removeStopWords: true }) });
    const path = tablePath(dir, "t");
    editIndices(path, (indices) => {
      for (const i of indices) {
        delete i.indexDetails;
        i.files = [];
        // Lance reads details-less segments only at version 0
        i.indexVersion = 0;
      }
    });
    const c = await open(path);
    assert.deepEqual(
      c.ds.describeIndices().map((i) => [i.name, i.indexType, i.typeUrl]),
      [
        ["cat_idx", "BITMAP", ""],
        ["id_idx", "BTREE", ""],
        ["text_idx", "FTS", ""],
      ],
    );
    for (const [filter, used] of [
      ["id > 550", "id_idx(BTree)"],
      ["id IN (3, 599)", "id_idx(BTree)"],
      ["cat = 'c1'", "cat_idx(Bitmap)"],
    ] as const) {
      assert.equal(await lanceIndexUse(c.table, filter), used, filter);
      assert.ok((await assertSameRows(c.ds, c.table, filter)) > 0, filter);
      assert.match(await c.ds.explain(filter), new RegExp(`${used.slice(used.indexOf("(") + 1, -1).toUpperCase()} index ${used.slice(0, used.indexOf("("))}, exact`));
    }
    // stemming and stop words come from the params in metadata.lance, as Lance reads them
    for (const q of ["running", "runs puppy", "the alpha"]) assertSameScores(await oursFts(c.ds, q), await theirsFts(c.table, q), q);
  });

  test("the column and then the index files name the kind, in Lance's order", () => {
    assert.equal(indexTypeName(undefined, ["page_lookup.lance", "page_data.lance"], "scalar"), "BTREE");
    assert.equal(indexTypeName(undefined, ["bitmap_page_lookup.lance"], "scalar"), "BITMAP");
    assert.equal(indexTypeName(undefined, ["tokens.lance", "docs.lance", "invert.lance"], "scalar"), "FTS");
    assert.equal(indexTypeName(undefined, ["metadata.lance", "part_0_docs.lance"], "scalar"), "FTS");
    assert.equal(indexTypeName(undefined, ["index.idx"], "vector"), "VECTOR");
    assert.equal(indexTypeName(undefined, ["bitmap_page_lookup.lance"], "list"), "LABEL_LIST");
    assert.equal(indexTypeName(undefined, [], "scalar"), "BTREE");
    assert.equal(indexTypeName(undefined, []), "UNKNOWN");
  });
});

describe("older index details", () => {
  test("details under lance.index.pb (Lance 0.36) name a BTREE that filters use", async (t) => {
    const c = await corpus(t, "0.36.0/btree_in_index_pkg.lance");
    if (!c) return;
    const [index] = c.ds.describeIndices();
    assert.equal(index?.indexType, "BTREE");
    assert.equal(index.typeUrl, "/lance.index.pb.BTreeIndexDetails");
    for (const filter of ["x > 50", "x = 7", "x < 3", "x IN (1, 999, 5000)", "x IS NULL"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "x_idx(BTree)", filter);
      await assertSameRows(c.ds, c.table, filter);
      assert.match(await c.ds.explain(filter), /BTREE index x_idx, exact, 1 segment: a71ff08b/, filter);
    }
  });

  test("the BITMAP of Lance 0.20 answers like Lance; its BTREE answers like Lance or refuses clearly", async (t) => {
    const c = await corpus(t, "v0.20.0/old_btree_bitmap_indices.lance");
    if (!c) return;
    assert.deepEqual(
      c.ds.describeIndices().map((i) => [i.name, i.indexType]),
      [
        ["bitmap_idx", "BITMAP"],
        ["btree_idx", "BTREE"],
      ],
    );
    for (const filter of ["bitmap = 2", "bitmap > 1", "bitmap IN (1, 4, 9)", "bitmap IS NULL", "bitmap <= 3"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "bitmap_idx(Bitmap)", filter);
      await assertSameRows(c.ds, c.table, filter);
      assert.match(await c.ds.explain(filter), /BITMAP index bitmap_idx, exact/, filter);
    }
    assert.equal(await assertSameRows(c.ds, c.table, "bitmap = 2"), 1);
    // the BTREE's page files are in the legacy (v1) file format
    for (const filter of ["btree = 2", "btree > 1"]) {
      assert.equal(await lanceIndexUse(c.table, filter), "btree_idx(BTree)", filter);
      const outcome = await sameRowsOrClearError(c.ds, c.table, filter);
      if (outcome === "same") assert.match(await c.ds.explain(filter), /BTREE index btree_idx, exact/);
      else assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
    }
  });
});

describe("vector indexes, which lancets lists but does not use", () => {
  test("IVF_PQ indexes with and without details open and describe; other columns filter as in Lance", async (t) => {
    if (!COMPAT) return t.skip(NO_CORPUS);
    const pq = await corpus(t, "v0.27.1/pq_in_schema");
    assert.deepEqual(
      pq!.ds.describeIndices().map((i) => [i.name, i.indexType, i.columns]),
      [["vec_idx", "VECTOR", ["vec"]]],
    );
    assert.equal(await assertSameRows(pq!.ds, pq!.table, "id < 10"), 10);
    assert.match(await pq!.ds.explain("id < 10"), /id < 10: no index/);

    const overlapping = await corpus(t, "v0.21.0/bad_index_fragment_bitmap");
    const [vector] = overlapping!.ds.describeIndices();
    assert.equal(vector?.indexType, "VECTOR");
    assert.equal(vector.segments.length, 2);
    assert.equal(overlapping!.ds.countRows(), await overlapping!.table.countRows());

    // details-less, on legacy data files
    const old = await corpus(t, "v0.8.14/corrupt_index");
    const described = old!.ds.describeIndices();
    assert.deepEqual(
      described.map((i) => [i.name, i.indexType, i.columns]),
      [["vector_idx", "VECTOR", ["vector"]]],
    );
    assert.equal(old!.ds.countRows(), await old!.table.countRows());
    const outcome = await sameRowsOrClearError(old!.ds, old!.table, "price > 50 AND id < 1000");
    if (outcome !== "same") assert.ok(["NOT_SUPPORTED", "CORRUPT_FILE"].includes(outcome.code), outcome.message);
  });
});

describe("segments of a newer index_version than lancets reads", () => {
  test("are never used: their fragments are scanned, explain says which segment and why, results equal Lance's", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const words = ["alpha", "beta", "gamma", "running", "puppy"];
    const part = (start: number, n: number): Table =>
      new Table({
        id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
        cat: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(start + i) % 5}`), new Utf8()),
        text: vectorFromArray(Array.from({ length: n }, (_, i) => `${words[(start + i) % 5]} ${words[((start + i) * 3) % 5]} w${(start + i) % 7}`), new Utf8()),
      });
    const table = await db.createTable("t", part(0, 200));
    for (let k = 1; k < 4; k++) await table.add(part(k * 200, 200));
    const path = tablePath(dir, "t");
    let ds = await openDataset(path);
    ds = await ds.createScalarIndex("id", "BTREE", { fragmentGroupSize: 2 });
    await table.checkoutLatest();
    await table.createIndex("cat", { config: lancedb.Index.bitmap() });
    await table.createIndex("text", { config: lancedb.Index.fts() });
    const idSegments = (await openDataset(path)).indices.filter((i) => i.name === "id_idx");
    assert.equal(idSegments.length, 2);
    const newer = idSegments.find((i) => i.fragmentIds?.includes(0))!;
    const older = idSegments.find((i) => i !== newer)!;
    // as a Lance with BTREE and BITMAP version 1 (row addresses) and a full-text version 3 would write them
    editIndices(path, (indices) => {
      for (const i of indices) {
        if (i.uuid === newer.uuid || i.name === "cat_idx") i.indexVersion = 1;
        if (i.name === "text_idx") i.indexVersion = 3;
      }
    });
    const c = await open(path);

    // Lance 12 ignores the BTREE and BITMAP segments too, and still uses the other BTREE segment
    assert.equal(await lanceIndexUse(c.table, "id < 100"), "id_idx(BTree)");
    assert.equal(await lanceIndexUse(c.table, "cat = 'c1'"), undefined);
    const plan = await c.ds.explain("id < 100 OR id > 500");
    assert.match(plan, new RegExp(`BTREE index id_idx, exact, 1 segment: ${older.uuid.slice(0, 8)}`));
    assert.match(plan, new RegExp(`ignored segment ${newer.uuid} of index id_idx: index_version 1 is newer than the BTREE versions lancets reads \\(up to 0\\)`));
    assert.match(plan, new RegExp(`fragments scanned: ${newer.fragmentIds!.join(",")}$`));
    for (const filter of ["id < 100", "id > 500", "id = 7", "id < 100 OR id > 500", "cat = 'c1'", "cat = 'c1' AND id > 300"]) {
      assert.ok((await assertSameRows(c.ds, c.table, filter)) > 0, filter);
    }
    const catPlan = await c.ds.explain("cat = 'c1'");
    assert.match(catPlan, /cat = 'c1': no index/);
    assert.match(catPlan, /ignored segment [0-9a-f-]{36} of index cat_idx: index_version 1 is newer than the BITMAP versions lancets reads/);

    const described = new Map(c.ds.describeIndices().map((i) => [i.name, i]));
    assert.equal(described.get("id_idx")!.segments.find((s) => s.uuid === newer.uuid)!.ignored, "index_version 1 is newer than the BTREE versions lancets reads (up to 0)");
    assert.equal(described.get("id_idx")!.segments.find((s) => s.uuid === older.uuid)!.ignored, undefined);
    assert.match(described.get("text_idx")!.segments[0]!.ignored ?? "", /index_version 3 is newer than the FTS versions lancets reads \(up to 2\)/);

    // Lance 12 reads full-text version 3; lancets searches those rows flat with the same statistics
    for (const q of ["puppy", "running w3", "gamma beta"]) {
      const ours = await oursFts(c.ds, q);
      assert.ok(ours.size > 0, q);
      assertSameScores(ours, await theirsFts(c.table, q), q);
    }

    // lancets does not extend an index it cannot read
    await c.table.add(part(800, 50));
    await assert.rejects((await openDataset(path)).optimizeIndices({ names: ["id_idx"] }), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /index "id_idx" has a segment lancets does not read \(index_version 1.*lancets adds no segments to it/.test(e.message));
  });

  test("a details-less segment above version 0 is not used (Lance 12 ignores it too)", async (t) => {
    const c = await corpus(t, "v0.18.2/index_no_details.lance");
    if (!c) return;
    editIndices(c.path, (indices) => {
      indices[0]!.indexVersion = 1;
    });
    const { ds, table } = await open(c.path);
    assert.equal(await lanceIndexUse(table, "id > 50"), undefined);
    assert.match(await ds.explain("id > 50"), /id > 50: no index[^]*ignored segment f1fc279b-59f2-4617-a3e7-057af5fee009 of index id_idx: index_version 1 is newer than the BTREE versions lancets reads \(up to 0\)/);
    assert.equal(await assertSameRows(ds, table, "id > 50"), 49);
  });
});
