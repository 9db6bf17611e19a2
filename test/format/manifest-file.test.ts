// Manifest files: decode -> encode keeps every field, unknown ones included,
// and Lance reads manifests that lancets re-encoded.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { decodeManifestFile, encodeManifestFile, manifestToProto } from "../../src/format/table/manifest-file.js";
import { ManifestSchema, IndexSectionSchema } from "../../src/format/pb/table_pb.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { assertSameAsLance } from "../helpers/compare.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, lancedb, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

let source: string;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", textTable(500));
  await t.add(textTable(500, 500));
  await t.createIndex("id", { config: lancedb.Index.btree() });
  await t.createIndex("category", { config: lancedb.Index.bitmap() });
  await t.delete("id % 13 = 0");
  source = tablePath(dir, "t");
});

function manifestFiles(path: string): string[] {
  return readdirSync(join(path, "_versions"))
    .filter((n) => n.endsWith(".manifest"))
    .map((n) => join(path, "_versions", n));
}

/** The Manifest message bytes inside a manifest file. */
function manifestMessage(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pos = Number(view.getBigInt64(bytes.byteLength - 16, true));
  const len = view.getUint32(pos, true);
  return bytes.subarray(pos + 4, pos + 4 + len);
}

describe("manifest files", () => {
  test("decode -> encode -> decode is lossless for every Lance manifest", () => {
    for (const file of manifestFiles(source)) {
      const bytes = readFileSync(file);
      const a = decodeManifestFile(bytes, file);
      const reencoded = encodeManifestFile(a);
      const b = decodeManifestFile(reencoded, file);
      const pa = fromBinary(ManifestSchema, manifestMessage(bytes));
      const pb = fromBinary(ManifestSchema, manifestMessage(reencoded));
      // Section offsets may move; everything else must be identical.
      pa.indexSection = pb.indexSection = undefined;
      pa.transactionSection = pb.transactionSection = undefined;
      assert.ok(equals(ManifestSchema, pa, pb), file);
      assert.deepEqual(
        b.indices.map((i) => ({ ...i, proto: undefined })),
        a.indices.map((i) => ({ ...i, proto: undefined })),
      );
      assert.deepEqual(b.transactionBytes && [...b.transactionBytes], a.transactionBytes && [...a.transactionBytes]);
    }
  });

  test("Lance reads a manifest that lancets re-encoded", async () => {
    const copy = copyDataset(source);
    for (const file of manifestFiles(copy)) writeFileSync(file, encodeManifestFile(decodeManifestFile(readFileSync(file), file)));
    const db = await connect(join(copy, ".."));
    const table = await db.openTable("copy");
    await assertSameAsLance(await openDataset(copy), table);
    const plan = await table.query().where("id = 77").explainPlan(true);
    assert.match(plan, /ScalarIndexQuery: query=\[id = 77\]@id_idx\(BTree\)/);
    const rows = await table.query().where("category = 'c1'").toArray();
    assert.equal(rows.length, [...Array(1000).keys()].filter((i) => i % 6 === 1 && i % 13 !== 0).length);
  });

  test("unknown fields survive at every level", () => {
    const file = manifestFiles(source).sort()[0]!;
    const decoded = decodeManifestFile(readFileSync(file), file);
    const pb = manifestToProto(decoded.manifest);
    const extra = (no: number, value: number) => ({ no, wireType: WireType.Varint, data: Uint8Array.of(value) });
    pb.$unknown = [extra(99, 42)];
    pb.fragments[0]!.$unknown = [extra(77, 7)];
    pb.fragments[0]!.files[0]!.$unknown = [extra(9, 3)];
    pb.fields[0]!.$unknown = [extra(30, 5)];
    pb.writerVersion!.$unknown = [extra(12, 1)];
    const section = fromBinary(IndexSectionSchema, toBinary(IndexSectionSchema, { $typeName: "lance.table.IndexSection", indices: [] }));
    assert.equal(section.indices.length, 0);

    // Put the message with unknown fields back into a manifest file and round-trip it through the domain types.
    pb.indexSection = undefined;
    pb.transactionSection = undefined;
    const withUnknowns = toBinary(ManifestSchema, pb);
    const fileBytes = encodeRaw(withUnknowns);
    const again = decodeManifestFile(fileBytes, "x.manifest");
    again.manifest.version += 1; // a modification, as a writer would make
    const out = fromBinary(ManifestSchema, manifestMessage(encodeManifestFile(again)));
    assert.equal(out.version, pb.version + 1n);
    assert.deepEqual(out.$unknown?.map((u) => [u.no, [...u.data]]), [[99, [42]]]);
    assert.deepEqual(out.fragments[0]!.$unknown?.map((u) => [u.no, [...u.data]]), [[77, [7]]]);
    assert.deepEqual(out.fragments[0]!.files[0]!.$unknown?.map((u) => [u.no, [...u.data]]), [[9, [3]]]);
    assert.deepEqual(out.fields[0]!.$unknown?.map((u) => [u.no, [...u.data]]), [[30, [5]]]);
    assert.deepEqual(out.writerVersion!.$unknown?.map((u) => [u.no, [...u.data]]), [[12, [1]]]);
  });

  test("Lance 14's inline transaction position (field 23) is not carried into a re-encoded file, whose layout differs", () => {
    const file = manifestFiles(source).sort()[0]!;
    const pb = manifestToProto(decodeManifestFile(readFileSync(file), file).manifest);
    pb.$unknown = [
      { no: 23, wireType: WireType.Varint, data: Uint8Array.of(0x99, 0x01) },
      { no: 99, wireType: WireType.Varint, data: Uint8Array.of(42) },
    ];
    pb.indexSection = undefined;
    pb.transactionSection = undefined;
    const again = decodeManifestFile(encodeRaw(toBinary(ManifestSchema, pb)), "x.manifest");
    const out = fromBinary(ManifestSchema, manifestMessage(encodeManifestFile(again)));
    assert.deepEqual(out.$unknown?.map((u) => [u.no, [...u.data]]), [[99, [42]]]);
  });

  test("proto3 optionals that are zero are still written", () => {
    const file = manifestFiles(source).sort().at(-1)!; // version 1: no indices, fragment id 0
    const decoded = decodeManifestFile(readFileSync(file), file);
    assert.equal(decoded.manifest.maxFragmentId, 0);
    const out = fromBinary(ManifestSchema, manifestMessage(encodeManifestFile(decoded)));
    assert.equal(out.maxFragmentId, 0);
    assert.equal(out.transactionSection, 0n);
  });
});

/** A manifest file holding just `message` (no index section, no transaction). */
function encodeRaw(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.byteLength + 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, message.byteLength, true);
  out.set(message, 4);
  const footer = 4 + message.byteLength;
  view.setBigInt64(footer, 0n, true);
  view.setUint16(footer + 8, 0, true);
  view.setUint16(footer + 10, 2, true);
  out.set([0x4c, 0x41, 0x4e, 0x43], footer + 12);
  return out;
}
