// 2.3 sparse planes that list positions, built by hand: positions as a
// constant or as Lance 14's arithmetic sequence (compressive encoding field
// 14), turned into one definition level per row, or per item under lists
// with items; damaged positions and layers are CORRUPT_FILE, position and
// count encodings lancets does not know NOT_SUPPORTED.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { isLanceError } from "../../src/core/errors.js";
import { RepDefLayer } from "../../src/format/pb/encodings_v2_1_pb.js";
import { CompressiveEncodingSchema, SparseStructureSchema, SparseValidity, type CompressiveEncoding } from "../../src/format/pb/encodings_v2_3_pb.js";
import { decodePositions, sparseLevels } from "../../src/format/file/sparse-v23.js";

const ctx = { path: "data/x.lance", byteOffset: 0 };

/** Lance 14's arithmetic sequence of positions: field 14 holding { 1: bits, 2: first, 3: step }. */
function sequence(first: number, step: number): CompressiveEncoding {
  const body = [0x08, 64, ...(first > 0 ? [0x10, first] : []), 0x18, step];
  return fromBinary(CompressiveEncodingSchema, Uint8Array.from([0x72, body.length, ...body]));
}

function constant(position: number): CompressiveEncoding {
  const value = new Uint8Array(8);
  new DataView(value.buffer).setBigUint64(0, BigInt(position), true);
  return create(CompressiveEncodingSchema, { compression: { case: "constant", value: { value } } });
}

const validity = (meaning: SparseValidity, positions: CompressiveEncoding | undefined, count: number) => ({ case: "validity" as const, value: { meaning, numPositions: BigInt(count), ...(positions ? { positions } : {}) } });

