// Full-text searches whose best rows sit where block-max WAND skips: a word
// in every document (a posting list of more than four groups of 32 blocks)
// whose best documents are the last ones (its last, partial block), the two
// best of them deleted, a word in three documents asked for 50 rows, and two
// words whose best shared documents are the first ones; over Lance's index
// and over lancets' index of four segments. Rows and scores equal Lance's
// (the best scores are distinct, so the rows are the same; all matches when
// fewer than asked for), and the first k rows of the whole ranking.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, lancedb, rng, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const PER_FRAGMENT = 5000;
const FRAGMENTS = 4;
const TOTAL = PER_FRAGMENT * FRAGMENTS;
const FILLER = Array.from({ length: 40 }, (_, i) => `filler${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);

/** Document i: "common" once among 2-12 filler words; the last 12 are "common" alone t times (t = 3..14, best last); the first 40 hold "pair one" many times. */
function text(i: number, r: () => number): string {
  if (i >= TOTAL - 12) return Array.from({ length: 3 + (i - (TOTAL - 12)) }, () => "common").join(" ");
  const words = ["common", ...Array.from({ length: 2 + Math.floor(r() * 11) }, () => FILLER[Math.floor(r() * FILLER.length)]!)];
  if (i % 700 === 3) words.push("rareword");
  if (i % 4 === 0) words.push("pair");
  if (i % 6 === 0) words.push("one");
  if (i < 40 && i % 12 === 0) words.push(...Array.from({ length: 6 + i / 12 }, () => "pair one"));
  return words.join(" ");
}

function corpus(start: number, n: number): Table {
  const r = rng(start + 3);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    text: vectorFromArray(Array.from({ length: n }, (_, i) => text(start + i, r)), new Utf8()),
  });
}

const dir = tempDir();
type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;
const tables = new Map<string, LanceTable>();

async function build(name: string): Promise<LanceTable> {
  const db = await connect(dir);
  const t = await db.createTable(name, corpus(0, PER_FRAGMENT));
  for (let k = 1; k < FRAGMENTS; k++) await t.add(corpus(k * PER_FRAGMENT, PER_FRAGMENT));
  // the two best documents for "common"
  await t.delete(`id >= ${TOTAL - 2}`);
  return t;
}

before(async () => {
  const lance = await build("lance");
  await lance.createIndex("text", { config: lancedb.Index.fts() });
  tables.set("lance", lance);
  const segments = await build("segments");
  await (await openDataset(tablePath(dir, "segments"))).createScalarIndex("text", "FTS", { fragmentGroupSize: 1 });
  tables.set("segments", segments);
});

async function ranking(name: string, query: string, limit: number): Promise<[number, number][]> {
  const ds = await openDataset(tablePath(dir, name));
  const t = await ds.scan({ fullTextSearch: { query }, columns: ["id"], limit }).toArrow();
  return Array.from({ length: t.numRows }, (_, i) => [Number(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]);
}

async function lance(name: string, query: string, limit: number): Promise<[number, number][]> {
  const table = tables.get(name)!;
  await table.checkoutLatest();
  const rows = await table.search(query, "fts").select(["id"]).limit(limit).toArray();
  return rows.map((r) => [Number(r.id), r._score as number]);
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

describe("full-text search where block-max WAND skips", () => {
  for (const name of ["lance", "segments"]) {
    test(`${name}: the best rows in the last block, two of them deleted; k above the number of matches; two words best at the start`, async () => {
      const ds = await openDataset(tablePath(dir, name));
      const segments = ds.indices.filter((i) => ds.snapshot.indexType(i) === "FTS");
      assert.equal(segments.length, name === "segments" ? FRAGMENTS : 1);
      for (const [query, limit] of [["common", 1], ["common", 10], ["rareword", 50], ["pair one", 1], ["pair one", 4]] as const) {
        const ours = await ranking(name, query, limit);
        const theirs = await lance(name, query, limit);
        const whole = await ranking(name, query, 100_000);
        assert.deepEqual(ours, whole.slice(0, limit), `${name}: ${query}, top ${limit} against the whole ranking`);
        // every match when fewer than asked for, in Lance's order of equal scores
        const rows = (r: [number, number][]): number[] => (r.length < limit ? r.map(([id]) => id).sort((x, y) => x - y) : r.map(([id]) => id));
        assert.deepEqual(rows(ours), rows(theirs), `${name}: ${query}, top ${limit}: rows as Lance's`);
        ours.forEach(([, s], i) => assert.ok(close(s, theirs[i]![1]), `${name}: ${query}, rank ${i}: ${s} vs Lance ${theirs[i]![1]}`));
        if (query === "common") {
          assert.equal(whole.length, TOTAL - 2, "every document left holds the word");
          assert.deepEqual(ours.map(([id]) => id), Array.from({ length: limit }, (_, i) => TOTAL - 3 - i), "the best rows are the last documents not deleted");
        }
        if (query === "rareword") assert.equal(ours.length, Math.ceil((TOTAL - 3) / 700), "every match, fewer than asked for");
        if (query === "pair one") assert.ok(ours.every(([id]) => id < 40), "the best rows are among the first documents");
      }
    });
  }
});
