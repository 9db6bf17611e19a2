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
const UNPACK_GROUP_AT = 64;

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
 * A lane's stream is read in units of U = min(T, 32) bits: unit u of lane
 * `lane` is part u % (T/U) of the lane's word floor(u / (T/U)), which sits
 * at `laneBase` + word · `stride` (the bytes of one row of every lane).
 */
function unitAt(packed: Uint8Array, laneBase: number, stride: number, unitBytes: number, unitsPerWord: number, u: number): number {
  const a = laneBase + (unitsPerWord === 2 ? (u >>> 1) * stride + (u & 1) * 4 : u * stride);
  if (unitBytes === 4) return (packed[a]! | (packed[a + 1]! << 8) | (packed[a + 2]! << 16) | (packed[a + 3]! << 24)) >>> 0;
  return unitBytes === 2 ? packed[a]! | (packed[a + 1]! << 8) : packed[a]!;
}

function fail(path: string, byteOffset: number, detail: string): never {
  throw new CorruptFileError(path, byteOffset, `inline_bitpacking ${detail}`);
}

const scratch = new Uint8Array(FASTLANES_GROUP_VALUES * 8);
const scratchWords = new Uint32Array(scratch.buffer);

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
  // 32- and 64-bit values are written as 32-bit words (little-endian, as typed arrays are on every supported platform)
  const words = wordBytes >= 4 ? new Uint32Array(out.buffer, 0, positions.length * (wordBytes >>> 2)) : undefined;
  const unitBits = Math.min(t, 32);
  const unitBytes = unitBits >>> 3;
  const unitsPerWord = t / unitBits;
  const stride = numLanes * wordBytes;
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
      if (words) {
        for (; k < last; k++) {
          const v = (positions[k]! - groupStart) * unitsPerWord;
          words[k * unitsPerWord] = scratchWords[v]!;
          if (unitsPerWord === 2) words[k * 2 + 1] = scratchWords[v + 1]!;
        }
      } else {
        for (; k < last; k++) {
          const v = (positions[k]! - groupStart) * wordBytes;
          out[k * wordBytes] = scratch[v]!;
          if (wordBytes === 2) out[k * wordBytes + 1] = scratch[v + 1]!;
        }
      }
      continue;
    }
    // W bits from stream bit r·W: at most two units below 32-bit words (W <= U), three at 64
    const mask = bitWidth >= 32 ? 0xffffffff : (1 << bitWidth) - 1;
    const maskHigh = bitWidth > 32 ? (bitWidth === 64 ? 0xffffffff : (1 << (bitWidth - 32)) - 1) : 0;
    for (; k < last; k++) {
      const v = positions[k]! - groupStart;
      const laneBase = body + laneOf[v]! * wordBytes;
      const bit = rowOf[v]! * bitWidth;
      let u = Math.floor(bit / unitBits);
      const shift = bit - u * unitBits;
      const first = unitAt(buffer, laneBase, stride, unitBytes, unitsPerWord, u);
      let low = first >>> shift;
      let next = 0;
      if (shift + bitWidth > unitBits) {
        next = unitAt(buffer, laneBase, stride, unitBytes, unitsPerWord, ++u);
        if (shift > 0) low = (low | (next << (unitBits - shift))) >>> 0;
      }
      low = (low & mask) >>> 0;
      if (wordBytes >= 4) {
        words![k * unitsPerWord] = low;
        if (bitWidth > 32) {
          let high = next >>> shift;
          if (shift + bitWidth > 64) high = (high | (unitAt(buffer, laneBase, stride, unitBytes, unitsPerWord, ++u) << (32 - shift))) >>> 0;
          words![k * 2 + 1] = (high & maskHigh) >>> 0;
        }
      } else {
        out[k * wordBytes] = low & 0xff;
        if (wordBytes === 2) out[k * wordBytes + 1] = low >>> 8;
      }
    }
  }
  if (k !== positions.length) throw new LanceError("INTERNAL", `inline_bitpacking position ${positions[k]} is past the ${numValues} values`);
  if (position !== size) fail(path, baseOffset + position, `has ${size - position} bytes after its ${groups} groups of ${numValues} values`);
  return out;
}
