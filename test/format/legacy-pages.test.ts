// Byte-level tests of the legacy (v1) file layouts: footer, metadata, page
// table and pages built by hand, decoded values and the bounds every count and
// position from the file is checked against.

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Bool, Field, FixedSizeList, Int16, Int32, List, makeVector, Utf8 } from "apache-arrow";
import { ByteWriter } from "../../src/core/bytes.js";
import { CorruptFileError, LanceError } from "../../src/core/errors.js";
import { decodeFileVersion } from "../../src/format/file/footer.js";
import { decodeLegacyFooter, decodeLegacyMetadata, decodePageTable } from "../../src/format/file/previous/metadata.js";
import { buildListData, decodeBinaryPage, decodePlainPage, decodePositions, plainByteSpan } from "../../src/format/file/previous/pages.js";
import { MetadataSchema } from "../../src/format/pb/file_pb.js";

const PATH = "t.lance";
const ctx = { path: PATH, byteOffset: 0 };

function footer(metadataPosition: number, major: number, minor: number): Uint8Array {
  const w = new ByteWriter(16);
  w.i64(BigInt(metadataPosition));
  w.u16(major);
  w.u16(minor);
  w.bytes(new TextEncoder().encode("LANC"));
  return w.finish();
}

test("footer words: 0.1 and 0.2 are legacy, 0.3 is 2.0; the metadata position must lie in the body", () => {
  assert.equal(decodeFileVersion(footer(0, 0, 2), 16, PATH).fileVersion, "legacy");
  assert.equal(decodeFileVersion(footer(0, 0, 1), 16, PATH).fileVersion, "legacy");
  assert.equal(decodeFileVersion(footer(0, 0, 3), 16, PATH).fileVersion, "2.0");
  assert.throws(() => decodeFileVersion(footer(0, 0, 7), 16, PATH), (e: unknown) => e instanceof CorruptFileError && /version 0\.7/.test(e.message));
  assert.throws(() => decodeFileVersion(new Uint8Array(8), 8, PATH), CorruptFileError);
  const tail = new Uint8Array(100);
  tail.set(footer(20, 0, 2), 84);
  assert.equal(decodeLegacyFooter(tail, 100, PATH), 20);
  tail.set(footer(83, 0, 2), 84);
  assert.throws(() => decodeLegacyFooter(tail, 100, PATH), /metadata position 83 is outside/);
});

test("metadata: batch offsets start at 0 and never decrease; positions stay in the file", () => {
  const bytes = (offsets: number[], pageTable: number) => toBinary(MetadataSchema, create(MetadataSchema, { batchOffsets: offsets, pageTablePosition: BigInt(pageTable) }));
  const meta = decodeLegacyMetadata(bytes([0, 1024, 2048, 2500], 900), 0, 1000, PATH);
  assert.deepEqual(meta.batchOffsets, [0, 1024, 2048, 2500]);
  assert.equal(meta.pageTablePosition, 900);
  assert.equal(meta.manifestPosition, 0);
  assert.throws(() => decodeLegacyMetadata(bytes([5, 10], 0), 0, 1000, PATH), /starts at row 5/);
  assert.throws(() => decodeLegacyMetadata(bytes([0, 10, 4], 0), 0, 1000, PATH), /before it starts/);
  assert.throws(() => decodeLegacyMetadata(bytes([0, 10], 5000), 0, 1000, PATH), /page table position 5000/);
  assert.throws(() => decodeLegacyMetadata(new Uint8Array([0xff, 0xff, 0xff]), 0, 1000, PATH), CorruptFileError);
});

test("page table: fields x batches of (position, length), checked", () => {
  const w = new ByteWriter(64);
  // field 3: batches at 0 (10 values) and 80 (5 values); field 4: (0, 0) for both (a struct)
  for (const [p, l] of [
    [0, 10],
    [80, 5],
    [0, 0],
    [0, 0],
  ] as const) {
    w.i64(BigInt(p));
    w.i64(BigInt(l));
  }
  const table = decodePageTable(w.finish(), 500, 3, 4, 2, 1000, PATH);
  assert.deepEqual(table.get(3), [
    { position: 0, length: 10 },
    { position: 80, length: 5 },
  ]);
  assert.deepEqual(table.get(4), [
    { position: 0, length: 0 },
    { position: 0, length: 0 },
  ]);
  const bad = new ByteWriter(16);
  bad.i64(2000n);
  bad.i64(1n);
  assert.throws(() => decodePageTable(bad.finish(), 500, 0, 0, 1, 1000, PATH), (e: unknown) => e instanceof CorruptFileError && e.byteOffset === 500);
  const negative = new ByteWriter(16);
  negative.i64(0n);
  negative.i64(-3n);
  assert.throws(() => decodePageTable(negative.finish(), 0, 0, 0, 1, 1000, PATH), /negative length/);
  // a short table is an error, not a read past the end
  assert.throws(() => decodePageTable(new Uint8Array(8), 0, 0, 0, 1, 1000, PATH), CorruptFileError);
});

