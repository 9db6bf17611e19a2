// lancets and Lance (through lancedb) on the same bucket of a real object
// store server: Lance writes and lancets reads every value; lancets appends
// and Lance reads the rows; lancets builds a BTREE index and Lance's planner
// uses it; lancets and Lance append at once and no row is lost.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { parseManifestFileName } from "../../src/format/table/version-names.js";
import { assertSameAsLance } from "./compare.js";
import { endpointOrigin, startCountingProxy, throughProxy, type ProxiedRequest } from "./counting-proxy.js";
import { assertSameRows } from "./values.js";

export interface RemoteTarget {
  /** The URI lancedb connects to (a "directory" of tables), e.g. s3://bucket/db. */
  dbUri: string;
  storageOptions: Record<string, string>;
}

const COLUMNS = ["id", "label", "score", "tag"];

function rows(first: number, n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => first + i);
  return new Table({
    id: vectorFromArray(
      ids.map((i) => BigInt(i)),
      new Int64(),
    ),
    label: vectorFromArray(
      ids.map((i) => `row ${i} ${"ab".repeat(i % 13)}`),
      new Utf8(),
    ),
    score: vectorFromArray(
      ids.map((i) => ((i * 7919) % 1000) / 1000),
      new Float64(),
    ),
    tag: vectorFromArray(
      ids.map((i) => (i % 5 === 0 ? null : `t${i % 4}`)),
      new Utf8(),
    ),
  });
}

