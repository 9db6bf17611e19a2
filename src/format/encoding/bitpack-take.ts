// Selected values of an `inline_bitpacking` buffer (see bitpack.ts for the
// framing and the FastLanes layout), without unpacking every group: a group
// holding few selected values has them read one by one from their lanes, a
// group holding many is unpacked whole and the selected values copied out.
//
// Value index v of a group sits at row r, lane l where v = ROW_BASE[r] + l
// (ROW_BASE as in bitpack.ts); its W bits are bits r·W .. r·W+W-1 of lane l's
// stream, whose word k is packed word LANES·k + l (T-bit, little-endian).

import { CorruptFileError, LanceError } from "../../core/errors.js";
import { FASTLANES_GROUP_VALUES, unpackFastLanes, type UncompressedBits } from "./bitpack.js";

const FL_ORDER = [0, 4, 2, 6, 1, 5, 3, 7] as const;

/** Groups holding at least this many selected values are unpacked whole. */
const UNPACK_GROUP_AT = 32;

/** ROW_OF[log2(T) - 3][v] and LANE_OF[...][v]: where value v of a group of T-bit values lies. */
const ROW_OF: Uint8Array[] = [8, 16, 32, 64].map((t) => positionsOf(t).rows);
const LANE_OF: Uint8Array[] = [8, 16, 32, 64].map((t) => positionsOf(t).lanes);

function positionsOf(t: number): { rows: Uint8Array; lanes: Uint8Array } {
  const rows = new Uint8Array(FASTLANES_GROUP_VALUES);
  const lanes = new Uint8Array(FASTLANES_GROUP_VALUES);
  const numLanes = FASTLANES_GROUP_VALUES / t;
  for (let r = 0; r < t; r++) {
    const base = FL_ORDER[r >> 3]! * 16 + (r & 7) * 128;
    for (let l = 0; l < numLanes; l++) {
      rows[base + l] = r;
      lanes[base + l] = l;
    }
  }
  return { rows, lanes };
}

function tableIndex(t: UncompressedBits): number {
  return t === 8 ? 0 : t === 16 ? 1 : t === 32 ? 2 : 3;
}

/**
 * Up to 32 bits (`count`) of lane `lane`'s stream from stream bit `bit`, in a
 * group body at `body` of T-bit words (`wordBytes` = T/8, `numLanes` = 1024/T):
 * the bits in the word holding `bit`, then any rest from the lane's next word.
 */
function readLaneBits(packed: Uint8Array, body: number, wordBytes: number, numLanes: number, lane: number, bit: number, count: number): number {
  const wordBits = wordBytes * 8;
  const word = Math.floor(bit / wordBits);
  const inWord = bit - word * wordBits;
  const first = Math.min(count, wordBits - inWord);
  const low = bitsAt(packed, body + (numLanes * word + lane) * wordBytes + (inWord >> 3), inWord & 7, first);
  if (first === count) return low;
  return low + bitsAt(packed, body + (numLanes * (word + 1) + lane) * wordBytes, 0, count - first) * 2 ** first;
}

/** `count` (at most 32) contiguous little-endian bits from bit `shift` (0-7) of the byte at `at`. */
function bitsAt(bytes: Uint8Array, at: number, shift: number, count: number): number {
  const end = shift + count;
  let v = bytes[at]!;
  if (end > 8) v |= bytes[at + 1]! << 8;
  if (end > 16) v |= bytes[at + 2]! << 16;
  if (end > 24) v = (v | (bytes[at + 3]! << 24)) >>> 0;
  if (end <= 32) return count === 32 ? v >>> 0 : (v >>> shift) & (2 ** count - 1);
  // a 32-bit value starting past bit 0 of its byte reaches a fifth byte
  return (v >>> shift) + (bytes[at + 4]! & ((1 << (end - 32)) - 1)) * 2 ** (32 - shift);
}

function fail(path: string, byteOffset: number, detail: string): never {
  throw new CorruptFileError(path, byteOffset, `inline_bitpacking ${detail}`);
}

const scratch = new Uint8Array(FASTLANES_GROUP_VALUES * 8);

