// Page layouts of Lance file format 2.3 (lance.encodings23.PlanarLayout, see
// proto/encodings_v2_3.proto). A planar layout pairs a structural plane with a
// value plane. The pairs lancets reads are the 2.1/2.2 pages under new names:
//
//   dense structure + chunked values   = a mini-block page (same chunk framing,
//                                        levels, dictionary, repetition index)
//   dense all-valid + constant value   = a constant page without levels
//   dense structure + zipped values    = a full-zip page
//
// so translatePageV23 rewrites them as lance.encodings21.PageLayout bytes and
// the 2.1/2.2 page decoder (page-v21.ts) does the rest, with the 2.3 value
// codec below for the chunk values: a 2.3 chunk of variable-width values with
// two buffers keeps its offsets in the first (which may be delta encoded), where
// a 2.1 chunk puts them in front of the bytes (2.3 does too with one buffer;
// offsets of values of one width may be an arithmetic sequence, not stored).
// Sparse structures become constant pages with the levels they imply (here
// when every row is null or every list empty, in sparse-v23.ts when they list
// positions, lists with items included, from the page's buffers when the
// positions or counts sit there). Everything else (sparse structures over
// values that are not one constant, compressions new in 2.3 other than delta
// and arithmetic offsets) is refused with NOT_SUPPORTED naming it.

import { create, fromBinary, toBinary, type Message } from "@bufbuild/protobuf";
import { LanceError } from "../../core/errors.js";
import {
  CompressiveEncodingSchema as CompressiveEncoding21Schema,
  PageLayoutSchema,
  RepDefLayer,
  type CompressiveEncoding as CompressiveEncoding21,
} from "../pb/encodings_v2_1_pb.js";
import { CompressiveEncodingSchema, PlanarLayoutSchema, SparseValidity, type CompressiveEncoding, type PlanarLayout, type SparseStructure, type SparseValiditySet } from "../pb/encodings_v2_3_pb.js";
import { decodeBlock, decodeMiniBlockValues, expandRuns } from "../encoding/compressive.js";
import { blockToU32, corrupt, type DataBlock, type DecodeContext } from "../encoding/data-block.js";
import type { MiniBlockValueCodec } from "./page-v21.js";
import { decodeGeneralBuffer } from "../encoding/general.js";
import { sparseLayers, sparseLevels } from "./sparse-v23.js";

export const PLANAR_LAYOUT_URL = "/lance.encodings23.PlanarLayout";

/** A 2.3 page as the 2.1/2.2 decoder reads it. */
export interface TranslatedPage {
  /** lance.encodings21.PageLayout bytes. */
  layout: Uint8Array;
  /** For chunked pages: the 2.3 decoder of chunk values. */
  chunkValues?: MiniBlockValueCodec;
  /** Page buffers that replace the stored ones (levels the 2.3 page implies but does not store). */
  buffers?: Uint8Array[];
  /** Or the levels worked out from the stored buffers (sparse planes whose positions or counts sit in them). */
  levelBuffers?: (stored: Uint8Array[]) => Uint8Array[];
}

function unsupported(what: string, ctx: DecodeContext): never {
  throw new LanceError("NOT_SUPPORTED", `${ctx.path}: ${what} of Lance file format 2.3 is not supported by lancets`);
}

/** The field number of an unmodelled oneof member, from the unknown fields protobuf-es keeps. */
function unknownField(message: Message): number | undefined {
  const unknown = (message as { $unknown?: { no: number }[] }).$unknown;
  return unknown && unknown.length > 0 ? unknown[0]!.no : undefined;
}

const COMPRESSION_NAMES: Record<string, string> = {
  dictionary: "dictionary compression",
  packedStruct: "packed struct compression",
  variablePackedStruct: "variable packed struct compression",
  arithmeticSequence: "arithmetic sequence compression",
};

/**
 * The same encoding as a lance.encodings21 message, for the codecs 2.1/2.2
 * share with 2.3 (their field numbers and meaning are unchanged). Refuses
 * what 2.3 added or what is not modelled, anywhere in the tree.
 */