test("plain pages: bytes of a row range, booleans from any bit, fixed-size lists", () => {
  const span = plainByteSpan(1, 10, 21);
  assert.deepEqual(span, { start: 1, end: 3, bitShift: 2 });
  // bits 10..20 of 0b...: set every third bit of a 24-bit page
  const page = new Uint8Array(3);
  for (let i = 0; i < 24; i += 3) page[i >> 3] = page[i >> 3]! | (1 << (i & 7));
  const bools = makeVector(decodePlainPage(new Field("b", new Bool(), false), page.subarray(span.start, span.end), span.bitShift, 11, ctx));
  assert.deepEqual(
    Array.from({ length: 11 }, (_, i) => bools.get(i)),
    Array.from({ length: 11 }, (_, i) => (10 + i) % 3 === 0),
  );
  const ints = new Int16Array([1, -2, 3, -4, 5, -6]);
  const fsl = makeVector(decodePlainPage(new Field("v", new FixedSizeList(2, new Field("item", new Int16(), true)), false), new Uint8Array(ints.buffer, 4, 8), 0, 2, ctx));
  assert.deepEqual(Array.from(fsl.get(0)!), [3, -4]);
  assert.deepEqual(Array.from(fsl.get(1)!), [5, -6]);
  assert.throws(() => decodePlainPage(new Field("x", new Int32(), false), new Uint8Array(7), 0, 2, ctx), /has 7 bytes for 2 rows, needs 8/);
});

test("binary pages: absolute positions; empty values are null only when the field is nullable", () => {
  const w = new ByteWriter(32);
  for (const p of [100, 103, 103, 105]) w.i64(BigInt(p));
  const positions = decodePositions(w.finish(), 4, 64, ctx);
  const data = new TextEncoder().encode("abcde");
  const nullable = makeVector(decodeBinaryPage(new Field("s", new Utf8(), true), positions, data, ctx));
  assert.deepEqual([nullable.get(0), nullable.get(1), nullable.get(2)], ["abc", null, "de"]);
  const required = makeVector(decodeBinaryPage(new Field("s", new Utf8(), false), positions, data, ctx));
  assert.deepEqual([required.get(0), required.get(1), required.get(2)], ["abc", "", "de"]);
  assert.throws(() => decodeBinaryPage(new Field("s", new Utf8(), true), positions, data.subarray(0, 3), ctx), /spans 5 bytes, 3 were read/);
  const backwards = new ByteWriter(16);
  backwards.i64(10n);
  backwards.i64(4n);
  assert.throws(() => decodePositions(backwards.finish(), 2, 64, ctx), /before position 0/);
  const huge = new ByteWriter(8);
  huge.i64(1n << 60n);
  assert.throws(() => decodePositions(huge.finish(), 1, 64, ctx), /2\^53/);
  assert.throws(() => decodePositions(new Uint8Array(4), 2, 32, ctx), /need 8 bytes/);
});

test("list pages: positions relative to the batch; the item count must match", () => {
  const positions = Float64Array.from([4, 6, 6, 9]);
  const items = makeVector(Int32Array.from([1, 2, 3, 4, 5])).data[0]!;
  const list = makeVector(buildListData(new Field("l", new List(new Field("item", new Int32(), true)), true), positions, items, ctx));
  assert.deepEqual(Array.from(list.get(0)!), [1, 2]);
  assert.deepEqual(Array.from(list.get(1)!), []);
  assert.deepEqual(Array.from(list.get(2)!), [3, 4, 5]);
  assert.throws(
    () => buildListData(new Field("l", new List(new Field("item", new Int32(), true)), true), Float64Array.from([0, 9]), items, ctx),
    (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE",
  );
});
