// A partition's posting lists are fetched one by one for an open's first
// search (until they, with the next one, pass half the posting region's
// bytes); a later search that needs a list not held reads every other row in
// one pass, and they are kept. Unit tests over a scripted source, and searches
// over a Lance 12 segment and over lancets' own (several partitions) counted at
// the store: many searches over distinct terms fetch at most the region plus
// the first search from the posting files, the first search only its lists,
// every search after the second nothing, and every search returns what a
// fresh open returns.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LanceFileReader } from "../../../src/file/file-reader.js";
import { MAX_REST_READS, PostingRegion, rangesWithout, ROW_BY_ROW_SHARE, type RowRange } from "../../../src/index/inverted/posting-region.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { LocalFileStore } from "../../../src/node/fs-store.js";
import { CountingStore } from "../../helpers/counting-store.js";
import { connect, lancedb, tablePath } from "../../helpers/oracle.js";
import { textTable, vocabulary } from "../../helpers/text-corpus.js";
import { tempDir } from "../../helpers/tmp.js";

/** A region of `numRows` rows of `rowBytes` bytes each, recording what it is asked for. */
function scripted(numRows: number, rowBytes: number) {
  const log: { rows: number[]; ranges: RowRange[][]; fetched: number; failRanges: number } = { rows: [], ranges: [], fetched: 0, failRanges: 0 };
  const region = new PostingRegion<string>({
    regionBytes: numRows * rowBytes,
    numRows,
    estimateBytes: () => rowBytes,
    fetchedBytes: () => log.fetched,
    fetchRow: async (row) => {
      log.rows.push(row);
      log.fetched += rowBytes;
      return `row ${row}`;
    },
    fetchRanges: async (ranges) => {
      log.ranges.push(ranges);
      if (log.failRanges > 0) {
        log.failRanges--;
        throw new Error("unreachable store");
      }
      for (const r of ranges) log.fetched += (r.end - r.start) * rowBytes;
      return (row) => `rest ${row}`;
    },
  });
  return { region, log };
}

