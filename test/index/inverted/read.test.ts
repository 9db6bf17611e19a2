// Posting lists fetched one token at a time: in every posting format lancets
// reads (Lance 12's default and with positions, pylance 14's formats 1 to 3,
// lancets' own segments) each token's list equals the same row of a whole read
// of the posting file, decoded block by block (full blocks, tails, a list
// ending on a block boundary), and a search fetches from the posting file only
// the rows of its terms.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, makeVector, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openFileReader } from "../../../src/file/open-file-reader.js";
import { LanceFileReader } from "../../../src/file/file-reader.js";
import { decodePageLayout } from "../../../src/format/file/page-v21.js";
import { decodePostingBlocks, type PostingTailCodec } from "../../../src/format/index/posting.js";
import { openInvertedSegment } from "../../../src/index/inverted/read.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { LocalFileStore } from "../../../src/node/fs-store.js";
import { CountingStore } from "../../helpers/counting-store.js";
import { connect, lancedb, tablePath } from "../../helpers/oracle.js";
import { pylanceSession } from "../../helpers/pylance.js";
import { textTable } from "../../helpers/text-corpus.js";
import { tempDir } from "../../helpers/tmp.js";

const N = 1285;

/** "every" in all 1285 documents (ten full blocks and a tail), "exact" in 256 (two full blocks), rarer words, words in one document, repeats. */
function corpus(): Table {
  const texts = Array.from({ length: N }, (_, i) => {
    if (i === 17) return null;
    const words = ["every"];
    if (i % 5 === 0 && i < 1280) words.push("exact");
    if (i % 2 === 0) words.push("half", "half");
    if (i % 3 === 1) words.push("every");
    // lists of one document, whose tail block is only a few bytes
    if (i % 97 === 3) words.push(`solo${i}`);
    words.push(`w${i % 37}`, `v${i % 301}`);
    return words.join(" ");
  });
  return new Table({ id: vectorFromArray(Array.from({ length: N }, (_, i) => BigInt(i)), new Int64()), text: vectorFromArray(texts, new Utf8()) });
}

const session = pylanceSession("lancets-fts-read-");
const dir = tempDir();
const segments: { label: string; path: string }[] = [];

before(async () => {
  const db = await connect(dir);
  for (const withPosition of [false, true]) {
    const name = withPosition ? "lance_positions" : "lance";
    const t = await db.createTable(name, corpus());
    await t.createIndex("text", { config: lancedb.Index.fts({ withPosition }) });
    segments.push({ label: `Lance 12${withPosition ? " with positions" : ""}`, path: tablePath(dir, name) });
  }
  await db.createTable("ours", corpus());
  await (await openDataset(tablePath(dir, "ours"))).createScalarIndex("text", "INVERTED");
  segments.push({ label: "lancets", path: tablePath(dir, "ours") });
  if (!session.skip) {
    for (const [label, params] of [
      ["pylance format 1", { format_version: 1 }],
      ["pylance format 2", { format_version: 2 }],
      ["pylance format 3", { format_version: 3 }],
      ["pylance format 3 with positions", { format_version: 3, with_position: true }],
    ] as const) {
      const uri = `${session.dir}/${label.replace(/\W+/g, "_")}`;
      await session.py.write(uri, corpus(), {});
      await session.py.createScalarIndex(uri, "text", "INVERTED", { params });
      segments.push({ label, path: uri });
    }
  }
});

