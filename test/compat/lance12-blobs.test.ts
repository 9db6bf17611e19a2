// Blob columns written by Lance 12 (lancedb 0.39's `blob()` fields,
// lance.blob.v2 in file format 2.2): inline values, values packed into a
// shared sidecar file and values in a file of their own, nulls and empty
// values, over several fragments with deletions. Scans, filtered scans and take
// return the descriptions lancedb's queries return; Dataset.takeBlobs returns
// the bytes lancedb's fetchBlobs returns; appends are refused and change
// nothing.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Field, Int64, Schema, type Table } from "apache-arrow";
import { isLanceError, openDataset } from "../../src/lancets.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

const INLINE_BYTES = 1000;
const DEDICATED_BYTES = 20_000;

/** Row i's blob: null, empty, small (inline), medium (packed) or large (a file of its own). */
function value(i: number): Uint8Array | null {
  if (i % 9 === 4) return null;
  if (i % 11 === 6) return new Uint8Array(0);
  const size = i % 5 === 0 ? DEDICATED_BYTES + 100 * i : i % 3 === 0 ? INLINE_BYTES + 37 * i : 10 + ((i * 53) % 400);
  return Uint8Array.from({ length: size }, (_, k) => (k * 13 + i) & 255);
}

function records(start: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const v = value(start + k);
    return { id: BigInt(start + k), blob: v === null ? null : { data: Buffer.from(v), uri: null } };
  });
}

const schema = new Schema([new Field("id", new Int64(), false), lancedb.blob("blob", { inlineSizeThreshold: INLINE_BYTES, dedicatedSizeThreshold: DEDICATED_BYTES })]);
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x));

let dir = "";
let table: lancedb.Table;

before(async () => {
  dir = tempDir("lancets-lance12-blobs-");
  const db = await connect(dir);
  // (lancedb infers a blob column wrongly from records whose first value is null)
  table = await db.createTable("t", records(0, 41), { schema } as never);
  await table.add(lancedb.makeArrowTable(records(41, 25), { schema }));
  await table.add(lancedb.makeArrowTable(records(66, 14), { schema }));
  await table.delete("id % 10 = 7");
});

describe("blob columns Lance 12 writes", () => {
  test("scans, filtered scans and take return lancedb's descriptions: inline, packed and dedicated values, nulls, empty values", async () => {
    const ds = await openDataset(tablePath(dir, "t"));
    assert.equal(ds.dataStorageVersion, "2.2");
    assert.equal(ds.fragments().length, 3);
    const ours = await ds.scan({ withRowId: true }).toArrow();
    const theirs = await table.query().withRowId().toArrow();
    assert.deepEqual(
      ours.schema.fields.find((f) => f.name === "blob")!.type.children.map((c: Field) => `${c.name}:${c.type}`),
      theirs.schema.fields.find((f) => f.name === "blob")!.type.children.map((c: Field) => `${c.name}:${c.type}`),
      "description type",
    );
    assertSameRows(ours, theirs, "_rowid", ["id", "blob"], "scan");
    const kinds = new Set(Array.from({ length: ours.numRows }, (_, i) => ours.getChild("blob")!.get(i)?.kind as number | undefined));
    assert.deepEqual([...kinds].sort(), [0, 1, 2, undefined].sort(), "inline, packed and dedicated values and nulls");
    const filter = "id < 6 OR id >= 70";
    assertSameRows(await ds.scan({ filter, withRowId: true }).toArrow(), await table.query().where(filter).withRowId().toArrow(), "_rowid", ["id", "blob"], "filtered scan");
    const rowIds = (theirs.getChild("_rowid")!.toArray() as BigUint64Array).slice(3, 12);
    const taken = await ds.take([...rowIds], { columns: ["blob"], withRowAddress: true });
    const scanned = new Map(Array.from({ length: ours.numRows }, (_, i) => [String(ours.getChild("_rowid")!.get(i)), json(ours.getChild("blob")!.get(i))]));
    assert.equal(taken.numRows, rowIds.length);
    for (let i = 0; i < taken.numRows; i++) assert.equal(json(taken.getChild("blob")!.get(i)), scanned.get(String(taken.getChild("_rowaddr")!.get(i))), `take of ${taken.getChild("_rowaddr")!.get(i)}`);
  });

  test("takeBlobs returns the bytes lancedb's fetchBlobs returns, in the order asked, deleted rows skipped", async () => {
    const ds = await openDataset(tablePath(dir, "t"));
    const theirs: Table = await table.query().select(["id"]).withRowId().toArrow();
    const live = [...(theirs.getChild("_rowid")!.toArray() as BigUint64Array)].reverse();
    const fetched = await table.fetchBlobs("blob", live);
    const ours = await ds.takeBlobs("blob", live);
    assert.equal(ours.length, live.length);
    for (let i = 0; i < live.length; i++) {
      const expected = fetched[i] === null ? null : new Uint8Array(fetched[i]!);
      assert.deepEqual(ours[i], expected, `row ${live[i]}`);
    }
    // the values written, by id
    const ids = [...(theirs.getChild("id")!.toArray() as BigInt64Array)].reverse();
    ids.forEach((id, i) => assert.deepEqual(ours[i], value(Number(id)), `id ${id}`));
    assert.ok(ours.some((b) => b === null) && ours.some((b) => b?.length === 0) && ours.some((b) => (b?.length ?? 0) > DEDICATED_BYTES));
    // a deleted row's address is skipped, as take skips it
    const deleted = BigInt(7); // id 7 is row 7 of fragment 0
    assert.equal((await ds.takeBlobs("blob", [deleted, live[0]!])).length, 1);
  });

  test("appends to a table with a blob column are refused and change nothing", async () => {
    const ds = await openDataset(tablePath(dir, "t"));
    const more = (await table.query().limit(2).toArrow()) as Table;
    await assert.rejects(ds.append(more), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /blob column "blob"/.test(e.message));
    await table.checkoutLatest();
    assert.equal(await table.countRows(), ds.countRows());
    assert.equal((await openDataset(tablePath(dir, "t"))).version, ds.version);
  });
});