describe("posting region", () => {
  test("ranges without the rows taken", () => {
    assert.deepEqual(rangesWithout([], 5), [{ start: 0, end: 5 }]);
    assert.deepEqual(rangesWithout([0, 4], 5), [{ start: 1, end: 4 }]);
    assert.deepEqual(rangesWithout([1, 2, 3], 5), [{ start: 0, end: 1 }, { start: 4, end: 5 }]);
    assert.deepEqual(rangesWithout([0, 1, 2], 3), []);
  });

  test("rows come one by one up to half the region, then the rest in one pass, and nothing twice", async () => {
    const { region, log } = scripted(10, 2000);
    assert.equal(ROW_BY_ROW_SHARE, 0.5);
    for (const row of [7, 2, 9, 4, 0]) assert.equal(await region.get(row), `row ${row}`);
    assert.equal(region.readWhole, false);
    // a sixth row would pass 10,000 of the region's 20,000 bytes
    assert.equal(await region.get(5), "rest 5");
    assert.equal(region.readWhole, true);
    assert.deepEqual(log.ranges, [[{ start: 1, end: 2 }, { start: 3, end: 4 }, { start: 5, end: 7 }, { start: 8, end: 9 }]]);
    for (let row = 0; row < 10; row++) assert.equal(await region.get(row), [7, 2, 9, 4, 0].includes(row) ? `row ${row}` : `rest ${row}`);
    assert.deepEqual(log.rows, [7, 2, 9, 4, 0]);
    assert.equal(log.ranges.length, 1);
    assert.equal(log.fetched, 20_000);
  });

  test("small rows fetched alone are read again with the rest rather than cost reads of their own", async () => {
    const { region, log } = scripted(10, 100);
    for (const row of [7, 2, 9, 4, 0]) await region.get(row);
    assert.equal(await region.get(5), "rest 5");
    assert.deepEqual(log.ranges, [[{ start: 0, end: 10 }]]);
    assert.equal(await region.get(7), "row 7");
  });

  test("the rest is read in at most MAX_REST_READS reads, between the largest rows fetched", async () => {
    const numRows = 1000;
    const log: RowRange[][] = [];
    let fetched = 0;
    // row r costs 1024 + r bytes
    const region = new PostingRegion<number>({
      regionBytes: 10 * 1024 * 1024,
      numRows,
      estimateBytes: (r) => (r === numRows - 1 ? 10 * 1024 * 1024 : 1024 + r),
      fetchedBytes: () => fetched,
      fetchRow: async (r) => {
        fetched += 1024 + r;
        return r;
      },
      fetchRanges: async (ranges) => {
        log.push(ranges);
        return (r) => -r;
      },
    });
    for (let r = 0; r < 200; r += 2) await region.get(r);
    assert.equal(await region.get(numRows - 1), -(numRows - 1));
    assert.equal(log.length, 1);
    assert.equal(log[0]!.length, MAX_REST_READS);
    // the 63 largest rows fetched (74 to 198) are left out, the rest read again
    assert.deepEqual(log[0]![0], { start: 0, end: 74 });
    assert.deepEqual(log[0]![MAX_REST_READS - 1], { start: 199, end: numRows });
    assert.equal(await region.get(74), 74);
    assert.equal(await region.get(72), 72);
    assert.equal(await region.get(73), -73);
  });

  test("the first search fetches its rows one by one, the next one that needs a row not held reads the rest first", async () => {
    const { region, log } = scripted(100, 100);
    region.beginSearch([7, 2]);
    assert.deepEqual(await Promise.all([region.get(7), region.get(2)]), ["row 7", "row 2"]);
    assert.equal(region.readWhole, false);
    // a search over rows already held reads nothing
    region.beginSearch([2]);
    assert.equal(await region.get(2), "row 2");
    region.beginSearch([]);
    assert.equal(region.readWhole, false);
    assert.deepEqual(log.ranges, []);
    // a row not held: the rest is read before the row is asked for, small rows again with it
    region.beginSearch([2, 50]);
    assert.equal(region.readWhole, true);
    assert.deepEqual(log.ranges, [[{ start: 0, end: 100 }]]);
    assert.equal(await region.get(50), "rest 50");
    assert.equal(await region.get(7), "row 7");
    region.beginSearch([1, 99]);
    assert.equal(await region.get(99), "rest 99");
    assert.deepEqual(log.rows, [7, 2]);
    assert.equal(log.ranges.length, 1);
  });

  test("the rest read by a second search leaves out the large rows the first fetched", async () => {
    const { region, log } = scripted(10, 2000);
    region.beginSearch([3, 6]);
    await region.get(3);
    await region.get(6);
    region.beginSearch([8]);
    assert.equal(await region.get(8), "rest 8");
    assert.deepEqual(log.ranges, [[{ start: 0, end: 3 }, { start: 4, end: 6 }, { start: 7, end: 10 }]]);
    assert.equal(log.fetched, 20_000);
  });

  test("a failed read of the rest by a second search is tried again by the next search", async () => {
    const { region, log } = scripted(4, 2000);
    region.beginSearch([1]);
    await region.get(1);
    log.failRanges = 1;
    region.beginSearch([2]);
    await assert.rejects(region.get(2), /unreachable store/);
    assert.equal(region.readWhole, false);
    region.beginSearch([2]);
    assert.equal(await region.get(2), "rest 2");
    assert.deepEqual(log.ranges, [[{ start: 0, end: 1 }, { start: 2, end: 4 }], [{ start: 0, end: 1 }, { start: 2, end: 4 }]]);
  });

  test("a failed read of the rest is tried again by the next search", async () => {
    const { region, log } = scripted(4, 2000);
    await region.get(1);
    await region.get(3);
    log.failRanges = 1;
    await assert.rejects(region.get(0), /unreachable store/);
    assert.equal(region.readWhole, false);
    assert.equal(await region.get(2), "rest 2");
    assert.deepEqual(log.ranges, [[{ start: 0, end: 1 }, { start: 2, end: 3 }], [{ start: 0, end: 1 }, { start: 2, end: 3 }]]);
  });

  test("a row too big for half the region alone goes with the rest at once", async () => {
    const { region, log } = scripted(1, 2000);
    assert.equal(await region.get(0), "rest 0");
    assert.deepEqual(log.rows, []);
    assert.deepEqual(log.ranges, [[{ start: 0, end: 1 }]]);
  });
});

/** Requests and bytes each search fetched from the posting files (part_N_invert.lance), and its hits. */
async function searchEach(store: CountingStore, path: string, terms: string[]): Promise<{ bytes: number[]; requests: number[] }> {
  const ds = await openDataset(store);
  const bytes: number[] = [];
  const requests: number[] = [];
  for (const term of terms) {
    store.take();
    const hits = await ds.scan({ fullTextSearch: { query: term }, columns: ["id"], limit: 10 }).toArrow();
    const reads = store.take().filter((r) => /part_\d+_invert\.lance$/.test(r.path) && r.op === "readRange");
    bytes.push(reads.reduce((n, r) => n + r.byteLength!, 0));
    requests.push(reads.length);
    // the same answer as an open that fetches only this term's lists
    const fresh = await (await openDataset(new LocalFileStore(path))).scan({ fullTextSearch: { query: term }, columns: ["id"], limit: 10 }).toArrow();
    assert.equal(hits.numRows, fresh.numRows, term);
    assert.deepEqual(Array.from(hits.getChild("id")!.toArray() as BigInt64Array), Array.from(fresh.getChild("id")!.toArray() as BigInt64Array), term);
    assert.deepEqual(Array.from(hits.getChild("_score")!.toArray() as Float32Array), Array.from(fresh.getChild("_score")!.toArray() as Float32Array), term);
  }
  return { bytes, requests };
}

