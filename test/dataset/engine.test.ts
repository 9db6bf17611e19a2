// A Dataset does what its engine's index plugins allow, whatever modules were
// imported before: the plugin set is a value given when the dataset is opened.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tableFromArrays } from "apache-arrow";
import { BTREE_PLUGIN, createEngine, LanceError, MemoryStore, openDataset, scalarIndexPlugins, writeDataset, ZONEMAP_PLUGIN } from "../../src/lancets.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import type { Dataset } from "../../src/dataset/dataset.js";

function rows(n: number, from: number) {
  return tableFromArrays({ id: Float64Array.from({ length: n }, (_, i) => from + i), v: Int32Array.from({ length: n }, (_, i) => (from + i) % 97) });
}

async function seedKeys(ds: Dataset): Promise<string[]> {
  const fragment = ds.manifest.fragments.at(-1)!;
  const reader = await LanceFileReader.open(ds.store, `data/${fragment.files[0]!.path}`);
  return Object.keys(reader.schema.metadata).filter((k) => k.startsWith("lance.seed.")).sort();
}

describe("engines", () => {
  test("the default engine builds every scalar index kind", () => {
    assert.deepEqual(
      createEngine().indexPlugins.map((p) => p.indexType),
      scalarIndexPlugins().map((p) => p.indexType),
    );
    assert.deepEqual(createEngine().indexPlugins.map((p) => p.indexType).sort(), ["BITMAP", "BLOOMFILTER", "BTREE", "FTS", "LABEL_LIST", "NGRAM", "ZONEMAP"]);
  });

  test("an engine without a kind refuses to build it, before writing anything, and builds the kinds it has", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ indexPlugins: [BTREE_PLUGIN] });
    let ds = await writeDataset(store, rows(500, 0), { engine });
    assert.equal(ds.engine, engine);
    const before = (await store.list("")).map((m) => m.path).sort();
    await assert.rejects(ds.createScalarIndex("v", "ZONEMAP"), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED" && /no ZONEMAP index plugin.*BTREE/.test(e.message));
    await assert.rejects(ds.createIndexUncommitted("v", "BITMAP", { fragmentIds: [0] }), (e: unknown) => e instanceof LanceError && e.code === "NOT_SUPPORTED");
    assert.deepEqual((await store.list("")).map((m) => m.path).sort(), before);
    ds = await ds.createScalarIndex("id", "BTREE");
    // versions a Dataset returns keep its engine
    assert.equal(ds.engine, engine);
    assert.equal((await ds.checkout(1)).engine, engine);
    assert.match(await ds.explain("id = 7"), /id_idx/);
    assert.equal(await ds.countRows("id = 7"), 1);
  });

  test("seeds are planted by the engine's plugins only", async () => {
    const store = new MemoryStore();
    let ds = await writeDataset(store, rows(1000, 0));
    ds = await ds.createScalarIndex("v", "ZONEMAP", { params: { rowsPerZone: 100, useSeeds: true } });
    // an engine without the zone-map plugin appends without seeds
    const plain = await openDataset(store, { engine: createEngine({ indexPlugins: [BTREE_PLUGIN] }) });
    const unseeded = await plain.append(rows(300, 1000));
    assert.deepEqual(await seedKeys(unseeded), []);
    // the default engine, and one with only the zone-map plugin, plant them
    const seeded = await (await openDataset(store)).append(rows(300, 1300));
    assert.deepEqual(await seedKeys(seeded), ["lance.seed.v"]);
    const onlyZones = await (await openDataset(store, { engine: createEngine({ indexPlugins: [ZONEMAP_PLUGIN] }) })).append(rows(300, 1600));
    assert.deepEqual(await seedKeys(onlyZones), ["lance.seed.v"]);
    // optimize harvests the seeded fragments and scans the other
    const { indices } = await onlyZones.optimizeIndices();
    assert.equal(indices[0]!.fragmentsFromSeeds, 2);
    assert.equal(indices[0]!.fragmentsScanned, 1);
  });
});
