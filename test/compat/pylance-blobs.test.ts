// Blob columns written by Lance 14 (pylance 14.0.2): blob v1 (large_binary
// marked lance-encoding:blob, file formats 2.0 and 2.1) and blob v2 (lance.blob.v2,
// 2.2 and 2.3, which pylance also makes of a marked large_binary). Scans and take
// return the descriptions pylance's scans return by default; takeBlobs returns
// the bytes pylance's take_blobs and read_blobs return, for every kind of v2
// blob: inline, packed and dedicated sidecar files, external objects.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { Field, Int64, LargeBinary, makeData, RecordBatch, Schema, Struct, Table, Uint64, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { isLanceError, openDataset, type Dataset } from "../../src/lancets.js";
import { pylanceSession } from "../helpers/pylance.js";
import { assertSameRows } from "../helpers/values.js";

const session = pylanceSession("lancets-pylance-blobs-");
const { skip } = session;

/** A marked large_binary column (blob v1 in 2.1, turned into blob v2 by pylance in 2.2). */
function markedBlobTable(values: (Uint8Array | null)[], firstId = 0): Table {
  const ids = values.map((_, i) => BigInt(firstId + i));
  const plain = new Table({ id: vectorFromArray(ids, new Int64()), blob: vectorFromArray(values, new LargeBinary()) });
  const schema = new Schema([plain.schema.fields[0]!, new Field("blob", new LargeBinary(), true, new Map([["lance-encoding:blob", "true"]]))]);
  return new Table(schema, plain.batches.map((b) => new RecordBatch(schema, b.data)));
}

/** Blobs above this size get a sidecar file of their own (pylance's default is 4 MiB; smaller keeps the test fast). */
const DEDICATED_BYTES = 100_000;

type BlobInput = { data: Uint8Array } | { uri: string; position?: number; size?: number } | null;

/** A lance.blob.v2 column as pylance's blob_array builds it: struct<data, uri, position, size>. */
function blobV2Table(values: BlobInput[]): Table {
  const n = values.length;
  const validity = new Uint8Array((n + 7) >> 3);
  values.forEach((v, i) => v && (validity[i >> 3]! |= 1 << (i & 7)));
  const pick = <T>(f: (v: Exclude<BlobInput, null>) => T | undefined): (T | null)[] => values.map((v) => (v ? (f(v) ?? null) : null));
  const children: Data[] = [
    vectorFromArray(pick((v) => ("data" in v ? v.data : undefined)), new LargeBinary()).data[0]!,
    vectorFromArray(pick((v) => ("uri" in v ? v.uri : undefined)), new Utf8()).data[0]!,
    vectorFromArray(pick((v) => ("uri" in v && v.position !== undefined ? BigInt(v.position) : undefined)), new Uint64()).data[0]!,
    vectorFromArray(pick((v) => ("uri" in v && v.size !== undefined ? BigInt(v.size) : undefined)), new Uint64()).data[0]!,
  ];
  const type = new Struct([new Field("data", new LargeBinary(), true), new Field("uri", new Utf8(), true), new Field("position", new Uint64(), true), new Field("size", new Uint64(), true)]);
  const blob = makeData({ type, length: n, nullCount: values.filter((v) => !v).length, nullBitmap: validity, children });
  const id = vectorFromArray(values.map((_, i) => BigInt(i)), new Int64()).data[0]!;
  const schema = new Schema([new Field("id", new Int64(), false), new Field("b", type, true, new Map([["ARROW:extension:name", "lance.blob.v2"], ["ARROW:extension:metadata", ""], ["lance-encoding:blob-dedicated-size-threshold", String(DEDICATED_BYTES)]]))]);
  return new Table(schema, new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [id, blob] })));
}

function allAddresses(ds: Dataset): bigint[] {
  return ds.fragments().flatMap((f) => Array.from({ length: f.physicalRows }, (_, i) => (BigInt(f.id) << 32n) | BigInt(i)));
}

/** Scans (whole, filtered, taken) equal pylance's descriptions; takeBlobs equals take_blobs and read_blobs. */
async function assertBlobsLikePylance(uri: string, column: string, label: string, readExternal?: (uri: string, position: number, size: number | undefined) => Promise<Uint8Array>): Promise<(Uint8Array | null)[]> {
  const ds = await openDataset(uri);
  const ours = await ds.scan({ withRowAddress: true }).toArrow();
  const theirs = await session.py.toTable(uri, { with_row_address: true });
  assert.deepEqual(ours.schema.fields.map((f) => f.name), theirs.schema.fields.map((f) => f.name), `${label}: columns`);
  assert.deepEqual(
    ours.schema.fields.find((f) => f.name === column)!.type.children.map((c: Field) => `${c.name}:${c.type}`),
    theirs.schema.fields.find((f) => f.name === column)!.type.children.map((c: Field) => `${c.name}:${c.type}`),
    `${label}: description type`,
  );
  assertSameRows(ours, theirs, "_rowaddr", ["id", column], `${label}: scan`);
  const filtered = await ds.scan({ filter: "id < 4 OR id >= 40", withRowAddress: true }).toArrow();
  assertSameRows(filtered, await session.py.toTable(uri, { filter: "id < 4 OR id >= 40", with_row_address: true }), "_rowaddr", ["id", column], `${label}: filtered scan`);

  // addresses in an order of their own, some of them deleted rows (skipped, as take skips them)
  const addresses = allAddresses(ds).reverse();
  const live = (ours.getChild("_rowaddr")!.toArray() as BigUint64Array).includes.bind(ours.getChild("_rowaddr")!.toArray());
  const wanted = addresses.filter((a) => live(a));
  const bytes = await ds.takeBlobs(column, addresses, readExternal ? { readExternal } : {});
  assert.equal(bytes.length, wanted.length, `${label}: one value per live row`);
  const theirBytes = await session.py.takeBlobs(uri, column, wanted);
  const theirPairs = await session.py.readBlobs(uri, column, wanted);
  assert.deepEqual(theirPairs.map(([a]) => a), wanted, `${label}: read_blobs order`);
  for (let i = 0; i < wanted.length; i++) {
    assert.deepEqual(bytes[i], theirBytes[i], `${label}: take_blobs row address ${wanted[i]}`);
    assert.deepEqual(bytes[i], theirPairs[i]![1], `${label}: read_blobs row address ${wanted[i]}`);
  }
  const taken = await ds.take(wanted.slice(0, 5), { columns: [column], withRowAddress: true });
  const scanned = new Map(Array.from({ length: ours.numRows }, (_, i) => [String(ours.getChild("_rowaddr")!.get(i)), JSON.stringify(ours.getChild(column)!.get(i), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))]));
  assert.equal(taken.numRows, 5);
  for (let i = 0; i < taken.numRows; i++) {
    const description = JSON.stringify(taken.getChild(column)!.get(i), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    assert.equal(description, scanned.get(String(taken.getChild("_rowaddr")!.get(i))), `${label}: take of row address ${taken.getChild("_rowaddr")!.get(i)}`);
  }
  return bytes;
}

