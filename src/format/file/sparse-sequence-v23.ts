// The number sequences of a Lance file format 2.3 sparse structural plane
// (lance.encodings23.SparseStructure): the positions of a validity set or of
// a list layer's non-empty lists, and the lists' item counts. Each is a
// CompressiveEncoding; those that keep values in page buffers take them in
// the order the plane names them (layers outermost first; in a list layer
// non-empty positions, counts, then its validity), one page buffer each:
//
//   constant, arithmetic sequence     no buffer
//   flat, bit-packed, general         one buffer, as the 2.1 block codecs read it
//   delta                             its deltas' buffer (count - 1 deltas after `base`)
//   dictionary                        one buffer: u64 indices bytes | u64 items bytes |
//                                     indices | items (a part without a buffer has 0 bytes)
//   rle                               one buffer: u64 values bytes | values | run lengths
//
// (layouts read from the files Lance 14 writes). Sequences are returned as
// Float64Array: positions and counts stay below 2^53.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { LanceError } from "../../core/errors.js";
import { CompressiveEncodingSchema as CompressiveEncoding21Schema } from "../pb/encodings_v2_1_pb.js";
import { CompressiveEncodingSchema, type CompressiveEncoding } from "../pb/encodings_v2_3_pb.js";
import { decodeBlock } from "../encoding/compressive.js";
import { checkCount, corrupt, type DataBlock, type DecodeContext } from "../encoding/data-block.js";

function unsupported(what: string, ctx: DecodeContext): never {
  throw new LanceError("NOT_SUPPORTED", `${ctx.path}: ${what} of Lance file format 2.3 is not supported by lancets`);
}

/** The page buffers of a sparse plane, taken one by one in the order its encodings name them. */
export class BufferCursor {
  private next = 0;
  constructor(
    private readonly buffers: readonly Uint8Array[],
    private readonly what = "page",
  ) {}

  take(ctx: DecodeContext): Uint8Array {
    const buffer = this.buffers[this.next];
    if (!buffer) return corrupt(ctx, `sparse structural plane needs more than the ${this.buffers.length} buffers of its ${this.what}`);
    this.next++;
    return buffer;
  }

  /** Fails unless every buffer was taken: buffers left over mean the plane was read in the wrong order. */
  finish(ctx: DecodeContext): void {
    if (this.next !== this.buffers.length) corrupt(ctx, `sparse structural plane reads ${this.next} of the ${this.buffers.length} buffers of its ${this.what}`);
  }
}

/** Whether an encoding keeps values in a buffer (false for constants and arithmetic sequences, and composites of them). */
export function needsBuffer(enc: CompressiveEncoding | undefined): boolean {
  const c = enc?.compression;
  switch (c?.case) {
    case undefined:
    case "constant":
    case "arithmeticSequence":
      return false;
    case "delta":
      return needsBuffer(c.value.deltas);
    case "dictionary":
      return needsBuffer(c.value.indices) || needsBuffer(c.value.items);
    case "rle":
      return needsBuffer(c.value.values) || needsBuffer(c.value.runLengths);
    default:
      return true;
  }
}

/** Numbers of a fixed-width block of 8 to 64 bits. */
function toNumbers(block: DataBlock, ctx: DecodeContext): Float64Array {
  if (block.kind !== "fixed" || ![8, 16, 32, 64].includes(block.bitsPerValue)) return corrupt(ctx, "sparse sequence values are not 8- to 64-bit integers");
  const n = block.numValues;
  const out = new Float64Array(n);
  const view = new DataView(block.data.buffer, block.data.byteOffset, block.data.byteLength);
  const bytes = block.bitsPerValue / 8;
  if (block.data.byteLength < n * bytes) corrupt(ctx, `sparse sequence of ${n} values holds ${block.data.byteLength} bytes`);
  for (let i = 0; i < n; i++) {
    if (bytes === 1) out[i] = view.getUint8(i);
    else if (bytes === 2) out[i] = view.getUint16(2 * i, true);
    else if (bytes === 4) out[i] = view.getUint32(4 * i, true);
    else {
      const high = view.getUint32(8 * i + 4, true);
      if (high >= 2 ** 21) corrupt(ctx, `sparse sequence value ${i} passes 2^53`);
      out[i] = view.getUint32(8 * i, true) + high * 2 ** 32;
    }
  }
  return out;
}

/** A constant's value, little-endian, of 1 to 8 bytes. */
function constantValue(bytes: Uint8Array | undefined, ctx: DecodeContext): number {
  const b = bytes ?? new Uint8Array(0);
  if (b.length === 0 || b.length > 8) corrupt(ctx, `constant sparse sequence value of ${b.length} bytes`);
  let value = 0;
  for (let i = b.length - 1; i >= 0; i--) value = value * 256 + b[i]!;
  if (!Number.isSafeInteger(value)) corrupt(ctx, "constant sparse sequence value passes 2^53");
  return value;
}

