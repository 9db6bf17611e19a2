// The values of a 2.1/2.2 mini-block page: which compressive encoding to use,
// chosen per page from its statistics as Lance's default compression strategy
// does, and the page's values cut into chunks under that encoding.
//
//   64-bit values in 2.2, >= 100 dictionary of the distinct values (bit-packed
//   values, estimate under 0.8x  or LZ4 block) with u32 indices encoded as below
//   fixed width 8/16/32/64 bits  rle{flat T, flat 8} when the runs (value + u8
//                                length each) are smaller than the raw values
//                                and than bit-packing; else
//                                inline_bitpacking{T} when the packed groups
//                                (one T-bit width word + 1024·W/T words per
//                                1024 values) are smaller than the raw values;
//                                chunks of 1024 values, one group each
//   other fixed width            flat{bits}
//   variable width, 32-bit      dictionary (items in first-appearance order,
//   offsets, >= 100 values,      `variable` block form, LZ4-compressed in 2.2)
//   estimated dictionary page    with u32 indices encoded as fixed width above
//   < 0.8 x the values
//   utf8, max length >= 5 and    fsst{table, variable{offsets}}: one table for
//   >= 32 KiB of value bytes     the page, every value compressed with it
//   other variable width         variable{offsets}: chunk-relative offsets + bytes
//
// A chunk holds a power-of-two number of values (>= 2) except the last, and
// at most 4096.

import { create } from "@bufbuild/protobuf";
import { bitWidthFor, encodeInlineBitpacking, encodeOutOfLineBitpacking, FASTLANES_GROUP_VALUES, packFastLanes, type UncompressedBits } from "../encoding/bitpack.js";
import { dictionaryEncodeFixed64, dictionaryEncodeVariable, encodeVariableBlock, likelyMoreDistinctFixed, likelyMoreDistinctThan } from "../encoding/dictionary.js";
import { encodeFsst, FSST_MIN_INPUT_BYTES, FSST_MIN_MAX_LENGTH } from "../encoding/fsst-build.js";
import { encodeGeneralBuffer } from "../encoding/general.js";
import {
  BufferCompressionSchema,
  CompressionScheme,
  CompressiveEncodingSchema,
  FixedSizeListSchema,
  FlatSchema,
  FsstSchema,
  GeneralSchema,
  InlineBitpackingSchema,
  OutOfLineBitpackingSchema,
  RleSchema,
  VariableSchema,
  type CompressiveEncoding,
} from "../pb/encodings_v2_1_pb.js";
import type { LeafValues, VariableValues } from "./leaf-values.js";
import type { PageScratch } from "./page-scratch.js";

/** Values per mini-block chunk at most (Lance's own limit). */
export const MAX_CHUNK_VALUES = 4096;
/** Budget for a chunk's value bytes; 2.1 chunks may not exceed 32 KiB in all. */
const CHUNK_VALUE_BYTES = 16 * 1024;

export interface MiniBlockChunk {
  numValues: number;
  /** The chunk's value buffers (the encoding says how many). */
  buffers: Uint8Array[];
}

export interface MiniBlockDictionary {
  /** The block encoding of `buffer`. */
  encoding: CompressiveEncoding;
  buffer: Uint8Array;
  numItems: number;
}

export interface MiniBlockValues {
  encoding: CompressiveEncoding;
  chunks: MiniBlockChunk[];
  /** Present when the chunks hold indices into this dictionary. */
  dictionary?: MiniBlockDictionary;
}

export function flatEncoding(bits: number): CompressiveEncoding {
  return create(CompressiveEncodingSchema, { compression: { case: "flat", value: create(FlatSchema, { bitsPerValue: BigInt(bits) }) } });
}

function variableEncoding(offsetBits: number): CompressiveEncoding {
  return create(CompressiveEncodingSchema, { compression: { case: "variable", value: create(VariableSchema, { offsets: flatEncoding(offsetBits) }) } });
}

/** The plain (uncompressed) value encoding of `values`, as full-zip pages also use. */
export function plainEncoding(values: LeafValues): CompressiveEncoding {
  if (values.kind === "variable") return variableEncoding(values.offsetBits);
  if (values.fsl) {
    return create(CompressiveEncodingSchema, {
      compression: {
        case: "fixedSizeList",
        value: create(FixedSizeListSchema, { itemsPerValue: BigInt(values.fsl.dimension), values: flatEncoding(values.fsl.itemBits) }),
      },
    });
  }
  return flatEncoding(values.bitsPerValue);
}