describe("2.3 sparse planes with positions", () => {
  test("positions: an arithmetic sequence with and without a first position, a constant", () => {
    assert.deepEqual(Array.from(decodePositions(sequence(0, 3), 4, 10, ctx)), [0, 3, 6, 9]);
    assert.deepEqual(Array.from(decodePositions(sequence(2, 5), 3, 20, ctx)), [2, 7, 12]);
    assert.deepEqual(Array.from(decodePositions(constant(4321), 1, 5000, ctx)), [4321]);
    assert.deepEqual(Array.from(decodePositions(undefined, 0, 5, ctx)), []);
  });

  test("positions past the page or out of order are CORRUPT_FILE; other encodings NOT_SUPPORTED", () => {
    assert.throws(() => decodePositions(sequence(0, 3), 5, 10, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /sparse position 12 \(number 4\)/.test(e.message));
    assert.throws(() => decodePositions(constant(9), 1, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
    const flat = create(CompressiveEncodingSchema, { compression: { case: "flat", value: { bitsPerValue: 64n } } });
    assert.throws(() => decodePositions(flat, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /sparse positions in flat compression/.test(e.message));
    const unknown = fromBinary(CompressiveEncodingSchema, Uint8Array.of(0xa2, 0x01, 0));
    assert.throws(() => decodePositions(unknown, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /compressive encoding 20/.test(e.message));
    const cut = fromBinary(CompressiveEncodingSchema, Uint8Array.of(0x72, 2, 0x18, 0x80));
    assert.throws(() => decodePositions(cut, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
  });

  test("one value among rows: def 0 where valid, 1 elsewhere", () => {
    const sparse = create(SparseStructureSchema, { layers: [{ layer: validity(SparseValidity.VALID_POSITIONS, constant(2), 1) }] });
    const levels = sparseLevels(sparse, 5, ctx)!;
    assert.deepEqual(levels.layers, [RepDefLayer.REPDEF_NULLABLE_ITEM]);
    assert.deepEqual(Array.from(levels.def), [1, 1, 0, 1, 1]);
    assert.equal(levels.rep, undefined);
    assert.equal(levels.numValid, 1);
  });

  test("a struct null at a stride over an item that is always null: the outer layer's level wins", () => {
    const sparse = create(SparseStructureSchema, {
      layers: [{ layer: validity(SparseValidity.NULL_POSITIONS, sequence(0, 3), 3) }, { layer: validity(SparseValidity.VALID_POSITIONS, undefined, 0) }],
    });
    const levels = sparseLevels(sparse, 7, ctx)!;
    assert.deepEqual(levels.layers, [RepDefLayer.REPDEF_NULLABLE_ITEM, RepDefLayer.REPDEF_NULLABLE_ITEM]);
    assert.deepEqual(Array.from(levels.def), [2, 1, 1, 2, 1, 1, 2]);
    assert.equal(levels.numValid, 0);
  });

  test("lists null at listed rows and empty elsewhere: one level per row, each starting a row", () => {
    const list = (nonEmpty: number) => ({
      case: "list" as const,
      value: { numChildSlots: BigInt(nonEmpty), numNonEmptyPositions: BigInt(nonEmpty), validity: { meaning: SparseValidity.NULL_POSITIONS, numPositions: 2n, positions: sequence(1, 2) } },
    });
    const item = { layer: validity(SparseValidity.NULL_POSITIONS, undefined, 0) };
    const levels = sparseLevels(create(SparseStructureSchema, { layers: [{ layer: list(0) }, item] }), 5, ctx)!;
    assert.deepEqual(levels.layers, [RepDefLayer.REPDEF_ALL_VALID_ITEM, RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST]);
    assert.deepEqual(Array.from(levels.def), [2, 1, 2, 1, 2]);
    assert.deepEqual(Array.from(levels.rep!), [1, 1, 1, 1, 1]);
  });

  test("lists with items: an entry per item (the first of a row starting it), null and empty lists one entry each, item validity by item number; damaged layers CORRUPT_FILE", () => {
    const list = (numChildSlots: number, counts: CompressiveEncoding) => ({
      case: "list" as const,
      value: {
        numChildSlots: BigInt(numChildSlots),
        numNonEmptyPositions: 2n,
        nonEmptyPositions: sequence(0, 4),
        counts,
        validity: { meaning: SparseValidity.NULL_POSITIONS, numPositions: 2n, positions: sequence(1, 2) },
      },
    });
    // rows 0 and 4 hold two items each, rows 1 and 3 are null, 2 and 5 empty; items 1 and 3 are null
    const items = { layer: validity(SparseValidity.NULL_POSITIONS, sequence(1, 2), 2) };
    const levels = sparseLevels(create(SparseStructureSchema, { layers: [{ layer: list(4, constant(2)) }, items] }), 6, ctx)!;
    assert.deepEqual(levels.layers, [RepDefLayer.REPDEF_NULLABLE_ITEM, RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST]);
    assert.deepEqual(Array.from(levels.rep!), [1, 0, 1, 1, 1, 1, 0, 1]);
    assert.deepEqual(Array.from(levels.def), [0, 1, 2, 3, 2, 0, 1, 3]);
    assert.equal(levels.numValid, 2);
    // counts as an arithmetic sequence: 1 then 2 items
    const rising = sparseLevels(create(SparseStructureSchema, { layers: [{ layer: list(3, sequence(1, 1)) }, { layer: validity(SparseValidity.NULL_POSITIONS, undefined, 0) }] }), 6, ctx)!;
    assert.deepEqual(Array.from(rising.rep!), [1, 1, 1, 1, 1, 0, 1]);
    assert.deepEqual(Array.from(rising.def), [0, 1, 2, 1, 0, 0, 2]);
    const corrupt = (layers: unknown[], pattern: RegExp): void =>
      assert.throws(() => sparseLevels(create(SparseStructureSchema, { layers: layers as never }), 6, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && pattern.test(e.message));
    corrupt([{ layer: list(5, constant(2)) }, items], /counts 4 items but has 5 item slots/);
    corrupt([{ layer: list(4, constant(2)) }], /ends in a list layer/);
    const overlapping = list(4, constant(2));
    overlapping.value.validity = { meaning: SparseValidity.NULL_POSITIONS, numPositions: 1n, positions: constant(4) };
    corrupt([{ layer: overlapping }, items], /position 4 is both null and non-empty/);
    assert.throws(
      () => sparseLevels(create(SparseStructureSchema, { layers: [{ layer: list(4, create(CompressiveEncodingSchema, { compression: { case: "flat", value: { bitsPerValue: 64n } } })) }, items] }), 6, ctx),
      (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /sparse list counts in flat compression/.test(e.message),
    );
  });
});
