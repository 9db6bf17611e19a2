// Zone-map seeds: planted by lancets on append (Lance reads those files), and
// by Lance itself; optimizeIndices harvests them into a segment equal, zone for
// zone, to one built by scanning, and falls back to scanning without seeds or
// when a seed carries no statistics (Lance's decimal seeds); a zone whose min
// and max are missing is unknown, and kept.

import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Binary, Decimal, Field, Float64, Int64, makeData, makeVector, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { randomUUID } from "../../src/core/random.js";
import { segmentFromBuilt } from "../../src/index/segment.js";
import { segmentDir } from "../../src/index/segments-api.js";
import { writeZoneMapSegment } from "../../src/index/zonemap/build.js";
import { decodeZoneMapSeed, parseSeedValue } from "../../src/index/zonemap/seed.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows, normalize } from "../helpers/values.js";

function rows(n: number, start: number): Table {
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : i % 17 === 0 ? "" : `str-${String((start + i) % 1000).padStart(4, "0")}`)), new Utf8()),
    f: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 2 ? NaN : i % 13 === 4 ? null : (start + i) / 3)), new Float64()),
    b: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : Uint8Array.of((start + i) & 255, 7))), new Binary()),
  });
}

/** Batches of odd sizes, so zones straddle batch boundaries. */
function oddBatches(n: number, start: number): RecordBatch[] {
  const t = rows(n, start);
  const out: RecordBatch[] = [];
  let at = 0;
  for (const size of [1, 7, 250, 333, 2, 999]) {
    if (at >= n) break;
    out.push(...t.slice(at, Math.min(n, at + size)).batches);
    at += size;
  }
  if (at < n) out.push(...t.slice(at).batches);
  return out;
}

async function zoneRows(ds: Dataset, uuid: string): Promise<Record<string, string>> {
  const r = await LanceFileReader.open(ds.store, `_indices/${uuid}/zonemap.lance`);
  const top = r.schema.fields.filter((f) => f.parentId === -1);
  const data = await r.readFields(top.map((f) => f.id));
  return Object.fromEntries(top.map((f) => [f.name, JSON.stringify(normalize(makeVector(data.get(f.id)!).toArray()))]));
}

let dir: string;
let path: string;

before(async () => {
  dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", rows(2000, 0));
  path = tablePath(dir, "t");
  let ds = await openDataset(path);
  ds = await ds.createScalarIndex("s", "ZONEMAP", { params: { rowsPerZone: 300 } });
  ds = await ds.createScalarIndex("f", "ZONEMAP", { params: { rowsPerZone: 250, useSeeds: true } });
  ds = await ds.createScalarIndex("b", "ZONEMAP", { params: { rowsPerZone: 128 } });
  assert.equal(ds.version, 4);
  // Lance plants seeds in the fragment it appends ...
  await t.checkoutLatest();
  await t.add(rows(1000, 2000));
  // ... and so does lancets, from batches of odd sizes
  await (await openDataset(path)).append(oddBatches(1777, 3000));
});

