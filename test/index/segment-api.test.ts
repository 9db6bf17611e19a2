// The segment API: uncommitted segments are plain JSON, commit validates and
// is atomic, merge and replace work, and bad input commits nothing.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { CommitConflictError, LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { IndexSegment } from "../../src/index/segment.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { indexTable } from "../helpers/index-fixtures.js";
import { tempDir } from "../helpers/tmp.js";
import { copyDataset } from "../helpers/fixture-copy.js";

let source: string;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", indexTable(500));
  for (let k = 1; k < 6; k++) await t.add(indexTable(500, k * 500));
  source = tablePath(dir, "t");
});

async function fresh(): Promise<{ path: string; ds: Dataset }> {
  const path = copyDataset(source);
  return { path, ds: await openDataset(path) };
}

function isLance(code: string, pattern: RegExp) {
  return (e: unknown): boolean => e instanceof LanceError && e.code === code && pattern.test(e.message);
}

describe("segment API", () => {
  test("uncommitted segments are JSON, commit adds them all in one version", async () => {
    const { ds } = await fresh();
    const a = await ds.createIndexUncommitted("id", "btree", { fragmentIds: [0, 1, 2] });
    const b = await ds.createIndexUncommitted("id", "BTREE", { fragmentIds: [3, 4, 5] });
    const roundTrip = JSON.parse(JSON.stringify([a, b])) as IndexSegment[];
    assert.deepEqual(roundTrip, [a, b]);
    assert.equal(a.name, "id_idx");
    assert.deepEqual(a.files.map((f) => f.path).sort(), ["page_data.lance", "page_lookup.lance"]);
    assert.equal((await openDataset(ds.uri)).version, ds.version, "nothing committed yet");
    const committed = await ds.commitExistingIndexSegments("id_idx", "id", roundTrip);
    assert.equal(committed.version, ds.version + 1);
    const index = committed.describeIndices()[0]!;
    assert.deepEqual(index.segments.map((s) => s.fragmentIds), [[0, 1, 2], [3, 4, 5]]);
    assert.equal(index.numUnindexedRows, 0);
  });

  test("validation errors commit nothing", async () => {
    const { ds } = await fresh();
    const a = await ds.createIndexUncommitted("id", "btree", { fragmentIds: [0, 1] });
    const overlapping = await ds.createIndexUncommitted("id", "btree", { fragmentIds: [1, 2] });
    const other = await ds.createIndexUncommitted("num", "btree", { fragmentIds: [3] });
    const bitmap = await ds.createIndexUncommitted("id", "bitmap", { fragmentIds: [4] });
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", [a, overlapping]), isLance("INVALID_INPUT", /both cover fragment 1/));
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", [a, other]), isLance("INVALID_INPUT", /indexes column "num"/));
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", [a, bitmap]), isLance("INVALID_INPUT", /BITMAP segment/));
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", [a, a]), isLance("INVALID_INPUT", /listed twice/));
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", []), isLance("INVALID_INPUT", /no segments/));
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "nope", [a]), isLance("INVALID_INPUT", /column "nope" does not exist/));
    await assert.rejects(ds.createIndexUncommitted("id", "btree", { fragmentIds: [] }), isLance("INVALID_INPUT", /fragmentIds is empty/));
    await assert.rejects(ds.createIndexUncommitted("id", "btree", { fragmentIds: [0, 42, 43] }), isLance("NOT_FOUND", /fragments 42, 43 do not exist/));
    await assert.rejects(ds.createIndexUncommitted("nope", "btree", { fragmentIds: [0] }), isLance("INVALID_INPUT", /column "nope" does not exist/));
    await assert.rejects(ds.createIndexUncommitted("id", "ivf_pq", { fragmentIds: [0] }), isLance("INVALID_INPUT", /unknown index type "ivf_pq"/));
    const missingFile = { ...a, files: [...a.files, { path: "ghost.lance", sizeBytes: 10 }] };
    await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", [missingFile]), isLance("NOT_FOUND", /ghost\.lance does not exist/));
    assert.equal((await openDataset(ds.uri)).version, ds.version);
    // a name already used on another column
    const numIndexed = await ds.commitExistingIndexSegments("shared", "num", [{ ...other, name: "shared" }]);
    await assert.rejects(numIndexed.commitExistingIndexSegments("shared", "id", [{ ...a, name: "shared" }]), isLance("INVALID_INPUT", /already exists on column "num"/));
    await assert.rejects(numIndexed.commitExistingIndexSegments("shared", "id", [{ ...a, name: "shared" }]), isLance("INVALID_INPUT", /already exists on column "num"/));
    // and committing a segment twice
    await assert.rejects(numIndexed.commitExistingIndexSegments("shared", "num", [{ ...other, name: "shared" }]), isLance("INVALID_INPUT", /already committed/));
  });

  test("tampered segment JSON is refused before anything is committed", async () => {
    const { ds } = await fresh();
    const a = await ds.createIndexUncommitted("id", "btree", { fragmentIds: [0, 1] });
    const cases: [string, unknown, RegExp][] = [
      ["a null list", null, /segments must be an array/],
      ["a null segment", [null], /segment 0: expected an object, got null/],
      ["a uuid without dashes", [{ ...a, uuid: a.uuid.replaceAll("-", "") }], /is not a canonical lower-case uuid/],
      ["an upper-case uuid", [{ ...a, uuid: a.uuid.toUpperCase() }], /canonical lower-case uuid/],
      ["a path leaving the segment directory", [{ ...a, files: [{ path: "../../../etc/hostname", sizeBytes: 10 }] }], /must be a plain file name inside the segment directory/],
      ["a nested path", [{ ...a, files: [{ path: "x/page_data.lance", sizeBytes: 10 }] }], /plain file name/],
      ["a negative size", [{ ...a, files: a.files.map((f) => ({ ...f, sizeBytes: -1 })) }], /not a byte count/],
      ["a fractional fragment id", [{ ...a, fragmentIds: [0.5] }], /fragmentIds must be an array of fragment ids/],
      ["an unknown index type", [{ ...a, indexType: "IVF_PQ" }], /indexType "IVF_PQ" is not one of/],
      ["details that are not base64", [{ ...a, indexDetails: { typeUrl: a.indexDetails.typeUrl, value: "%%%" } }], /indexDetails must be/],
      ["no files", [{ ...a, files: [] }], /files must be a non-empty array/],
    ];
    for (const [label, input, pattern] of cases) {
      await assert.rejects(ds.commitExistingIndexSegments("id_idx", "id", input as IndexSegment[]), isLance("INVALID_INPUT", pattern), label);
      await assert.rejects(ds.mergeExistingIndexSegments(input as IndexSegment[]), isLance("INVALID_INPUT", pattern), `merge: ${label}`);
    }
    assert.equal((await openDataset(ds.uri)).version, ds.version, "nothing committed");
  });

  test("validation that needs no data fails before an executor is asked to build anything", async () => {
    const { ds } = await fresh();
    let runs = 0;
    const spy = { run: async () => { runs++; throw new Error("the executor must not run"); } };
    await assert.rejects(ds.createScalarIndex("num", "FTS", { executor: spy as never }), isLance("INVALID_INPUT", /INVERTED \(FTS\) index needs a string column/));
    await assert.rejects(ds.createScalarIndex("nope", "BTREE", { executor: spy as never }), isLance("INVALID_INPUT", /column "nope" does not exist/));
    await assert.rejects(ds.createScalarIndex("id", "ivf", { executor: spy as never }), isLance("INVALID_INPUT", /unknown index type/));
    assert.equal(runs, 0);
  });

  test("unsupported column types are named", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    const { Table, vectorFromArray, FixedSizeList, Field, Float32, Int64 } = await import("apache-arrow");
    await db.createTable("v", new Table({ id: vectorFromArray([1n, 2n], new Int64()), v: vectorFromArray([[1, 2], [3, 4]], new FixedSizeList(2, new Field("item", new Float32(), true))) }));
    const ds = await openDataset(tablePath(dir, "v"));
    await assert.rejects(ds.createIndexUncommitted("v", "btree", { fragmentIds: [0] }), isLance("INVALID_INPUT", /BTREE index cannot be built on column "v" of type FixedSizeList\[2\]<Float32>/));
    assert.ok(!existsSync(join(ds.uri, "_indices")), "no segment files were left behind");
  });

  test("merge, replace and drop", async () => {
    const { ds } = await fresh();
    const parts = [];
    for (const group of [[0, 1], [2, 3], [4, 5]]) parts.push(await ds.createIndexUncommitted("category", "bitmap", { fragmentIds: group }));
    const merged = await ds.mergeExistingIndexSegments(parts);
    assert.deepEqual(merged.fragmentIds, [0, 1, 2, 3, 4, 5]);
    let v = await ds.commitExistingIndexSegments("category_idx", "category", [merged]);
    assert.equal(v.describeIndices()[0]!.segments.length, 1);
    await assert.rejects(v.createScalarIndex("category", "bitmap"), isLance("INVALID_INPUT", /already exists; pass replace: true/));
    v = await v.createScalarIndex("category", "bitmap", { replace: true, fragmentGroupSize: 2 });
    const idx = v.describeIndices().find((i) => i.name === "category_idx")!;
    assert.equal(idx.segments.length, 3);
    assert.ok(!idx.segments.some((s) => s.uuid === merged.uuid));
    // a segment over some fragments replaces the segments covering them, keeps the others
    const before = idx.segments.map((s) => s.fragmentIds);
    const partial = await v.createIndexUncommitted("category", "bitmap", { fragmentIds: [0, 1] });
    v = await v.commitExistingIndexSegments("category_idx", "category", [partial]);
    const kept = before.filter((ids) => !ids.includes(0) && !ids.includes(1));
    assert.deepEqual(
      v.describeIndices()[0]!.segments.map((s) => s.fragmentIds).sort(),
      [[0, 1], ...kept].sort(),
    );
    v = await v.dropIndex("category_idx");
    assert.deepEqual(v.describeIndices(), []);
    await assert.rejects(v.dropIndex("category_idx"), isLance("INDEX_NOT_FOUND", /does not exist/));
  });

  test("a concurrent Lance append is rebased over; a compaction of covered fragments fails clearly", async () => {
    const { path, ds } = await fresh();
    const seg = await ds.createIndexUncommitted("id", "btree", { fragmentIds: [0, 1, 2, 3, 4, 5] });
    const db = await connect(join(path, ".."));
    const table = await db.openTable("copy");
    await table.add(indexTable(100, 9000));
    const committed = await ds.commitExistingIndexSegments("id_idx", "id", [seg]);
    assert.equal(committed.describeIndices()[0]!.numUnindexedRows, 100);
    await table.checkoutLatest();
    assert.match(await table.query().where("id = 77").explainPlan(true), /ScalarIndexQuery: query=\[id = 77\]@id_idx\(BTree\)/);
    assert.equal((await table.query().where("id >= 9000").toArray()).length, 100);
    // compaction rewrites the fragments a new segment covers
    const next = await openDataset(path);
    const seg2 = await next.createIndexUncommitted("num", "zonemap", { fragmentIds: [0, 1] });
    await table.optimize();
    await assert.rejects(next.commitExistingIndexSegments("num_idx", "num", [seg2]), (e: unknown) => e instanceof CommitConflictError || (e instanceof LanceError && /do(es)? not exist|were removed/.test(e.message)));
  });

  test("a builder killed midway commits nothing", async () => {
    const { path, ds } = await fresh();
    const script = join(tempDir(), "build.mts"); // .mts: ESM outside this package
    writeFileSync(
      script,
      `import { openDataset } from ${JSON.stringify(join(process.cwd(), "src/node/open-dataset.ts"))};\n` +
        `const ds = await openDataset(${JSON.stringify(path)});\n` +
        `for (let i = 0; i < 1000; i++) await (await openDataset(${JSON.stringify(path)})).createIndexUncommitted("name", "btree", { fragmentIds: [0, 1, 2, 3, 4, 5] });\n` +
        `void ds;\n`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: "ignore" });
    const deadline = Date.now() + 60_000;
    const indices = join(path, "_indices");
    let exited = false;
    child.on("exit", () => (exited = true));
    while (Date.now() < deadline && !exited) {
      try {
        if (readdirSync(indices).length >= 2) break;
      } catch {
        // not created yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(!exited, "the builder ran until it was killed");
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const after = await openDataset(path);
    assert.equal(after.version, ds.version);
    assert.deepEqual(after.describeIndices(), []);
    const db = await connect(join(path, ".."));
    const table = await db.openTable("copy");
    assert.deepEqual(await table.listIndices(), []);
    assert.equal(await table.countRows(), 3000);
  });
});
