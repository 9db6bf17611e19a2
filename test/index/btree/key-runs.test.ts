// Merges of sorted key runs: a few runs are merged by picking the least head
// row by row, more through a heap; either way, and however many runs are
// spilled and reduced, the segment's files equal the reference in-memory
// build (nulls first, ties by row id).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Int64, makeData, type DataType } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildBTree, buildBTreeStreaming } from "../../../src/index/btree/build.js";
import type { TrainingData } from "../../../src/index/training.js";
import { rng } from "../../helpers/oracle.js";
import { batchedInput, MiB } from "../../helpers/budget-input.js";



/** n int64 values in order (or in reverse), ties in pairs, no nulls, row ids ascending. */
function orderedTraining(n: number, reverse: boolean): TrainingData {
  const values = BigInt64Array.from({ length: n }, (_, i) => BigInt((reverse ? n - i : i) >> 1) - 1000n);
  return { values: makeData({ type: new Int64(), length: n, nullCount: 0, data: values } as never), rowIds: Float64Array.from({ length: n }, (_, i) => i + 2 ** 32), fragments: [] };
}

/** n int64 values drawn from `distinct` values (many ties), about 3% null, row ids descending. */
function int64Training(n: number, distinct: number, seed: number): TrainingData {
  const next = rng(seed);
  const values = new BigInt64Array(n);
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (next() < 0.03) {
      nullCount++;
      continue;
    }
    nullBitmap[i >> 3] = nullBitmap[i >> 3]! | (1 << (i & 7));
    values[i] = BigInt(Math.floor(next() * distinct) - Math.floor(distinct / 2));
  }
  const data = makeData({ type: new Int64(), length: n, nullCount, nullBitmap, data: values } as never);
  return { values: data, rowIds: Float64Array.from({ length: n }, (_, i) => (n - i) * 3 + 2 ** 33), fragments: [] };
}

describe("merging sorted key runs", () => {
  test("runs merged by heap (fan-in above 4), row by row (4 or fewer) and after reduction give the reference files", async () => {
    // 1 MiB holds about 26,000 keyed rows: 140,000 rows spill 6 runs
    const training = int64Training(140_000, 5000, 7);
    const expected = new MemoryStore();
    await buildBTree(expected, "seg", training, 4096);
    for (const maxFanIn of [16, 2]) {
      const store = new MemoryStore();
      const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 9000), { batchSize: 4096, memoryBytes: MiB, maxFanIn });
      for (const f of built.files) assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${f.path}, fan-in ${maxFanIn}`);
      assert.deepEqual((await store.list("seg/")).map((f) => f.path).sort(), ["seg/page_data.lance", "seg/page_lookup.lance"]);
    }
  });

  test("input already in order, or in reverse, in memory and spilled gives the reference files", async () => {
    for (const reverse of [false, true]) {
      const training = orderedTraining(70_000, reverse);
      const expected = new MemoryStore();
      await buildBTree(expected, "seg", training, 4096);
      for (const memoryBytes of [64 * MiB, MiB]) {
        const store = new MemoryStore();
        const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 8000), { batchSize: 4096, memoryBytes });
        for (const f of built.files) assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${f.path}, reverse ${reverse}, ${memoryBytes} bytes`);
      }
    }
  });

  test("in memory: the held rows' sorted blocks merged row by row give the reference files, with and without nulls", async () => {
    for (const [seed, distinct] of [
      [11, 3],
      [12, 1_000_000],
    ] as const) {
      const training = int64Training(50_000, distinct, seed);
      const expected = new MemoryStore();
      await buildBTree(expected, "seg", training, 1000);
      const store = new MemoryStore();
      const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 6000), { batchSize: 1000, memoryBytes: 64 * MiB });
      for (const f of built.files) assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${f.path}, ${distinct} distinct values`);
    }
  });
});