function isBitpackable(bits: number): bits is UncompressedBits {
  return bits === 8 || bits === 16 || bits === 32 || bits === 64;
}

function bitsOf(x: number): number {
  return 32 - Math.clz32(x);
}

/** Bit width of every group of 1024 values, from the page start. */
export function groupBitWidths(data: Uint8Array, bits: UncompressedBits, numValues: number): Uint8Array {
  const groups = Math.ceil(numValues / FASTLANES_GROUP_VALUES);
  const widths = new Uint8Array(groups);
  const wordBytes = bits >>> 3;
  if ((data.byteOffset & 3) !== 0 || bits === 8) {
    for (let g = 0; g < groups; g++) {
      const start = g * FASTLANES_GROUP_VALUES;
      const count = Math.min(FASTLANES_GROUP_VALUES, numValues - start);
      widths[g] = bitWidthFor(data.subarray(start * wordBytes, (start + count) * wordBytes), bits, count);
    }
    return widths;
  }
  if (bits === 16) {
    const words = new Uint16Array(data.buffer, data.byteOffset, numValues);
    for (let g = 0; g < groups; g++) {
      const end = Math.min(numValues, (g + 1) * FASTLANES_GROUP_VALUES);
      let acc = 0;
      for (let i = g * FASTLANES_GROUP_VALUES; i < end; i++) acc |= words[i]!;
      widths[g] = bitsOf(acc);
    }
    return widths;
  }
  const halves = new Uint32Array(data.buffer, data.byteOffset, (numValues * wordBytes) >>> 2);
  for (let g = 0; g < groups; g++) {
    const end = Math.min(numValues, (g + 1) * FASTLANES_GROUP_VALUES);
    if (bits === 32) {
      let acc = 0;
      for (let i = g * FASTLANES_GROUP_VALUES; i < end; i++) acc |= halves[i]!;
      widths[g] = bitsOf(acc);
    } else {
      let lo = 0;
      let hi = 0;
      for (let i = g * FASTLANES_GROUP_VALUES; i < end; i++) {
        lo |= halves[2 * i]!;
        hi |= halves[2 * i + 1]!;
      }
      widths[g] = hi !== 0 ? 32 + bitsOf(hi) : bitsOf(lo);
    }
  }
  return widths;
}

/**
 * The statistics that choose a 32/64-bit page's encoding, from one pass over
 * word-aligned values: each group's bit width (as groupBitWidths) and the
 * bytes run-length encoding takes (as runLengthBytes without a limit).
 */
function wordStats(data: Uint8Array, bits: 32 | 64, numValues: number): { widths: Uint8Array; runBytes: number } {
  const groups = Math.ceil(numValues / FASTLANES_GROUP_VALUES);
  const widths = new Uint8Array(groups);
  const halves = new Uint32Array(data.buffer, data.byteOffset, (numValues * bits) >>> 5);
  let runs = 0;
  let run = 0;
  if (bits === 32) {
    let prev = numValues > 0 ? halves[0]! : 0;
    for (let g = 0; g < groups; g++) {
      const end = Math.min(numValues, (g + 1) * FASTLANES_GROUP_VALUES);
      let acc = 0;
      for (let i = g * FASTLANES_GROUP_VALUES; i < end; i++) {
        const v = halves[i]!;
        acc |= v;
        if (v === prev && run > 0 && run < MAX_RUN) {
          run++;
        } else {
          runs++;
          run = 1;
        }
        prev = v;
      }
      widths[g] = bitsOf(acc);
    }
    return { widths, runBytes: runs * 5 };
  }
  let prevLo = numValues > 0 ? halves[0]! : 0;
  let prevHi = numValues > 0 ? halves[1]! : 0;
  for (let g = 0; g < groups; g++) {
    const end = Math.min(numValues, (g + 1) * FASTLANES_GROUP_VALUES);
    let lo = 0;
    let hi = 0;
    for (let i = g * FASTLANES_GROUP_VALUES; i < end; i++) {
      const vLo = halves[2 * i]!;
      const vHi = halves[2 * i + 1]!;
      lo |= vLo;
      hi |= vHi;
      if (vLo === prevLo && vHi === prevHi && run > 0 && run < MAX_RUN) {
        run++;
      } else {
        runs++;
        run = 1;
      }
      prevLo = vLo;
      prevHi = vHi;
    }
    widths[g] = hi !== 0 ? 32 + bitsOf(hi) : bitsOf(lo);
  }
  return { widths, runBytes: runs * 9 };
}