function as21(enc: CompressiveEncoding, ctx: DecodeContext): CompressiveEncoding21 {
  checkShared(enc, ctx);
  return fromBinary(CompressiveEncoding21Schema, toBinary(CompressiveEncodingSchema, enc));
}

function checkShared(enc: CompressiveEncoding, ctx: DecodeContext): void {
  const c = enc.compression;
  switch (c.case) {
    case undefined: {
      const no = unknownField(enc);
      if (no !== undefined) unsupported(`compressive encoding ${no}`, ctx);
      return corrupt(ctx, "compressive encoding is empty");
    }
    case "variablePackedStruct":
      // whole rows of a zipped plane, unpacked by the column (blob v2 descriptors; blob-descriptions.ts)
      return;
    case "dictionary":
    case "packedStruct":
    case "arithmeticSequence":
      return unsupported(COMPRESSION_NAMES[c.case]!, ctx);
    case "delta":
      return unsupported("delta compression outside variable-width offsets", ctx);
    case "variable":
      if (c.value.offsets) checkShared(c.value.offsets, ctx);
      return;
    case "outOfLineBitpacking":
    case "fsst":
    case "byteStreamSplit":
    case "general":
    case "fixedSizeList":
      if (c.value.values) checkShared(c.value.values, ctx);
      return;
    case "rle":
      if (c.value.values) checkShared(c.value.values, ctx);
      if (c.value.runLengths) checkShared(c.value.runLengths, ctx);
      return;
    default:
      return;
  }
}