function idsOf(t: Table): number[] {
  return Array.from(t.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
}

/** Registers the round-trip tests against `target()` (called once the server is up). */
export function lanceOnStore(target: () => RemoteTarget): void {
  let db: lancedb.Connection;
  let table: lancedb.Table;
  let uri: string;
  let options: { storageOptions: Record<string, string> };

  test("Lance writes fragments, a deletion and a BTREE index; lancets reads every value equal", async () => {
    const t = target();
    options = { storageOptions: t.storageOptions };
    db = await lancedb.connect(t.dbUri, { storageOptions: t.storageOptions });
    table = await db.createTable("shared", rows(0, 300));
    await table.add(rows(300, 300));
    await table.add(rows(600, 300));
    await table.delete("id % 7 = 3");
    await table.createIndex("id", { config: lancedb.Index.btree() });
    uri = `${t.dbUri}/shared.lance`;

    const ds = await openDataset(uri, options);
    await assertSameAsLance(ds, table);
    assert.equal(ds.fragments().length, 3);
    assert.equal(ds.countRows(), 900 - Math.ceil((900 - 3) / 7));
    const ours = await ds.scan().toArrow();
    const theirs = await table.query().toArrow();
    assertSameRows(ours, theirs, "id", COLUMNS, "full scan");
    // a filter answered by Lance's BTREE in lancets, equal to Lance's answer
    const filter = "id >= 100 AND id < 160";
    const oursFiltered = await ds.scan({ filter }).toArrow();
    assertSameRows(oursFiltered, await table.query().where(filter).toArrow(), "id", COLUMNS, "filtered");
    const expected = Array.from({ length: 60 }, (_, i) => 100 + i).filter((id) => id % 7 !== 3);
    assert.deepEqual(idsOf(oursFiltered), expected);
  });

  test("lancets appends; Lance reads the new rows", async () => {
    const before = await openDataset(uri, options);
    const after = await before.append(rows(1000, 250));
    assert.equal(after.version, before.version + 1);
    await table.checkoutLatest();
    assert.equal(await table.version(), after.version);
    assert.equal(await table.countRows(), before.countRows() + 250);
    const theirs = await table.query().where("id >= 1000").toArrow();
    assertSameRows(rows(1000, 250), theirs, "id", COLUMNS, "appended rows");
    await assertSameAsLance(await openDataset(uri, options), table);
  });

  test("lancets builds a BTREE index on the bucket; Lance's planner uses it with equal results", async () => {
    const ds = await openDataset(uri, options);
    const indexed = await ds.createScalarIndex("score", "BTREE");
    await table.checkoutLatest();
    const filter = "score >= 0.25 AND score < 0.3";
    const plan = await table.query().where(filter).explainPlan(true);
    assert.match(plan, /ScalarIndexQuery: query=.*score_idx/, plan);
    const theirs = await table.query().where(filter).toArrow();
    const full = await indexed.scan({ filter, useIndex: false }).toArrow();
    assert.ok(theirs.numRows > 20, `${theirs.numRows} rows`);
    assertSameRows(full, theirs, "id", COLUMNS, "Lance with lancets' index vs full scan");
    assertSameRows(await indexed.scan({ filter }).toArrow(), theirs, "id", COLUMNS, "lancets with its index");
    await assertSameAsLance(indexed, table);
  });

  test("four lancets appenders and Lance append at once: no row lost or doubled, versions contiguous", async () => {
    const t = target();
    const raceUri = `${t.dbUri}/race.lance`;
    await writeDataset(raceUri, rows(0, 50), options);
    const raceTable = await db.openTable("race");
    const appends = 4;
    const perAppend = 25;
    const lancets = [1, 2, 3, 4].map(async (w) => {
      for (let a = 0; a < appends; a++) {
        // each append opens the latest version itself, as separate writers would
        const ds = await openDataset(raceUri, options);
        await ds.append(rows(w * 10_000 + a * perAppend, perAppend));
      }
    });
    const lance = (async () => {
      for (let a = 0; a < appends; a++) await raceTable.add(rows(90_000 + a * perAppend, perAppend));
    })();
    await Promise.all([...lancets, lance]);
    const ds = await openDataset(raceUri, options);
    const expected = 50 + 5 * appends * perAppend;
    assert.equal(ds.countRows(), expected);
    assert.equal(ds.version, 1 + 5 * appends);
    const ids = idsOf(await ds.scan({ columns: ["id"] }).toArrow());
    assert.equal(new Set(ids).size, expected, "every row exactly once");
    const store = (await openObjectStore(raceUri, t.storageOptions))!;
    const versions = (await store.list("_versions/"))
      .map((m) => parseManifestFileName(m.path.slice("_versions/".length))?.version)
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: ds.version }, (_, i) => i + 1));
    await raceTable.checkoutLatest();
    assert.equal(await raceTable.countRows(), expected);
  });

  test("an append sends no more writes than Lance's append of the same rows, and no version hint", async () => {
    const t = target();
    const name = "appended";
    const appendUri = `${t.dbUri}/${name}.lance`;
    await db.createTable(name, rows(0, 40));
    const proxy = await startCountingProxy(endpointOrigin(t.storageOptions));
    try {
      const viaProxy = throughProxy(t.storageOptions, proxy.endpoint);
      const writes = (requests: ProxiedRequest[]): string[] =>
        requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").map((r) => `${r.method} ${r.status} ${r.url}`);
      const theirDb = await lancedb.connect(t.dbUri, { storageOptions: viaProxy });
      const theirs = await theirDb.openTable(name);
      proxy.take();
      await theirs.add(rows(40, 40));
      const lanceWrites = writes(proxy.take());
      theirs.close();
      theirDb.close();

      const ds = await openDataset(appendUri, { storageOptions: viaProxy });
      proxy.take();
      const after = await ds.append(rows(80, 40));
      const ourWrites = writes(proxy.take());
      assert.equal(after.version, 3);
      assert.equal(after.countRows(), 120);
      // a data file, a transaction file and the manifest
      assert.ok(ourWrites.length >= 3, `lancets: ${JSON.stringify(ourWrites)}`);
      assert.ok(ourWrites.length <= lanceWrites.length, `lancets ${JSON.stringify(ourWrites)}; Lance ${JSON.stringify(lanceWrites)}`);
      for (const w of [...ourWrites, ...lanceWrites]) assert.doesNotMatch(w, /hint/, "no version hint written");
      const store = (await openObjectStore(appendUri, t.storageOptions))!;
      const names = (await store.list("_versions/")).map((m) => m.path);
      assert.equal(names.filter((n) => n.endsWith(".manifest")).length, 3, JSON.stringify(names));
      assert.ok(!names.some((n) => n.includes("hint")), `no version hint in ${JSON.stringify(names)}`);
      const reopened = await db.openTable(name);
      assert.equal(await reopened.countRows(), 120);
      reopened.close();
    } finally {
      await proxy.close();
    }
  });

  test("opening the latest version sends no more requests than Lance: one LIST and one GET, with a stale version hint", async () => {
    const t = target();
    const name = "opened";
    const openUri = `${t.dbUri}/${name}.lance`;
    const lanceTable = await db.createTable(name, rows(0, 40));
    await lanceTable.add(rows(40, 40));
    await (await openDataset(openUri, options)).append(rows(80, 40));
    // neither engine writes a version hint on an object store: one naming version 3 is planted, then Lance commits past it
    const store = (await openObjectStore(openUri, t.storageOptions))!;
    await store.put("_versions/latest_version_hint.json", new TextEncoder().encode(JSON.stringify({ version: 3 })));
    await lanceTable.add(rows(120, 40));
    await lanceTable.add(rows(160, 40));
    const proxy = await startCountingProxy(endpointOrigin(t.storageOptions));
    try {
      const viaProxy = throughProxy(t.storageOptions, proxy.endpoint);
      const ofTable = (requests: ProxiedRequest[]): string[] =>
        requests.filter((r) => r.url.includes(`${name}.lance/`)).map((r) => `${r.method} ${r.status} ${r.url}`);

      const theirDb = await lancedb.connect(t.dbUri, { storageOptions: viaProxy });
      proxy.take();
      const theirs = await theirDb.openTable(name);
      assert.equal(await theirs.version(), 5);
      const lanceOpen = ofTable(proxy.take());
      theirs.close();
      theirDb.close();

      const ds = await openDataset(openUri, { storageOptions: viaProxy });
      const all = proxy.take();
      assert.equal(ds.version, 5, "the newest version, past the stale hint");
      assert.equal(ds.countRows(), 200);
      const ours = ofTable(all);
      assert.equal(ours.length, all.length, `every request of the open is for the table: ${JSON.stringify(all)}`);
      assert.equal(ours.length, 2, `lancets: ${JSON.stringify(ours)}`);
      assert.match(ours[0]!, /^GET 200 .*prefix=[^&]*opened\.lance\/_versions\//, "a listing of _versions/");
      assert.match(ours[1]!, /^GET 200 .*opened\.lance\/_versions\/18446744073709551610\.manifest/, "the manifest of version 5");
      assert.ok(ours.length <= lanceOpen.length, `lancets ${JSON.stringify(ours)}; Lance ${JSON.stringify(lanceOpen)}`);
    } finally {
      await proxy.close();
    }
  });
}
