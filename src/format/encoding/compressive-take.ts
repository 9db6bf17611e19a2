// Selected values of one mini-block chunk (lance.encodings21.CompressiveEncoding):
// what decodeMiniBlockValues (compressive.ts) decodes, restricted to sorted
// positions, so a read of a few rows of a chunk neither unpacks nor copies the
// others. Flat values are gathered, bit-packed values read from their lanes
// (bitpack-take.ts), variable-width values copied only where selected, and
// FSST strings decompressed only where selected; other encodings decode the
// chunk and then take the positions.

import { LanceError } from "../../core/errors.js";
import type { CompressiveEncoding } from "../pb/encodings_v2_1_pb.js";
import { takeInlineBitpacking } from "./bitpack-take.js";
import { decodeLevels, decodeMiniBlockValues, flatFromBuffer, fsstBlock, schemeName } from "./compressive.js";
import { blockToU32, corrupt, fixedBlock, takeFromBlock, type DataBlock, type DecodeContext, type VariableBlock } from "./data-block.js";
import { decodeGeneralBuffer } from "./general.js";

function checkPositions(positions: Uint32Array, numValues: number): void {
  let prev = -1;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (p <= prev || p >= numValues) throw new LanceError("INTERNAL", `value position ${p} is out of order or past the chunk's ${numValues} values`);
    prev = p;
  }
}

/**
 * The mini-block form of `variable` (n+1 chunk-relative offsets, then the
 * bytes) at `positions`: offsets are read and checked only for the selected
 * values, and only their bytes are copied.
 */
function takeVariable(buffer: Uint8Array, numValues: number, offsetBits: number, positions: Uint32Array, ctx: DecodeContext): VariableBlock {
  if (offsetBits !== 32 && offsetBits !== 64) corrupt(ctx, `${offsetBits}-bit offsets`);
  const width = offsetBits / 8;
  if (buffer.byteLength < (numValues + 1) * width) corrupt(ctx, `offsets need ${(numValues + 1) * width} bytes, ${buffer.byteLength} present`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const offsetAt = (i: number): number => {
    if (width === 4) return view.getUint32(4 * i, true);
    if (view.getUint32(8 * i + 4, true) !== 0) corrupt(ctx, `offset ${i} exceeds 4 GiB`);
    return view.getUint32(8 * i, true);
  };
  const n = positions.length;
  const starts = new Uint32Array(n);
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = positions[i]!;
    const start = offsetAt(p);
    const end = offsetAt(p + 1);
    if (end < start || end > buffer.byteLength) corrupt(ctx, `variable-width offset ${p + 1} = ${end} is out of order or past the chunk (${buffer.byteLength} bytes)`);
    starts[i] = start;
    total += end - start;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const from = starts[i]!;
    const length = offsets[i + 1]! - offsets[i]!;
    let at = offsets[i]!;
    if (length < 32) for (let j = from; j < from + length; j++) data[at++] = buffer[j]!;
    else data.set(buffer.subarray(from, from + length), at);
  }
  return { kind: "variable", numValues: n, offsets, data };
}

/**
 * Values at `positions` (sorted, distinct, each below numValues) of one
 * mini-block chunk's value buffers: the same values, in the same block form,
 * as takeFromBlock(decodeMiniBlockValues(...), positions).
 */
export function takeMiniBlockValues(enc: CompressiveEncoding, buffers: Uint8Array[], numValues: number, positions: Uint32Array, ctx: DecodeContext): DataBlock {
  checkPositions(positions, numValues);
  const c = enc.compression;
  const first = buffers[0];
  switch (c.case) {
    case "flat": {
      if (first === undefined) break;
      const buf = c.value.data ? decodeGeneralBuffer(first, schemeName(c.value.data.scheme, ctx), ctx.path, ctx.byteOffset) : first;
      const bits = Number(c.value.bitsPerValue);
      if (bits !== 1 && (bits <= 0 || bits % 8 !== 0 || bits > 1 << 20)) break;
      return takeFromBlock(flatFromBuffer(bits, numValues, buf, ctx), positions, ctx);
    }
    case "variable": {
      const offsetsEnc = c.value.offsets;
      if (first === undefined || c.value.values || offsetsEnc?.compression.case !== "flat") break;
      return takeVariable(first, numValues, Number(offsetsEnc.compression.value.bitsPerValue), positions, ctx);
    }
    case "inlineBitpacking": {
      const bits = Number(c.value.uncompressedBitsPerValue);
      if (first === undefined || (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64)) break;
      const buf = c.value.values ? decodeGeneralBuffer(first, schemeName(c.value.values.scheme, ctx), ctx.path, ctx.byteOffset) : first;
      return fixedBlock(bits, positions.length, takeInlineBitpacking(buf, bits, numValues, positions, ctx.path, ctx.byteOffset));
    }
    case "fsst": {
      if (!c.value.values) break;
      return fsstBlock(c.value.symbolTable, takeMiniBlockValues(c.value.values, buffers, numValues, positions, ctx), ctx);
    }
    case "general": {
      if (first === undefined || !c.value.compression || !c.value.values) break;
      const decompressed = [decodeGeneralBuffer(first, schemeName(c.value.compression.scheme, ctx), ctx.path, ctx.byteOffset), ...buffers.slice(1)];
      return takeMiniBlockValues(c.value.values, decompressed, numValues, positions, ctx);
    }
    default:
      break;
  }
  // everything else, and anything malformed (reported by the full decoder), decodes the chunk first
  return takeFromBlock(decodeMiniBlockValues(enc, buffers, numValues, ctx), positions, ctx);
}

/**
 * Rep or def levels at `positions` (sorted, distinct, each below numLevels) of
 * a block of numLevels levels: the same u16 values as picking them from
 * decodeLevels, without unpacking the others when the levels are bit-packed.
 */
export function takeLevels(enc: CompressiveEncoding, buffer: Uint8Array, numLevels: number, positions: Uint32Array, ctx: DecodeContext): Uint16Array {
  checkPositions(positions, numLevels);
  const c = enc.compression;
  const out = new Uint16Array(positions.length);
  if (c.case === "inlineBitpacking") {
    const bits = Number(c.value.uncompressedBitsPerValue);
    if (bits === 8 || bits === 16 || bits === 32 || bits === 64) {
      const picked = blockToU32(fixedBlock(bits, positions.length, takeInlineBitpacking(buffer, bits, numLevels, positions, ctx.path, ctx.byteOffset)), ctx);
      for (let i = 0; i < picked.length; i++) {
        if (picked[i]! > 0xffff) corrupt(ctx, `level ${picked[i]} exceeds 16 bits`);
        out[i] = picked[i]!;
      }
      return out;
    }
  }
  const all = decodeLevels(enc, buffer, numLevels, ctx);
  for (let i = 0; i < positions.length; i++) out[i] = all[positions[i]!]!;
  return out;
}