/** Bytes inline bit-packing takes for groups of these widths. */
function inlineBitpackedBytes(widths: Uint8Array, bits: number): number {
  let words = 0;
  for (const w of widths) words += 1 + (FASTLANES_GROUP_VALUES * w) / bits;
  return words * (bits / 8);
}

function inlineBitpacked(data: Uint8Array, bits: UncompressedBits, numValues: number, widths: Uint8Array, scratch: PageScratch | undefined): MiniBlockValues {
  const wordBytes = bits / 8;
  const groupBytes = FASTLANES_GROUP_VALUES * wordBytes;
  let total = 0;
  for (const w of widths) total += wordBytes + 128 * w;
  const packed = scratch ? scratch.bytes(total) : new Uint8Array(total);
  const chunks: MiniBlockChunk[] = [];
  let at = 0;
  widths.forEach((w, g) => {
    const count = Math.min(FASTLANES_GROUP_VALUES, numValues - g * FASTLANES_GROUP_VALUES);
    packed[at] = w; // the width word, little-endian; its other bytes stay 0
    let group = data.subarray(g * groupBytes, g * groupBytes + count * wordBytes);
    if (count < FASTLANES_GROUP_VALUES) {
      const padded = new Uint8Array(groupBytes);
      padded.set(group);
      group = padded;
    }
    packFastLanes(group, 0, bits, w, packed, at + wordBytes);
    const size = wordBytes + 128 * w;
    chunks.push({ numValues: count, buffers: [packed.subarray(at, at + size)] });
    at += size;
  });
  const encoding = create(CompressiveEncodingSchema, {
    compression: { case: "inlineBitpacking", value: create(InlineBitpackingSchema, { uncompressedBitsPerValue: BigInt(bits) }) },
  });
  return { encoding, chunks };
}

/** Runs longer than this are split (run lengths are u8). */
const MAX_RUN = 255;

/**
 * Bytes `count` values from `start` take run-length encoded (value + u8
 * length per run); counting stops once past `limit`.
 */
function runLengthBytes(data: Uint8Array, wordBytes: number, start: number, count: number, limit = Infinity): number {
  const maxRuns = limit / (wordBytes + 1);
  // compare values as whole words when the bytes allow (a view per call, never a copy)
  const unit = wordBytes >= 4 && (data.byteOffset & 3) === 0 ? 4 : wordBytes === 2 && (data.byteOffset & 1) === 0 ? 2 : 1;
  const words =
    unit === 4
      ? new Uint32Array(data.buffer, data.byteOffset, (data.byteLength >>> 2))
      : unit === 2
        ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength >>> 1)
        : data;
  const per = wordBytes / unit;
  let runs = 0;
  let run = 0;
  for (let i = start; i < start + count; i++) {
    let same = run > 0 && run < MAX_RUN;
    if (same) {
      const a = (i - 1) * per;
      const b = i * per;
      for (let k = 0; k < per; k++) {
        if (words[a + k] !== words[b + k]) {
          same = false;
          break;
        }
      }
    }
    if (same) {
      run++;
    } else {
      runs++;
      run = 1;
      if (runs > maxRuns) break;
    }
  }
  return runs * (wordBytes + 1);
}

function sameValue(data: Uint8Array, wordBytes: number, a: number, b: number): boolean {
  const x = a * wordBytes;
  const y = b * wordBytes;
  for (let k = 0; k < wordBytes; k++) if (data[x + k] !== data[y + k]) return false;
  return true;
}

