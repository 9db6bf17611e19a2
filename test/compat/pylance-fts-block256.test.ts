// Full-text segments with 256-document posting blocks, as pylance 14 builds
// them (block_size=256): lancets searches them through the index with
// pylance's rows and scores, top k and whole rankings, over documents long
// enough that Lance's quantized document lengths change the scores, with
// deleted rows and rows appended after the build; the blocks decode to the
// postings whose impact entries Lance wrote (each block's frontier recomputed
// from its decoded documents equals the stored one).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { Block256PostingList, dequantizeDocLength, quantizeDocLength } from "../../src/format/index/posting-block256.js";
import { openInvertedSegment } from "../../src/index/inverted/read.js";
import { openDataset } from "../../src/lancets.js";
import { pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-fts-block256-");
const { skip } = session;

const VOCAB = Array.from({ length: 30 }, (_, i) => `w${i}`);

/** Documents of 1 to 160 words, Zipf-like word choice; "common" in most, "rare" in a few, some words repeated. */
function corpus(start: number, n: number): Table {
  let a = 12345 + start;
  const rand = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 2 ** 32;
  };
  const texts = Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const len = 1 + Math.floor(rand() ** 2 * 160);
    const words: string[] = [];
    if (i % 10 !== 3) words.push("common");
    if (i % 211 === 7) words.push("rare", "rare");
    while (words.length < len) words.push(VOCAB[Math.floor(rand() ** 3 * VOCAB.length)]!);
    return words.join(" ");
  });
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, k) => BigInt(start + k)), new Int64()),
    text: vectorFromArray(texts, new Utf8()),
  });
}

const QUERIES = ["common", "w1 w2", "w0 w7 w13", "rare common", "w25"];

function ranking(t: Table): { id: string; score: number }[] {
  return Array.from({ length: t.numRows }, (_, i) => ({ id: String(t.getChild("id")!.get(i)), score: t.getChild("_score")!.get(i) as number }));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

let uri = "";

before(async () => {
  if (skip) return;
  uri = `${session.dir}/t`;
  await session.py.write(uri, corpus(0, 3000), { max_rows_per_file: 1000 });
  await session.py.delete(uri, "id % 23 = 4");
  await session.py.createScalarIndex(uri, "text", "INVERTED", { params: { block_size: 256 } });
});

describe("full-text segments with 256-document posting blocks (pylance 14)", { skip }, () => {
  test("searched through the index with pylance's rows and scores (top k and whole rankings), also with rows appended after the build", async () => {
    for (const appended of [false, true]) {
      if (appended) await session.py.write(uri, corpus(3000, 300), {}, "append");
      const ds = await openDataset(uri);
      const [segment] = ds.describeIndices()[0]!.segments;
      assert.equal(segment!.indexVersion, 3);
      assert.equal(segment!.ignored, undefined, "the segment is used");
      for (const query of QUERIES) {
        const label = `${query}${appended ? " (after an append)" : ""}`;
        const plan = await session.py.explain(uri, { full_text_query: query, columns: ["id"] });
        assert.match(plan, /MatchQuery/, `${label}: pylance searches its index`);
        const theirs = ranking(await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: 10_000 }));
        const ours = ranking(await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 10_000 }).toArrow());
        assert.ok(theirs.length > 0, `${label}: finds rows`);
        const theirScore = new Map(theirs.map((h) => [h.id, h.score]));
        assert.deepEqual(ours.map((h) => h.id).sort(), [...theirScore.keys()].sort(), `${label}: rows`);
        for (const h of ours) assert.ok(close(h.score, theirScore.get(h.id)!), `${label}: row ${h.id} lancets ${h.score} pylance ${theirScore.get(h.id)}`);
        for (const k of [1, 10, 50]) {
          const top = ranking(await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: k }).toArrow());
          const theirTop = ranking(await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: k }));
          assert.equal(top.length, theirTop.length, `${label}: top ${k}`);
          // equal scores position by position; each row scored as pylance scores it (ties may pick other rows)
          top.forEach((h, i) => {
            assert.ok(close(h.score, theirTop[i]!.score), `${label}: top ${k} position ${i}: ${h.score} vs ${theirTop[i]!.score}`);
            assert.ok(close(h.score, theirScore.get(h.id)!), `${label}: top ${k} row ${h.id}`);
          });
        }
      }
    }
  });

  test("Lance scores these partitions with quantized document lengths (bucket floors, shorter than some documents are) and the exact average length", async () => {
    const ds = await openDataset(uri);
    const meta = ds.indices.find((i) => i.name === "text_idx")!;
    const segment = await openInvertedSegment(ds.store, meta);
    // the scored lengths are bucket floors
    for (const p of segment.partitions) assert.ok(p.numTokens.every((l) => l < 16 || dequantizeDocLength(quantizeDocLength(l)) === l));
    assert.ok(
      segment.partitions.every((p) => p.totalTokens > p.numTokens.reduce((n, l) => n + l, 0)),
      "the average length is the exact one, above that of the quantized lengths",
    );
  });

  test("every posting list decodes to the documents whose impact entries Lance stored", async () => {
    const ds = await openDataset(uri);
    const meta = ds.indices.find((i) => i.name === "text_idx")!;
    const segment = await openInvertedSegment(ds.store, meta);
    let lists = 0;
    let multiBlock = 0;
    for (const p of segment.partitions) {
      const numTokens = p.numTokens;
      for (let id = 0; ; id++) {
        if (p.documentFrequency(id) === 0) break;
        const list = await p.postingList(id);
        assert.ok(list instanceof Block256PostingList);
        lists++;
        if (list.numBlocks > 1) multiBlock++;
        const docIds = new Uint32Array(256);
        const freqs = new Uint32Array(256);
        let total = 0;
        let last = -1;
        for (let b = 0; b < list.numBlocks; b++) {
          const n = list.decodeBlock(b, docIds, freqs);
          total += n;
          assert.equal(list.firstDoc(b), docIds[0]);
          assert.ok(docIds[0]! > last, "doc ids rise across blocks");
          // the frontier: for each frequency the shortest document, dominated pairs dropped, equal lengths merged
          const shortest = new Map<number, number>();
          for (let i = 0; i < n; i++) {
            if (i > 0) assert.ok(docIds[i]! > docIds[i - 1]!, "doc ids rise within a block");
            assert.ok(freqs[i]! > 0);
            shortest.set(freqs[i]!, Math.min(shortest.get(freqs[i]!) ?? Infinity, numTokens[docIds[i]!]!));
          }
          const expected: [number, number][] = [];
          let best = Infinity;
          for (const [f, l] of [...shortest].sort((x, y) => y[0] - x[0])) {
            if (l < best) {
              expected.unshift([f, l]);
              best = l;
            }
          }
          const impacts = list.blockImpacts(b);
          assert.equal(impacts.lastDoc, docIds[n - 1], `token ${id} block ${b}: last doc`);
          assert.deepEqual(
            Array.from(impacts.freqs, (f, i) => [f, impacts.docLengths[i]!]),
            expected,
            `token ${id} block ${b}: impact pairs`,
          );
          last = docIds[n - 1]!;
        }
        assert.equal(total, p.documentFrequency(id));
      }
    }
    assert.ok(lists >= VOCAB.length, `${lists} posting lists`);
    assert.ok(multiBlock >= 3, `${multiBlock} lists of several blocks`);
  });
});