/** Bytes reading the posting column(s) of every part_N_invert.lance of the FTS segment costs. */
async function regionBytesOf(path: string): Promise<{ bytes: number; partitions: number }> {
  const ds = await openDataset(new LocalFileStore(path));
  const meta = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
  const invertFiles = meta.files.map((f) => f.path).filter((p) => /^part_\d+_invert\.lance$/.test(p));
  assert.ok(invertFiles.length > 0, `segment files: ${meta.files.map((f) => f.path).join(", ")}`);
  let bytes = 0;
  for (const name of invertFiles) {
    const reader = await LanceFileReader.open(new LocalFileStore(path), `_indices/${meta.uuid}/${name}`);
    assert.notEqual(reader.fileVersion, "2.0");
    bytes += reader.fieldBytes([reader.schema.fields.find((f) => f.name === "_posting" && f.parentId === -1)!.id]);
  }
  return { bytes, partitions: invertFiles.length };
}

/** One word, then every word of the corpus, six to a search. */
function searchTerms(): string[] {
  const words = vocabulary();
  return ["running", ...Array.from({ length: Math.ceil(words.length / 6) }, (_, k) => words.slice(k * 6, k * 6 + 6).join(" "))];
}

function checkOpen(t: { diagnostic(s: string): void }, { bytes: perSearch, requests }: { bytes: number[]; requests: number[] }, regionBytes: number, partitions: number): void {
  t.diagnostic(`posting file bytes per search: ${perSearch.join(", ")}; requests ${requests.join(", ")}; region ${regionBytes} in ${partitions} partition(s)`);
  const total = perSearch.reduce((a, b) => a + b, 0);
  // (lists under SMALL_ROW_BYTES fetched alone are read again with the rest, and each list alone reads its repetition index entries)
  assert.ok(total <= regionBytes * 1.05 + perSearch[0]!, `${total} bytes over ${perSearch.length} searches (${perSearch.join(", ")}); region ${regionBytes}, first search ${perSearch[0]}`);
  // the first search fetches its term's lists alone (and opens the files), far less than the region
  assert.ok(perSearch[0]! > 0 && perSearch[0]! < regionBytes / 2, `first search ${perSearch[0]} of a ${regionBytes}-byte region`);
  // the second reads the rest, at most MAX_REST_READS reads a partition
  assert.ok(perSearch[1]! > regionBytes / 2, `second search ${perSearch[1]} of a ${regionBytes}-byte region`);
  assert.ok(requests[1]! <= MAX_REST_READS * partitions, `second search: ${requests[1]} requests`);
  // and every search after it fetches nothing from the posting files
  assert.deepEqual(perSearch.slice(2), perSearch.slice(2).map(() => 0));
  assert.deepEqual(requests.slice(2), requests.slice(2).map(() => 0));
}

describe("searches over many terms fetch about the posting region and the first search", () => {
  test("Lance 12 segment, counted at the store, results equal to a fresh open", async (t) => {
    const dir = tempDir();
    const db = await connect(dir);
    const table = await db.createTable("docs", textTable(20_000, 0));
    await table.createIndex("text", { config: lancedb.Index.fts() });
    const path = tablePath(dir, "docs");
    const region = await regionBytesOf(path);
    assert.equal(region.partitions, 1);
    checkOpen(t, await searchEach(new CountingStore(new LocalFileStore(path)), path, searchTerms()), region.bytes, region.partitions);
  });

  test("lancets' own segment of several partitions, counted at the store, results equal to a fresh open", async (t) => {
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("docs", textTable(20_000, 0));
    const path = tablePath(dir, "docs");
    await (await openDataset(new LocalFileStore(path))).createScalarIndex("text", "FTS", { params: { memoryBytes: 3 * 1024 * 1024 } });
    const region = await regionBytesOf(path);
    assert.ok(region.partitions > 1, `${region.partitions} partition(s)`);
    checkOpen(t, await searchEach(new CountingStore(new LocalFileStore(path)), path, searchTerms().slice(0, 12)), region.bytes, region.partitions);
  });
});