/** Run-length chunks: the run values, then the u8 run lengths, as two buffers per chunk. */
function runLengthChunks(data: Uint8Array, bits: number, numValues: number): MiniBlockValues {
  const wordBytes = bits / 8;
  const chunks: MiniBlockChunk[] = [];
  let start = 0;
  while (start < numValues) {
    const remaining = numValues - start;
    let count = MAX_CHUNK_VALUES;
    while (count > 2 && runLengthBytes(data, wordBytes, start, Math.min(count, remaining), CHUNK_VALUE_BYTES) > CHUNK_VALUE_BYTES) count >>= 1;
    if (count >= remaining) count = remaining;
    const values = new Uint8Array(count * wordBytes);
    const lengths = new Uint8Array(count);
    let runs = 0;
    for (let i = start; i < start + count; i++) {
      if (runs > 0 && lengths[runs - 1]! < MAX_RUN && sameValue(data, wordBytes, i - 1, i)) {
        lengths[runs - 1]!++;
      } else {
        values.set(data.subarray(i * wordBytes, (i + 1) * wordBytes), runs * wordBytes);
        lengths[runs] = 1;
        runs++;
      }
    }
    chunks.push({ numValues: count, buffers: [values.subarray(0, runs * wordBytes), lengths.subarray(0, runs)] });
    start += count;
  }
  const encoding = create(CompressiveEncodingSchema, {
    compression: { case: "rle", value: create(RleSchema, { values: flatEncoding(bits), runLengths: flatEncoding(8) }) },
  });
  return { encoding, chunks };
}

function flatChunks(data: Uint8Array, bits: number, numValues: number): MiniBlockChunk[] {
  const perChunk = bits === 1 ? MAX_CHUNK_VALUES : Math.min(MAX_CHUNK_VALUES, 2 ** Math.floor(Math.log2(Math.max(2, CHUNK_VALUE_BYTES / (bits / 8)))));
  const chunks: MiniBlockChunk[] = [];
  for (let start = 0; start < numValues; start += perChunk) {
    const count = Math.min(perChunk, numValues - start);
    let buffer: Uint8Array;
    if (bits === 1) {
      // each chunk's bitmap starts at bit 0
      buffer = new Uint8Array((count + 7) >> 3);
      for (let i = 0; i < count; i++) {
        const k = start + i;
        if ((data[k >> 3]! >> (k & 7)) & 1) buffer[i >> 3] = buffer[i >> 3]! | (1 << (i & 7));
      }
    } else {
      const w = bits / 8;
      buffer = data.subarray(start * w, (start + count) * w);
    }
    chunks.push({ numValues: count, buffers: [buffer] });
  }
  return chunks;
}

/** Chunks of variable-width values: n + 1 chunk-relative offsets (the first is where the bytes start), then the bytes. */
function variableChunks(offsets: ArrayLike<number>, data: Uint8Array, offsetBits: 32 | 64, numValues: number, scratch: PageScratch | undefined): MiniBlockChunk[] {
  const width = offsetBits / 8;
  const chunks: MiniBlockChunk[] = [];
  let start = 0;
  while (start < numValues) {
    const remaining = numValues - start;
    const bytes = (k: number): number => offsets[Math.min(numValues, start + k)]! - offsets[start]! + (k + 1) * width;
    let count = MAX_CHUNK_VALUES;
    while (count > 2 && bytes(count) > CHUNK_VALUE_BYTES) count >>= 1;
    if (count >= remaining) count = remaining;
    const base = offsets[start]!;
    const size = offsets[start + count]! - base;
    const headerBytes = (count + 1) * width;
    // the header, the bytes, zeros up to the offset width: sized once, offsets written as u32 words
    const bufferBytes = Math.ceil((headerBytes + size) / width) * width;
    const buffer = scratch ? scratch.bytes(bufferBytes) : new Uint8Array(bufferBytes);
    const words = new Uint32Array(buffer.buffer, buffer.byteOffset, headerBytes >>> 2);
    const shift = headerBytes - base;
    if (width === 4) {
      for (let i = 0; i <= count; i++) words[i] = offsets[start + i]! + shift;
    } else {
      for (let i = 0; i <= count; i++) {
        const v = offsets[start + i]! + shift;
        words[2 * i] = v % 4294967296;
        words[2 * i + 1] = Math.floor(v / 4294967296);
      }
    }
    buffer.set(data.subarray(base, base + size), headerBytes);
    chunks.push({ numValues: count, buffers: [buffer] });
    start += count;
  }
  return chunks;
}

