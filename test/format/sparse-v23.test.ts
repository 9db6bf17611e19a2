// 2.3 sparse planes that list positions, built by hand: positions as a
// constant or as Lance 14's arithmetic sequence (compressive encoding field
// 14), or in page buffers (flat, delta over bit-packed deltas, dictionary,
// run-length; sparse-sequence-v23.ts), turned into one definition level per
// row, or per item under lists with items; damaged positions, buffers and
// layers are CORRUPT_FILE, encodings lancets does not know NOT_SUPPORTED.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { isLanceError } from "../../src/core/errors.js";
import { RepDefLayer } from "../../src/format/pb/encodings_v2_1_pb.js";
import { CompressiveEncodingSchema, SparseStructureSchema, SparseValidity, type CompressiveEncoding } from "../../src/format/pb/encodings_v2_3_pb.js";
import { decodePositions, sparseLevels } from "../../src/format/file/sparse-v23.js";
import { BufferCursor, decodeSequence, needsBuffer } from "../../src/format/file/sparse-sequence-v23.js";
import { encodeOutOfLineBitpacking } from "../../src/format/encoding/bitpack.js";

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

const flat64 = create(CompressiveEncodingSchema, { compression: { case: "flat", value: { bitsPerValue: 64n } } });

function arithmetic(first: number, step: number): CompressiveEncoding {
  return create(CompressiveEncodingSchema, { compression: { case: "arithmeticSequence", value: { bitsPerValue: 64n, first: BigInt(first), step: BigInt(step) } } });
}