describe("zone-map seeds", () => {
  test("data files written by lancets carry seeds in Lance's layout, and Lance reads them", async () => {
    const ds = await openDataset(path);
    const fragment = ds.manifest.fragments.at(-1)!;
    const reader = await LanceFileReader.open(ds.store, `data/${fragment.files[0]!.path}`);
    const meta = Object.fromEntries(Object.entries(reader.schema.metadata).map(([k, v]) => [k, new TextDecoder().decode(v)]));
    assert.deepEqual(meta, { "lance.seed.s": "1:300", "lance.seed.f": "2:250", "lance.seed.b": "3:128" });
    assert.equal(reader.globalBuffers.length, 4);
    const db = await connect(dir);
    const table = await db.openTable("t");
    assert.equal(await table.countRows(), 4777);
    assertSameRows(await ds.scan({ withRowId: true }).toArrow(), await table.query().withRowId().toArrow(), "_rowid", ["id", "s", "f", "b"], "seeded files");
  });

  test("optimizeIndices harvests seeds into the segment a scan would build", async () => {
    const scanCopy = join(tempDir(), "scan.lance");
    cpSync(path, scanCopy, { recursive: true });
    const seeded = await (await openDataset(path)).optimizeIndices();
    const scanned = await (await openDataset(scanCopy)).optimizeIndices({ ignoreSeeds: true });
    assert.deepEqual(
      seeded.indices.map((r) => [r.name, r.fragments, r.fragmentsFromSeeds, r.fragmentsScanned]),
      [
        ["s_idx", [1, 2], 2, 0],
        ["f_idx", [1, 2], 2, 0],
        ["b_idx", [1, 2], 2, 0],
      ],
    );
    assert.deepEqual(scanned.indices.map((r) => r.fragmentsScanned), [2, 2, 2]);
    for (let k = 0; k < seeded.indices.length; k++) {
      assert.deepEqual(await zoneRows(seeded.dataset, seeded.indices[k]!.segment!), await zoneRows(scanned.dataset, scanned.indices[k]!.segment!), seeded.indices[k]!.name);
    }
    // Lance's planner uses the optimized index and returns what a scan returns
    const db = await connect(dir);
    const table = await db.openTable("t");
    const twin = await db.createTable("twin", rows(2000, 0));
    await twin.add(rows(1000, 2000));
    await twin.add(rows(1777, 3000));
    for (const f of ["s = 'str-0005'", "s > 'str-0990'", "s IS NULL", "s = ''", "f > 1500", "f < 10", "f IS NULL", "b IS NULL"]) {
      assert.match(await table.query().where(f).explainPlan(true), /ScalarIndexQuery/, f);
      const a = (await table.query().where(f).select(["id"]).toArray()).map((r) => String(r.id)).sort();
      const b = (await twin.query().where(f).select(["id"]).toArray()).map((r) => String(r.id)).sort();
      assert.deepEqual(a, b, f);
    }
    assert.ok(seeded.dataset.describeIndices().every((i) => i.numUnindexedRows === 0));
    // nothing left to do
    const again = await seeded.dataset.optimizeIndices();
    assert.equal(again.dataset.version, seeded.dataset.version);
  });

  test("fragments without a usable seed are scanned", async () => {
    const d = tempDir();
    const db = await connect(d);
    const t = await db.createTable("u", rows(1000, 0));
    await t.add(rows(500, 1000)); // fragment 1: written before the index existed, no seed
    const p = tablePath(d, "u");
    let ds = await openDataset(p);
    const seg = await ds.createIndexUncommitted("s", "ZONEMAP", { fragmentIds: [0], params: { rowsPerZone: 100 } });
    ds = await ds.commitExistingIndexSegments("s_idx", "s", [seg]);
    ds = await ds.append(oddBatches(300, 1500)); // fragment 2: seeded
    const copy = join(tempDir(), "copy.lance");
    cpSync(p, copy, { recursive: true });
    const mixed = await ds.optimizeIndices();
    assert.deepEqual(mixed.indices.map((r) => [r.fragments, r.fragmentsFromSeeds, r.fragmentsScanned]), [[[1, 2], 1, 1]]);
    const scanned = await (await openDataset(copy)).optimizeIndices({ ignoreSeeds: true });
    assert.deepEqual(await zoneRows(mixed.dataset, mixed.indices[0]!.segment!), await zoneRows(scanned.dataset, scanned.indices[0]!.segment!));
    // an index with another rows_per_zone cannot use the seed
    let other = await openDataset(copy);
    const replaced = await other.createIndexUncommitted("s", "ZONEMAP", { fragmentIds: [0, 1], params: { rowsPerZone: 50 } });
    other = await other.commitExistingIndexSegments("s_idx", "s", [replaced], { replace: true });
    const { indices } = await other.optimizeIndices();
    assert.deepEqual(indices.map((r) => [r.fragments, r.fragmentsFromSeeds, r.fragmentsScanned]), [[[2], 0, 1]]);
  });
});

/** id and a nullable decimal(10, 2) column: value (start + i) - 10, null every fifth row. */
function decimalRows(n: number, start: number): Table {
  const words = new Uint32Array(n * 4);
  const valid = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if ((start + i) % 5 === 0) {
      nulls++;
      continue;
    }
    valid[i >> 3]! |= 1 << (i & 7);
    let x = BigInt.asUintN(128, BigInt((start + i - 10) * 100));
    for (let w = 0; w < 4; w++, x >>= 32n) words[i * 4 + w] = Number(x & 0xffffffffn);
  }
  const type = new Decimal(2, 10, 128);
  const schema = new Schema([new Field("id", new Int64(), false), new Field("dec", type, true)]);
  const id = vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()).data[0]!;
  const dec = makeData({ type, length: n, nullCount: nulls, nullBitmap: valid, data: words } as never);
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [id, dec] }))]);
}

