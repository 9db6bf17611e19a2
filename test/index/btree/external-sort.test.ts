// BTREE segments built within a memory budget: input several times the
// budget is sorted in spilled runs and merged, and the segment files are the
// in-memory build's, byte for byte (same entries, same order: nulls first,
// then values, ties by row id); Lance uses such a segment with the results of
// a full scan; temporary files are gone on success and on failure; a budget
// too small to make progress is INVALID_INPUT.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Float64, Int64, Int32, makeData, Table, Utf8, vectorFromArray, type Data, type DataType } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildBTree, buildBTreeStreaming } from "../../../src/index/btree/build.js";
import type { TrainingData } from "../../../src/index/training.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { connect, rng, tablePath } from "../../helpers/oracle.js";
import { batchedInput, isInvalidInput, listFiles, MiB, SpyStore } from "../../helpers/budget-input.js";
import { tempDir } from "../../helpers/tmp.js";


/** Nulls at random rows, their value slots zeroed as in every column read from a file. */
function validity(values: BigInt64Array | Float64Array, next: () => number, share: number): { bitmap: Uint8Array; nulls: number } {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (next() < share) {
      nulls++;
      values[i] = values instanceof BigInt64Array ? 0n : 0;
    } else bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
  }
  return { bitmap, nulls };
}

function int64s(n: number, seed: number): Data {
  const next = rng(seed);
  const v = new BigInt64Array(n);
  // few distinct values, so most rows tie and row ids decide their order
  for (let i = 0; i < n; i++) v[i] = BigInt(Math.floor((next() - 0.5) * 5000)) * 1_000_000_007n;
  const { bitmap, nulls } = validity(v, next, 0.05);
  return makeData({ type: new Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: v });
}

function float64s(n: number, seed: number): Data {
  const next = rng(seed);
  const f = new Float64Array(n);
  const words = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.02) f[i] = NaN;
    else if (r < 0.03) {
      words[2 * i + 1] = 0xfff80000;
      words[2 * i] = 3;
    } else if (r < 0.05) f[i] = r < 0.04 ? -0 : 0;
    else f[i] = Math.round(next() * 1000) / 8;
  }
  const { bitmap, nulls } = validity(f, next, 0.03);
  return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: f });
}

function strings(n: number, seed: number): Data {
  const next = rng(seed);
  return vectorFromArray(Array.from({ length: n }, () => (next() < 0.04 ? null : `key-${Math.floor(next() * 20000)}-${"x".repeat(Math.floor(next() * 12))}`)), new Utf8()).data[0]!;
}

/** Unique row ids in no particular order, as fragments of a table with stable row ids may give. */
function shuffledRowIds(n: number, seed: number): Float64Array {
  const next = rng(seed);
  const ids = Float64Array.from({ length: n }, (_, i) => i * 3 + 2 ** 33);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}


