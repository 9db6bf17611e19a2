// Lists of lists from repetition and definition levels built by hand
// (format/file/repdef.ts, assemble-v21.ts): with n list layers, repetition n
// starts a row and k a list of the k-th list layer from the inside; each
// layer's null and empty lists own their definition levels.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Field, Int32, List, Struct } from "apache-arrow";
import { makeVector } from "apache-arrow";
import { RepDefLayer } from "../../src/format/pb/encodings_v2_1_pb.js";
import { fixedBlock } from "../../src/format/encoding/data-block.js";
import { assembleField } from "../../src/format/file/assemble-v21.js";
import { layerModel } from "../../src/format/file/repdef.js";

const ctx = { path: "data/x.lance", byteOffset: 0 };
const listOf = (item: Field["type"]) => new List(new Field("item", item, true));

function int32s(...values: number[]) {
  return fixedBlock(32, values.length, new Uint8Array(Int32Array.from(values).buffer));
}

function rows(field: Field, layers: RepDefLayer[], rep: number[], def: number[], values: number[], numRows: number): unknown[] {
  const leaf = { levels: { numLevels: rep.length, rep: Uint16Array.from(rep), def: Uint16Array.from(def) }, model: layerModel(layers, ctx), values: int32s(...values) };
  const vector = makeVector(assembleField(field, [leaf], numRows, ctx));
  return Array.from({ length: vector.length }, (_, i) => JSON.parse(JSON.stringify(vector.get(i)?.toJSON() ?? null)));
}

test("three levels of lists: rows [[[0, 1], [], [2]], [[3]], []], [], [[[4]]]", () => {
  const field = new Field("l", listOf(listOf(listOf(new Int32()))), true);
  const empty = RepDefLayer.REPDEF_EMPTYABLE_LIST;
  // defs: 1 inner list empty, 2 middle list empty, 3 outer list (the row) empty
  const got = rows(field, [RepDefLayer.REPDEF_ALL_VALID_ITEM, empty, empty, empty], [3, 0, 1, 1, 2, 2, 3, 3], [0, 0, 1, 0, 0, 2, 3, 0], [0, 1, 2, 3, 4], 3);
  assert.deepEqual(got, [[[[0, 1], [], [2]], [[3]], []], [], [[[4]]]]);
});

test("nulls at every level of a list of lists, and a struct between them", () => {
  const both = RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST;
  // layers innermost first: item (def 1 null), inner list (2 null, 3 empty), outer list (4 null, 5 empty);
  // a null item keeps a value slot
  const field = new Field("l", listOf(listOf(new Int32())), true);
  const got = rows(field, [RepDefLayer.REPDEF_NULLABLE_ITEM, both, both], [2, 0, 1, 1, 2, 2, 2, 1], [0, 1, 2, 3, 4, 5, 0, 0], [7, 0, 8, 9], 4);
  assert.deepEqual(got, [[[7, null], null, []], null, [], [[8], [9]]]);
  // List<Struct<a: List<int32>>>: the struct's null (def 3) has a slot but no list under it
  const struct = new Field("s", listOf(new Struct([new Field("a", listOf(new Int32()), true)])), true);
  const nullable = RepDefLayer.REPDEF_NULLABLE_ITEM;
  // defs: 1 item null, 2 inner list null, 3 inner list empty, 4 struct null, 5 outer null, 6 outer empty
  const withStruct = rows(struct, [nullable, both, nullable, both], [2, 0, 1, 1, 2, 2], [0, 0, 4, 3, 5, 1], [1, 2, 0], 3);
  assert.deepEqual(withStruct, [[{ a: [1, 2] }, null, { a: [] }], null, [{ a: [null] }]]);
});
