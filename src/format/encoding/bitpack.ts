// Bit packing as Lance writes it: the FastLanes transposed layout for one group
// of 1024 values, and the two framings built on it, `inline_bitpacking` (a bit
// width word before every group) and `out_of_line_bitpacking` (one bit width
// for the whole block, tail packed or raw). Follows the Lance file format spec
// §2.3 (encodings21 CompressiveEncoding fields 4 and 5) and lance-bitpacking.
//
// One group of 1024 T-bit values packed to W bits is 1024·W/T words of type T,
// read as LANES = 1024/T independent bit streams ("lanes"):
//
//   packed word  LANES·k + l   = word k of lane l's stream (little-endian bits)
//   row r of lane l            = stream bits r·W .. r·W+W-1, may spill into word k+1
//   value index of (r, l)      = FL_ORDER[r >> 3]·16 + (r & 7)·128 + l
//
// Every lane puts row r at the same bit position, so the kernels walk rows in
// the outer loop and lanes in the inner one: shift and word index are fixed per
// row and the inner loop is a straight pass over LANES consecutive words.
// Values travel as raw little-endian bytes; 64-bit values are handled as two
// 32-bit halves, never as BigInt.

import { CorruptFileError, LanceError } from "../../core/errors.js";

export type UncompressedBits = 8 | 16 | 32 | 64;

/** Values in one FastLanes group. */
export const FASTLANES_GROUP_VALUES = 1024;

/** Largest output a single decode call may allocate; more means corrupt metadata. */
export const MAX_DECODED_BYTES = 1 << 30;

const FL_ORDER = [0, 4, 2, 6, 1, 5, 3, 7] as const;

/** ROW_BASE[r] = value index of row r in lane 0; add the lane to get the index. */
const ROW_BASE = Uint16Array.from({ length: 64 }, (_, r) => FL_ORDER[r >> 3]! * 16 + (r & 7) * 128);

// Typed-array views use host byte order; the kernels assume it is little-endian.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Aligned staging areas, one group (up to 1024 × 8 bytes) each. Everything here
// is synchronous, so module-level scratch is never shared by two calls at once.
const GROUP_MAX_BYTES = 8192;
const scratchIn = new Uint8Array(GROUP_MAX_BYTES);
const scratchOut = new Uint8Array(GROUP_MAX_BYTES);
const scratchTail = new Uint8Array(GROUP_MAX_BYTES);

type Words = Uint8Array | Uint16Array | Uint32Array;

function isUncompressedBits(t: number): t is UncompressedBits {
  return t === 8 || t === 16 || t === 32 || t === 64;
}

function checkGroupArgs(fn: string, t: number, bitWidth: number): void {
  if (!HOST_LITTLE_ENDIAN) throw new LanceError("NOT_SUPPORTED", `${fn}: big-endian hosts are not supported`);
  if (!isUncompressedBits(t)) throw new LanceError("INVALID_INPUT", `${fn}: uncompressed bits ${t} is not 8, 16, 32 or 64`);
  if (!Number.isInteger(bitWidth) || bitWidth < 0 || bitWidth > t) {
    throw new LanceError("INVALID_INPUT", `${fn}: bit width ${bitWidth} is outside 0..${t}`);
  }
}

function checkRange(fn: string, what: string, bytes: Uint8Array, byteOffset: number, byteLength: number): void {
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset + byteLength > bytes.byteLength) {
    throw new LanceError("INVALID_INPUT", `${fn}: ${what} needs ${byteLength} bytes at offset ${byteOffset}, array has ${bytes.byteLength}`);
  }
}

/** Words of type T (two u32 halves per word when T = 64) over `byteLength` bytes. */
function wordView(t: UncompressedBits, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): Words {
  if (t === 8) return new Uint8Array(buffer, byteOffset, byteLength);
  if (t === 16) return new Uint16Array(buffer, byteOffset, byteLength >>> 1);
  return new Uint32Array(buffer, byteOffset, byteLength >>> 2);
}