export function decodePlanarLayout(bytes: Uint8Array, ctx: DecodeContext): PlanarLayout {
  try {
    return fromBinary(PlanarLayoutSchema, bytes);
  } catch (err) {
    return corrupt(ctx, `cannot decode planar page layout: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Rewrites a 2.3 page layout for the 2.1/2.2 page decoder, or refuses it with NOT_SUPPORTED. */
export function translatePageV23(bytes: Uint8Array, numRows: number, ctx: DecodeContext): TranslatedPage {
  const planar = decodePlanarLayout(bytes, ctx);
  const structure = planar.structure?.codec;
  if (!structure || structure.case === undefined) {
    const no = planar.structure ? unknownField(planar.structure) : undefined;
    return no === undefined ? corrupt(ctx, "planar page has no structural plane") : unsupported(`structural plane ${no}`, ctx);
  }
  const values = planar.values?.codec;
  if (structure.case === "sparse") {
    try {
      return translateSparse(structure.value, values?.case === "none", numRows, ctx);
    } catch (err) {
      // structures of listed positions (sparse-v23.ts)
      if (!(err instanceof LanceError && err.code === "NOT_SUPPORTED") || (values?.case !== "none" && values?.case !== "constant")) throw err;
      const layers = sparseLayers(structure.value);
      if (!layers) throw err;
      return sparseAsConstant(structure.value, layers, values.case === "constant" ? values.value.scalar : undefined, numRows, ctx);
    }
  }
  const layers = structure.value.layers;
  if (!values || values.case === undefined) {
    const no = planar.values ? unknownField(planar.values) : undefined;
    return no === undefined ? corrupt(ctx, "planar page has no value plane") : unsupported(`value plane ${no}`, ctx);
  }
  switch (values.case) {
    case "chunked": {
      const v = values.value;
      const compression = v.compression ?? corrupt(ctx, "chunked values have no compression");
      const levels = v.levels;
      const miniBlock = {
        layers,
        valueCompression: placeholderFor(compression, ctx),
        numBuffers: v.numBuffers,
        numItems: v.numItems,
        numDictionaryItems: v.numDictionaryItems,
        repetitionIndexDepth: levels?.repetitionIndexDepth ?? 0,
        hasLargeChunk: true,
        ...(levels?.repetition ? { repCompression: as21(levels.repetition, ctx) } : {}),
        ...(levels?.definition ? { defCompression: as21(levels.definition, ctx) } : {}),
        ...(v.dictionary ? { dictionary: as21(v.dictionary, ctx) } : {}),
      };
      const layout = toBinary(PageLayoutSchema, create(PageLayoutSchema, { layout: { case: "miniBlockLayout", value: miniBlock } }));
      return { layout, chunkValues: (buffers, numValues, cctx) => decodeChunkValues(compression, buffers, numValues, cctx) };
    }
    case "constant": {
      if (layers.some((l) => l !== RepDefLayer.REPDEF_ALL_VALID_ITEM)) unsupported("a constant value plane under nulls or lists", ctx);
      const layout = toBinary(PageLayoutSchema, create(PageLayoutSchema, { layout: { case: "constantLayout", value: { layers, inlineValue: values.value.scalar } } }));
      return { layout };
    }
    case "zipped": {
      const v = values.value;
      const compression = v.compression ?? corrupt(ctx, "zipped values have no compression");
      if (v.addressing.case === undefined) corrupt(ctx, "zipped values have no addressing");
      const fullZip = {
        layers,
        bitsRep: v.levels?.bitsRepetition ?? 0,
        bitsDef: v.levels?.bitsDefinition ?? 0,
        numItems: v.numItems,
        numVisibleItems: v.numVisibleItems,
        valueCompression: as21(compression, ctx),
        details: v.addressing.case === "bitsPerValue" ? { case: "bitsPerValue" as const, value: v.addressing.value } : { case: "bitsPerOffset" as const, value: v.addressing.value },
      };
      return { layout: toBinary(PageLayoutSchema, create(PageLayoutSchema, { layout: { case: "fullZipLayout", value: fullZip } })) };
    }
    case "none":
      return unsupported("a value plane without values under a dense structure", ctx);
  }
}

/**
 * The sparse structures whose every row is the same: every row null at the
 * outermost layer (items and structs), and a list column whose lists are all
 * null or all empty. They become 2.1 constant pages without a value: the
 * item case with only its outermost layer nullable, the list cases with the
 * repetition and definition levels the page implies (one per row). Other
 * sparse structures are refused.
 */
function translateSparse(sparse: SparseStructure, noValues: boolean, numRows: number, ctx: DecodeContext): TranslatedPage {
  const refuse = (): never => unsupported("the sparse structural plane (null and list positions) other than every row null or every list empty", ctx);
  if (!noValues) refuse();
  for (const l of sparse.layers) if (l.layer.case === undefined) unsupported(`sparse structural layer ${unknownField(l) ?? "(empty)"}`, ctx);
  const outer = sparse.layers[0]?.layer;
  const noneValid = (v: SparseValiditySet | undefined): boolean => v !== undefined && v.meaning === SparseValidity.VALID_POSITIONS && v.numPositions === 0n;
  const noneNull = (v: SparseValiditySet | undefined): boolean => v === undefined || (v.meaning === SparseValidity.NULL_POSITIONS && v.numPositions === 0n);
  const constant = (layers: RepDefLayer[], buffers?: Uint8Array[]): TranslatedPage => ({
    layout: toBinary(PageLayoutSchema, create(PageLayoutSchema, { layout: { case: "constantLayout", value: { layers } } })),
    ...(buffers ? { buffers } : {}),
  });
  if (outer?.case === "validity") {
    if (!noneValid(outer.value) || sparse.layers.some((l) => l.layer.case === "list")) refuse();
    return constant(sparse.layers.map((_, i) => (i === 0 ? RepDefLayer.REPDEF_NULLABLE_ITEM : RepDefLayer.REPDEF_ALL_VALID_ITEM)).reverse());
  }
  if (outer?.case !== "list" || sparse.layers.length !== 2 || sparse.layers[1]!.layer.case !== "validity") return refuse();
  const list = outer.value;
  const allNull = noneValid(list.validity);
  const allEmpty = noneNull(list.validity) && list.numNonEmptyPositions === 0n;
  if (!allNull && !allEmpty) refuse();
  // one level per row: each starts a row (rep 1); def 1 is the list layer's null or empty value
  const rep = new Uint16Array(numRows).fill(1);
  const def = new Uint16Array(numRows).fill(1);
  const layers = [RepDefLayer.REPDEF_ALL_VALID_ITEM, allNull ? RepDefLayer.REPDEF_NULLABLE_LIST : RepDefLayer.REPDEF_EMPTYABLE_LIST];
  return constant(layers, [new Uint8Array(rep.buffer), new Uint8Array(def.buffer)]);
}

/**
 * A sparse plane as a 2.1 constant page: no value, or one scalar for every
 * present entry; its levels are worked out from the page's stored buffers
 * (where positions and counts may sit) when the page is decoded, once.
 */
function sparseAsConstant(sparse: SparseStructure, layers: RepDefLayer[], scalar: Uint8Array | undefined, numRows: number, ctx: DecodeContext): TranslatedPage {
  const constant = { layers, ...(scalar !== undefined ? { inlineValue: scalar } : {}) };
  let levelBuffers: Uint8Array[] | undefined;
  return {
    layout: toBinary(PageLayoutSchema, create(PageLayoutSchema, { layout: { case: "constantLayout", value: constant } })),
    levelBuffers: (stored) => {
      if (levelBuffers) return levelBuffers;
      const levels = sparseLevels(sparse, numRows, ctx, stored) ?? corrupt(ctx, "sparse structural plane changed its layers");
      if (scalar === undefined && levels.numValid > 0) corrupt(ctx, `sparse plane has ${levels.numValid} present rows but no values`);
      const rep = levels.rep ? new Uint8Array(levels.rep.buffer) : new Uint8Array(0);
      levelBuffers = [rep, new Uint8Array(levels.def.buffer)];
      return levelBuffers;
    },
  };
}

/**
 * What the 2.1 page decoder checks of the value compression (it only needs it
 * present); the chunk values are decoded by decodeChunkValues from the 2.3 encoding.
 */
function placeholderFor(enc: CompressiveEncoding, ctx: DecodeContext): CompressiveEncoding21 {
  if (enc.compression.case === "variable") {
    const offsets = enc.compression.value.offsets ?? corrupt(ctx, "variable encoding has no offsets encoding");
    checkOffsets(offsets, ctx);
    return create(CompressiveEncoding21Schema, {});
  }
  return as21(enc, ctx);
}

function checkOffsets(enc: CompressiveEncoding, ctx: DecodeContext): void {
  const c = enc.compression;
  if (c.case === "delta") {
    checkShared(c.value.deltas ?? corrupt(ctx, "delta encoding has no deltas encoding"), ctx);
    return;
  }
  if (c.case === "arithmeticSequence") return;
  checkShared(enc, ctx);
}

/** The values of one chunk: variable-width values here, the rest by the 2.1/2.2 codecs. */
export function decodeChunkValues(enc: CompressiveEncoding, buffers: Uint8Array[], numValues: number, ctx: DecodeContext): DataBlock {
  const c = enc.compression;
  if (c.case === "rle") return decodeChunkRuns(enc, buffers, numValues, ctx);
  if (c.case !== "variable") return decodeMiniBlockValues(as21(enc, ctx), buffers, numValues, ctx);
  const offsetsEnc = c.value.offsets ?? corrupt(ctx, "variable encoding has no offsets encoding");
  const oc = offsetsEnc.compression;
  // one buffer with offsets that vary: offsets in front of the bytes, as in 2.1
  if (buffers.length === 1 && oc.case !== "constant" && oc.case !== "arithmeticSequence") return decodeMiniBlockValues(as21(enc, ctx), buffers, numValues, ctx);
  let offsets: Uint32Array;
  let data: Uint8Array | undefined;
  if (oc.case === "arithmeticSequence") {
    // values of one width: offsets first + i * step, not stored; the one buffer holds the bytes
    const first = Number(oc.value.first);
    const step = Number(oc.value.step);
    if (first + numValues * step > 0xffffffff) corrupt(ctx, `arithmetic offsets of ${numValues} values pass 4 GiB`);
    offsets = new Uint32Array(numValues + 1);
    for (let i = 0; i <= numValues; i++) offsets[i] = first + i * step;
    data = buffers[0];
  } else if (oc.case === "constant") {
    // every offset the same: every value empty; the one buffer holds the (empty) bytes
    offsets = new Uint32Array(numValues + 1);
    data = buffers[0];
  } else {
    const raw = buffers[0] ?? corrupt(ctx, "variable-width chunk has no offsets buffer");
    offsets = decodeOffsets(offsetsEnc, raw, numValues + 1, ctx);
    data = buffers[1];
  }
  if (!data) corrupt(ctx, "variable-width chunk has no bytes buffer");
  if (c.value.values) data = decodeGeneralBuffer(data, c.value.values.scheme === 2 ? "zstd" : "lz4", ctx.path, ctx.byteOffset);
  const base = offsets[0]!;
  if (base !== 0) for (let i = 0; i < offsets.length; i++) offsets[i]! -= base;
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) corrupt(ctx, `variable-width offsets decrease at value ${i}`);
  }
  if (offsets[numValues]! > data.byteLength) corrupt(ctx, `variable-width values end at byte ${offsets[numValues]}, the chunk holds ${data.byteLength}`);
  return { kind: "variable", numValues, offsets, data: data.subarray(0, offsets[numValues]) };
}

/**
 * Run-length chunk values: buffer 0 the run values (flat), buffer 1 the run
 * lengths in any shared block codec (2.3 bit-packs them out of line, where
 * 2.1 keeps them flat).
 */
function decodeChunkRuns(enc: CompressiveEncoding, buffers: Uint8Array[], numValues: number, ctx: DecodeContext): DataBlock {
  const c = enc.compression;
  if (c.case !== "rle") return corrupt(ctx, "not a run-length encoding");
  const valuesEnc = c.value.values ?? corrupt(ctx, "rle has no values encoding");
  const lengthsEnc = c.value.runLengths ?? corrupt(ctx, "rle has no run lengths encoding");
  if (valuesEnc.compression.case !== "flat") unsupported(`run-length values in ${valuesEnc.compression.case} compression`, ctx);
  if (buffers.length < 2) corrupt(ctx, `run-length chunk has ${buffers.length} buffers, expected 2`);
  const valueBits = Number(valuesEnc.compression.value.bitsPerValue);
  if (valueBits <= 0 || valueBits % 8 !== 0) corrupt(ctx, `run-length values of ${valueBits} bits`);
  const numRuns = Math.floor(buffers[0]!.byteLength / (valueBits / 8));
  const values = decodeBlock(as21(valuesEnc, ctx), buffers[0]!, numRuns, ctx);
  const lengths = blockToU32(decodeBlock(as21(lengthsEnc, ctx), buffers[1]!, numRuns, ctx), ctx);
  return expandRuns(values, lengths, numValues, ctx);
}

/** `count` offsets from their buffer, delta encoded or in any shared codec of 32 or 64 bits. */
function decodeOffsets(enc: CompressiveEncoding, raw: Uint8Array, count: number, ctx: DecodeContext): Uint32Array {
  const c = enc.compression;
  if (c.case === "delta") {
    // count - 1 deltas: the first offset is the base, each next one adds a delta
    const deltasEnc = c.value.deltas ?? corrupt(ctx, "delta encoding has no deltas encoding");
    const deltas = toNumbers(decodeBlock(as21(deltasEnc, ctx), raw, count - 1, ctx), ctx);
    const out = new Uint32Array(count);
    let value = Number(c.value.base);
    for (let i = 0; i < count; i++) {
      if (i > 0) value += deltas[i - 1]!;
      if (value < 0 || value > 0xffffffff) corrupt(ctx, `delta-encoded offset ${value} is outside 0..4 GiB`);
      out[i] = value;
    }
    return out;
  }
  const block = decodeBlock(as21(enc, ctx), raw, count, ctx);
  const numbers = toNumbers(block, ctx);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (numbers[i]! > 0xffffffff) corrupt(ctx, `offset ${numbers[i]} passes 4 GiB`);
    out[i] = numbers[i]!;
  }
  return out;
}

function toNumbers(block: DataBlock, ctx: DecodeContext): Float64Array {
  if (block.kind !== "fixed" || (block.bitsPerValue !== 32 && block.bitsPerValue !== 64)) return corrupt(ctx, "offsets are not 32- or 64-bit integers");
  const n = block.numValues;
  const out = new Float64Array(n);
  const view = new DataView(block.data.buffer, block.data.byteOffset, block.data.byteLength);
  if (block.bitsPerValue === 32) for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
  else for (let i = 0; i < n; i++) out[i] = view.getUint32(8 * i, true) + view.getUint32(8 * i + 4, true) * 2 ** 32;
  return out;
}