describe("seed values", () => {
  test("two parts (Lance 12 and 14, lancets) and three, the third a field id; anything else is not a seed", () => {
    assert.deepEqual(parseSeedValue("1:8192"), { bufferIndex: 1, rowsPerZone: 8192 });
    assert.deepEqual(parseSeedValue("2:100:7"), { bufferIndex: 2, rowsPerZone: 100, fieldId: 7 });
    assert.deepEqual(parseSeedValue("2:100:0"), { bufferIndex: 2, rowsPerZone: 100, fieldId: 0 });
    for (const bad of ["1", "0:8192", "1:0", "1:8192:", "1:8192:x", "1:8192:-1", "1:8192:3:4", "a:b"]) assert.equal(parseSeedValue(bad), undefined, bad);
  });
});

describe("seeds without statistics", () => {
  test("Lance's decimal seeds have no min or max: harvest scans, and zones without statistics are kept", async () => {
    const d = tempDir();
    const db = await connect(d);
    const plain = await db.createTable("plain", decimalRows(40, 0));
    await plain.add(decimalRows(40, 40));
    const t = await db.createTable("t", decimalRows(40, 0));
    const p = tablePath(d, "t");
    // decimals take seeds by default, as in Lance
    const indexed = await (await openDataset(p)).createScalarIndex("dec", "ZONEMAP", { params: { rowsPerZone: 8 } });
    await t.checkoutLatest();
    await t.add(decimalRows(40, 40)); // Lance plants a seed in fragment 1
    const copy = join(tempDir(), "copy.lance");
    cpSync(p, copy, { recursive: true });
    // what Lance 12 plants: zones with null counts but null min and max
    const ds = await openDataset(p);
    const file = ds.manifest.fragments[1]!.files[0]!;
    const reader = await LanceFileReader.open(ds.store, `data/${file.path}`);
    const value = parseSeedValue(new TextDecoder().decode(reader.schema.metadata["lance.seed.dec"]!))!;
    const seed = decodeZoneMapSeed(await reader.readGlobalBuffer(value.bufferIndex), value.rowsPerZone, file.path);
    assert.deepEqual(seed.zones.map((z) => z.nullCount), [2, 2, 1, 2, 1]);
    assert.equal(seed.min.nullCount, 5);
    assert.equal(seed.max.nullCount, 5);
    const filters = ["dec > CAST(40 AS DECIMAL(10,2))", "dec < 0", "dec = 45", "dec IS NULL", "dec IS NOT NULL", "dec BETWEEN 20 AND CAST(50.5 AS DECIMAL(10,2))"];
    const truth = await Promise.all(filters.map((f) => plain.countRows(f)));
    assert.equal(truth[0], 24);

    // optimizeIndices does not take a seed that says nothing: it scans the fragment
    const optimized = await ds.optimizeIndices();
    assert.deepEqual(optimized.indices.map((r) => [r.fragments, r.fragmentsFromSeeds, r.fragmentsScanned]), [[[1], 0, 1]]);
    for (const [k, f] of filters.entries()) assert.equal(await optimized.dataset.countRows(f), truth[k], f);

    // a segment made of those zones as they are: their min and max are unknown, so every zone is kept
    let raw = await openDataset(copy);
    const uuid = randomUUID();
    const zones = seed.zones.map((z) => ({ fragmentId: 1, ...z }));
    const built = await writeZoneMapSegment(raw.store, segmentDir(uuid), zones, seed.min, seed.max, { rowsPerZone: 8, useSeeds: true });
    const field = raw.manifest.fields.find((f) => f.name === "dec")!;
    raw = await raw.commitExistingIndexSegments("dec_idx", "dec", [segmentFromBuilt(built, { uuid, name: "dec_idx", column: "dec", fieldId: field.id, indexType: "ZONEMAP", fragmentIds: [1], datasetVersion: raw.version })]);
    assert.equal(raw.describeIndices()[0]!.numUnindexedRows, 0);
    const lance = await (await connect(join(copy, ".."))).openTable("copy");
    for (const [k, f] of filters.entries()) {
      assert.match(await raw.explain(f), / index /, f);
      assert.equal(await raw.countRows(f), truth[k], `lancets: ${f}`);
      assert.equal(await lance.countRows(f), truth[k], `Lance: ${f}`);
    }
    assert.ok(indexed.version < raw.version);
  });
});