function isAligned(t: UncompressedBits, bytes: Uint8Array, byteOffset: number): boolean {
  return (bytes.byteOffset + byteOffset) % (t === 64 ? 4 : t >>> 3) === 0;
}

/** Words to read: a view when aligned, else a copy in scratchIn. */
function readWords(t: UncompressedBits, bytes: Uint8Array, byteOffset: number, byteLength: number): Words {
  if (isAligned(t, bytes, byteOffset)) return wordView(t, bytes.buffer, bytes.byteOffset + byteOffset, byteLength);
  scratchIn.set(bytes.subarray(byteOffset, byteOffset + byteLength));
  return wordView(t, scratchIn.buffer, 0, byteLength);
}

/** Words to write: a view when aligned, else scratchOut, which flushWords copies back. */
function writeWords(t: UncompressedBits, bytes: Uint8Array, byteOffset: number, byteLength: number): Words {
  if (isAligned(t, bytes, byteOffset)) return wordView(t, bytes.buffer, bytes.byteOffset + byteOffset, byteLength);
  return wordView(t, scratchOut.buffer, 0, byteLength);
}

function flushWords(words: Words, bytes: Uint8Array, byteOffset: number, byteLength: number): void {
  if (words.buffer === scratchOut.buffer) bytes.set(scratchOut.subarray(0, byteLength), byteOffset);
}

function maskOf(bits: number): number {
  return bits >= 32 ? 0xffffffff : (1 << bits) - 1;
}

// ---------------------------------------------------------------- kernels

/** T ∈ {8,16,32}, 1 <= W <= T: 1024·W/T packed words -> 1024 values. */
function unpackNarrow(src: Words, dst: Words, t: number, w: number): void {
  const lanes = 1024 / t;
  const mask = maskOf(w);
  for (let row = 0; row < t; row++) {
    const bit = row * w;
    const shift = bit % t;
    const from = ((bit - shift) / t) * lanes;
    const to = ROW_BASE[row]!;
    if (shift + w <= t) {
      for (let lane = 0; lane < lanes; lane++) dst[to + lane] = (src[from + lane]! >>> shift) & mask;
    } else {
      const spill = t - shift;
      const next = from + lanes;
      for (let lane = 0; lane < lanes; lane++) {
        dst[to + lane] = ((src[from + lane]! >>> shift) | (src[next + lane]! << spill)) & mask;
      }
    }
  }
}

/** Inverse of unpackNarrow; `dst` must hold exactly 1024·W/T zeroed words. */
function packNarrow(src: Words, dst: Words, t: number, w: number): void {
  const lanes = 1024 / t;
  const mask = maskOf(w);
  for (let row = 0; row < t; row++) {
    const bit = row * w;
    const shift = bit % t;
    const to = ((bit - shift) / t) * lanes;
    const from = ROW_BASE[row]!;
    if (shift + w <= t) {
      // Typed-array stores drop the bits above T.
      for (let lane = 0; lane < lanes; lane++) dst[to + lane]! |= (src[from + lane]! & mask) << shift;
    } else {
      const spill = t - shift;
      const next = to + lanes;
      for (let lane = 0; lane < lanes; lane++) {
        const value = src[from + lane]! & mask;
        dst[to + lane]! |= value << shift;
        dst[next + lane]! |= value >>> spill;
      }
    }
  }
}

// For T = 64 a lane's stream is read as 32-bit halves: stream half h of lane l
// is u32 index 2·LANES·(h >> 1) + 2·l + (h & 1). A value at bit p spans halves
// p >> 5 .. (p + W - 1) >> 5, one to three of them. When it spans fewer than
// three, the unused half indices repeat the last real one: whatever they add
// lands above bit W and is masked off (unpack) or is zero (pack), so the inner
// loops need no branch.

