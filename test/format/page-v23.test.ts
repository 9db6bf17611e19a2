// 2.3 planar layouts: what lancets rewrites as 2.1/2.2 pages and what it
// refuses, each refusal naming the part of the layout (values read from real
// 2.3 files are checked against Lance 14 in test/compat/pylance-read.test.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { isLanceError } from "../../src/core/errors.js";
import { PageLayoutSchema, RepDefLayer } from "../../src/format/pb/encodings_v2_1_pb.js";
import { CompressiveEncodingSchema, PlanarLayoutSchema, SparseValidity, type CompressiveEncoding } from "../../src/format/pb/encodings_v2_3_pb.js";
import { decodeChunkValues, translatePageV23 } from "../../src/format/file/page-v23.js";

const ctx = { path: "data/x.lance", byteOffset: 0 };
const refused = (pattern: RegExp) => (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && pattern.test(e.message) && /file format 2\.3/.test(e.message);
const dense = { case: "dense" as const, value: { layers: [RepDefLayer.REPDEF_ALL_VALID_ITEM] } };
const flat32 = { compression: { case: "flat" as const, value: { bitsPerValue: 32n } } };

test("dense chunked values become a mini-block page; a constant a constant page; all-null sparse items a constant page of nulls", () => {
  const chunked = toBinary(PlanarLayoutSchema, create(PlanarLayoutSchema, { structure: { codec: dense }, values: { codec: { case: "chunked", value: { compression: flat32, numBuffers: 1n, numItems: 10n } } } }));
  const t = translatePageV23(chunked, 10, ctx);
  const layout = fromBinary(PageLayoutSchema, t.layout);
  assert.equal(layout.layout.case, "miniBlockLayout");
  assert.equal(layout.layout.case === "miniBlockLayout" && layout.layout.value.hasLargeChunk, true);
  assert.ok(t.chunkValues);
  const constant = toBinary(PlanarLayoutSchema, create(PlanarLayoutSchema, { structure: { codec: dense }, values: { codec: { case: "constant", value: { scalar: Uint8Array.of(7, 0, 0, 0) } } } }));
  const c = fromBinary(PageLayoutSchema, translatePageV23(constant, 10, ctx).layout);
  assert.equal(c.layout.case, "constantLayout");
  assert.deepEqual(c.layout.case === "constantLayout" && [...c.layout.value.inlineValue!], [7, 0, 0, 0]);
  const allNull = create(PlanarLayoutSchema, {
    structure: { codec: { case: "sparse", value: { layers: [{ layer: { case: "validity", value: { meaning: SparseValidity.VALID_POSITIONS, numPositions: 0n } } }, { layer: { case: "validity", value: { meaning: SparseValidity.VALID_POSITIONS } } }] } } },
    values: { codec: { case: "none", value: {} } },
  });
  const n = fromBinary(PageLayoutSchema, translatePageV23(toBinary(PlanarLayoutSchema, allNull), 10, ctx).layout);
  assert.equal(n.layout.case, "constantLayout");
  // innermost first, only the outermost (the struct) nullable
  assert.deepEqual(n.layout.case === "constantLayout" && n.layout.value.layers, [RepDefLayer.REPDEF_ALL_VALID_ITEM, RepDefLayer.REPDEF_NULLABLE_ITEM]);
});

test("all-null and all-empty sparse list pages become constant pages with one level per row", () => {
  for (const [meaning, layer] of [
    [SparseValidity.VALID_POSITIONS, RepDefLayer.REPDEF_NULLABLE_LIST],
    [SparseValidity.NULL_POSITIONS, RepDefLayer.REPDEF_EMPTYABLE_LIST],
  ] as const) {
    const page = create(PlanarLayoutSchema, {
      structure: { codec: { case: "sparse", value: { layers: [{ layer: { case: "list", value: { validity: { meaning } } } }, { layer: { case: "validity", value: { meaning: SparseValidity.NULL_POSITIONS } } }] } } },
      values: { codec: { case: "none", value: {} } },
    });
    const t = translatePageV23(toBinary(PlanarLayoutSchema, page), 3, ctx);
    const layout = fromBinary(PageLayoutSchema, t.layout);
    assert.deepEqual(layout.layout.case === "constantLayout" && layout.layout.value.layers, [RepDefLayer.REPDEF_ALL_VALID_ITEM, layer]);
    assert.deepEqual(t.buffers?.map((b) => [...new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2)]), [[1, 1, 1], [1, 1, 1]]);
  }
});

