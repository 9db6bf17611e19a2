// dataByteSize (the measure write budgets use) over slices of every shape, and
// concatData refusing string data its 32-bit offsets cannot address.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Bool, Field, FixedSizeList, Float32, Int32, List, makeData, Struct, Utf8, vectorFromArray } from "apache-arrow";
import { concatData, dataByteSize } from "../../src/core/arrow-data.js";
import { LanceError } from "../../src/core/errors.js";

describe("dataByteSize", () => {
  test("values, offsets and validity of slices", () => {
    const ints = vectorFromArray([1, 2, null, 4, 5], new Int32()).data[0]!;
    assert.equal(dataByteSize(ints), 5 * 4 + 1);
    assert.equal(dataByteSize(ints.slice(3, 2)), 2 * 4, "a slice without nulls has no validity");
    const bools = vectorFromArray([true, false, true], new Bool()).data[0]!;
    assert.equal(dataByteSize(bools), 1);
    const strings = vectorFromArray(["a", "bbb", "", "cccc"], new Utf8()).data[0]!;
    assert.equal(dataByteSize(strings), 8 + 4 * 8);
    assert.equal(dataByteSize(strings.slice(1, 2)), 3 + 2 * 8);
    const lists = vectorFromArray([["ab"], [], ["c", "dd"]], new List(new Field("item", new Utf8(), true))).data[0]!;
    assert.equal(dataByteSize(lists), 3 * 8 + (5 + 3 * 8));
    assert.equal(dataByteSize(lists.slice(2, 1)), 8 + (3 + 2 * 8));
    const vectors = vectorFromArray([[1, 2], [3, 4], [5, 6]], new FixedSizeList(2, new Field("item", new Float32(), true))).data[0]!;
    assert.equal(dataByteSize(vectors), 3 * 2 * 4);
    assert.equal(dataByteSize(vectors.slice(1, 2)), 2 * 2 * 4);
    const structs = vectorFromArray(
      [{ a: "xy", b: 1 }, { a: "z", b: 2 }],
      new Struct([new Field("a", new Utf8(), true), new Field("b", new Int32(), true)]),
    ).data[0]!;
    assert.equal(dataByteSize(structs), 3 + 2 * 8 + 2 * 4);
    assert.equal(dataByteSize(structs.slice(1, 1)), 1 + 8 + 4);
  });
});

describe("concatData", () => {
  test("strings past 2^31 bytes are NOT_SUPPORTED before anything is allocated", () => {
    // offsets that claim 1.5 GiB each over a tiny buffer: only the offsets are looked at
    const half = 1.5 * 2 ** 30;
    const part = makeData({ type: new Utf8(), length: 1, nullCount: 0, valueOffsets: Int32Array.of(0, half), data: new Uint8Array(8) });
    assert.throws(
      () => concatData([part, part]),
      (err: unknown) => err instanceof LanceError && err.code === "NOT_SUPPORTED" && /3221225472 bytes of Utf8 values: more than its 32-bit offsets/.test(err.message),
    );
  });
});