function variableStats(values: VariableValues, numValues: number): { maxLength: number; dataBytes: number } {
  let maxLength = values.maxLength;
  if (numValues !== values.offsets.length - 1) {
    maxLength = 0;
    for (let i = 0; i < numValues; i++) {
      const len = values.offsets[i + 1]! - values.offsets[i]!;
      if (len > maxLength) maxLength = len;
    }
  }
  return { maxLength, dataBytes: values.offsets[numValues]! - values.offsets[0]! };
}

export interface MiniBlockOptions {
  /** The leaf is utf8 text (FSST is tried for text only). */
  utf8: boolean;
  /** "2.1" or "2.2": 2.2 compresses dictionaries with LZ4. */
  fileVersion: string;
  /**
   * Memory for the chunks and FSST output, which are then valid only until
   * the scratch's next page: the caller lays the chunks out in the page first.
   */
  scratch?: PageScratch | undefined;
}

/** Pages with fewer values are never dictionary-encoded (Lance's threshold). */
const DICTIONARY_MIN_VALUES = 100;
/** A dictionary is used when its estimated size is below this fraction of the values' (Lance's default). */
const DICTIONARY_SIZE_RATIO = 0.8;

/**
 * Lance's estimate of a dictionary-encoded page, `items · (avg + 4) + n · 4`
 * bytes against `bytes + (n + 1) · 4` for the values: the largest item count
 * that still passes, or -1 when none does.
 */
function dictionaryItemLimit(values: VariableValues, numValues: number): number {
  if (values.offsetBits !== 32 || numValues < DICTIONARY_MIN_VALUES) return -1;
  const dataSize = values.offsets[numValues]! - values.offsets[0]! + 4 * (numValues + 1);
  const average = Math.floor(dataSize / numValues);
  const budget = DICTIONARY_SIZE_RATIO * dataSize - 4 * numValues;
  if (budget <= 0) return -1;
  return Math.ceil(budget / (average + 4)) - 1;
}

function variableDictionary(values: VariableValues, numValues: number, fileVersion: string): MiniBlockValues | undefined {
  const limit = dictionaryItemLimit(values, numValues);
  if (limit < 1 || likelyMoreDistinctThan(values.offsets, values.data, numValues, limit)) return undefined;
  const dict = dictionaryEncodeVariable(values.offsets, values.data, numValues, limit);
  if (!dict) return undefined;
  const block = encodeVariableBlock(dict.offsets, dict.data);
  const plain = variableEncoding(32);
  const dictionary: MiniBlockDictionary =
    fileVersion === "2.1"
      ? { encoding: plain, buffer: block, numItems: dict.numItems }
      : {
          encoding: lz4Encoding(plain),
          buffer: encodeGeneralBuffer(block, "lz4"),
          numItems: dict.numItems,
        };
  const indices = new Uint8Array(dict.indices.buffer, dict.indices.byteOffset, dict.indices.byteLength);
  return { ...fixedValues(indices, 32, numValues, undefined), dictionary };
}

/**
 * A 2.2 dictionary for 64-bit values, when Lance's estimate for fixed width
 * (items · 16 + n · 4 bytes) is under 0.8x the values. The items are a block
 * bit-packed when every group needs fewer than 64 bits (inline up to 1024
 * items, else out of line), LZ4-compressed otherwise.
 */
function fixed64Dictionary(data: Uint8Array, numValues: number): MiniBlockValues | undefined {
  if (numValues < DICTIONARY_MIN_VALUES) return undefined;
  const budget = DICTIONARY_SIZE_RATIO * 8 * numValues - 4 * numValues;
  const limit = Math.ceil(budget / 16) - 1;
  if (limit < 1 || likelyMoreDistinctFixed(data, 8, numValues, limit)) return undefined;
  const dict = dictionaryEncodeFixed64(data, numValues, limit);
  if (!dict) return undefined;
  const widths = groupBitWidths(dict.items, 64, dict.numItems);
  let maxWidth = 0;
  let hasZero = false;
  for (const w of widths) {
    if (w === 0) hasZero = true;
    if (w > maxWidth) maxWidth = w;
  }
  const tooSmall = widths.length === 1 && 128 * widths[0]! >= dict.numItems * 8;
  let dictionary: MiniBlockDictionary;
  if (maxWidth < 64 && !hasZero && !tooSmall) {
    dictionary =
      dict.numItems <= FASTLANES_GROUP_VALUES
        ? {
            encoding: create(CompressiveEncodingSchema, { compression: { case: "inlineBitpacking", value: create(InlineBitpackingSchema, { uncompressedBitsPerValue: 64n }) } }),
            buffer: encodeInlineBitpacking(dict.items, 64, dict.numItems),
            numItems: dict.numItems,
          }
        : {
            encoding: create(CompressiveEncodingSchema, {
              compression: { case: "outOfLineBitpacking", value: create(OutOfLineBitpackingSchema, { uncompressedBitsPerValue: 64n, values: flatEncoding(maxWidth) }) },
            }),
            buffer: encodeOutOfLineBitpacking(dict.items, 64, maxWidth, dict.numItems),
            numItems: dict.numItems,
          };
  } else {
    dictionary = { encoding: lz4Encoding(flatEncoding(64)), buffer: encodeGeneralBuffer(dict.items, "lz4"), numItems: dict.numItems };
  }
  const indices = new Uint8Array(dict.indices.buffer, dict.indices.byteOffset, dict.indices.byteLength);
  return { ...fixedValues(indices, 32, numValues, undefined), dictionary };
}