/** Splits a composite encoding's buffer: `numLengths` u64 byte lengths, then the parts in order. */
function splitParts(buffer: Uint8Array, numLengths: number, ctx: DecodeContext, what: string): Uint8Array[] {
  const header = 8 * numLengths;
  if (buffer.byteLength < header) corrupt(ctx, `${what} buffer of ${buffer.byteLength} bytes has no ${header}-byte header`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const parts: Uint8Array[] = [];
  let at = header;
  for (let i = 0; i < numLengths; i++) {
    const length = Number(view.getBigUint64(8 * i, true));
    if (at + length > buffer.byteLength) corrupt(ctx, `${what} part ${i} of ${length} bytes passes its buffer (${buffer.byteLength} bytes)`);
    parts.push(buffer.subarray(at, at + length));
    at += length;
  }
  if (numLengths === 1) parts.push(buffer.subarray(at));
  return parts;
}

/** The buffer of a composite's part, when it has one. */
function partCursor(part: Uint8Array, enc: CompressiveEncoding | undefined): BufferCursor {
  return new BufferCursor(needsBuffer(enc) ? [part] : [], "part");
}

/**
 * `count` numbers of a sparse sequence, taking the buffers it needs from
 * `cursor`; `what` names the sequence in errors.
 */
export function decodeSequence(enc: CompressiveEncoding | undefined, count: number, cursor: BufferCursor, ctx: DecodeContext, what: string): Float64Array {
  checkCount(count, ctx, `${what} count`);
  if (count === 0 && !needsBuffer(enc)) return new Float64Array(0);
  if (!enc) return corrupt(ctx, `${count} ${what} without an encoding`);
  const c = enc.compression;
  switch (c.case) {
    case "constant":
      return new Float64Array(count).fill(constantValue(c.value.value, ctx));
    case "arithmeticSequence": {
      const first = Number(c.value.first);
      const step = Number(c.value.step);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = first + i * step;
      if (count > 0 && !Number.isSafeInteger(out[count - 1])) corrupt(ctx, `${what} sequence passes 2^53`);
      return out;
    }
    case "delta": {
      const deltas = count > 0 ? decodeSequence(c.value.deltas, count - 1, cursor, ctx, `${what} deltas`) : new Float64Array(0);
      const out = new Float64Array(count);
      let value = Number(c.value.base);
      for (let i = 0; i < count; i++) {
        if (i > 0) value += deltas[i - 1]!;
        out[i] = value;
      }
      if (count > 0 && !Number.isSafeInteger(value)) corrupt(ctx, `delta-encoded ${what} pass 2^53`);
      return out;
    }
    case "dictionary": {
      const d = c.value;
      const numItems = checkCount(d.numItems, ctx, `${what} dictionary size`);
      const [indicesBytes, itemsBytes] = needsBuffer(enc) ? splitParts(cursor.take(ctx), 2, ctx, `${what} dictionary`) : [new Uint8Array(0), new Uint8Array(0)];
      const items = decodeSequence(d.items, numItems, partCursor(itemsBytes!, d.items), ctx, `${what} dictionary items`);
      const indices = decodeSequence(d.indices, count, partCursor(indicesBytes!, d.indices), ctx, `${what} dictionary indices`);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const k = indices[i]!;
        if (k >= numItems) corrupt(ctx, `${what} dictionary index ${k} (value ${i}) passes its ${numItems} items`);
        out[i] = items[k]!;
      }
      return out;
    }
    case "rle":
      return decodeRuns(enc, count, cursor, ctx, what);
    case undefined:
      return corrupt(ctx, `${what} encoding is empty`);
    case "flat":
    case "outOfLineBitpacking":
    case "inlineBitpacking":
    case "general": {
      const as21 = fromBinary(CompressiveEncoding21Schema, toBinary(CompressiveEncodingSchema, create(CompressiveEncodingSchema, enc)));
      return toNumbers(decodeBlock(as21, cursor.take(ctx), count, ctx), ctx);
    }
    default:
      return unsupported(`${what} in ${c.case} compression`, ctx);
  }
}

/**
 * Run-length sequences: run values and run lengths, as many runs as make up
 * `count` values (the number of runs is not stored: a part with a buffer
 * bounds it, runs of 0 values past the end are padding).
 */
function decodeRuns(enc: CompressiveEncoding, count: number, cursor: BufferCursor, ctx: DecodeContext, what: string): Float64Array {
  if (enc.compression.case !== "rle") return corrupt(ctx, "not a run-length encoding");
  const { values: valuesEnc, runLengths: lengthsEnc } = enc.compression.value;
  const [valueBytes, lengthBytes] = needsBuffer(enc) ? splitParts(cursor.take(ctx), 1, ctx, `${what} run-length`) : [new Uint8Array(0), new Uint8Array(0)];
  const width = (e: CompressiveEncoding | undefined): number => {
    const c = e?.compression;
    return c?.case === "flat" ? Number(c.value.bitsPerValue) / 8 : 0;
  };
  // runs: from a flat part's size, else at most one per value
  const valueWidth = width(valuesEnc);
  const lengthWidth = width(lengthsEnc);
  const numRuns = valueWidth > 0 ? Math.floor(valueBytes!.byteLength / valueWidth) : lengthWidth > 0 ? Math.floor(lengthBytes!.byteLength / lengthWidth) : count;
  if (numRuns > count) corrupt(ctx, `${what} has ${numRuns} runs for ${count} values`);
  const runValues = decodeSequence(valuesEnc, numRuns, partCursor(valueBytes!, valuesEnc), ctx, `${what} run values`);
  const runLengths = decodeSequence(lengthsEnc, numRuns, partCursor(lengthBytes!, lengthsEnc), ctx, `${what} run lengths`);
  const out = new Float64Array(count);
  let at = 0;
  for (let r = 0; r < numRuns && at < count; r++) {
    const n = runLengths[r]!;
    if (at + n > count) corrupt(ctx, `${what} runs hold more than ${count} values`);
    out.fill(runValues[r]!, at, at + n);
    at += n;
  }
  if (at !== count) corrupt(ctx, `${what} runs hold ${at} values, expected ${count}`);
  return out;
}
