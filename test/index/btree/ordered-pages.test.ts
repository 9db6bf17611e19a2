// BTREE input that arrives in order is written to page_data.lance as it comes
// (index/btree/ordered-pages.ts), before the input ends; input whose order
// breaks after pages were written is read again and sorted. Either way the
// files equal those of the in-memory sort (buildBTree) byte for byte, and
// nothing else is left in the segment folder.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Float64, Int64, makeData, type Data, type DataType } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import type { ObjectWriter } from "../../../src/io/object-store.js";
import { buildBTree, buildBTreeStreaming } from "../../../src/index/btree/build.js";
import { batchesPerPage } from "../../../src/index/btree/page-data.js";
import type { TrainingData, TrainingInput } from "../../../src/index/training.js";
import { listFiles, MiB } from "../../helpers/budget-input.js";

const PAGE = 512;
/** Rows of a page of page_data.lance (whole batches of PAGE rows): input longer than this is written before it ends. */
const FILE_PAGE = PAGE * batchesPerPage(new Int64(), PAGE);

/** A store noting when page_data.lance was begun. */
class OpenedStore extends MemoryStore {
  pageDataOpened = false;

  override async openWriter(path: string): Promise<ObjectWriter> {
    if (path.endsWith("page_data.lance")) this.pageDataOpened = true;
    return super.openWriter(path);
  }
}

/** Batches of the given sizes, in turn; counts how often the input is read and whether page_data was begun while it was read. */
function input(training: TrainingData, sizes: number[], store: OpenedStore): TrainingInput & { reads: number; openedBeforeEnd: boolean[] } {
  const result = {
    valueType: training.values.type as DataType,
    reads: 0,
    openedBeforeEnd: [] as boolean[],
    load: async () => training,
    async *batches() {
      result.reads++;
      store.pageDataOpened = false;
      let k = 0;
      try {
        for (let at = 0; at < training.rowIds.length; k++) {
          const n = Math.min(sizes[k % sizes.length]!, training.rowIds.length - at);
          yield { fragmentId: 0, values: training.values.slice(at, n), rowIds: training.rowIds.subarray(at, at + n), offsets: new Int32Array(n) };
          at += n;
        }
      } finally {
        // at the end of the input, or when the build stopped reading it
        result.openedBeforeEnd.push(store.pageDataOpened);
      }
    },
  };
  return result;
}

function int64s(values: (number | null)[]): Data {
  const data = BigInt64Array.from(values, (v) => BigInt(v ?? 0));
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
  });
  return makeData({ type: new Int64(), length: values.length, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : null, data } as never);
}

async function bothWays(training: TrainingData, sizes: number[]): Promise<{ reads: number; openedBeforeEnd: boolean[] }> {
  const expected = new MemoryStore();
  await buildBTree(expected, "seg", training, PAGE);
  const store = new OpenedStore();
  const streamed = input(training, sizes, store);
  const built = await buildBTreeStreaming(store, "seg", streamed, { batchSize: PAGE, memoryBytes: 64 * MiB });
  for (const file of ["page_data.lance", "page_lookup.lance"]) {
    assert.deepEqual(await store.read(`seg/${file}`), await expected.read(`seg/${file}`), file);
  }
  assert.deepEqual(
    built.files.map((f) => f.path),
    ["page_data.lance", "page_lookup.lance"],
  );
  assert.deepEqual(await listFiles(store, "seg"), ["seg/page_data.lance", "seg/page_lookup.lance"]);
  return streamed;
}

const ids = (n: number, from = 0): Float64Array => Float64Array.from({ length: n }, (_, i) => 2 ** 32 + from + i);

describe("BTREE input in order", () => {
  test("is written as it arrives, pages cut across batches, equal values in row id order", async () => {
    const n = 2 * FILE_PAGE + 5_000;
    const values = int64s(Array.from({ length: n }, (_, i) => Math.floor(i / 3) - 700));
    const seen = await bothWays({ values, rowIds: ids(n), fragments: [] }, [700, 1_300, 64]);
    assert.equal(seen.reads, 1);
    assert.deepEqual(seen.openedBeforeEnd, [true]);
  });

  test("doubles in total order (-0 before +0) are written as they arrive", async () => {
    const list = [-Infinity, -2.5, -0, 0, 1e-300, 3, 3, Infinity];
    const n = FILE_PAGE + 2_000;
    const f = Float64Array.from({ length: n }, (_, i) => list[Math.min(list.length - 1, Math.floor((i * list.length) / n))]!);
    const values = makeData({ type: new Float64(), length: n, nullCount: 0, data: f });
    const seen = await bothWays({ values, rowIds: ids(n), fragments: [] }, [333]);
    assert.deepEqual(seen.openedBeforeEnd, [true]);
  });

  test("an order broken after pages were written: the input is read again and sorted", async () => {
    const n = 2 * FILE_PAGE + 6_000;
    const list = Array.from({ length: n }, (_, i) => i);
    list[n - 500] = 10; // one value out of place, late
    const seen = await bothWays({ values: int64s(list), rowIds: ids(n), fragments: [] }, [1_000]);
    assert.equal(seen.reads, 2);
    assert.deepEqual(seen.openedBeforeEnd, [true, false]);
  });

  test("nulls after rows in order, and equal values whose row ids go back, are sorted too", async () => {
    const n = 3_000;
    const withNulls = int64s(Array.from({ length: n }, (_, i) => (i > 2_000 && i % 7 === 0 ? null : i)));
    const nulls = await bothWays({ values: withNulls, rowIds: ids(n), fragments: [] }, [1_000]);
    assert.equal(nulls.reads, 2);
    // the same value throughout, row ids descending from the second batch on
    const rowIds = Float64Array.from({ length: n }, (_, i) => (i < 1_000 ? i : 10_000 - i));
    const ties = await bothWays({ values: int64s(new Array(n).fill(42)), rowIds, fragments: [] }, [1_000]);
    assert.equal(ties.reads, 2);
  });

  test("input out of order from the start is sorted in one read", async () => {
    const n = 3_000;
    const seen = await bothWays({ values: int64s(Array.from({ length: n }, (_, i) => (i * 7919) % n)), rowIds: ids(n), fragments: [] }, [1_000]);
    assert.equal(seen.reads, 1);
    assert.deepEqual(seen.openedBeforeEnd, [false]);
  });
});