describe("posting lists read a token at a time", () => {
  test("every token's list equals the same row of the whole posting file, in every format", async (t) => {
    if (session.skip) t.diagnostic(`pylance formats not checked: ${session.skip}`);
    assert.ok(segments.length >= 3);
    for (const { label, path } of segments) {
      const ds = await openDataset(path);
      const meta = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
      const segment = await openInvertedSegment(ds.store, meta);
      const dirPath = `_indices/${meta.uuid}`;
      const metadata = await openFileReader(ds.store, `${dirPath}/metadata.lance`);
      const text = (k: string): string | undefined => (metadata.schema.metadata[k] ? new TextDecoder().decode(metadata.schema.metadata[k]) : undefined);
      const tail = (text("posting_block_layout") ?? text("posting_tail_codec") ?? "fixed32_v1") as PostingTailCodec;
      const ids = JSON.parse(text("partitions")!) as number[];
      assert.equal(segment.partitions.length, ids.length);
      let longest = 0;
      let boundary = false;
      for (const [k, pid] of ids.entries()) {
        const invert = await openFileReader(ds.store, `${dirPath}/part_${pid}_invert.lance`);
        const fields = invert.schema.fields.filter((f) => f.parentId === -1);
        const whole = await invert.readFields(fields.map((f) => f.id));
        const postings = makeVector(whole.get(fields.find((f) => f.name === "_posting")!.id)!);
        const lengths = makeVector(whole.get(fields.find((f) => f.name === "_length")!.id)!);
        const p = segment.partitions[k]!;
        for (let id = 0; id < invert.numRows; id++) {
          const blocks = [...(postings.get(id) as Iterable<Uint8Array>)];
          const expected = decodePostingBlocks(blocks, lengths.get(id) as number, "whole", tail);
          const got = await p.postings(id);
          assert.deepEqual(Array.from(got.docIds), Array.from(expected.docIds), `${label}: doc ids of token ${id}`);
          assert.deepEqual(Array.from(got.freqs), Array.from(expected.freqs), `${label}: frequencies of token ${id}`);
          const list = await p.postingList(id);
          assert.equal(list.numBlocks, blocks.length);
          for (let b = 0; b < list.numBlocks; b++) {
            assert.equal(list.firstDoc(b), expected.docIds[b * 128], `${label}: first doc of block ${b} of token ${id}`);
            assert.equal(list.blockMaxScore(b), new DataView(blocks[b]!.buffer, blocks[b]!.byteOffset).getFloat32(0, true));
          }
          longest = Math.max(longest, expected.docIds.length);
          if (expected.docIds.length === 256) boundary = true;
        }
      }
      assert.ok(longest >= N - 1, `${label}: the longest list holds ${longest} documents`);
      assert.ok(boundary, `${label}: a list of exactly two full blocks`);
    }
  });

  test("a search fetches from the posting file only its terms' rows", async () => {
    // long enough posting lists that Lance stores them full-zip
    const db = await connect(dir);
    const t = await db.createTable("long_lists", textTable(20_000, 0));
    await t.createIndex("text", { config: lancedb.Index.fts() });
    const path = tablePath(dir, "long_lists");
    const store = new CountingStore(new LocalFileStore(path));
    const ds = await openDataset(store);
    const meta = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
    const invertPath = `_indices/${meta.uuid}/part_0_invert.lance`;
    const reader = await LanceFileReader.open(new LocalFileStore(path), invertPath);
    assert.ok(reader.fileVersion !== "2.0");
    const page = reader.columns[0]!.pages[0]!;
    assert.equal(reader.columns[0]!.pages.length, 1);
    assert.equal(decodePageLayout(page.encoding.value, { path: "", byteOffset: 0 }).layout.case, "fullZipLayout");
    const segment = await openInvertedSegment(new LocalFileStore(path), meta);
    const tokenIds = ["data", "jump"].map((w) => segment.partitions[0]!.tokens.get(w)!);
    const index = await new LocalFileStore(path).readRange(invertPath, page.bufferOffsets[1]!, page.bufferSizes[1]!);
    const width = index.byteLength / (page.numRows + 1);
    const entry = (k: number): number => Number(new DataView(index.buffer, index.byteOffset).getUint32(k * width, true));
    assert.equal(width, 4);
    store.take();
    const hits = await ds.scan({ fullTextSearch: { query: "data jump" }, columns: ["id"], limit: 5 }).toArrow();
    assert.equal(hits.numRows, 5);
    const reads = store.take().filter((r) => r.path === invertPath && r.op === "readRange");
    const dataStart = page.bufferOffsets[0]!;
    const dataEnd = dataStart + page.bufferSizes[0]!;
    // besides the file's tail, read speculatively when it is opened
    const inData = reads.filter((r) => r.byteOffset! + r.byteLength! !== reader.fileSize && r.byteOffset! < dataEnd && r.byteOffset! + r.byteLength! > dataStart);
    const wanted = tokenIds.map((id) => ({ start: dataStart + entry(id), end: dataStart + entry(id + 1) }));
    assert.equal(inData.length, wanted.length, `${JSON.stringify(reads)} ${JSON.stringify(wanted)}`);
    for (const r of inData) {
      assert.ok(
        wanted.some((w) => w.start === r.byteOffset && w.end === r.byteOffset! + r.byteLength!),
        `read ${r.byteOffset}+${r.byteLength} is not a term's posting list: ${JSON.stringify(wanted)}`,
      );
    }
    const fetched = reads.reduce((n, r) => n + r.byteLength!, 0);
    assert.ok(fetched < reader.fileSize / 2, `${fetched} bytes of a ${reader.fileSize}-byte posting file`);
  });

  test("lancets writes its partition files as 2.2: a search fetches a small part of them, with Lance's hits", async () => {
    const db = await connect(dir);
    const t = await db.createTable("ours_long_lists", textTable(20_000, 0));
    const path = tablePath(dir, "ours_long_lists");
    await (await openDataset(path)).createScalarIndex("text", "INVERTED");
    const store = new CountingStore(new LocalFileStore(path));
    const ds = await openDataset(store);
    const meta = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
    const invertPath = `_indices/${meta.uuid}/part_0_invert.lance`;
    const reader = await LanceFileReader.open(new LocalFileStore(path), invertPath);
    assert.equal(reader.fileVersion, "2.2");
    for (const name of ["part_0_tokens.lance", "part_0_docs.lance"]) {
      assert.equal((await LanceFileReader.open(new LocalFileStore(path), `_indices/${meta.uuid}/${name}`)).fileVersion, "2.2", name);
    }
    assert.ok(reader.fileSize > 200_000, `a ${reader.fileSize}-byte posting file`);
    store.take();
    const hits = await ds.scan({ fullTextSearch: { query: "data jump" }, columns: ["id"], limit: 5 }).toArrow();
    assert.equal(hits.numRows, 5);
    const fetched = store
      .take()
      .filter((r) => r.path === invertPath)
      .reduce((n, r) => n + (r.byteLength ?? 0), 0);
    assert.ok(fetched > 0 && fetched < reader.fileSize / 2, `${fetched} bytes of a ${reader.fileSize}-byte posting file`);
    // Lance 12 searches the same segment through its index, with the same rows and scores
    await t.checkoutLatest();
    assert.doesNotMatch(await t.search("data jump", "fts").explainPlan(true), /FlatMatchQuery/);
    const theirs = await t.search("data jump", "fts").select(["id", "_score"]).limit(5).toArray();
    const ours = await ds.scan({ fullTextSearch: { query: "data jump" }, columns: ["id"], limit: 5 }).toArrow();
    assert.deepEqual(
      Array.from(ours.getChild("_score")!.toArray() as Float32Array, (x) => x.toFixed(4)),
      theirs.map((r) => Number(r._score).toFixed(4)),
    );
  });
});
