// ZONEMAP segments built from a stream of batches (O(zones) memory) are the
// segments built from the whole column in memory, byte for byte: zones that
// span scan windows and batches, fragments with deletions, nulls, NaNs of both
// signs and -0 / +0. (test/index/segments.test.ts shows Lance using them.)

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { makeData, Float64, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { loadTrainingData, trainingInput, type TrainingBatch, type TrainingData } from "../../../src/index/training.js";
import { buildZoneMapInMemory, scannedZones, streamZones } from "../../../src/index/zonemap/build.js";
import { ZONEMAP_PLUGIN } from "../../../src/index/plugins.js";
import { connect, rng, tablePath } from "../../helpers/oracle.js";
import { indexTable } from "../../helpers/index-fixtures.js";
import { tempDir } from "../../helpers/tmp.js";

function floats(n: number, seed: number): Data {
  const next = rng(seed);
  const words = new Uint32Array(2 * n);
  const f = new Float64Array(words.buffer);
  const valid = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.1) {
      nulls++;
      continue;
    }
    valid[i >> 3] = valid[i >> 3]! | (1 << (i & 7));
    if (r < 0.15) f[i] = NaN;
    else if (r < 0.18) {
      words[2 * i + 1] = 0xfff80000; // a negative NaN
      words[2 * i] = 7;
    } else if (r < 0.2) f[i] = next() < 0.5 ? -0 : 0;
    else f[i] = Math.round((next() - 0.5) * 1000) / 4;
  }
  return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: valid, data: f });
}

/** Cuts `training` into batches of random sizes, never across fragments. */
function* cut(training: TrainingData, seed: number): Generator<TrainingBatch> {
  const next = rng(seed);
  for (const fragment of training.fragments) {
    const count = fragment.offsets.length;
    for (let at = 0; at < count; ) {
      const n = Math.min(count - at, 1 + Math.floor(next() * 40));
      const start = fragment.start + at;
      yield { fragmentId: fragment.fragmentId, values: training.values.slice(start, n), rowIds: training.rowIds.subarray(start, start + n), offsets: fragment.offsets.subarray(at, at + n) };
      at += n;
    }
  }
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

function training(values: Data, fragmentSizes: number[]): TrainingData {
  const fragments = [];
  const rowIds = new Float64Array(values.length);
  let start = 0;
  for (const [id, size] of fragmentSizes.entries()) {
    // every third offset is a deleted row
    const offsets = Int32Array.from({ length: size }, (_, i) => i + Math.floor(i / 2));
    offsets.forEach((o, i) => (rowIds[start + i] = id * 2 ** 32 + o));
    fragments.push({ fragmentId: id, offsets, start });
    start += size;
  }
  return { values, rowIds, fragments };
}

describe("ZONEMAP from a stream", () => {
  for (const [label, values] of [
    ["floats with NaNs, nulls and signed zeros", floats(3000, 3)],
    ["strings with nulls", vectorFromArray(Array.from({ length: 3000 }, (_, i) => (i % 11 === 3 ? null : `s${(i * 7919) % 613}`)), new Utf8()).data[0]!],
  ] as const) {
    test(`zones equal those of the whole column: ${label}`, async () => {
      const whole = training(values, [1000, 1, 1999]);
      for (const rowsPerZone of [1, 7, 64, 5000]) {
        const expected = scannedZones(whole, rowsPerZone);
        const streamed = await streamZones(asAsync(cut(whole, rowsPerZone)), values.type, rowsPerZone, true);
        assert.deepEqual(streamed.zones, expected.zones.map(({ fragmentId, zoneStart, zoneLength, nullCount, nanCount }) => ({ fragmentId, zoneStart, zoneLength, nullCount, nanCount })));
        assert.deepEqual(streamed.nullRowIds, expected.nullRowIds);
        // the segment files are the same bytes
        const a = new MemoryStore();
        const b = new MemoryStore();
        await buildZoneMapInMemory(a, "z", whole, { rowsPerZone, nullBitmap: true });
        const input = { valueType: values.type, load: async () => whole, batches: () => asAsync(cut(whole, 99)) };
        await ZONEMAP_PLUGIN.build(b, "z", input, { rowsPerZone, nullBitmap: true } as never);
        assert.deepEqual(await b.read("z/zonemap.lance"), await a.read("z/zonemap.lance"), `rowsPerZone ${rowsPerZone}`);
      }
    });
  }

  let path: string;
  before(async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const t = await db.createTable("t", indexTable(3000));
    for (let k = 1; k < 3; k++) await t.add(indexTable(3000, k * 3000));
    await t.delete("id % 13 = 0 OR (id > 3100 AND id < 5000)");
    path = tablePath(dir, "t");
  });

  test("a dataset read window by window gives the segment of the whole column", async () => {
    const ds = (await openDataset(path)).snapshot;
    const fragmentIds = ds.manifest.fragments.map((f) => f.id);
    for (const column of ["id", "num", "price", "name", "day", "ts"]) {
      // 700-row zones straddle the scan's first 1024-row window
      for (const rowsPerZone of [700, 8192]) {
        const a = new MemoryStore();
        const b = new MemoryStore();
        await buildZoneMapInMemory(a, "z", await loadTrainingData(ds, column, fragmentIds), { rowsPerZone });
        let rows = 0;
        await ZONEMAP_PLUGIN.build(b, "z", trainingInput(ds, column, fragmentIds, (n) => (rows += n)), { rowsPerZone });
        assert.equal(rows, ds.manifest.fragments.reduce((n, f) => n + f.physicalRows - (f.deletionFile?.numDeletedRows ?? 0), 0));
        assert.deepEqual(await b.read("z/zonemap.lance"), await a.read("z/zonemap.lance"), `${column}, rowsPerZone ${rowsPerZone}`);
      }
    }
  });
});
