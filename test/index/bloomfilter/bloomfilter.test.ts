// BLOOMFILTER segments: those Lance 14 (pylance) builds are used by lancets'
// planner (XXH64 of the literal's bytes against each zone's split-block
// filter, so a point lookup reads only the zones that may hold the value),
// and those lancets builds hold the very bytes Lance 14's do and are used by
// pylance's planner; results, after the recheck, equal full scans for =, IN
// and IS NULL over integers, floats (with +0 and -0), strings and nulls.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Bool, Field, Float64, Int32, Int64, List, Table, Utf8, vectorFromArray } from "apache-arrow";
import { writeDataset } from "../../../src/browser.js";
import { LanceError } from "../../../src/core/errors.js";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { xxhash64 } from "../../../src/core/xxhash64.js";
import { openDataset } from "../../../src/node/open-dataset.js";
import { planQuery } from "../../../src/query/filtered-scan.js";
import { rng } from "../../helpers/oracle.js";
import { pylanceSession } from "../../helpers/pylance.js";

const py = pylanceSession("lancets-bloomfilter-");
const N = 20_000;

function table(): Table {
  const r = rng(11);
  const ids = Array.from({ length: N }, (_, i) => i);
  return new Table({
    id: vectorFromArray(ids.map((i) => BigInt(i)), new Int64()),
    n: vectorFromArray(ids.map((i) => (i % 13 === 0 ? null : Math.floor(r() * 5000) - 2500)), new Int32()),
    s: vectorFromArray(ids.map((i) => (i % 17 === 0 ? null : `v${Math.floor(r() * 3000)}${i % 5 === 0 ? "é" : ""}`)), new Utf8()),
    f: vectorFromArray(ids.map((i) => (i === 5 ? -0 : i === 15_000 ? 0 : Math.floor(r() * 400) / 4 + 1)), new Float64()),
  });
}

test("XXH64 matches the reference vectors", () => {
  const e = new TextEncoder();
  assert.equal(xxhash64(new Uint8Array(0)).toString(16), "ef46db3751d8e999");
  assert.equal(xxhash64(e.encode("a")).toString(16), "d24ec4f1a98c6e5b");
  assert.equal(xxhash64(e.encode("Nobody inspects the spammish repetition")).toString(16), "fbcea83c8a378bf1");
});

