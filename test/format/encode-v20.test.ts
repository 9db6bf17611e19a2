// Page encodings of Lance 2.0 files (format/file/encode-v20.ts) are written in
// protobuf wire format directly; each must equal the bytes protobuf-es'
// toBinary gives for the same ArrayEncoding message: flat values with and
// without nulls, all nulls, strings and binaries (null adjustments of one and
// of several bytes), fixed-size lists, structs and lists (empty ones too).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Field, FixedSizeList, Float32, Int32, Int64, List, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import {
  ArrayEncodingSchema,
  BinarySchema,
  BufferSchema,
  FixedSizeListSchema,
  FlatSchema,
  ListSchema,
  Nullable_AllNullSchema,
  Nullable_NoNullSchema,
  Nullable_SomeNullSchema,
  NullableSchema,
  SimpleStructSchema,
  type ArrayEncoding,
} from "../../src/format/pb/encodings_v2_0_pb.js";
import { encodeFieldV20 } from "../../src/format/file/encode-v20.js";

function flat(bits: number, bufferIndex: number): ArrayEncoding {
  return create(ArrayEncodingSchema, { arrayEncoding: { case: "flat", value: create(FlatSchema, { bitsPerValue: BigInt(bits), buffer: create(BufferSchema, { bufferIndex }) }) } });
}

function nullable(inner: ArrayEncoding | undefined, validity: number | undefined): ArrayEncoding {
  const nullability =
    inner === undefined
      ? ({ case: "allNulls", value: create(Nullable_AllNullSchema) } as const)
      : validity === undefined
        ? ({ case: "noNulls", value: create(Nullable_NoNullSchema, { values: inner }) } as const)
        : ({ case: "someNulls", value: create(Nullable_SomeNullSchema, { validity: flat(1, validity), values: inner }) } as const);
  return create(ArrayEncodingSchema, { arrayEncoding: { case: "nullable", value: create(NullableSchema, { nullability }) } });
}

function binary(adjust: number): ArrayEncoding {
  return create(ArrayEncodingSchema, {
    arrayEncoding: { case: "binary", value: create(BinarySchema, { indices: nullable(flat(64, 0), undefined), bytes: flat(8, 1), nullAdjustment: BigInt(adjust) }) },
  });
}

/** The encodings of every page written for `data`, column by column. */
function encodings(data: Data): Uint8Array[] {
  return encodeFieldV20("c", data).flatMap((column) => column.pages.map((p) => p.encoding));
}

const bin = (e: ArrayEncoding): Uint8Array => toBinary(ArrayEncodingSchema, e);

describe("Lance 2.0 page encodings written directly", () => {
  test("flat values without nulls, with some, and all null", () => {
    assert.deepEqual(encodings(vectorFromArray([1n, 2n, 3n], new Int64()).data[0]!), [bin(nullable(flat(64, 0), undefined))]);
    assert.deepEqual(encodings(vectorFromArray([1, null, 3], new Int32()).data[0]!), [bin(nullable(flat(32, 1), 0))]);
    assert.deepEqual(encodings(vectorFromArray([null, null], new Int32()).data[0]!), [bin(nullable(undefined, undefined))]);
  });

  test("strings: the null adjustment is total bytes + 1, of one byte and of several", () => {
    assert.deepEqual(encodings(vectorFromArray(["ab", "c"], new Utf8()).data[0]!), [bin(binary(4))]);
    const long = ["x".repeat(300), null, "y".repeat(70_000)];
    assert.deepEqual(encodings(vectorFromArray(long, new Utf8()).data[0]!), [bin(binary(70_301))]);
    assert.deepEqual(encodings(vectorFromArray(["", ""], new Utf8()).data[0]!), [bin(binary(1))]);
  });

  test("fixed-size lists, structs and lists", () => {
    const fsl = vectorFromArray(
      [
        [1, 2],
        [3, 4],
      ],
      new FixedSizeList(2, new Field("item", new Float32(), true)),
    ).data[0]!;
    const items = create(ArrayEncodingSchema, { arrayEncoding: { case: "fixedSizeList", value: create(FixedSizeListSchema, { dimension: 2, items: nullable(flat(32, 0), undefined) }) } });
    assert.deepEqual(encodings(fsl), [bin(nullable(items, undefined))]);

    const struct = vectorFromArray([{ a: 1 }, { a: 2 }], new Struct([new Field("a", new Int32(), true)])).data[0]!;
    assert.deepEqual(encodings(struct), [bin(create(ArrayEncodingSchema, { arrayEncoding: { case: "struct", value: create(SimpleStructSchema) } })), bin(nullable(flat(32, 0), undefined))]);

    const listType = new List(new Field("item", new Int32(), true));
    const list = (adjust: number, numItems: number): Uint8Array =>
      bin(create(ArrayEncodingSchema, { arrayEncoding: { case: "list", value: create(ListSchema, { offsets: nullable(flat(64, 0), undefined), nullOffsetAdjustment: BigInt(adjust), numItems: BigInt(numItems) }) } }));
    const lists = vectorFromArray([[1, 2], null, [3]], listType).data[0]!;
    assert.deepEqual(encodings(lists)[0], list(4, 3));
    // no items: num_items 0 is left out of the message
    assert.deepEqual(encodings(vectorFromArray([[], []], listType).data[0]!)[0], list(1, 0));
  });
});