function u64s(...values: number[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  values.forEach((v, i) => new DataView(out.buffer).setBigUint64(8 * i, BigInt(v), true));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A sequence (of counts, in any order) decoded from one buffer (or none), which it must use up. */
function decodeCountsOf(enc: CompressiveEncoding, count: number, buffer: Uint8Array | undefined): Float64Array {
  const cursor = new BufferCursor(buffer ? [buffer] : []);
  const out = decodeSequence(enc, count, cursor, ctx, "counts");
  cursor.finish(ctx);
  return out;
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
    // a flat sequence whose buffer is missing, too short, or out of order
    assert.throws(() => decodePositions(flat64, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /needs more than the 0 buffers/.test(e.message));
    assert.throws(() => decodePositions(flat64, 2, 5, ctx, new BufferCursor([u64s(1)])), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
    assert.throws(() => decodePositions(flat64, 2, 5, ctx, new BufferCursor([u64s(3, 1)])), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /out of order/.test(e.message));
    const unknown = fromBinary(CompressiveEncodingSchema, Uint8Array.of(0xa2, 0x01, 0));
    assert.throws(() => decodePositions(unknown, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /encoding is empty/.test(e.message));
    const packed = create(CompressiveEncodingSchema, { compression: { case: "byteStreamSplit", value: {} } });
    assert.throws(() => decodePositions(packed, 2, 5, ctx), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && /sparse positions in byteStreamSplit compression/.test(e.message));
  });

  test("positions and counts in page buffers: flat, delta over bit-packed deltas, dictionary (two-length header), run-length (values-length header)", () => {
    assert.deepEqual(Array.from(decodePositions(flat64, 3, 100, ctx, new BufferCursor([u64s(5, 17, 99)]))), [5, 17, 99]);
    // delta: base 126, 2 deltas bit-packed at 10 bits in one 1024-value group
    const deltas = new Uint8Array(8 * 1024);
    new DataView(deltas.buffer).setBigUint64(0, 300n, true);
    new DataView(deltas.buffer).setBigUint64(8, 7n, true);
    const delta = create(CompressiveEncodingSchema, {
      compression: { case: "delta", value: { uncompressedBitsPerValue: 64n, base: 126n, deltas: { compression: { case: "outOfLineBitpacking", value: { uncompressedBitsPerValue: 64n, values: { compression: { case: "flat", value: { bitsPerValue: 10n } } } } } } } },
    });
    assert.ok(needsBuffer(delta));
    const packedDeltas = encodeOutOfLineBitpacking(deltas, 64, 10, 1024).subarray(0, 1280);
    assert.deepEqual(Array.from(decodePositions(delta, 3, 1000, ctx, new BufferCursor([packedDeltas]))), [126, 426, 433]);
    // dictionary: 32-bit flat indices in the buffer, items an arithmetic sequence 2, 3, 4, 5 (no bytes)
    const dictionary = create(CompressiveEncodingSchema, {
      compression: { case: "dictionary", value: { indices: { compression: { case: "flat", value: { bitsPerValue: 32n } } }, items: arithmetic(2, 1), numItems: 4n } },
    });
    const indices = Uint32Array.of(3, 0, 1, 1);
    const dictBuffer = concat(u64s(16, 0), new Uint8Array(indices.buffer));
    assert.deepEqual(Array.from(decodeCountsOf(dictionary, 4, dictBuffer)), [5, 2, 3, 3]);
    // items of the dictionary in the buffer too
    const withItems = create(CompressiveEncodingSchema, {
      compression: { case: "dictionary", value: { indices: { compression: { case: "flat", value: { bitsPerValue: 32n } } }, items: flat64, numItems: 2n } },
    });
    assert.deepEqual(Array.from(decodeCountsOf(withItems, 3, concat(u64s(12, 16), new Uint8Array(Uint32Array.of(1, 0, 1).buffer), u64s(40, 300)))), [300, 40, 300]);
    assert.throws(() => decodeCountsOf(withItems, 1, concat(u64s(4, 16), new Uint8Array(Uint32Array.of(2).buffer), u64s(40, 300))), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /index 2 .* passes its 2 items/.test(e.message));
    assert.throws(() => decodeCountsOf(withItems, 1, u64s(400, 0)), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /passes its buffer/.test(e.message));
    // run-length: values flat 64 (runs counted by their bytes), lengths flat 32
    const runs = create(CompressiveEncodingSchema, {
      compression: { case: "rle", value: { values: flat64, runLengths: { compression: { case: "flat", value: { bitsPerValue: 32n } } } } },
    });
    const runBuffer = concat(u64s(16), u64s(1, 7), new Uint8Array(Uint32Array.of(3, 2).buffer));
    assert.deepEqual(Array.from(decodeCountsOf(runs, 5, runBuffer)), [1, 1, 1, 7, 7]);
    assert.throws(() => decodeCountsOf(runs, 6, runBuffer), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /runs hold 5 values, expected 6/.test(e.message));
    // both parts arithmetic: no buffer, runs until the count is reached
    const inline = create(CompressiveEncodingSchema, { compression: { case: "rle", value: { values: arithmetic(1, 1), runLengths: arithmetic(2, 1) } } });
    assert.ok(!needsBuffer(inline));
    assert.deepEqual(Array.from(decodeCountsOf(inline, 5, undefined)), [1, 1, 2, 2, 2]);
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
    // counts flat in a page buffer: the same levels as the constant counts
    const flatCounts = create(SparseStructureSchema, { layers: [{ layer: list(4, flat64) }, items] });
    const fromBuffer = sparseLevels(flatCounts, 6, ctx, [u64s(2, 2)])!;
    assert.deepEqual(Array.from(fromBuffer.rep!), Array.from(levels.rep!));
    assert.deepEqual(Array.from(fromBuffer.def), Array.from(levels.def));
    corrupt([{ layer: list(4, flat64) }, items], /needs more than the 0 buffers/);
    assert.throws(() => sparseLevels(flatCounts, 6, ctx, [u64s(2, 2), u64s(1)]), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /reads 1 of the 2 buffers/.test(e.message));
  });

  test("a list layer takes its buffers in field order: non-empty positions, counts, then validity; the item layer after it", () => {
    // rows 1 and 4 hold 1 and 3 items, rows 0 and 5 are null, the rest empty; item 2 is null
    const sparse = create(SparseStructureSchema, {
      layers: [
        {
          layer: {
            case: "list",
            value: { numChildSlots: 4n, numNonEmptyPositions: 2n, nonEmptyPositions: flat64, counts: flat64, validity: { meaning: SparseValidity.NULL_POSITIONS, numPositions: 2n, positions: flat64 } },
          },
        },
        { layer: validity(SparseValidity.NULL_POSITIONS, flat64, 1) },
      ],
    });
    const levels = sparseLevels(sparse, 6, ctx, [u64s(1, 4), u64s(1, 3), u64s(0, 5), u64s(2)])!;
    assert.deepEqual(Array.from(levels.rep!), [1, 1, 1, 1, 1, 0, 0, 1]);
    assert.deepEqual(Array.from(levels.def), [2, 0, 3, 3, 0, 1, 0, 2]);
    assert.equal(levels.numValid, 3);  });
});