describe("blob columns pylance 14 writes", { skip }, () => {
  for (const version of ["2.0", "2.1", "2.2", "2.3"] as const) {
    test(`a marked large_binary column (blob ${version >= "2.2" ? "v2" : "v1"}) over fragments with nulls, empty values and deletions, file version ${version}`, async () => {
      const uri = `${session.dir}/marked_${version}`;
      const values = (start: number, n: number): (Uint8Array | null)[] =>
        Array.from({ length: n }, (_, k) => {
          const i = start + k;
          return i % 7 === 3 ? null : i % 11 === 5 ? new Uint8Array(0) : Uint8Array.from({ length: 20 + ((i * 37) % 300) }, (_, j) => (i + j) & 255);
        });
      await session.py.write(uri, markedBlobTable(values(0, 60)), { data_storage_version: version, max_rows_per_file: 25 });
      await session.py.write(uri, markedBlobTable(values(60, 30), 60), { data_storage_version: version }, "append");
      await session.py.delete(uri, "id % 10 = 4");
      const ds = await openDataset(uri);
      assert.equal(ds.fragments().length, 4);
      const bytes = await assertBlobsLikePylance(uri, "blob", `marked ${version}`);
      assert.ok(bytes.some((b) => b === null) && bytes.some((b) => b?.length === 0) && bytes.some((b) => (b?.length ?? 0) > 100), "nulls, empty and filled values");
      await assert.rejects(ds.append(markedBlobTable(values(90, 3), 90)), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /blob column "blob" \(blob v\d\), which lancets reads but does not write|file format 2\.3, which lancets does not write/.test(e.message));
      assert.equal((await session.py.summary(uri)).count_rows, ds.countRows(), "nothing appended");
    });
  }

  test("lance.blob.v2 columns: inline, packed and dedicated sidecar files, external objects whole and in part, nulls and empty values", async () => {
    const uri = `${session.dir}/blob_v2`;
    const external = join(session.dir, "external.bin");
    writeFileSync(external, Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 255));
    const externalUri = `file://${external}`;
    const big = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255);
    const values: BlobInput[] = [
      { data: new TextEncoder().encode("abc") },
      null,
      { data: new Uint8Array(0) },
      { data: big(150_000, 3) }, // past the dedicated threshold: a file of its own
      { data: big(80_000, 5) }, // past the inline threshold: packed into a shared sidecar file
      { uri: externalUri },
      { uri: externalUri, position: 100, size: 50 },
      { data: big(90_000, 11) },
      { data: big(150_001, 13) },
    ];
    await session.py.write(uri, blobV2Table(values), { allow_external_blob_outside_bases: true });
    const ds = await openDataset(uri);
    const described = await ds.scan({ columns: ["b"] }).toArrow();
    const kinds = Array.from({ length: described.numRows }, (_, i) => described.getChild("b")!.get(i)?.kind as number | undefined);
    assert.deepEqual(kinds, [0, undefined, 0, 2, 1, 3, 3, 1, 2], "every kind of blob v2 is present");
    const externalReads: string[] = [];
    const readExternal = async (target: string, position: number, size: number | undefined): Promise<Uint8Array> => {
      externalReads.push(`${target}@${position}+${size}`);
      const whole = readFileSync(fileURLToPath(target));
      return new Uint8Array(whole.subarray(position, size === undefined ? undefined : position + size));
    };
    const bytes = await assertBlobsLikePylance(uri, "b", "blob v2", readExternal);
    assert.equal(bytes.length, values.length);
    assert.deepEqual(externalReads.sort(), [`${externalUri}@0+undefined`, `${externalUri}@100+50`]);
    await assert.rejects(ds.takeBlobs("b", [5]), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && e.message.includes(externalUri) && /readExternal/.test(e.message));
    await assert.rejects(ds.takeBlobs("id", [0]), (e: unknown) => isLanceError(e) && e.code === "INVALID_INPUT" && /not a blob column/.test(e.message));
  });
});