function lz4Encoding(values: CompressiveEncoding): CompressiveEncoding {
  return create(CompressiveEncodingSchema, {
    compression: {
      case: "general",
      value: create(GeneralSchema, { compression: create(BufferCompressionSchema, { scheme: CompressionScheme.COMPRESSION_ALGORITHM_LZ4 }), values }),
    },
  });
}

/** Fixed-width values of 8/16/32/64 bits (or others, kept flat): run-length, bit-packed or flat. */
function fixedValues(data: Uint8Array, bits: number, numValues: number, scratch: PageScratch | undefined): MiniBlockValues {
  if (isBitpackable(bits) && numValues > 0) {
    // run-length when it beats both the raw values and bit-packing (Lance's order)
    const raw = numValues * (bits / 8);
    let widths: Uint8Array;
    let runs: number;
    if ((bits === 32 || bits === 64) && (data.byteOffset & 3) === 0) {
      ({ widths, runBytes: runs } = wordStats(data, bits, numValues));
    } else {
      widths = groupBitWidths(data, bits, numValues);
      runs = runLengthBytes(data, bits / 8, 0, numValues, Math.min(raw, inlineBitpackedBytes(widths, bits)));
    }
    const packed = inlineBitpackedBytes(widths, bits);
    if (runs < raw && runs <= packed) return runLengthChunks(data, bits, numValues);
    if (packed < raw) return inlineBitpacked(data, bits, numValues, widths, scratch);
  }
  return { encoding: flatEncoding(bits), chunks: flatChunks(data, bits, numValues) };
}

/** Chooses the value encoding of a mini-block page and cuts its values into chunks. */
export function encodeMiniBlockValues(values: LeafValues, numValues: number, options: MiniBlockOptions): MiniBlockValues {
  if (values.kind === "fixed") {
    if (values.fsl) return { encoding: plainEncoding(values), chunks: flatChunks(values.data, values.bitsPerValue, numValues) };
    if (options.fileVersion !== "2.1" && values.bitsPerValue === 64) {
      const dictionary = fixed64Dictionary(values.data, numValues);
      if (dictionary) return dictionary;
    }
    return fixedValues(values.data, values.bitsPerValue, numValues, options.scratch);
  }
  const dictionary = variableDictionary(values, numValues, options.fileVersion);
  if (dictionary) return dictionary;
  if (options.utf8 && numValues > 0) {
    const { maxLength, dataBytes } = variableStats(values, numValues);
    if (maxLength >= FSST_MIN_MAX_LENGTH && dataBytes >= FSST_MIN_INPUT_BYTES) {
      const fsst = encodeFsst(values.offsets, values.data, numValues, options.scratch);
      if (fsst.data.length < dataBytes) {
        const encoding = create(CompressiveEncodingSchema, {
          compression: { case: "fsst", value: create(FsstSchema, { symbolTable: fsst.symbolTable, values: variableEncoding(values.offsetBits) }) },
        });
        return { encoding, chunks: variableChunks(fsst.offsets, fsst.data, values.offsetBits, numValues, options.scratch) };
      }
    }
  }
  return { encoding: plainEncoding(values), chunks: variableChunks(values.offsets, values.data, values.offsetBits, numValues, options.scratch) };
}
