// Coalescing of page reads: neighbours merge, but never into a request past
// the bound, wherever in a file of many gigabytes the ranges sit.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Int32, Table, Utf8, vectorFromArray } from "apache-arrow";
import { coalesceByBudget, coalesceRanges, MAX_COALESCED_BYTES, type ByteRange } from "../../src/file/coalesce-ranges.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const MiB = 1024 * 1024;

/** Every range lies inside the request that claims it; requests stay sorted and disjoint in their claims. */
function checkCover(ranges: ByteRange[], reads: ReturnType<typeof coalesceRanges>): void {
  let next = 0;
  for (const r of reads) {
    assert.equal(r.first, next);
    assert.ok(r.last > r.first);
    for (let i = r.first; i < r.last; i++) {
      assert.ok(ranges[i]!.position >= r.start && ranges[i]!.position + ranges[i]!.size <= r.end, `range ${i} inside its request`);
    }
    next = r.last;
  }
  assert.equal(next, ranges.length);
}

describe("coalesceRanges", () => {
  test("2.4 GiB of contiguous 1 MiB pages past 2^31 become requests of at most 64 MiB", () => {
    const base = 2 ** 31 - 7 * MiB;
    const ranges = Array.from({ length: 2400 }, (_, i) => ({ position: base + i * MiB, size: MiB }));
    const reads = coalesceRanges(ranges, 4096);
    checkCover(ranges, reads);
    for (const r of reads) assert.ok(r.end - r.start <= MAX_COALESCED_BYTES, `request of ${r.end - r.start} bytes`);
    assert.equal(reads.length, Math.ceil(2400 / 64));
    assert.equal(reads[0]!.end - reads[0]!.start, 64 * MiB);
  });

  test("neighbours within the gap merge, farther ones do not; a single range larger than the bound is read alone", () => {
    const big = 2 ** 33;
    const ranges = [
      { position: big, size: 100 },
      { position: big + 100 + 4096, size: 10 },
      { position: big + 100 + 4096 + 10 + 4097, size: 10 },
      { position: big + 10_000_000, size: 3 * 1024 * MiB },
      { position: big + 10_000_000 + 3 * 1024 * MiB, size: 8 },
    ];
    const reads = coalesceRanges(ranges, 4096);
    checkCover(ranges, reads);
    assert.deepEqual(
      reads.map((r) => [r.start - big, r.end - big, r.first, r.last]),
      [
        [0, 4206, 0, 2],
        [8303, 8313, 2, 3],
        [10_000_000, 10_000_000 + 3 * 1024 * MiB, 3, 4],
        [10_000_000 + 3 * 1024 * MiB, 10_000_008 + 3 * 1024 * MiB, 4, 5],
      ],
    );
  });

  test("overlapping and repeated ranges merge, and the bound is a parameter", () => {
    const ranges = [
      { position: 0, size: 50 },
      { position: 10, size: 10 },
      { position: 10, size: 10 },
      { position: 40, size: 30 },
      { position: 70, size: 40 },
    ];
    assert.deepEqual(
      coalesceRanges(ranges, 0).map((r) => [r.start, r.end]),
      [[0, 110]],
    );
    assert.deepEqual(
      coalesceRanges(ranges, 0, 80).map((r) => [r.start, r.end, r.first, r.last]),
      [
        [0, 70, 0, 4],
        [70, 110, 4, 5],
      ],
    );
    assert.deepEqual(coalesceRanges([], 4096), []);
  });
});

describe("coalesceByBudget", () => {
  const budget = { maxGapBytes: 4096, budgetGapBytes: 1024 * 1024, wasteRatio: 1 };
  const bytesRead = (reads: ReturnType<typeof coalesceByBudget>): number => reads.reduce((n, r) => n + r.end - r.start, 0);

  test("chunks with unselected chunks of the same size between them become one request reading at most twice the bytes", () => {
    const ranges = Array.from({ length: 100 }, (_, i) => ({ position: 2 * i * 8192, size: 8192 }));
    const reads = coalesceByBudget(ranges, budget);
    checkCover(ranges, reads);
    assert.equal(reads.length, 1);
    assert.ok(bytesRead(reads) <= 2 * 100 * 8192);
    // by distance alone they would be 100 requests
    assert.equal(coalesceRanges(ranges, 4096).length, 100);
  });

  test("ten chunks far apart are ten requests of exactly their bytes", () => {
    const ranges = Array.from({ length: 10 }, (_, i) => ({ position: i * 300_000, size: 8192 }));
    const reads = coalesceByBudget(ranges, budget);
    checkCover(ranges, reads);
    assert.equal(reads.length, 10);
    assert.equal(bytesRead(reads), 10 * 8192);
  });

  test("a gap is bridged only while the bytes read beyond those asked stay within the ratio, and never past the largest gap", () => {
    const ranges = [
      { position: 0, size: 10_000 },
      { position: 18_000, size: 10_000 }, // gap 8,000: wasted 8,000 <= 20,000 needed
      { position: 40_000, size: 1_000 }, // gap 12,000: wasted 20,000 <= 21,000
      { position: 60_000, size: 1_000 }, // gap 19,000: wasted 39,000 > 22,000, a new request
      { position: 61_000 + 2 * 1024 * 1024, size: 5 * 1024 * 1024 }, // past the largest bridged gap
    ];
    const reads = coalesceByBudget(ranges, budget);
    checkCover(ranges, reads);
    assert.deepEqual(
      reads.map((r) => [r.start, r.end, r.first, r.last]),
      [
        [0, 41_000, 0, 3],
        [60_000, 61_000, 3, 4],
        [61_000 + 2 * 1024 * 1024, 61_000 + 7 * 1024 * 1024, 4, 5],
      ],
    );
    // without a ratio only the small gaps are bridged
    assert.equal(coalesceByBudget(ranges, { maxGapBytes: 4096 }).length, 5);
  });
});

/** Records the length of every ranged read. */
class RecordingStore extends LocalFileStore {
  readonly lengths: number[] = [];

  override async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.lengths.push(byteLength);
    return super.readRange(path, byteOffset, byteLength);
  }
}

describe("page reads of a large lancedb-written file", () => {
  test("a 2.0 file with 77 MB of strings is read in requests of at most 64 MiB, values intact", async () => {
    const n = 20_000;
    const filler = "x".repeat(4000);
    const table = new Table({
      id: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()),
      s: vectorFromArray(
        Array.from({ length: n }, (_, i) => `${i}:${filler}`),
        new Utf8(),
      ),
    });
    const dir = tempDir();
    await (await connect(dir)).createTable("t", table, { dataStorageVersion: "2.0" } as never);
    const store = new RecordingStore(tablePath(dir, "t"));
    const got = await (await openDataset(store)).scan({ columns: ["s"] }).toArrow();
    assert.equal(got.numRows, n);
    const s = got.getChild("s")!;
    for (const i of [0, 1, 9_999, 10_000, n - 1]) assert.equal(s.get(i), `${i}:${filler}`);
    const pageBytes = store.lengths.reduce((a, b) => a + b, 0);
    assert.ok(pageBytes > 77_000_000, `read ${pageBytes} bytes`);
    assert.ok(Math.max(...store.lengths) <= MAX_COALESCED_BYTES, `largest request ${Math.max(...store.lengths)} bytes`);
  });
});