/** For each of the 64 rows at width `w`: the u32 indices (relative to lane 0) of its three halves and its bit shift. */
function halvesTable(w: number): Int32Array {
  let table = HALVES[w];
  if (!table) {
    table = new Int32Array(64 * 4);
    for (let row = 0; row < 64; row++) {
      const bit = row * w;
      const first = bit >>> 5;
      const last = (bit + w - 1) >>> 5;
      for (let k = 0; k < 3; k++) {
        const h = Math.min(first + k, last);
        table[row * 4 + k] = 32 * (h >>> 1) + (h & 1);
      }
      table[row * 4 + 3] = bit & 31;
    }
    HALVES[w] = table;
  }
  return table;
}

const HALVES: (Int32Array | undefined)[] = [];

/** T = 64, 1 <= W <= 64, over u32 halves. */
function unpackWide(src: Uint32Array, dst: Uint32Array, w: number): void {
  const loMask = maskOf(w);
  const hiMask = w > 32 ? maskOf(w - 32) : 0;
  const halves = halvesTable(w);
  for (let row = 0; row < 64; row++) {
    const i0 = halves[row * 4]!;
    const i1 = halves[row * 4 + 1]!;
    const i2 = halves[row * 4 + 2]!;
    const shift = halves[row * 4 + 3]!;
    const to = 2 * ROW_BASE[row]!;
    if (w <= 32) {
      // the high halves of every value are zero
      if (shift === 0) {
        for (let j = 0; j < 32; j += 2) {
          dst[to + j] = src[i0 + j]! & loMask;
          dst[to + j + 1] = 0;
        }
      } else {
        const spill = 32 - shift;
        for (let j = 0; j < 32; j += 2) {
          dst[to + j] = ((src[i0 + j]! >>> shift) | (src[i1 + j]! << spill)) & loMask;
          dst[to + j + 1] = 0;
        }
      }
      continue;
    }
    if (shift === 0) {
      for (let j = 0; j < 32; j += 2) {
        dst[to + j] = src[i0 + j]! & loMask;
        dst[to + j + 1] = src[i1 + j]! & hiMask;
      }
    } else {
      const spill = 32 - shift;
      for (let j = 0; j < 32; j += 2) {
        const b = src[i1 + j]!;
        dst[to + j] = ((src[i0 + j]! >>> shift) | (b << spill)) & loMask;
        dst[to + j + 1] = ((b >>> shift) | (src[i2 + j]! << spill)) & hiMask;
      }
    }
  }
}

/** Inverse of unpackWide; `dst` must hold exactly 32·W zeroed halves. */
function packWide(src: Uint32Array, dst: Uint32Array, w: number): void {
  const loMask = maskOf(w);
  const hiMask = w > 32 ? maskOf(w - 32) : 0;
  const halves = halvesTable(w);
  for (let row = 0; row < 64; row++) {
    const i0 = halves[row * 4]!;
    const i1 = halves[row * 4 + 1]!;
    const i2 = halves[row * 4 + 2]!;
    const shift = halves[row * 4 + 3]!;
    const from = 2 * ROW_BASE[row]!;
    const spill = 32 - shift;
    // one loop per case, so the inner loops carry no branch; at W <= 32 the high halves add nothing
    if (w <= 32) {
      if (shift === 0) {
        for (let j = 0; j < 32; j += 2) dst[i0 + j]! |= src[from + j]! & loMask;
      } else {
        for (let j = 0; j < 32; j += 2) {
          const lo = src[from + j]! & loMask;
          dst[i0 + j]! |= lo << shift;
          dst[i1 + j]! |= lo >>> spill;
        }
      }
    } else if (shift === 0) {
      for (let j = 0; j < 32; j += 2) {
        dst[i0 + j]! |= src[from + j]!;
        dst[i1 + j]! |= src[from + j + 1]! & hiMask;
      }
    } else {
      for (let j = 0; j < 32; j += 2) {
        const lo = src[from + j]!;
        const hi = src[from + j + 1]! & hiMask;
        dst[i0 + j]! |= lo << shift;
        dst[i1 + j]! |= (lo >>> spill) | (hi << shift);
        dst[i2 + j]! |= hi >>> spill;
      }
    }
  }
}

