// BITMAP segments built within a memory budget: input several times the
// budget is grouped in runs spilled to the store and merged by key, and the
// lookup file equals the in-memory build's byte for byte (same entries, same
// order, same pages); Lance uses such a segment with the results of a full
// scan; temporary files are gone on success and on failure; a budget too
// small to make progress is INVALID_INPUT.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Float64, Int32, Int64, makeData, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { buildBitmap, buildBitmapStreaming } from "../../../src/index/bitmap/build.js";
import type { TrainingData } from "../../../src/index/training.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { batchedInput, isInvalidInput, listFiles, MiB, SpyStore } from "../../helpers/budget-input.js";
import { connect, rng, tablePath } from "../../helpers/oracle.js";
import { tempDir } from "../../helpers/tmp.js";

const PAGE = 64 * 1024;

function int64s(n: number, distinct: number, seed: number): Data {
  const next = rng(seed);
  const v = new BigInt64Array(n);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (next() < 0.05) nulls++;
    else {
      v[i] = BigInt(Math.floor((next() - 0.5) * distinct)) * 1_000_000_007n;
      bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    }
  }
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
    else f[i] = Math.round(next() * 20_000) / 8;
  }
  return makeData({ type: new Float64(), length: n, nullCount: 0, data: f });
}

function strings(n: number, seed: number): Data {
  const next = rng(seed);
  return vectorFromArray(Array.from({ length: n }, () => (next() < 0.04 ? null : `key-${Math.floor(next() * 10_000)}-${"x".repeat(Math.floor(next() * 12))}`)), new Utf8()).data[0]!;
}