test("delta-encoded offsets in their own buffer: n deltas after the base give n + 1 offsets", () => {
  const enc = create(CompressiveEncodingSchema, {
    compression: { case: "variable", value: { offsets: { compression: { case: "delta", value: { uncompressedBitsPerValue: 32n, base: 0n, deltas: flat32 } } } } },
  });
  const deltas = new Uint8Array(new Uint32Array([2, 0, 3]).buffer);
  const block = decodeChunkValues(enc, [deltas, new TextEncoder().encode("abxyz")], 3, ctx);
  assert.equal(block.kind, "variable");
  assert.deepEqual(block.kind === "variable" && [...block.offsets], [0, 2, 2, 5]);
  assert.throws(() => decodeChunkValues(enc, [deltas, new TextEncoder().encode("abx")], 3, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
});

test("refusals name the 2.3 part lancets does not read", () => {
  const sparseSome = create(PlanarLayoutSchema, {
    structure: { codec: { case: "sparse", value: { layers: [{ layer: { case: "validity", value: { meaning: SparseValidity.NULL_POSITIONS, numPositions: 3n } } }] } } },
    values: { codec: { case: "chunked", value: { compression: flat32, numBuffers: 1n, numItems: 10n } } },
  });
  assert.throws(() => translatePageV23(toBinary(PlanarLayoutSchema, sparseSome), 10, ctx), refused(/sparse structural plane/));
  const listsWith = (nonEmptyPositions: CompressiveEncoding) => create(PlanarLayoutSchema, {
    structure: {
      codec: {
        case: "sparse",
        value: {
          layers: [
            { layer: { case: "list", value: { numNonEmptyPositions: 3n, numChildSlots: 3n, nonEmptyPositions, validity: { meaning: SparseValidity.NULL_POSITIONS } } } },
            { layer: { case: "validity", value: {} } },
          ],
        },
      },
    },
    values: { codec: { case: "none", value: {} } },
  });
  const someLists = listsWith(create(CompressiveEncodingSchema, { compression: { case: "flat", value: { bitsPerValue: 64n } } }));
  // positions in a page buffer: the layout translates, the levels come from the stored buffers when decoded
  const translated = translatePageV23(toBinary(PlanarLayoutSchema, someLists), 10, ctx);
  assert.equal(translated.buffers, undefined);
  assert.throws(() => translated.levelBuffers!([]), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE" && /needs more than the 0 buffers/.test(e.message));
  const split = listsWith(create(CompressiveEncodingSchema, { compression: { case: "byteStreamSplit", value: {} } }));
  assert.throws(() => translatePageV23(toBinary(PlanarLayoutSchema, split), 10, ctx).levelBuffers!([new Uint8Array(24)]), refused(/sparse positions in byteStreamSplit compression/));
  const deltaValues = create(PlanarLayoutSchema, {
    structure: { codec: dense },
    values: { codec: { case: "chunked", value: { compression: { compression: { case: "delta", value: { uncompressedBitsPerValue: 32n, deltas: flat32 } } }, numBuffers: 1n, numItems: 10n } } },
  });
  assert.throws(() => translatePageV23(toBinary(PlanarLayoutSchema, deltaValues), 10, ctx), refused(/delta compression outside variable-width offsets/));
  // a value plane variant lancets does not know (field 9) is named by its number
  const unknownPlane = Uint8Array.of(0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x01, 0x12, 0x02, 0x4a, 0x00);
  assert.throws(() => translatePageV23(unknownPlane, 10, ctx), refused(/value plane 9/));
  assert.throws(() => translatePageV23(Uint8Array.of(0xff, 0xff), 10, ctx), (e: unknown) => isLanceError(e) && e.code === "CORRUPT_FILE");
});