describe("BTREE within a memory budget", () => {
  for (const [label, make, rows, fanIns] of [
    ["int64 with nulls and ties", int64s, 200_000, [32, 3]],
    ["float64 with NaNs, signed zeros and nulls", float64s, 150_000, [3]],
    ["strings with nulls", strings, 60_000, [32]],
  ] as const) {
    test(`spilled runs merge into the in-memory segment: ${label}`, async () => {
      const training: TrainingData = { values: make(rows, 7), rowIds: shuffledRowIds(rows, 8), fragments: [] };
      const expected = new MemoryStore();
      await buildBTree(expected, "seg", training, 4096);
      for (const maxFanIn of fanIns) {
        const store = new SpyStore();
        const built = await buildBTreeStreaming(store, "seg", batchedInput(training, 10_000), { batchSize: 4096, memoryBytes: MiB, maxFanIn });
        assert.ok(store.tmpWrites > 8, `spilled ${store.tmpWrites} chunk files`);
        assert.deepEqual(await listFiles(store, "seg"), ["seg/page_data.lance", "seg/page_lookup.lance"], "temporary files removed");
        for (const f of built.files) {
          assert.deepEqual(await store.read(`seg/${f.path}`), await expected.read(`seg/${f.path}`), `${f.path}, fan-in ${maxFanIn}`);
          assert.equal(f.sizeBytes, (await expected.read(`seg/${f.path}`)).byteLength);
        }
      }
    });
  }

  test("input within the budget is sorted in memory, spilling nothing", async () => {
    const training: TrainingData = { values: int64s(20_000, 3), rowIds: shuffledRowIds(20_000, 4), fragments: [] };
    const store = new SpyStore();
    const expected = new MemoryStore();
    await buildBTree(expected, "seg", training, 4096);
    await buildBTreeStreaming(store, "seg", batchedInput(training, 5000), { batchSize: 4096, memoryBytes: 64 * MiB });
    assert.equal(store.tmpWrites, 0);
    assert.deepEqual(await store.read("seg/page_data.lance"), await expected.read("seg/page_data.lance"));
  });

  test("a failure removes the temporary files", async () => {
    const training: TrainingData = { values: int64s(200_000, 5), rowIds: shuffledRowIds(200_000, 6), fragments: [] };
    for (const failAt of [3, 40]) {
      const store = new SpyStore();
      store.failAt = failAt;
      await assert.rejects(buildBTreeStreaming(store, "seg", batchedInput(training, 10_000), { batchSize: 4096, memoryBytes: MiB, maxFanIn: 3 }), /injected failure/);
      assert.deepEqual(await listFiles(store, "seg"), []);
    }
  });

  test("a budget too small to make progress is INVALID_INPUT", async () => {
    const training: TrainingData = { values: int64s(50_000, 5), rowIds: shuffledRowIds(50_000, 6), fragments: [] };
    for (const memoryBytes of [0, 1000, MiB - 1, 1.5 * MiB + 0.5, NaN]) {
      await assert.rejects(buildBTreeStreaming(new MemoryStore(), "seg", batchedInput(training, 10_000), { batchSize: 4096, memoryBytes }), isInvalidInput(/memoryBytes must be .* at least 1048576/));
    }
    const store = new MemoryStore();
    await assert.rejects(buildBTreeStreaming(store, "seg", batchedInput(training, 10_000), { batchSize: 100_000, memoryBytes: MiB }), isInvalidInput(/too small to build pages of 100000 rows/));
    assert.deepEqual(await listFiles(store, "seg"), []);
  });

  test("Lance uses a spilled segment with the results of a full scan", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const next = rng(11);
    let k = 0;
    const make = (n: number) =>
      new Table({
        id: vectorFromArray(Array.from({ length: n }, () => (next() < 0.02 ? null : BigInt(Math.floor(next() * 50_000)))), new Int64()),
        k: vectorFromArray(Array.from({ length: n }, () => k++), new Int32()),
      });
    const parts = [make(100_000), make(100_000), make(60_000)];
    const tables = [];
    for (const name of ["t", "twin"]) {
      const t = await db.createTable(name, parts[0]!);
      for (const part of parts.slice(1)) await t.add(part);
      await t.delete("k % 10 = 3");
      tables.push(t);
    }
    const [table, twin] = tables as [(typeof tables)[number], (typeof tables)[number]];
    const before = await openDataset(tablePath(dir, "t"));
    const budgeted = await before.createIndexUncommitted("id", "BTREE", { fragmentIds: [0, 1, 2], params: { memoryBytes: MiB } });
    const whole = await before.createIndexUncommitted("id", "BTREE", { fragmentIds: [0, 1, 2], name: "other" });
    for (const f of ["page_data.lance", "page_lookup.lance"]) {
      assert.deepEqual(await before.store.read(`_indices/${budgeted.uuid}/${f}`), await before.store.read(`_indices/${whole.uuid}/${f}`), f);
    }
    assert.deepEqual((await before.store.list(`_indices/${budgeted.uuid}/`)).map((f) => f.path.split("/").pop()).sort(), ["page_data.lance", "page_lookup.lance"]);
    await before.commitExistingIndexSegments("id_idx", "id", [budgeted]);
    await table.checkoutLatest();
    const ks = async (t: typeof table, filter: string) => (await t.query().where(filter).select(["k"]).toArray()).map((r) => Number(r.k)).sort((a, b) => a - b);
    for (const filter of ["id = 4242", "id < 300", "id >= 49900", "id BETWEEN 1000 AND 1100", "id IN (1, 2, 777)", "id IS NULL"]) {
      assert.match(await table.query().where(filter).explainPlan(true), /ScalarIndexQuery: .*@id_idx\(BTree\)/, filter);
      const expected = await ks(twin, filter);
      assert.ok(expected.length > 0, filter);
      assert.deepEqual(await ks(table, filter), expected, filter);
    }
  });
});