// ---------------------------------------------------------------- one group

/**
 * Unpacks one FastLanes group: 128·W bytes at `packedByteOffset` become 1024
 * little-endian T-bit values (128·T bytes) at `outByteOffset`.
 */
export function unpackFastLanes(
  packed: Uint8Array,
  packedByteOffset: number,
  uncompressedBits: UncompressedBits,
  bitWidth: number,
  out: Uint8Array,
  outByteOffset: number,
): void {
  const t = uncompressedBits;
  checkGroupArgs("unpackFastLanes", t, bitWidth);
  const packedBytes = 128 * bitWidth;
  const outBytes = 128 * t;
  checkRange("unpackFastLanes", "packed group", packed, packedByteOffset, packedBytes);
  checkRange("unpackFastLanes", "output group", out, outByteOffset, outBytes);
  if (bitWidth === 0) {
    out.fill(0, outByteOffset, outByteOffset + outBytes);
    return;
  }
  const src = readWords(t, packed, packedByteOffset, packedBytes);
  const dst = writeWords(t, out, outByteOffset, outBytes);
  if (t === 64) unpackWide(src as Uint32Array, dst as Uint32Array, bitWidth);
  else unpackNarrow(src, dst, t, bitWidth);
  flushWords(dst, out, outByteOffset, outBytes);
}

/**
 * Packs one FastLanes group: 1024 little-endian T-bit values (128·T bytes) at
 * `valuesByteOffset` become 128·W bytes at `outByteOffset`. Bits of a value
 * above W are dropped, as Lance's packer does.
 */
export function packFastLanes(
  values: Uint8Array,
  valuesByteOffset: number,
  uncompressedBits: UncompressedBits,
  bitWidth: number,
  out: Uint8Array,
  outByteOffset: number,
): void {
  const t = uncompressedBits;
  checkGroupArgs("packFastLanes", t, bitWidth);
  const valueBytes = 128 * t;
  const packedBytes = 128 * bitWidth;
  checkRange("packFastLanes", "input group", values, valuesByteOffset, valueBytes);
  checkRange("packFastLanes", "packed group", out, outByteOffset, packedBytes);
  if (bitWidth === 0) return;
  const src = readWords(t, values, valuesByteOffset, valueBytes);
  const dst = writeWords(t, out, outByteOffset, packedBytes);
  dst.fill(0);
  if (t === 64) packWide(src as Uint32Array, dst as Uint32Array, bitWidth);
  else packNarrow(src, dst, t, bitWidth);
  flushWords(dst, out, outByteOffset, packedBytes);
}

/** The number of bits needed for the largest of `count` unsigned T-bit values. */
export function bitWidthFor(values: Uint8Array, uncompressedBits: UncompressedBits, count: number): number {
  checkGroupArgs("bitWidthFor", uncompressedBits, 0);
  checkEncodeCount("bitWidthFor", values, uncompressedBits, count);
  const wordBytes = uncompressedBits >>> 3;
  const byteLength = count * wordBytes;
  // OR every byte position of the value separately; the highest non-zero
  // position decides the width.
  for (let j = wordBytes - 1; j >= 0; j--) {
    let acc = 0;
    for (let i = j; i < byteLength; i += wordBytes) acc |= values[i]!;
    if (acc !== 0) return j * 8 + 32 - Math.clz32(acc);
  }
  return 0;
}

// ---------------------------------------------------------------- inline framing

/** Throws CorruptFileError for `encoding` at `at` bytes into a buffer that starts at `baseOffset`. */
function corruptAt(encoding: string, path: string, baseOffset: number): (at: number, detail: string) => never {
  return (at, detail) => {
    throw new CorruptFileError(path, baseOffset + at, `${encoding} ${detail}`);
  };
}