/** XXH64 (seed 0) written plainly in BigInt, the reference for the 32-bit halves. */
function referenceXxh64(bytes: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const [P1, P2, P3, P4, P5] = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
  const round = (acc: bigint, v: bigint): bigint => (rotl((acc + v * P2) & M, 31n) * P1) & M;
  const le = (at: number, n: number): bigint => {
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k]!);
    return v;
  };
  let at = 0;
  let h: bigint;
  if (bytes.length >= 32) {
    const v = [(P1 + P2) & M, P2, 0n, (M + 1n - P1) & M];
    for (; at + 32 <= bytes.length; at += 32) for (let k = 0; k < 4; k++) v[k] = round(v[k]!, le(at + 8 * k, 8));
    h = (rotl(v[0]!, 1n) + rotl(v[1]!, 7n) + rotl(v[2]!, 12n) + rotl(v[3]!, 18n)) & M;
    for (const x of v) h = (((h ^ round(0n, x)) * P1) + P4) & M;
  } else h = P5;
  h = (h + BigInt(bytes.length)) & M;
  for (; at + 8 <= bytes.length; at += 8) h = (rotl(h ^ round(0n, le(at, 8)), 27n) * P1 + P4) & M;
  if (at + 4 <= bytes.length) {
    h = (rotl(h ^ ((le(at, 4) * P1) & M), 23n) * P2 + P3) & M;
    at += 4;
  }
  for (; at < bytes.length; at++) h = (rotl(h ^ ((BigInt(bytes[at]!) * P5) & M), 11n) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

test("XXH64 in 32-bit halves equals the 64-bit definition for every length up to 100 and extreme bytes", () => {
  const r = rng(99);
  for (let n = 0; n <= 100; n++) {
    for (const fill of ["random", "ones", "zeros"] as const) {
      const bytes = new Uint8Array(n).map(() => (fill === "random" ? Math.floor(r() * 256) : fill === "ones" ? 255 : 0));
      assert.equal(xxhash64(bytes), referenceXxh64(bytes), `${n} ${fill}`);
    }
  }
});

describe("BLOOMFILTER segments from Lance 14", () => {
  test("lancets uses them for =, IN and IS NULL, with the rows of a full scan", { skip: py.skip ?? false }, async () => {
    const path = join(py.dir, "bf.lance");
    await py.py.write(path, table(), { max_rows_per_file: 12_000 });
    for (const column of ["id", "n", "s", "f"]) await py.py.createScalarIndex(path, column, "BLOOMFILTER");
    const ds = await openDataset(path);
    assert.deepEqual(ds.describeIndices().map((i) => i.indexType), ["BLOOMFILTER", "BLOOMFILTER", "BLOOMFILTER", "BLOOMFILTER"]);
    // the daft-lance case: one zone of 8192 rows read for id = 42, answered exactly
    const lookup = await planQuery(ds.snapshot, "id = 42");
    assert.match(await ds.explain("id = 42"), /BLOOMFILTER index id_idx/);
    const candidates = lookup.plan.fragments.reduce((sum, f) => sum + (f.candidateRows ?? 0), 0);
    assert.ok(candidates > 0 && candidates <= 8192, `candidates for id = 42: ${candidates}`);
    const r = rng(5);
    const filters = ["id = 42", "f = 0", "f = -0.0", "s IS NULL", "n IS NULL", "s = 'absent'", "n IN (1, 2, 3, -2500)"];
    for (let k = 0; k < 40; k++) {
      const x = r();
      if (x < 0.25) filters.push(`id = ${Math.floor(r() * N * 1.1)}`);
      else if (x < 0.5) filters.push(`n = ${Math.floor(r() * 5000) - 2500}`);
      else if (x < 0.75) filters.push(`s IN ('v${Math.floor(r() * 3000)}', 'v${Math.floor(r() * 3000)}é')`);
      else filters.push(`f IN (${Math.floor(r() * 400) / 4 + 1}, 7.25)`);
    }
    let pruned = 0;
    for (const filter of filters) {
      const ids = async (useIndex: boolean): Promise<string[]> => Array.from((await ds.scan({ filter, columns: ["id"], useIndex }).toArrow()).getChild("id")?.toArray() ?? [], String).sort();
      const full = await ids(false);
      assert.deepEqual(await ids(true), full, filter);
      assert.equal(await py.py.countRows(path, filter), full.length, filter);
      assert.match(await ds.explain(filter), /BLOOMFILTER index/, filter);
      const plan = await planQuery(ds.snapshot, filter);
      if (plan.plan.fragments.reduce((sum, f) => sum + (f.candidateRows ?? N), 0) < N) pruned++;
    }
    assert.ok(pruned > 20, `${pruned} of ${filters.length} filters read fewer rows than the table`);
  });
});

describe("BLOOMFILTER segments lancets builds", () => {
  test("hold the very bytes Lance 14 builds; pylance's planner and lancets use them, 1 and 2 segments", { skip: py.skip ?? false }, async () => {
    const lancePath = join(py.dir, "bf-lance.lance");
    const oursPath = join(py.dir, "bf-ours.lance");
    await py.py.write(lancePath, table(), { max_rows_per_file: 12_000 });
    await py.py.write(oursPath, table(), { max_rows_per_file: 12_000 });
    for (const column of ["id", "n", "s", "f"]) await py.py.createScalarIndex(lancePath, column, "BLOOMFILTER");
    let ours = await openDataset(oursPath);
    ours = await ours.createScalarIndex("id", "BLOOMFILTER");
    ours = await ours.createScalarIndex("n", "bloomfilter", { fragmentGroupSize: 1 });
    ours = await ours.createScalarIndex("s", "BLOOMFILTER");
    ours = await ours.createScalarIndex("f", "BLOOMFILTER");
    const theirs = await openDataset(lancePath);
    // zone for zone, the same filters as Lance's
    const zonesOf = async (ds: typeof ours, name: string): Promise<string[]> => {
      const out: string[] = [];
      for (const segment of ds.snapshot.indices.filter((i) => i.name === name)) {
        const { openFileReader } = await import("../../../src/file/open-file-reader.js");
        const reader = await openFileReader(ds.store, `_indices/${segment.uuid}/bloomfilter.lance`);
        const top = reader.schema.fields.filter((f) => f.parentId === -1);
        const data = await reader.readFields(top.map((f) => f.id));
        const { makeVector } = await import("apache-arrow");
        const cols = top.map((f) => makeVector(data.get(f.id)!));
        for (let z = 0; z < cols[0]!.length; z++) out.push(`${cols[0]!.get(z)}:${cols[1]!.get(z)}:${cols[2]!.get(z)}:${cols[3]!.get(z)}:${Buffer.from(cols[4]!.get(z) as Uint8Array).toString("base64")}`);
      }
      return out.sort();
    };
    for (const name of ["id_idx", "n_idx", "s_idx", "f_idx"]) assert.deepEqual(await zonesOf(ours, name), await zonesOf(theirs, name), name);
    assert.equal(ours.describeIndices().find((i) => i.name === "n_idx")!.segments.length, 2);
    for (const filter of ["id = 42", "n = 17", "s IN ('v1', 'v2é')", "f = 0", "s IS NULL"]) {
      assert.match(await py.py.explain(oursPath, { filter }), /ScalarIndexQuery.*BloomFilter/, filter);
      const full = await ours.countRows(filter, { useIndex: false });
      assert.equal(await py.py.countRows(oursPath, filter), full, filter);
      assert.equal((await ours.scan({ filter, columns: ["id"] }).toArrow()).numRows, full, filter);
      assert.match(await ours.explain(filter), /BLOOMFILTER index/, filter);
    }
    await assert.rejects(ours.createScalarIndex("id", "BLOOMFILTER", { name: "x", params: { probability: 2 } }), /probability must be between 0 and 1/);
  });
});

test("BLOOMFILTER on a type Lance does not hash is refused before any work", async () => {
  const store = new MemoryStore();
  const ds = await writeDataset(store, new Table({ b: vectorFromArray([true, false], new Bool()), l: vectorFromArray([[1], []] as never, new List(new Field("item", new Int32(), true))) }));
  const before = (await store.list("")).length;
  for (const column of ["b", "l"]) {
    await assert.rejects(ds.createScalarIndex(column, "BLOOMFILTER"), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /BLOOMFILTER index cannot be built on column/.test(e.message));
  }
  assert.equal((await store.list("")).length, before);
});

test("Lance 12's planner uses lancets' BLOOMFILTER segments, with the rows of a full scan", async () => {
  const { tempDir } = await import("../../helpers/tmp.js");
  const { connect } = await import("../../helpers/oracle.js");
  const { writeDataset: writeAt } = await import("../../../src/node/open-dataset.js");
  const dir = tempDir();
  let ds = await writeAt(join(dir, "t.lance"), table(), { maxRowsPerFile: 12_000 });
  ds = await ds.createScalarIndex("id", "BLOOMFILTER");
  ds = await ds.createScalarIndex("s", "BLOOMFILTER", { fragmentGroupSize: 1 });
  const t = await (await connect(dir)).openTable("t");
  for (const filter of ["id = 42", "id IN (7, 19999, 123456)", "s = 'v17'", "s IS NULL"]) {
    assert.match(await t.query().where(filter).explainPlan(true), /ScalarIndexQuery.*BloomFilter/, filter);
    assert.equal(await t.countRows(filter), await ds.countRows(filter, { useIndex: false }), filter);
  }
});