/**
 * The values at `positions` (sorted ascending, each below numValues) of an
 * `inline_bitpacking` buffer of numValues T-bit values: positions.length·T/8
 * bytes, little-endian. The buffer's framing is checked as decodeInlineBitpacking
 * checks it. `path` and `baseOffset` only shape error messages.
 */
export function takeInlineBitpacking(buffer: Uint8Array, uncompressedBits: UncompressedBits, numValues: number, positions: ArrayLike<number>, path: string, baseOffset: number): Uint8Array {
  const t = uncompressedBits;
  if (t !== 8 && t !== 16 && t !== 32 && t !== 64) throw new LanceError("NOT_SUPPORTED", `inline_bitpacking of ${t}-bit values is not supported`);
  const wordBytes = t >>> 3;
  const numLanes = FASTLANES_GROUP_VALUES / t;
  const rowOf = ROW_OF[tableIndex(t)]!;
  const laneOf = LANE_OF[tableIndex(t)]!;
  const out = new Uint8Array(positions.length * wordBytes);
  const groups = Math.ceil(numValues / FASTLANES_GROUP_VALUES);
  const size = buffer.byteLength;
  let position = 0;
  let k = 0;
  for (let g = 0; g < groups; g++) {
    if (position + wordBytes > size) fail(path, baseOffset + position, `group ${g} of ${groups}: width word runs past the buffer end (${size} bytes)`);
    let bitWidth = 0;
    for (let i = wordBytes - 1; i >= 0; i--) bitWidth = bitWidth * 256 + buffer[position + i]!;
    if (bitWidth > t) fail(path, baseOffset + position, `group ${g} of ${groups}: bit width ${bitWidth} exceeds ${t}-bit values`);
    const body = position + wordBytes;
    if (body + 128 * bitWidth > size) fail(path, baseOffset + position, `group ${g} of ${groups}: packed bytes at width ${bitWidth} run past the buffer end (${size} bytes)`);
    position = body + 128 * bitWidth;
    const groupStart = g * FASTLANES_GROUP_VALUES;
    const groupEnd = Math.min(numValues, groupStart + FASTLANES_GROUP_VALUES);
    let last = k;
    while (last < positions.length && positions[last]! < groupEnd) last++;
    if (last === k) continue;
    if (positions[k]! < groupStart) throw new LanceError("INTERNAL", "inline_bitpacking positions are not sorted");
    if (bitWidth === 0) {
      k = last;
      continue;
    }
    if (last - k >= UNPACK_GROUP_AT) {
      unpackFastLanes(buffer, body, t, bitWidth, scratch, 0);
      for (; k < last; k++) {
        const v = positions[k]! - groupStart;
        out.set(scratch.subarray(v * wordBytes, v * wordBytes + wordBytes), k * wordBytes);
      }
      continue;
    }
    for (; k < last; k++) {
      const v = positions[k]! - groupStart;
      const lane = laneOf[v]!;
      const bit = rowOf[v]! * bitWidth;
      const at = k * wordBytes;
      const low = readLaneBits(buffer, body, wordBytes, numLanes, lane, bit, Math.min(bitWidth, 32));
      out[at] = low & 0xff;
      if (wordBytes > 1) out[at + 1] = (low >>> 8) & 0xff;
      if (wordBytes > 2) {
        out[at + 2] = (low >>> 16) & 0xff;
        out[at + 3] = (low >>> 24) & 0xff;
      }
      if (bitWidth > 32) {
        const high = readLaneBits(buffer, body, wordBytes, numLanes, lane, bit + 32, bitWidth - 32);
        out[at + 4] = high & 0xff;
        out[at + 5] = (high >>> 8) & 0xff;
        out[at + 6] = (high >>> 16) & 0xff;
        out[at + 7] = (high >>> 24) & 0xff;
      }
    }
  }
  if (k !== positions.length) throw new LanceError("INTERNAL", `inline_bitpacking position ${positions[k]} is past the ${numValues} values`);
  if (position !== size) fail(path, baseOffset + position, `has ${size - position} bytes after its ${groups} groups of ${numValues} values`);
  return out;
}