function checkDecodeArgs(fail: (at: number, detail: string) => never, encoding: string, t: number, numValues: number): number {
  if (t === 128) throw new LanceError("NOT_SUPPORTED", `${encoding} of 128-bit values is not supported`);
  if (!isUncompressedBits(t)) fail(0, `uncompressed bits ${t} is not 8, 16, 32 or 64`);
  if (!Number.isSafeInteger(numValues) || numValues < 0) fail(0, `value count ${numValues} is not a valid count`);
  const outBytes = numValues * (t >>> 3);
  if (outBytes > MAX_DECODED_BYTES) {
    fail(0, `of ${numValues} ${t}-bit values would decode to ${outBytes} bytes, over the ${MAX_DECODED_BYTES}-byte limit`);
  }
  return outBytes;
}

/**
 * Decodes `inline_bitpacking`: groups of `[T-bit word W][1024·W/T packed
 * T-words]` back to back, the last one zero-padded to 1024 values. Returns
 * exactly numValues·T/8 bytes. `path` and `baseOffset` (the file position of
 * `buffer`) only shape error messages.
 */
export function decodeInlineBitpacking(
  buffer: Uint8Array,
  uncompressedBits: UncompressedBits,
  numValues: number,
  path: string,
  baseOffset: number,
): Uint8Array {
  const fail = corruptAt("inline_bitpacking", path, baseOffset);
  const outBytes = checkDecodeArgs(fail, "inline_bitpacking", uncompressedBits, numValues);
  const t = uncompressedBits;
  if (numValues === 0) return new Uint8Array(0);
  const size = buffer.byteLength;
  const wordBytes = t >>> 3;
  const groups = Math.ceil(numValues / FASTLANES_GROUP_VALUES);
  // Every group has at least its width word; checking this first bounds the
  // allocation below by the buffer size.
  if (groups * wordBytes > size) {
    fail(0, `of ${numValues} values needs ${groups} groups of at least ${wordBytes} bytes, buffer has ${size}`);
  }
  const out = new Uint8Array(outBytes);
  const groupOutBytes = 128 * t;
  let position = 0;
  for (let g = 0; g < groups; g++) {
    if (position + wordBytes > size) fail(position, `group ${g} of ${groups}: ${wordBytes}-byte width word runs past the buffer end (${size} bytes)`);
    const bitWidth = readWidthWord(buffer, position, wordBytes);
    if (bitWidth > t) fail(position, `group ${g} of ${groups}: bit width ${bitWidth} exceeds ${t}-bit values`);
    const bodyAt = position + wordBytes;
    const bodyBytes = 128 * bitWidth;
    if (bodyAt + bodyBytes > size) {
      fail(position, `group ${g} of ${groups}: ${bodyBytes} packed bytes at width ${bitWidth} run past the buffer end (${size - bodyAt} bytes left)`);
    }
    const count = Math.min(FASTLANES_GROUP_VALUES, numValues - g * FASTLANES_GROUP_VALUES);
    unpackGroup(buffer, bodyAt, count, t, bitWidth, out, g * groupOutBytes);
    position = bodyAt + bodyBytes;
  }
  if (position !== size) fail(position, `has ${size - position} bytes after its ${groups} groups of ${numValues} values`);
  return out;
}

/** Reads a little-endian width word as a Number (inexact above 2^53, which is corrupt anyway). */
function readWidthWord(buffer: Uint8Array, position: number, wordBytes: number): number {
  let value = 0;
  for (let i = wordBytes - 1; i >= 0; i--) value = value * 256 + buffer[position + i]!;
  return value;
}

/**
 * Encodes `inline_bitpacking`, choosing per group of 1024 the smallest width
 * that holds the group's largest unsigned value. `values` holds numValues
 * little-endian T-bit values from byte 0.
 */
