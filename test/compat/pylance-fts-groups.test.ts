// Full-text segments of 256-document blocks whose posting lists span more than
// one group of 32 blocks, as pylance 14 builds them: each group's impact entry
// covers its blocks (its last doc id is that of its last block, and its pairs
// dominate every pair of its blocks), a search over Lance's block and group
// bounds finds them sound (no bound below a scored posting) while decoding
// few blocks, and searches whose best rows sit in the last group (two of them
// deleted) or the first return pylance's scores, position by position.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { Block256PostingList } from "../../src/format/index/posting-block256.js";
import { bm25Idf } from "../../src/index/inverted/bm25.js";
import { openInvertedSegment } from "../../src/index/inverted/read.js";
import { openDataset } from "../../src/lancets.js";
import { searchPartitionWand, type WandStats } from "../../src/query/wand.js";
import { pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-fts-groups-");
const { skip } = session;

const ROWS = 20_000;
const FILLER = Array.from({ length: 30 }, (_, i) => `f${i}`);

/** "common" in every document; the last 12 documents are "common" alone 3 to 14 times; "lead" many times in the first documents. */
function corpus(): Table {
  let a = 777;
  const rand = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 2 ** 32;
  };
  const texts = Array.from({ length: ROWS }, (_, i) => {
    if (i >= ROWS - 12) return Array.from({ length: 3 + i - (ROWS - 12) }, () => "common").join(" ");
    const words = ["common", ...Array.from({ length: 3 + Math.floor(rand() * 20) }, () => FILLER[Math.floor(rand() * FILLER.length)]!)];
    if (i % 3 === 0) words.push("lead");
    if (i < 60 && i % 10 === 0) words.push(...Array.from({ length: 5 + i / 10 }, () => "lead"));
    return words.join(" ");
  });
  return new Table({ id: vectorFromArray(Array.from({ length: ROWS }, (_, i) => BigInt(i)), new Int64()), text: vectorFromArray(texts, new Utf8()) });
}

let uri = "";

before(async () => {
  if (skip) return;
  uri = `${session.dir}/t`;
  await session.py.write(uri, corpus(), { max_rows_per_file: 8000 });
  await session.py.delete(uri, `id >= ${ROWS - 2}`);
  await session.py.createScalarIndex(uri, "text", "INVERTED", { params: { block_size: 256 } });
});

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

describe("full-text posting lists of several groups of 256-document blocks (pylance 14)", { skip }, () => {
  test("each group's impact entry covers its blocks, and a search over the block and group bounds finds them sound", async () => {
    const ds = await openDataset(uri);
    const meta = ds.indices.find((i) => i.name === "text_idx")!;
    const segment = await openInvertedSegment(ds.store, meta);
    let grouped = 0;
    for (const p of segment.partitions) {
      const numDocs = p.rowIds.length;
      const avgdl = p.totalTokens / numDocs;
      for (const token of ["common", "lead"]) {
        const id = p.tokens.get(token);
        if (id === undefined) continue;
        const list = await p.postingList(id);
        assert.ok(list instanceof Block256PostingList);
        if (list.numBlocks <= 32) continue;
        grouped++;
        const docs = new Uint32Array(256);
        const freqs = new Uint32Array(256);
        for (let g = 0; g * 32 < list.numBlocks; g++) {
          const group = list.groupImpacts(g);
          const lastBlock = Math.min(list.numBlocks, (g + 1) * 32) - 1;
          const n = list.decodeBlock(lastBlock, docs, freqs);
          assert.equal(group.lastDoc, docs[n - 1], `${token}: group ${g} ends with its last block`);
          for (let b = g * 32; b <= lastBlock; b++) {
            const block = list.blockImpacts(b);
            block.freqs.forEach((f, i) => {
              const l = block.docLengths[i]!;
              assert.ok(
                Array.from(group.freqs).some((gf, j) => gf >= f && group.docLengths[j]! <= l),
                `${token}: pair (${f}, ${l}) of block ${b} is dominated by group ${g}`,
              );
            });
          }
        }
        const idf = bm25Idf(list.length, numDocs);
        const rows: number[] = [];
        const stats: WandStats = { blocksDecoded: 0, postingsScored: 0 };
        const threshold = (): number => (rows.length < 10 ? -Infinity : Math.min(...rows));
        const ok = searchPartitionWand([{ list, idf, blockScale: 1 }], p.numTokens, avgdl, { threshold }, (_doc, score) => {
          rows.push(Math.fround(score));
          rows.sort((x, y) => y - x);
          rows.length = Math.min(rows.length, 10);
        }, stats);
        assert.ok(ok, `${token}: no posting weighs more than its block's or group's bound`);
        assert.ok(stats.blocksDecoded < list.numBlocks / 2, `${token}: ${stats.blocksDecoded} of ${list.numBlocks} blocks decoded`);
      }
    }
    assert.ok(grouped >= 1, `${grouped} posting lists of several groups`);
  });

  test("searches with their best rows in the last group or the first return pylance's scores", async () => {
    const ds = await openDataset(uri);
    for (const query of ["common", "lead", "common lead"]) {
      const whole = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: 100_000 }).toArrow();
      for (const k of [1, 10]) {
        const ours = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit: k }).toArrow();
        const theirs = await session.py.toTable(uri, { full_text_query: query, columns: ["id"], limit: k });
        assert.equal(ours.numRows, k);
        assert.equal(theirs.numRows, k);
        for (let i = 0; i < k; i++) {
          const s = ours.getChild("_score")!.get(i) as number;
          assert.ok(close(s, theirs.getChild("_score")!.get(i) as number), `${query}: top ${k} position ${i}`);
          assert.equal(String(ours.getChild("id")!.get(i)), String(whole.getChild("id")!.get(i)), `${query}: top ${k} is the start of the whole ranking`);
        }
        if (query === "common") {
          const ids = Array.from({ length: k }, (_, i) => Number(ours.getChild("id")!.get(i)));
          assert.deepEqual(ids, Array.from({ length: k }, (_, i) => ROWS - 3 - i), "the last documents not deleted");
        }
      }
    }
  });
});
