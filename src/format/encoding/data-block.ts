// Decoded value blocks: what compressive encodings produce and structural
// layouts consume. Values are kept as raw little-endian bytes plus offsets so
// one code path serves every Arrow type of a given width.

import { CorruptFileError } from "../../core/errors.js";

export interface FixedBlock {
  kind: "fixed";
  /** 1 for bit-packed booleans, else a multiple of 8. */
  bitsPerValue: number;
  numValues: number;
  data: Uint8Array;
}

export interface VariableBlock {
  kind: "variable";
  numValues: number;
  /** numValues + 1 offsets into `data`, the first being 0. */
  offsets: Uint32Array;
  data: Uint8Array;
  /** Set when every byte of `data` is known to be below 0x80 (so valid UTF-8 however it is cut), as FSST decoding finds for free. */
  ascii?: true;
}

export interface FslBlock {
  kind: "fsl";
  dimension: number;
  numValues: number;
  child: DataBlock;
  /** Validity of the numValues * dimension items (LSB first), when items can be null. */
  itemValidity?: Uint8Array;
}

export type DataBlock = FixedBlock | VariableBlock | FslBlock;

/** The physical shape of a leaf's values, needed where a page stores no values (constants). */
export type LeafShape =
  | { kind: "fixed"; bitsPerValue: number }
  | { kind: "variable"; offsetBits: 32 | 64 }
  | { kind: "fsl"; dimension: number; child: LeafShape };

export function emptyBlock(shape: LeafShape, n: number): DataBlock {
  switch (shape.kind) {
    case "fixed":
      return fixedBlock(shape.bitsPerValue, n, new Uint8Array(fixedByteLength(shape.bitsPerValue, n)));
    case "variable":
      return { kind: "variable", numValues: n, offsets: new Uint32Array(n + 1), data: new Uint8Array(0) };
    case "fsl":
      return { kind: "fsl", dimension: shape.dimension, numValues: n, child: emptyBlock(shape.child, n * shape.dimension) };
  }
}

/** Where a decoder is working, for error messages. */
export interface DecodeContext {
  path: string;
  byteOffset: number;
}

export function corrupt(ctx: DecodeContext, detail: string): never {
  throw new CorruptFileError(ctx.path, ctx.byteOffset, detail);
}

/** The most values one page or block may claim; larger counts mean damage, not data. */
export const MAX_VALUES_PER_PAGE = 1 << 28;

/** Checks a value count read from file metadata before anything is allocated for it. */
export function checkCount(n: number | bigint, ctx: DecodeContext, what: string): number {
  const v = Number(n);
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_VALUES_PER_PAGE) corrupt(ctx, `${what} of ${String(n)} is out of range (at most ${MAX_VALUES_PER_PAGE})`);
  return v;
}

export function fixedBlock(bitsPerValue: number, numValues: number, data: Uint8Array): FixedBlock {
  return { kind: "fixed", bitsPerValue, numValues, data };
}

export function fixedByteLength(bitsPerValue: number, numValues: number): number {
  return bitsPerValue === 1 ? (numValues + 7) >> 3 : (bitsPerValue / 8) * numValues;
}