export function encodeInlineBitpacking(
  values: Uint8Array,
  uncompressedBits: UncompressedBits,
  numValues: number,
): Uint8Array {
  const t = uncompressedBits;
  checkGroupArgs("encodeInlineBitpacking", t, 0);
  checkEncodeCount("encodeInlineBitpacking", values, t, numValues);
  const wordBytes = t >>> 3;
  const groupInBytes = 128 * t;
  const groups = Math.ceil(numValues / FASTLANES_GROUP_VALUES);
  const widths = new Uint8Array(groups);
  let total = 0;
  for (let g = 0; g < groups; g++) {
    const count = Math.min(FASTLANES_GROUP_VALUES, numValues - g * FASTLANES_GROUP_VALUES);
    const at = g * groupInBytes;
    const bitWidth = bitWidthFor(values.subarray(at, at + count * wordBytes), t, count);
    widths[g] = bitWidth;
    total += wordBytes + 128 * bitWidth;
  }
  const out = new Uint8Array(total);
  let position = 0;
  for (let g = 0; g < groups; g++) {
    const count = Math.min(FASTLANES_GROUP_VALUES, numValues - g * FASTLANES_GROUP_VALUES);
    const bitWidth = widths[g]!;
    out[position] = bitWidth; // the rest of the little-endian width word stays 0
    position += wordBytes;
    packGroup(values, g * groupInBytes, count, t, bitWidth, out, position);
    position += 128 * bitWidth;
  }
  return out;
}

function checkEncodeCount(fn: string, values: Uint8Array, t: number, numValues: number): void {
  if (!Number.isSafeInteger(numValues) || numValues < 0) {
    throw new LanceError("INVALID_INPUT", `${fn}: value count ${numValues} is not a valid count`);
  }
  if (numValues * (t >>> 3) > values.byteLength) {
    throw new LanceError("INVALID_INPUT", `${fn}: ${numValues} ${t}-bit values need ${numValues * (t >>> 3)} bytes, input has ${values.byteLength}`);
  }
}

/** Packs `count` <= 1024 values at `valuesAt`, zero-padding a short group to 1024. */
function packGroup(values: Uint8Array, valuesAt: number, count: number, t: UncompressedBits, w: number, out: Uint8Array, outAt: number): void {
  if (count === FASTLANES_GROUP_VALUES) return packFastLanes(values, valuesAt, t, w, out, outAt);
  const valueBytes = count * (t >>> 3);
  scratchTail.set(values.subarray(valuesAt, valuesAt + valueBytes));
  scratchTail.fill(0, valueBytes, 128 * t);
  packFastLanes(scratchTail, 0, t, w, out, outAt);
}

/** Unpacks a group and keeps its first `count` <= 1024 values. */
function unpackGroup(packed: Uint8Array, packedAt: number, count: number, t: UncompressedBits, w: number, out: Uint8Array, outAt: number): void {
  if (count === FASTLANES_GROUP_VALUES) return unpackFastLanes(packed, packedAt, t, w, out, outAt);
  unpackFastLanes(packed, packedAt, t, w, scratchTail, 0);
  out.set(scratchTail.subarray(0, count * (t >>> 3)), outAt);
}

// ---------------------------------------------------------------- out-of-line framing

/** Byte sizes of an out-of-line block; a raw tail is used iff it is not larger. */
function outOfLineSizes(t: number, bitWidth: number, numValues: number) {
  const fullGroups = Math.floor(numValues / FASTLANES_GROUP_VALUES);
  const tail = numValues - fullGroups * FASTLANES_GROUP_VALUES;
  const groupBytes = 128 * bitWidth;
  const fullBytes = fullGroups * groupBytes;
  const rawTailBytes = tail * (t >>> 3);
  return { fullGroups, tail, groupBytes, fullBytes, rawLength: fullBytes + rawTailBytes, packedLength: tail > 0 ? fullBytes + groupBytes : fullBytes };
}