/** Row addresses of fragments of `perFragment` rows; `shuffle` mixes them as stable row ids may come. */
function rowAddresses(n: number, perFragment: number, shuffle: boolean, seed: number): Float64Array {
  const ids = Float64Array.from({ length: n }, (_, i) => Math.floor(i / perFragment) * 2 ** 32 + (i % perFragment));
  if (shuffle) {
    const next = rng(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
  }
  return ids;
}

describe("BITMAP within a memory budget", () => {
  for (const [label, values, rowIds, fanIns] of [
    ["int64, many values, nulls", () => int64s(150_000, 15_000, 7), () => rowAddresses(150_000, 40_000, false, 1), [32, 3]],
    ["int64, 50 values over many runs", () => int64s(400_000, 50, 9), () => rowAddresses(400_000, 150_000, false, 1), [3]],
    ["float64 with NaNs and signed zeros, shuffled row ids", () => float64s(150_000, 5), () => rowAddresses(150_000, 50_000, true, 2), [32]],
    ["strings with nulls", () => strings(120_000, 3), () => rowAddresses(120_000, 50_000, false, 1), [32]],
  ] as const) {
    test(`spilled runs merge into the in-memory lookup file: ${label}`, async () => {
      const training: TrainingData = { values: values(), rowIds: rowIds(), fragments: [] };
      const expected = new MemoryStore();
      await buildBitmap(expected, "seg", training, PAGE);
      const want = await expected.read("seg/bitmap_page_lookup.lance");
      const n = training.rowIds.length;
      // the input's row count unknown, exact, or an upper bound (a run's arrays then sized once)
      for (const [maxFanIn, maxRows] of fanIns.flatMap((f) => [[f, undefined], [f, n], [f, n + 7_000]] as const)) {
        const store = new SpyStore();
        const input = { ...batchedInput(training, 20_000), ...(maxRows === undefined ? {} : { maxRows }) };
        const built = await buildBitmapStreaming(store, "seg", input, { memoryBytes: 4 * MiB, maxFanIn, pageBytes: PAGE });
        assert.ok(store.tmpWrites > 8, `spilled ${store.tmpWrites} chunk files`);
        assert.deepEqual(await listFiles(store, "seg"), ["seg/bitmap_page_lookup.lance"], "temporary files removed");
        const got = await store.read("seg/bitmap_page_lookup.lance");
        assert.ok(got.byteLength > 4 * PAGE, `several pages (${got.byteLength} bytes)`);
        assert.deepEqual(got, want, `fan-in ${maxFanIn}, maxRows ${maxRows}`);
        assert.equal(built.files[0]!.sizeBytes, want.byteLength);
      }
    });
  }

  test("input within the budget is grouped in memory, spilling nothing", async () => {
    const training: TrainingData = { values: int64s(30_000, 500, 3), rowIds: rowAddresses(30_000, 10_000, false, 0), fragments: [] };
    const store = new SpyStore();
    const expected = new MemoryStore();
    await buildBitmap(expected, "seg", training);
    await buildBitmapStreaming(store, "seg", batchedInput(training, 5000), { memoryBytes: 64 * MiB });
    assert.equal(store.tmpWrites, 0);
    assert.deepEqual(await store.read("seg/bitmap_page_lookup.lance"), await expected.read("seg/bitmap_page_lookup.lance"));
    // 60,000 rows: 24 bytes a row with the slack of growing arrays pass a quarter of 4 MiB, 12 bytes a row sized once do not
    const more: TrainingData = { values: int64s(60_000, 500, 4), rowIds: rowAddresses(60_000, 20_000, false, 0), fragments: [] };
    const grown = new SpyStore();
    await buildBitmapStreaming(grown, "seg", batchedInput(more, 5000), { memoryBytes: 4 * MiB });
    assert.ok(grown.tmpWrites > 0, "rows of arrays that grow are spilled");
    const sized = new SpyStore();
    await buildBitmapStreaming(sized, "seg", { ...batchedInput(more, 5000), maxRows: 60_000 }, { memoryBytes: 4 * MiB });
    assert.equal(sized.tmpWrites, 0, "rows of arrays sized once fit");
    assert.deepEqual(await sized.read("seg/bitmap_page_lookup.lance"), await grown.read("seg/bitmap_page_lookup.lance"));
  });

  test("a failure removes the temporary files", async () => {
    const training: TrainingData = { values: int64s(300_000, 20_000, 5), rowIds: rowAddresses(300_000, 100_000, false, 0), fragments: [] };
    for (const failAt of [3, 60]) {
      const store = new SpyStore();
      store.failAt = failAt;
      await assert.rejects(buildBitmapStreaming(store, "seg", batchedInput(training, 20_000), { memoryBytes: 4 * MiB, maxFanIn: 3 }), /injected failure/);
      assert.ok(store.tmpWrites >= failAt);
      assert.deepEqual(await listFiles(store, "seg"), []);
    }
  });

  test("a budget too small to make progress is INVALID_INPUT naming the minimum", async () => {
    const training: TrainingData = { values: int64s(50_000, 100, 5), rowIds: rowAddresses(50_000, 50_000, false, 0), fragments: [] };
    for (const memoryBytes of [0, 1000, MiB - 1, NaN]) {
      await assert.rejects(buildBitmapStreaming(new MemoryStore(), "seg", batchedInput(training, 10_000), { memoryBytes }), isInvalidInput(/memoryBytes must be .* at least 1048576/));
    }
    const store = new MemoryStore();
    await assert.rejects(buildBitmapStreaming(store, "seg", batchedInput(training, 10_000), { memoryBytes: 2 * MiB }), isInvalidInput(/too small for a BITMAP build .* give at least 4194304 bytes/));
    assert.deepEqual(await listFiles(store, "seg"), []);
  });

  test("Lance uses a spilled segment with the results of a full scan", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const next = rng(11);
    let k = 0;
    const make = (n: number) =>
      new Table({
        cat: vectorFromArray(Array.from({ length: n }, () => (next() < 0.02 ? null : `c${Math.floor(next() * 300)}`)), new Utf8()),
        k: vectorFromArray(Array.from({ length: n }, () => k++), new Int32()),
      });
    const parts = [make(120_000), make(120_000), make(60_000)];
    const tables = [];
    for (const name of ["t", "twin"]) {
      const t = await db.createTable(name, parts[0]!);
      for (const part of parts.slice(1)) await t.add(part);
      await t.delete("k % 10 = 3");
      tables.push(t);
    }
    const [table, twin] = tables as [(typeof tables)[number], (typeof tables)[number]];
    const before = await openDataset(tablePath(dir, "t"));
    const budgeted = await before.createIndexUncommitted("cat", "BITMAP", { fragmentIds: [0, 1, 2], params: { memoryBytes: 4 * MiB } });
    const whole = await before.createIndexUncommitted("cat", "BITMAP", { fragmentIds: [0, 1, 2], name: "other", params: { memoryBytes: 512 * MiB } });
    const file = "bitmap_page_lookup.lance";
    assert.deepEqual(await before.store.read(`_indices/${budgeted.uuid}/${file}`), await before.store.read(`_indices/${whole.uuid}/${file}`));
    assert.deepEqual((await before.store.list(`_indices/${budgeted.uuid}/`)).map((f) => f.path.split("/").pop()), [file]);
    await before.commitExistingIndexSegments("cat_idx", "cat", [budgeted]);
    await table.checkoutLatest();
    const ks = async (t: typeof table, filter: string) => (await t.query().where(filter).select(["k"]).toArray()).map((r) => Number(r.k)).sort((a, b) => a - b);
    for (const filter of ["cat = 'c42'", "cat IN ('c1', 'c299', 'c150')", "cat IS NULL", "cat > 'c98'"]) {
      assert.match(await table.query().where(filter).explainPlan(true), /ScalarIndexQuery: .*@cat_idx\(Bitmap\)/, filter);
      const expected = await ks(twin, filter);
      assert.ok(expected.length > 0, filter);
      assert.deepEqual(await ks(table, filter), expected, filter);
    }
  });
});
