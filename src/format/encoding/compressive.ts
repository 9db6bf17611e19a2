// Decoders for the compressive encodings of Lance 2.1/2.2
// (lance.encodings21.CompressiveEncoding), in the two contexts where they
// appear outside full-zip pages:
//   mini-block: one chunk's value buffers -> values      (decodeMiniBlockValues)
//   block:      one self-contained buffer -> values      (decodeBlock; rep/def
//               levels, dictionaries, constant-layout levels)

import { LanceError } from "../../core/errors.js";
import { CompressionScheme, type CompressiveEncoding } from "../pb/encodings_v2_1_pb.js";
import { decodeInlineBitpacking, decodeOutOfLineBitpacking } from "./bitpack.js";
import {
  blockToU32,
  checkCount,
  corrupt,
  fixedBlock,
  fixedByteLength,
  type DataBlock,
  type DecodeContext,
  type VariableBlock,
} from "./data-block.js";
import { fsstDecodeInto, parseFsstSymbolTable, type FsstTable } from "./fsst.js";
import { decodeGeneralBuffer } from "./general.js";
import { VariableBuilder } from "./variable-builder.js";

/** The general compression scheme's name (shared with the selected-value decoder, compressive-take.ts). */
export function schemeName(scheme: CompressionScheme, ctx: DecodeContext): "lz4" | "zstd" {
  if (scheme === CompressionScheme.COMPRESSION_ALGORITHM_LZ4) return "lz4";
  if (scheme === CompressionScheme.COMPRESSION_ALGORITHM_ZSTD) return "zstd";
  return corrupt(ctx, `unknown compression scheme ${scheme}`);
}

function unsupported(what: string): never {
  throw new LanceError("NOT_SUPPORTED", `encoding ${what} is not supported by lancets`);
}

function bitsOf(value: bigint, ctx: DecodeContext): number {
  const bits = Number(value);
  if (bits !== 1 && bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64 && bits !== 128 && bits !== 256) {
    if (bits <= 0 || bits % 8 !== 0 || bits > 1 << 20) corrupt(ctx, `unsupported value width of ${bits} bits`);
  }
  return bits;
}

function uncompressedBits(value: bigint, ctx: DecodeContext): 8 | 16 | 32 | 64 {
  const bits = Number(value);
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) corrupt(ctx, `bit-packing of ${bits}-bit values`);
  return bits;
}

export function flatFromBuffer(bits: number, numValues: number, buffer: Uint8Array, ctx: DecodeContext): DataBlock {
  const len = fixedByteLength(bits, numValues);
  if (buffer.byteLength < len) corrupt(ctx, `flat buffer holds ${buffer.byteLength} bytes, ${numValues} values of ${bits} bits need ${len}`);
  return fixedBlock(bits, numValues, buffer.subarray(0, len));
}

function offsetsOf(raw: Uint8Array, count: number, bits: number, ctx: DecodeContext): Uint32Array {
  if (bits !== 32 && bits !== 64) corrupt(ctx, `${bits}-bit offsets`);
  if (raw.byteLength < count * (bits / 8)) corrupt(ctx, `offsets need ${count * (bits / 8)} bytes, ${raw.byteLength} present`);
  const out = new Uint32Array(count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bits === 32) {
    for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
  } else if (bits === 64) {
    for (let i = 0; i < count; i++) {
      if (view.getUint32(8 * i + 4, true) !== 0) corrupt(ctx, `offset ${i} exceeds 4 GiB`);
      out[i] = view.getUint32(8 * i, true);
    }
  } else {
    corrupt(ctx, `${bits}-bit offsets`);
  }
  return out;
}

/**
 * The mini-block form of `variable`: n+1 chunk-relative offsets (the first is
 * where the bytes start), then the bytes.
 */