/** Concatenates blocks of the same shape. */
export function concatBlocks(blocks: DataBlock[], ctx: DecodeContext): DataBlock {
  if (blocks.length === 1) return blocks[0]!;
  const first = blocks[0];
  if (first === undefined) return fixedBlock(8, 0, new Uint8Array(0));
  if (first.kind === "fixed") {
    let numValues = 0;
    for (const b of blocks) {
      if (b.kind !== "fixed" || b.bitsPerValue !== first.bitsPerValue) corrupt(ctx, "chunks of one page decode to different value widths");
      numValues += b.numValues;
    }
    const out = new Uint8Array(fixedByteLength(first.bitsPerValue, numValues));
    if (first.bitsPerValue === 1) {
      let bit = 0;
      for (const b of blocks) {
        copyBits((b as FixedBlock).data, 0, out, bit, b.numValues);
        bit += b.numValues;
      }
    } else {
      let at = 0;
      for (const b of blocks) {
        const len = fixedByteLength(first.bitsPerValue, b.numValues);
        out.set((b as FixedBlock).data.subarray(0, len), at);
        at += len;
      }
    }
    return fixedBlock(first.bitsPerValue, numValues, out);
  }
  if (first.kind === "variable") {
    let numValues = 0;
    let numBytes = 0;
    for (const b of blocks) {
      if (b.kind !== "variable") corrupt(ctx, "chunks of one page decode to different value kinds");
      numValues += b.numValues;
      numBytes += b.offsets[b.numValues]! - b.offsets[0]!;
    }
    const offsets = new Uint32Array(numValues + 1);
    const data = new Uint8Array(numBytes);
    let v = 0;
    let at = 0;
    for (const b of blocks as VariableBlock[]) {
      const base = b.offsets[0]!;
      for (let i = 0; i < b.numValues; i++) offsets[v + i] = at + b.offsets[i]! - base;
      const len = b.offsets[b.numValues]! - base;
      data.set(b.data.subarray(base, base + len), at);
      at += len;
      v += b.numValues;
    }
    offsets[numValues] = at;
    const out: VariableBlock = { kind: "variable", numValues, offsets, data };
    if ((blocks as VariableBlock[]).every((b) => b.ascii)) out.ascii = true;
    return out;
  }
  const children: DataBlock[] = [];
  let numValues = 0;
  let anyValidity = false;
  for (const b of blocks) {
    if (b.kind !== "fsl" || b.dimension !== first.dimension) corrupt(ctx, "chunks of one page decode to different list sizes");
    children.push(b.child);
    numValues += b.numValues;
    anyValidity ||= b.itemValidity !== undefined;
  }
  const out: FslBlock = { kind: "fsl", dimension: first.dimension, numValues, child: concatBlocks(children, ctx) };
  if (anyValidity) {
    const items = numValues * first.dimension;
    const validity = new Uint8Array((items + 7) >> 3);
    let bit = 0;
    for (const b of blocks as FslBlock[]) {
      const n = b.numValues * b.dimension;
      if (b.itemValidity) copyBits(b.itemValidity, 0, validity, bit, n);
      else for (let i = 0; i < n; i++) setBit(validity, bit + i, true);
      bit += n;
    }
    out.itemValidity = validity;
  }
  return out;
}

/** Copies `count` bits from src (LSB first) at srcBit to dst at dstBit. */
export function copyBits(src: Uint8Array, srcBit: number, dst: Uint8Array, dstBit: number, count: number): void {
  if ((srcBit & 7) === 0 && (dstBit & 7) === 0) {
    const whole = count >> 3;
    dst.set(src.subarray(srcBit >> 3, (srcBit >> 3) + whole), dstBit >> 3);
    for (let i = whole * 8; i < count; i++) setBit(dst, dstBit + i, getBit(src, srcBit + i));
    return;
  }
  for (let i = 0; i < count; i++) setBit(dst, dstBit + i, getBit(src, srcBit + i));
}

export function getBit(bytes: Uint8Array, i: number): boolean {
  return ((bytes[i >> 3]! >> (i & 7)) & 1) === 1;
}

export function setBit(bytes: Uint8Array, i: number, value: boolean): void {
  if (value) bytes[i >> 3] = bytes[i >> 3]! | (1 << (i & 7));
  else bytes[i >> 3] = bytes[i >> 3]! & ~(1 << (i & 7));
}

/** Selects `indices` from a block (dictionary lookup, row selection). */
export function takeFromBlock(block: DataBlock, indices: Uint32Array, ctx: DecodeContext): DataBlock {
  const n = indices.length;
  for (let i = 0; i < n; i++) if (indices[i]! >= block.numValues) corrupt(ctx, `index ${indices[i]} is out of range for ${block.numValues} values`);
  if (block.kind === "fixed") {
    if (block.bitsPerValue === 1) {
      const out = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (getBit(block.data, indices[i]!)) out[i >> 3] = out[i >> 3]! | (1 << (i & 7));
      return fixedBlock(1, n, out);
    }
    const width = block.bitsPerValue / 8;
    const out = new Uint8Array(n * width);
    if (width === 4 && (block.data.byteOffset & 3) === 0) {
      const src = new Uint32Array(block.data.buffer, block.data.byteOffset, block.numValues);
      const dst = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) dst[i] = src[indices[i]!]!;
    } else if (width === 8 && (block.data.byteOffset & 3) === 0) {
      const src = new Uint32Array(block.data.buffer, block.data.byteOffset, block.numValues * 2);
      const dst = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) {
        const k = indices[i]! * 2;
        dst[2 * i] = src[k]!;
        dst[2 * i + 1] = src[k + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) out.set(block.data.subarray(indices[i]! * width, indices[i]! * width + width), i * width);
    }
    return fixedBlock(block.bitsPerValue, n, out);
  }
  if (block.kind === "variable") return takeVariable(block, indices);
  const childIdx = new Uint32Array(n * block.dimension);
  for (let i = 0; i < n; i++) for (let d = 0; d < block.dimension; d++) childIdx[i * block.dimension + d] = indices[i]! * block.dimension + d;
  const out: FslBlock = { kind: "fsl", dimension: block.dimension, numValues: n, child: takeFromBlock(block.child, childIdx, ctx) };
  if (block.itemValidity) {
    const validity = new Uint8Array((childIdx.length + 7) >> 3);
    for (let i = 0; i < childIdx.length; i++) if (getBit(block.itemValidity, childIdx[i]!)) setBit(validity, i, true);
    out.itemValidity = validity;
  }
  return out;
}

