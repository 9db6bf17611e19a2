// Blob descriptions decoded from hand-built rows: blob v1's 16-byte pairs with
// levels smuggled into position for nulls, blob v2's packed descriptor rows;
// damaged rows are CORRUPT_FILE naming the row; sidecar file names.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FixedSizeBinary, LargeBinary, makeData } from "apache-arrow";
import { isLanceError } from "../../src/core/errors.js";
import { blobDescriptionField, blobSidecarPath, decodeBlobV1Descriptions, decodeBlobV2Descriptions } from "../../src/format/file/blob-descriptions.js";

const ctx = { path: "data/x.lance", byteOffset: 0 };
const plain = (d: unknown): unknown => JSON.parse(JSON.stringify(d, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));

function v1Rows(pairs: [bigint, bigint][]): ReturnType<typeof makeData> {
  const bytes = new Uint8Array(pairs.length * 16);
  const view = new DataView(bytes.buffer);
  pairs.forEach(([p, s], i) => {
    view.setBigUint64(i * 16, p, true);
    view.setBigUint64(i * 16 + 8, s, true);
  });
  return makeData({ type: new FixedSizeBinary(16), length: pairs.length, data: bytes });
}

function v2Row(kind: number, position: bigint, size: bigint, blobId: number, uri = ""): Uint8Array {
  const uriBytes = new TextEncoder().encode(uri);
  const row = new Uint8Array(25 + uriBytes.length);
  const view = new DataView(row.buffer);
  view.setUint8(0, kind);
  view.setBigUint64(1, position, true);
  view.setBigUint64(9, size, true);
  view.setUint32(17, blobId, true);
  view.setUint32(21, uriBytes.length, true);
  row.set(uriBytes, 25);
  return row;
}

function v2Rows(rows: (Uint8Array | null)[]): ReturnType<typeof makeData> {
  const offsets = new BigInt64Array(rows.length + 1);
  const validity = new Uint8Array((rows.length + 7) >> 3);
  let total = 0;
  rows.forEach((r, i) => {
    offsets[i] = BigInt(total);
    if (r) {
      validity[i >> 3]! |= 1 << (i & 7);
      total += r.length;
    }
  });
  offsets[rows.length] = BigInt(total);
  const data = new Uint8Array(total);
  let at = 0;
  for (const r of rows) if (r) (data.set(r, at), (at += r.length));
  return makeData({ type: new LargeBinary(), length: rows.length, nullCount: rows.filter((r) => !r).length, nullBitmap: validity, valueOffsets: offsets, data });
}

describe("blob descriptions", () => {
  test("blob v1: (position, size) pairs; size 0 with a nonzero position is a null, (0, 0) an empty value", () => {
    const field = blobDescriptionField("b", true, 1);
    const data = decodeBlobV1Descriptions(field, v1Rows([[0n, 10n], [1n << 16n, 0n], [0n, 0n], [4096n, 3n]]), ctx);
    assert.equal(data.nullCount, 1);
    const values = Array.from({ length: 4 }, (_, i) => (data.getValid(i) ? [data.children[0]!.values[i], data.children[1]!.values[i]] : null));
    assert.deepEqual(plain(values), [["0", "10"], null, ["0", "0"], ["4096", "3"]]);
  });

  test("blob v2: packed descriptor rows with kinds, ids and uris; nulls by validity", () => {
    const field = blobDescriptionField("b", true, 2);
    const rows = [v2Row(0, 64n, 3n, 0), null, v2Row(1, 1000n, 20n, 7), v2Row(3, 5n, 6n, 0, "s3://bucket/key"), v2Row(2, 0n, 1n << 40n, 4294967295)];
    const data = decodeBlobV2Descriptions(field, v2Rows(rows), ctx);
    assert.equal(data.length, 5);
    assert.equal(data.nullCount, 1);
    const [kind, position, size, blobId, uri] = data.children;
    assert.deepEqual(Array.from(kind!.values as Uint8Array), [0, 0, 1, 3, 2]);
    assert.deepEqual(plain(Array.from(position!.values as BigUint64Array)), ["64", "0", "1000", "5", "0"]);
    assert.deepEqual(plain(Array.from(size!.values as BigUint64Array)), ["3", "0", "20", "6", String(1n << 40n)]);
    assert.deepEqual(Array.from(blobId!.values as Uint32Array), [0, 0, 7, 0, 4294967295]);
    const offsets = uri!.valueOffsets as Int32Array;
    assert.equal(new TextDecoder().decode((uri!.values as Uint8Array).subarray(offsets[3]!, offsets[4]!)), "s3://bucket/key");
    assert.equal(offsets[5]! - offsets[4]!, 0);
  });

  test("damaged descriptor rows are CORRUPT_FILE naming the row; unknown kinds NOT_SUPPORTED", () => {
    const field = blobDescriptionField("b", true, 2);
    const short = v2Row(0, 0n, 1n, 0).subarray(0, 20);
    assert.throws(() => decodeBlobV2Descriptions(field, v2Rows([v2Row(0, 0n, 1n, 0), short]), ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /row 1 has 20 bytes/.test(e.message));
    const lying = v2Row(3, 0n, 1n, 0, "abc");
    new DataView(lying.buffer).setUint32(21, 99, true);
    assert.throws(() => decodeBlobV2Descriptions(field, v2Rows([lying]), ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /uri of 99 bytes/.test(e.message));
    assert.throws(() => decodeBlobV2Descriptions(field, v2Rows([v2Row(9, 0n, 1n, 0)]), ctx), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /kind 9/.test(e.message));
    const v1 = blobDescriptionField("b", true, 1);
    assert.throws(() => decodeBlobV1Descriptions(v1, makeData({ type: new FixedSizeBinary(16), length: 2, data: new Uint8Array(16) }), ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
  });

  test("sidecar files are named by the blob id's 32 bits, least significant first, beside the data file", () => {
    assert.equal(blobSidecarPath("data/abc.lance", 1), "data/abc/10000000000000000000000000000000.blob");
    assert.equal(blobSidecarPath("data/abc.lance", 2), "data/abc/01000000000000000000000000000000.blob");
    assert.equal(blobSidecarPath("data/abc.lance", 3), "data/abc/11000000000000000000000000000000.blob");
    assert.equal(blobSidecarPath("data/abc.lance", 0xffffffff), `data/abc/${"1".repeat(32)}.blob`);
  });
});