/**
 * Decodes `out_of_line_bitpacking`: full groups packed at one width W back to
 * back, then the tail either packed as a zero-padded group or stored raw. The
 * buffer length tells which: raw iff it equals fullGroups·128·W + tail·T/8.
 * Returns exactly numValues·T/8 bytes.
 */
export function decodeOutOfLineBitpacking(
  buffer: Uint8Array,
  uncompressedBits: UncompressedBits,
  bitWidth: number,
  numValues: number,
  path: string,
  baseOffset: number,
): Uint8Array {
  const fail = corruptAt("out_of_line_bitpacking", path, baseOffset);
  const outBytes = checkDecodeArgs(fail, "out_of_line_bitpacking", uncompressedBits, numValues);
  const t = uncompressedBits;
  if (!Number.isInteger(bitWidth) || bitWidth < 0 || bitWidth > t) fail(0, `bit width ${bitWidth} is outside 0..${t}`);
  const sizes = outOfLineSizes(t, bitWidth, numValues);
  const rawTail = sizes.tail > 0 && buffer.byteLength === sizes.rawLength;
  // Like Lance, bytes past the packed tail are ignored.
  if (!rawTail && buffer.byteLength < sizes.packedLength) {
    const expected = sizes.tail > 0 ? `${sizes.packedLength} (packed tail) or ${sizes.rawLength} (raw tail)` : `${sizes.packedLength}`;
    fail(0, `of ${numValues} ${t}-bit values at width ${bitWidth} needs ${expected} bytes, buffer has ${buffer.byteLength}`);
  }
  const out = new Uint8Array(outBytes);
  const groupOutBytes = 128 * t;
  for (let g = 0; g < sizes.fullGroups; g++) {
    unpackFastLanes(buffer, g * sizes.groupBytes, t, bitWidth, out, g * groupOutBytes);
  }
  if (sizes.tail > 0) {
    const tailOutAt = sizes.fullGroups * groupOutBytes;
    if (rawTail) out.set(buffer.subarray(sizes.fullBytes, sizes.fullBytes + outBytes - tailOutAt), tailOutAt);
    else unpackGroup(buffer, sizes.fullBytes, sizes.tail, t, bitWidth, out, tailOutAt);
  }
  return out;
}

/**
 * Encodes `out_of_line_bitpacking` at one width for the whole block, choosing
 * the tail form as Lance does: raw when the packed group would take at least
 * as many words as the tail values.
 */
export function encodeOutOfLineBitpacking(
  values: Uint8Array,
  uncompressedBits: UncompressedBits,
  bitWidth: number,
  numValues: number,
): Uint8Array {
  const t = uncompressedBits;
  checkGroupArgs("encodeOutOfLineBitpacking", t, bitWidth);
  checkEncodeCount("encodeOutOfLineBitpacking", values, t, numValues);
  const needed = bitWidthFor(values, t, numValues);
  if (needed > bitWidth) {
    throw new LanceError("INVALID_INPUT", `encodeOutOfLineBitpacking: values need ${needed} bits, width is ${bitWidth}`);
  }
  const sizes = outOfLineSizes(t, bitWidth, numValues);
  const rawTail = sizes.tail > 0 && sizes.rawLength <= sizes.packedLength;
  const out = new Uint8Array(rawTail ? sizes.rawLength : sizes.packedLength);
  const groupInBytes = 128 * t;
  for (let g = 0; g < sizes.fullGroups; g++) {
    packFastLanes(values, g * groupInBytes, t, bitWidth, out, g * sizes.groupBytes);
  }
  if (sizes.tail > 0) {
    const tailAt = sizes.fullGroups * groupInBytes;
    if (rawTail) out.set(values.subarray(tailAt, tailAt + sizes.tail * (t >>> 3)), sizes.fullBytes);
    else packGroup(values, tailAt, sizes.tail, t, bitWidth, out, sizes.fullBytes);
  }
  return out;
}