function variableMiniBlock(buffer: Uint8Array, numValues: number, bits: number, ctx: DecodeContext): VariableBlock {
  const raw = offsetsOf(buffer, numValues + 1, bits, ctx);
  const start = raw[0]!;
  const offsets = new Uint32Array(numValues + 1);
  let prev = start;
  for (let i = 0; i <= numValues; i++) {
    const v = raw[i]!;
    if (v < prev || v > buffer.byteLength) corrupt(ctx, `variable-width offset ${i} = ${v} is out of order or past the chunk (${buffer.byteLength} bytes)`);
    prev = v;
    offsets[i] = v - start;
  }
  return { kind: "variable", numValues, offsets, data: buffer.subarray(start, raw[numValues]!) };
}

/** The block form of `variable`: a header with the offset width and the start of the bytes. */
function variableBlockForm(buffer: Uint8Array, numValues: number, ctx: DecodeContext): VariableBlock {
  if (buffer.byteLength < 8) corrupt(ctx, `variable block of ${buffer.byteLength} bytes has no header`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const legacy = buffer[1] !== 0 || buffer[2] !== 0 || buffer[3] !== 0;
  let bits: number;
  let bytesStart: number;
  let offsetsStart: number;
  if (legacy) {
    bits = buffer[0]!;
    if (bits === 32) {
      bytesStart = view.getUint32(5, true);
      offsetsStart = 9;
    } else {
      if (buffer.byteLength < 17) corrupt(ctx, "variable block header truncated");
      bytesStart = Number(view.getBigUint64(9, true));
      offsetsStart = 17;
    }
  } else {
    bits = view.getUint32(0, true);
    if (bits === 32) {
      bytesStart = view.getUint32(4, true);
      offsetsStart = 8;
    } else {
      if (buffer.byteLength < 16) corrupt(ctx, "variable block header truncated");
      bytesStart = Number(view.getBigUint64(8, true));
      offsetsStart = 16;
    }
  }
  if (bits !== 32 && bits !== 64) corrupt(ctx, `variable block with ${bits}-bit offsets`);
  if (bytesStart > buffer.byteLength || bytesStart < offsetsStart) corrupt(ctx, `variable block bytes start at ${bytesStart}, block has ${buffer.byteLength} bytes`);
  const offsets = offsetsOf(buffer.subarray(offsetsStart, bytesStart), numValues + 1, bits, ctx);
  const data = buffer.subarray(bytesStart);
  const base = offsets[0]!;
  for (let i = 0; i <= numValues; i++) {
    if (offsets[i]! < base || offsets[i]! > data.byteLength || (i > 0 && offsets[i]! < offsets[i - 1]!)) {
      corrupt(ctx, `variable block offset ${i} = ${offsets[i]} is out of order or past ${data.byteLength} bytes`);
    }
    offsets[i] = offsets[i]! - base;
  }
  return { kind: "variable", numValues, offsets, data: data.subarray(base) };
}

export function expandRuns(values: DataBlock, lengths: Uint32Array, numValues: number, ctx: DecodeContext): DataBlock {
  if (values.kind !== "fixed" || values.bitsPerValue < 8) corrupt(ctx, "run-length values must be fixed-width bytes");
  if (lengths.length !== values.numValues) corrupt(ctx, `run-length encoding has ${values.numValues} values but ${lengths.length} run lengths`);
  const width = values.bitsPerValue / 8;
  let total = 0;
  for (let i = 0; i < lengths.length; i++) total += lengths[i]!;
  if (total !== numValues) corrupt(ctx, `runs cover ${total} values, expected ${numValues}`);
  const out = new Uint8Array(numValues * width);
  let at = 0;
  for (let r = 0; r < lengths.length; r++) {
    const run = lengths[r]!;
    if (run === 0) continue;
    const src = values.data.subarray(r * width, r * width + width);
    out.set(src, at);
    // doubling copy
    let filled = width;
    const bytes = run * width;
    while (filled < bytes) {
      const n = Math.min(filled, bytes - filled);
      out.copyWithin(at + filled, at, at + n);
      filled += n;
    }
    at += bytes;
  }
  return fixedBlock(values.bitsPerValue, numValues, out);
}

function unsplitBytes(block: DataBlock, ctx: DecodeContext): DataBlock {
  if (block.kind !== "fixed" || block.bitsPerValue % 8 !== 0) corrupt(ctx, "byte-stream-split needs whole-byte values");
  const width = block.bitsPerValue / 8;
  const n = block.numValues;
  const out = new Uint8Array(n * width);
  for (let j = 0; j < width; j++) for (let i = 0; i < n; i++) out[i * width + j] = block.data[j * n + i]!;
  return fixedBlock(block.bitsPerValue, n, out);
}

/** Parsed symbol tables, by the bytes they came from (every chunk of a page shares one). */
const fsstTables = new WeakMap<Uint8Array, FsstTable>();

function fsstTableOf(symbolTable: Uint8Array, ctx: DecodeContext): FsstTable {
  let table = fsstTables.get(symbolTable);
  if (!table) {
    table = parseFsstSymbolTable(symbolTable, ctx.path, ctx.byteOffset);
    fsstTables.set(symbolTable, table);
  }
  return table;
}

/** FSST-compressed strings decompressed (symbol tables parsed once per page's bytes). */
export function fsstBlock(symbolTable: Uint8Array, inner: DataBlock, ctx: DecodeContext): VariableBlock {
  if (inner.kind !== "variable") corrupt(ctx, "fsst values must be variable-width");
  const out = new VariableBuilder(inner.numValues, 3 * inner.data.byteLength);
  fsstDecodeInto(fsstTableOf(symbolTable, ctx), inner.offsets, inner.data, inner.numValues, out, ctx.path, ctx.byteOffset);
  return out.finish();
}

/** Appends one mini-block chunk's variable-width values to a builder. */
export type VariableChunkDecoder = (buffers: Uint8Array[], numValues: number, out: VariableBuilder, ctx: DecodeContext) => void;

/**
 * The n + 1 offsets at the start of a mini-block `variable` chunk buffer, as
 * positions in that buffer: a view when they are aligned 32-bit words, else a
 * copy (64-bit offsets must fit 32 bits).
 */
function chunkOffsets(buffer: Uint8Array, numValues: number, bits: number, ctx: DecodeContext): Uint32Array {
  if (bits === 32 && (buffer.byteOffset & 3) === 0) {
    if (buffer.byteLength < 4 * (numValues + 1)) corrupt(ctx, `offsets need ${4 * (numValues + 1)} bytes, ${buffer.byteLength} present`);
    return new Uint32Array(buffer.buffer, buffer.byteOffset, numValues + 1);
  }
  return offsetsOf(buffer, numValues + 1, bits, ctx);
}

/** The flat offset width of a `variable` mini-block encoding that stores its bytes as they are, or undefined. */
function plainVariableBits(enc: CompressiveEncoding | undefined): number | undefined {
  const c = enc?.compression;
  if (c?.case !== "variable" || c.value.values) return undefined;
  const offsets = c.value.offsets?.compression;
  if (offsets?.case !== "flat") return undefined;
  const bits = Number(offsets.value.bitsPerValue);
  return bits === 32 || bits === 64 ? bits : undefined;
}

/**
 * For mini-block value encodings of strings that can be decoded straight into
 * one builder for a whole page (`variable`, and `fsst` over it), the chunk
 * decoder; undefined for other encodings. FSST codes are expanded from the
 * chunk's own offsets, without rebasing them first.
 */
export function variableChunkDecoder(enc: CompressiveEncoding, ctx: DecodeContext): VariableChunkDecoder | undefined {
  const c = enc.compression;
  const first = (buffers: Uint8Array[], cctx: DecodeContext): Uint8Array => buffers[0] ?? corrupt(cctx, "mini-block chunk has no value buffer");
  const plainBits = plainVariableBits(enc);
  if (plainBits !== undefined) {
    return (buffers, numValues, out, cctx) => {
      checkCount(numValues, cctx, "mini-block value count");
      const buffer = first(buffers, cctx);
      const offsets = chunkOffsets(buffer, numValues, plainBits, cctx);
      const problem = chunkOffsetsProblem(offsets, numValues, buffer.byteLength);
      if (problem !== undefined) corrupt(cctx, problem);
      out.appendCopy(offsets, buffer, numValues);
    };
  }
  if (c.case === "fsst") {
    const bits = plainVariableBits(c.value.values);
    if (bits === undefined) return undefined;
    const table = fsstTableOf(c.value.symbolTable, ctx);
    return (buffers, numValues, out, cctx) => {
      checkCount(numValues, cctx, "mini-block value count");
      const buffer = first(buffers, cctx);
      fsstDecodeInto(table, chunkOffsets(buffer, numValues, bits, cctx), buffer, numValues, out, cctx.path, cctx.byteOffset);
    };
  }
  return undefined;
}

/** Why chunk offsets cannot index a buffer of `byteLength` bytes (as variableMiniBlock checks them), or undefined. */
function chunkOffsetsProblem(offsets: Uint32Array, numValues: number, byteLength: number): string | undefined {
  let prev = offsets[0]!;
  for (let i = 0; i <= numValues; i++) {
    const v = offsets[i]!;
    if (v < prev || v > byteLength) return `variable-width offset ${i} = ${v} is out of order or past the chunk (${byteLength} bytes)`;
    prev = v;
  }
  return undefined;
}

function required<T>(value: T | undefined, what: string, ctx: DecodeContext): T {
  if (value === undefined) corrupt(ctx, `${what} is missing`);
  return value;
}

/** Decodes one mini-block chunk's values from its value buffers. */
export function decodeMiniBlockValues(enc: CompressiveEncoding, buffers: Uint8Array[], numValues: number, ctx: DecodeContext): DataBlock {
  checkCount(numValues, ctx, "mini-block value count");
  const c = enc.compression;
  const first = (): Uint8Array => {
    const b = buffers[0];
    if (b === undefined) corrupt(ctx, "mini-block chunk has no value buffer");
    return b;
  };
  switch (c.case) {
    case "flat": {
      let buf = first();
      if (c.value.data) buf = decodeGeneralBuffer(buf, schemeName(c.value.data.scheme, ctx), ctx.path, ctx.byteOffset);
      return flatFromBuffer(bitsOf(c.value.bitsPerValue, ctx), numValues, buf, ctx);
    }
    case "variable": {
      const offsetsEnc = required(c.value.offsets, "variable offsets encoding", ctx);
      if (offsetsEnc.compression.case !== "flat") unsupported(`variable with ${offsetsEnc.compression.case} offsets in a mini-block`);
      if (c.value.values) unsupported("variable with compressed values in a mini-block");
      return variableMiniBlock(first(), numValues, Number(offsetsEnc.compression.value.bitsPerValue), ctx);
    }
    case "inlineBitpacking": {
      const bits = uncompressedBits(c.value.uncompressedBitsPerValue, ctx);
      let buf = first();
      if (c.value.values) buf = decodeGeneralBuffer(buf, schemeName(c.value.values.scheme, ctx), ctx.path, ctx.byteOffset);
      return fixedBlock(bits, numValues, decodeInlineBitpacking(buf, bits, numValues, ctx.path, ctx.byteOffset));
    }
    case "fsst":
      return fsstBlock(c.value.symbolTable, decodeMiniBlockValues(required(c.value.values, "fsst values encoding", ctx), buffers, numValues, ctx), ctx);
    case "rle": {
      if (buffers.length < 2) corrupt(ctx, `run-length chunk has ${buffers.length} buffers, expected 2`);
      const valuesEnc = required(c.value.values, "rle values encoding", ctx);
      const lengthsEnc = required(c.value.runLengths, "rle run lengths encoding", ctx);
      if (valuesEnc.compression.case !== "flat" || lengthsEnc.compression.case !== "flat") unsupported("rle with non-flat parts");
      const valueBits = bitsOf(valuesEnc.compression.value.bitsPerValue, ctx);
      const lengthBits = bitsOf(lengthsEnc.compression.value.bitsPerValue, ctx);
      const lengthsBuf = buffers[1]!;
      const numRuns = Math.floor(lengthsBuf.byteLength / (lengthBits / 8));
      const values = flatFromBuffer(valueBits, numRuns, buffers[0]!, ctx);
      const lengths = blockToU32(flatFromBuffer(lengthBits, numRuns, lengthsBuf, ctx), ctx);
      return expandRuns(values, lengths, numValues, ctx);
    }
    case "packedStruct": {
      // fixed-width fields stored row by row; the row bytes are kept whole (blob v1 descriptions)
      const valuesEnc = required(c.value.values, "packed struct values encoding", ctx);
      const rowBits = c.value.bitsPerValue.reduce((sum, b) => sum + Number(b), 0);
      const block = decodeMiniBlockValues(valuesEnc, buffers, numValues, ctx);
      if (block.kind !== "fixed" || block.bitsPerValue !== rowBits) corrupt(ctx, `packed struct of ${rowBits}-bit rows stored as ${block.kind === "fixed" ? `${block.bitsPerValue}-bit` : block.kind} values`);
      return block;
    }
    case "byteStreamSplit":
      return unsplitBytes(decodeMiniBlockValues(required(c.value.values, "byte-stream-split values", ctx), buffers, numValues, ctx), ctx);
    case "general": {
      const scheme = schemeName(required(c.value.compression, "general compression", ctx).scheme, ctx);
      const decompressed = [decodeGeneralBuffer(first(), scheme, ctx.path, ctx.byteOffset), ...buffers.slice(1)];
      return decodeMiniBlockValues(required(c.value.values, "general inner encoding", ctx), decompressed, numValues, ctx);
    }
    case "fixedSizeList": {
      const dim = Number(c.value.itemsPerValue);
      if (!Number.isSafeInteger(dim) || dim <= 0 || dim > 1 << 20) corrupt(ctx, `fixed-size list of ${dim} items`);
      const items = checkCount(numValues * dim, ctx, "fixed-size list item count");
      if (c.value.hasValidity) {
        // The item validity bitmap comes first, the item values after it.
        const validity = first();
        if (validity.byteLength < (items + 7) >> 3) corrupt(ctx, `fixed-size list validity of ${validity.byteLength} bytes for ${items} items`);
        const child = decodeMiniBlockValues(required(c.value.values, "fixed_size_list items", ctx), buffers.slice(1), items, ctx);
        return { kind: "fsl", dimension: dim, numValues, child, itemValidity: validity.subarray(0, (items + 7) >> 3) };
      }
      const child = decodeMiniBlockValues(required(c.value.values, "fixed_size_list items", ctx), buffers, items, ctx);
      return { kind: "fsl", dimension: dim, numValues, child };
    }
    case undefined:
      return corrupt(ctx, "mini-block value encoding is empty");
    default:
      return unsupported(`${c.case} in a mini-block`);
  }
}

/** Decodes a self-contained block (levels, dictionary, constant-layout levels). */
export function decodeBlock(enc: CompressiveEncoding, buffer: Uint8Array, numValues: number, ctx: DecodeContext): DataBlock {
  checkCount(numValues, ctx, "block value count");
  const c = enc.compression;
  switch (c.case) {
    case "flat":
      return flatFromBuffer(bitsOf(c.value.bitsPerValue, ctx), numValues, c.value.data ? decodeGeneralBuffer(buffer, schemeName(c.value.data.scheme, ctx), ctx.path, ctx.byteOffset) : buffer, ctx);
    case "variable":
      return variableBlockForm(buffer, numValues, ctx);
    case "constant": {
      const value = c.value.value ?? new Uint8Array(0);
      const width = value.byteLength;
      if (width === 0) return fixedBlock(8, numValues, new Uint8Array(numValues));
      const out = new Uint8Array(numValues * width);
      for (let i = 0; i < numValues; i++) out.set(value, i * width);
      return fixedBlock(width * 8, numValues, out);
    }
    case "outOfLineBitpacking": {
      const bits = uncompressedBits(c.value.uncompressedBitsPerValue, ctx);
      const inner = required(c.value.values, "out-of-line bit-packing width", ctx);
      if (inner.compression.case !== "flat") unsupported(`out-of-line bit-packing over ${inner.compression.case}`);
      const width = Number(inner.compression.value.bitsPerValue);
      if (width > bits) corrupt(ctx, `bit width ${width} exceeds ${bits}`);
      return fixedBlock(bits, numValues, decodeOutOfLineBitpacking(buffer, bits, width, numValues, ctx.path, ctx.byteOffset));
    }
    case "inlineBitpacking": {
      const bits = uncompressedBits(c.value.uncompressedBitsPerValue, ctx);
      return fixedBlock(bits, numValues, decodeInlineBitpacking(buffer, bits, numValues, ctx.path, ctx.byteOffset));
    }
    case "rle": {
      if (buffer.byteLength < 8) corrupt(ctx, "run-length block has no header");
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const valuesBytes = Number(view.getBigUint64(0, true));
      if (8 + valuesBytes > buffer.byteLength) corrupt(ctx, `run-length values of ${valuesBytes} bytes pass the block (${buffer.byteLength})`);
      const valuesEnc = required(c.value.values, "rle values encoding", ctx);
      const lengthsEnc = required(c.value.runLengths, "rle run lengths encoding", ctx);
      if (valuesEnc.compression.case !== "flat" || lengthsEnc.compression.case !== "flat") unsupported("rle with non-flat parts");
      const valueBits = bitsOf(valuesEnc.compression.value.bitsPerValue, ctx);
      const lengthBits = bitsOf(lengthsEnc.compression.value.bitsPerValue, ctx);
      const numRuns = Math.floor((valuesBytes * 8) / valueBits);
      const values = flatFromBuffer(valueBits, numRuns, buffer.subarray(8, 8 + valuesBytes), ctx);
      const lengths = blockToU32(flatFromBuffer(lengthBits, numRuns, buffer.subarray(8 + valuesBytes), ctx), ctx);
      return expandRuns(values, lengths, numValues, ctx);
    }
    case "general": {
      const scheme = schemeName(required(c.value.compression, "general compression", ctx).scheme, ctx);
      return decodeBlock(required(c.value.values, "general inner encoding", ctx), decodeGeneralBuffer(buffer, scheme, ctx.path, ctx.byteOffset), numValues, ctx);
    }
    case "fsst":
      return fsstBlock(c.value.symbolTable, decodeBlock(required(c.value.values, "fsst values encoding", ctx), buffer, numValues, ctx), ctx);
    case "fixedSizeList": {
      if (c.value.hasValidity) unsupported("fixed_size_list with item validity");
      const dim = checkCount(c.value.itemsPerValue, ctx, "fixed-size list dimension");
      checkCount(numValues * dim, ctx, "fixed-size list item count");
      const child = decodeBlock(required(c.value.values, "fixed_size_list items", ctx), buffer, numValues * dim, ctx);
      return { kind: "fsl", dimension: dim, numValues, child };
    }
    case undefined:
      return corrupt(ctx, "block encoding is empty");
    default:
      return unsupported(`${c.case} in a block`);
  }
}

/** Decodes rep or def levels into u16 values. */
export function decodeLevels(enc: CompressiveEncoding, buffer: Uint8Array, numLevels: number, ctx: DecodeContext): Uint16Array {
  const block = decodeBlock(enc, buffer, numLevels, ctx);
  const values = blockToU32(block, ctx);
  const out = new Uint16Array(numLevels);
  for (let i = 0; i < numLevels; i++) {
    const v = values[i]!;
    if (v > 0xffff) corrupt(ctx, `level ${v} exceeds 16 bits`);
    out[i] = v;
  }
  return out;
}