/**
 * Values `indices` of a variable-width block (checked in range by the caller).
 * Values are copied four bytes at a time through 32-bit loads and stores
 * (a dictionary's items are short and many rows repeat them), into a buffer
 * with 4 bytes of slack for the last store; values too near the end of the
 * source for a whole word are copied byte by byte.
 */
function takeVariable(block: VariableBlock, indices: Uint32Array): VariableBlock {
  const n = indices.length;
  const src = block.offsets;
  const bytes = block.data;
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    total += src[k + 1]! - src[k]!;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total + 4);
  const from = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const to = new DataView(data.buffer);
  const wordsEnd = bytes.byteLength - 4;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    const start = src[k]!;
    const end = src[k + 1]!;
    const length = end - start;
    if (length > 64) {
      data.set(bytes.subarray(start, end), at);
    } else if (start + length <= wordsEnd) {
      for (let j = 0; j < length; j += 4) to.setInt32(at + j, from.getInt32(start + j, true), true);
    } else {
      for (let j = 0; j < length; j++) data[at + j] = bytes[start + j]!;
    }
    at += length;
  }
  const out: VariableBlock = { kind: "variable", numValues: n, offsets, data: data.subarray(0, total) };
  if (block.ascii) out.ascii = true;
  return out;
}

/** Reads unsigned integer values of a fixed block as numbers (for indices, lengths, levels). */
export function blockToU32(block: DataBlock, ctx: DecodeContext): Uint32Array {
  if (block.kind !== "fixed") corrupt(ctx, "expected fixed-width integers");
  const n = block.numValues;
  const d = block.data;
  // aligned 32-bit words are read in place (callers only read what they get)
  if (block.bitsPerValue === 32 && (d.byteOffset & 3) === 0) return new Uint32Array(d.buffer, d.byteOffset, n);
  const out = new Uint32Array(n);
  switch (block.bitsPerValue) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = d[i]!;
      return out;
    case 16:
      for (let i = 0; i < n; i++) out[i] = d[2 * i]! | (d[2 * i + 1]! << 8);
      return out;
    case 32:
      for (let i = 0; i < n; i++) out[i] = (d[4 * i]! | (d[4 * i + 1]! << 8) | (d[4 * i + 2]! << 16) | (d[4 * i + 3]! << 24)) >>> 0;
      return out;
    case 64:
      for (let i = 0; i < n; i++) {
        const hi = d[8 * i + 4]! | (d[8 * i + 5]! << 8) | (d[8 * i + 6]! << 16) | (d[8 * i + 7]! << 24);
        if (hi !== 0) corrupt(ctx, `integer value at ${i} does not fit 32 bits`);
        out[i] = (d[8 * i]! | (d[8 * i + 1]! << 8) | (d[8 * i + 2]! << 16) | (d[8 * i + 3]! << 24)) >>> 0;
      }
      return out;
    default:
      return corrupt(ctx, `cannot read ${block.bitsPerValue}-bit values as integers`);
  }
}

/** Values [start, start + count) of a block; contiguous byte-aligned or variable-width values are views, not copies. */
export function sliceBlock(block: DataBlock, start: number, count: number, ctx: DecodeContext): DataBlock {
  if (count > 0 && (start < 0 || start + count > block.numValues)) corrupt(ctx, `values ${start}..${start + count} are outside the ${block.numValues} decoded`);
  // contiguous rows of byte-aligned or variable-width values are views, not copies
  if (count === 0) return takeFromBlock(block, new Uint32Array(0), ctx);
  // the whole of a variable-width block: its offsets already start at 0
  if (block.kind === "variable" && start === 0 && count === block.numValues) return block;
  if (block.kind === "fixed" && block.bitsPerValue % 8 === 0) {
    const width = block.bitsPerValue / 8;
    return fixedBlock(block.bitsPerValue, count, block.data.subarray(start * width, (start + count) * width));
  }
  if (block.kind === "variable") {
    const base = block.offsets[start]!;
    const offsets = new Uint32Array(count + 1);
    for (let i = 1; i <= count; i++) offsets[i] = block.offsets[start + i]! - base;
    const out: VariableBlock = { kind: "variable", numValues: count, offsets, data: block.data.subarray(base, block.offsets[start + count]!) };
    if (block.ascii) out.ascii = true;
    return out;
  }
  const idx = new Uint32Array(count);
  for (let i = 0; i < count; i++) idx[i] = start + i;
  return takeFromBlock(block, idx, ctx);
}
