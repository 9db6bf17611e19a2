// A partition's posting lists are fetched one by one until they (with the next
// one) pass half the posting region's bytes; then every other row is read in
// one pass and kept. Unit tests over a scripted source, and searches over a
// Lance 12 segment counted at the store: many searches over distinct terms
// fetch at most the region plus the first search from the posting file, later
// searches fetch nothing, and every search returns what a fresh open returns.

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

describe("searches over many terms fetch about the posting region and the first search", () => {
  test("Lance 12 segment, counted at the store, results equal to a fresh open", async (t) => {
    const dir = tempDir();
    const db = await connect(dir);
    const table = await db.createTable("docs", textTable(20_000, 0));
    await table.createIndex("text", { config: lancedb.Index.fts() });
    const path = tablePath(dir, "docs");
    const store = new CountingStore(new LocalFileStore(path));
    const ds = await openDataset(store);
    const meta = ds.indices.find((i) => ds.snapshot.indexType(i) === "FTS")!;
    const invertPath = `_indices/${meta.uuid}/part_0_invert.lance`;
    const reader = await LanceFileReader.open(new LocalFileStore(path), invertPath);
    assert.notEqual(reader.fileVersion, "2.0");
    const regionBytes = reader.fieldBytes([reader.schema.fields.find((f) => f.name === "_posting" && f.parentId === -1)!.id]);
    // every word of the corpus, six to a search
    const words = vocabulary();
    const terms = Array.from({ length: Math.ceil(words.length / 6) }, (_, k) => words.slice(k * 6, k * 6 + 6).join(" "));
    const perSearch: number[] = [];
    for (const term of terms) {
      store.take();
      const hits = await ds.scan({ fullTextSearch: { query: term }, columns: ["id"], limit: 10 }).toArrow();
      perSearch.push(
        store
          .take()
          .filter((r) => r.path === invertPath)
          .reduce((n, r) => n + (r.byteLength ?? 0), 0),
      );
      // the same answer as an open that fetches only this term's list
      const fresh = await (await openDataset(new LocalFileStore(path))).scan({ fullTextSearch: { query: term }, columns: ["id"], limit: 10 }).toArrow();
      assert.equal(hits.numRows, fresh.numRows, term);
      assert.deepEqual(Array.from(hits.getChild("id")!.toArray() as BigInt64Array), Array.from(fresh.getChild("id")!.toArray() as BigInt64Array), term);
      assert.deepEqual(Array.from(hits.getChild("_score")!.toArray() as Float32Array), Array.from(fresh.getChild("_score")!.toArray() as Float32Array), term);
    }
    t.diagnostic(`posting file bytes per search: ${perSearch.join(", ")}; region ${regionBytes}`);
    const total = perSearch.reduce((a, b) => a + b, 0);
    // (lists under SMALL_ROW_BYTES fetched alone are read again with the rest, and each list alone reads its repetition index entries)
    assert.ok(total <= regionBytes * 1.05 + perSearch[0]!, `${total} bytes over ${terms.length} searches (${perSearch.join(", ")}); region ${regionBytes}, first search ${perSearch[0]}`);
    // the first searches fetch their terms' lists alone (the first also opens the file), far less than the region
    assert.ok(perSearch[1]! > 0 && perSearch[1]! < regionBytes / 10, `second search ${perSearch[1]} of a ${regionBytes}-byte region`);
    // then the rest comes in one pass, and the last searches fetch nothing
    assert.ok(perSearch.some((n) => n > regionBytes / 4), `no search read the rest of the region: ${perSearch.join(", ")}`);
    assert.deepEqual(perSearch.slice(-5), [0, 0, 0, 0, 0]);
  });
});
