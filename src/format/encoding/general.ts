// Lance's `general` compression framing (CompressiveEncoding field 10, Lance
// encodings/physical/block.rs): one buffer compressed with LZ4 or zstd.
//
//   LZ4:  [u32 LE uncompressed size][raw LZ4 block]             (lz4 crate, prepend_size)
//   zstd: [u64 LE uncompressed size][zstd frame]
//         or, from older writers, a bare zstd frame starting 28 B5 2F FD
//
// Sizes are checked against what the compressed bytes can possibly produce
// before anything is allocated, so a corrupt prefix cannot demand gigabytes.

import { decompress as zstdDecompress } from "fzstd";
import { CorruptFileError, LanceError, errorMessage } from "../../core/errors.js";
import { Lz4FormatError, lz4CompressBlock, lz4DecompressBlock } from "../../core/lz4.js";

export type GeneralScheme = "lz4" | "zstd";

/** Largest output we ever allocate for one buffer. */
const MAX_OUTPUT_BYTES = 2 ** 31;
/**
 * An LZ4 block cannot expand more than this: every input byte yields at most
 * one literal, and a match sequence of k bytes yields fewer than 255·k bytes.
 */
const LZ4_MAX_RATIO = 255;
/** zstd never regenerates more than 128 KiB from one block. */
const ZSTD_MAX_BLOCK_BYTES = 128 * 1024;
/** Windows larger than windowLog 27 are never produced by zstd's levels 1..22. */
const ZSTD_MAX_WINDOW_BYTES = 2 ** 27;
const ZSTD_MAGIC = 0xfd2fb528;

function readU32(bytes: Uint8Array, i: number): number {
  return (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
}

/**
 * Decompresses one `general` buffer. `baseOffset` is the file position of
 * `bytes[0]`, used only in error messages.
 */
export function decodeGeneralBuffer(bytes: Uint8Array, scheme: GeneralScheme, path: string, baseOffset: number): Uint8Array {
  return scheme === "lz4" ? decodeLz4Frame(bytes, path, baseOffset) : decodeZstdFrame(bytes, path, baseOffset);
}

/** Compresses one buffer as Lance's `general{LZ4}` does. zstd encoding is not supported. */
export function encodeGeneralBuffer(bytes: Uint8Array, scheme: GeneralScheme): Uint8Array {
  if (scheme !== "lz4") throw new LanceError("NOT_SUPPORTED", `general compression with ${scheme} is not supported for writing`);
  if (bytes.length > 0xffffffff) {
    throw new LanceError("INVALID_INPUT", `buffer of ${bytes.length} bytes is too large for an LZ4 size prefix`);
  }
  const block = lz4CompressBlock(bytes);
  const out = new Uint8Array(4 + block.length);
  const n = bytes.length;
  out[0] = n & 255;
  out[1] = (n >>> 8) & 255;
  out[2] = (n >>> 16) & 255;
  out[3] = n >>> 24;
  out.set(block, 4);
  return out;
}

function decodeLz4Frame(bytes: Uint8Array, path: string, baseOffset: number): Uint8Array {
  if (bytes.length < 4) {
    throw new CorruptFileError(path, baseOffset, `LZ4 buffer of ${bytes.length} bytes is shorter than its 4-byte size prefix`);
  }
  const size = readU32(bytes, 0);
  const block = bytes.subarray(4);
  if (size > MAX_OUTPUT_BYTES || size > LZ4_MAX_RATIO * block.length) {
    throw new CorruptFileError(
      path,
      baseOffset,
      `LZ4 size prefix ${size} is impossible for a ${block.length}-byte block (limit ${Math.min(MAX_OUTPUT_BYTES, LZ4_MAX_RATIO * block.length)})`,
    );
  }
  const out = new Uint8Array(size);
  let written: number;
  try {
    written = lz4DecompressBlock(block, out);
  } catch (e) {
    if (e instanceof Lz4FormatError) {
      throw new CorruptFileError(path, baseOffset + 4 + e.srcOffset, e.message, { cause: e });
    }
    throw e;
  }
  if (written !== size) {
    throw new CorruptFileError(path, baseOffset, `LZ4 block decompressed to ${written} bytes, size prefix says ${size}`);
  }
  return out;
}

function decodeZstdFrame(bytes: Uint8Array, path: string, baseOffset: number): Uint8Array {
  if (bytes.length === 0) return new Uint8Array(0); // Lance writes nothing for an empty buffer
  // A legacy bare frame starts with the magic. Like Lance, also require bit 4 of the
  // frame header descriptor (0x10, which encoders leave zero) to be clear, since a
  // u64 size prefix could in theory begin with the magic's bytes.
  const bare = bytes.length < 8 || (readU32(bytes, 0) === ZSTD_MAGIC && (bytes[4]! & 0x10) === 0);
  if (bare) {
    const scan = scanZstdFrames(bytes, path, baseOffset);
    const out = runZstd(bytes, path, baseOffset);
    if (scan.declaredBytes !== undefined && out.length !== scan.declaredBytes) {
      throw new CorruptFileError(path, baseOffset, `zstd frames decompressed to ${out.length} bytes, their headers say ${scan.declaredBytes}`);
    }
    return out;
  }

  const lo = readU32(bytes, 0);
  const hi = readU32(bytes, 4);
  const size = hi * 2 ** 32 + lo;
  const frames = bytes.subarray(8);
  if (size > MAX_OUTPUT_BYTES) {
    throw new CorruptFileError(path, baseOffset, `zstd size prefix ${size} exceeds the ${MAX_OUTPUT_BYTES}-byte limit`);
  }
  const scan = scanZstdFrames(frames, path, baseOffset + 8);
  if (size > scan.maxBytes) {
    throw new CorruptFileError(path, baseOffset, `zstd size prefix ${size} is impossible for ${frames.length} compressed bytes (at most ${scan.maxBytes})`);
  }
  if (scan.declaredBytes !== undefined && scan.declaredBytes !== size) {
    throw new CorruptFileError(path, baseOffset, `zstd size prefix ${size} disagrees with the frame content size ${scan.declaredBytes}`);
  }
  const out = runZstd(frames, path, baseOffset + 8);
  if (out.length !== size) {
    throw new CorruptFileError(path, baseOffset, `zstd frame decompressed to ${out.length} bytes, size prefix says ${size}`);
  }
  return out;
}

function runZstd(frames: Uint8Array, path: string, baseOffset: number): Uint8Array {
  try {
    return zstdDecompress(frames);
  } catch (e) {
    throw new CorruptFileError(path, baseOffset, `zstd frame does not decode: ${errorMessage(e)}`, { cause: e });
  }
}

interface ZstdScan {
  /** An upper bound on the decompressed size, from block headers. */
  maxBytes: number;
  /** The total content size, when every frame declares one. */
  declaredBytes: number | undefined;
}

/**
 * Walks the frame and block headers (RFC 8878 §3.1) without decoding, so that
 * sizes can be bounded and truncation found before fzstd allocates its window.
 */
function scanZstdFrames(bytes: Uint8Array, path: string, baseOffset: number): ZstdScan {
  const end = bytes.length;
  const fail = (at: number, detail: string): never => {
    throw new CorruptFileError(path, baseOffset + at, detail);
  };
  let pos = 0;
  let maxBytes = 0;
  let declaredBytes: number | undefined = 0;
  let frames = 0;
  while (pos < end) {
    if (end - pos < 4) fail(pos, `${end - pos} bytes after the last zstd frame`);
    const magic = readU32(bytes, pos);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // Skippable frame: magic, u32 size, payload.
      if (end - pos < 8) fail(pos, "skippable zstd frame header is truncated");
      const skip = readU32(bytes, pos + 4);
      if (skip > end - pos - 8) fail(pos, `skippable zstd frame of ${skip} bytes runs past the buffer end (${end})`);
      pos += 8 + skip;
      continue;
    }
    if (magic !== ZSTD_MAGIC) fail(pos, `expected a zstd frame, found magic 0x${magic.toString(16)}`);
    frames++;
    const frameAt = pos;
    pos += 4;
    if (pos >= end) fail(pos, "zstd frame header is truncated");
    const fhd = bytes[pos++]!;
    if (fhd & 0x08) fail(pos - 1, `zstd frame header descriptor 0x${fhd.toString(16)} sets the reserved bit`);
    const singleSegment = (fhd >>> 5) & 1;
    const fcsFlag = fhd >>> 6;
    const dictFlag = fhd & 3;
    const hasChecksum = (fhd >>> 2) & 1;
    const dictBytes = dictFlag === 3 ? 4 : dictFlag;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    const headerRest = (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    if (headerRest > end - pos) fail(pos, "zstd frame header is truncated");

    let windowBytes = 0;
    if (!singleSegment) {
      const wd = bytes[pos++]!;
      const base = 2 ** (10 + (wd >>> 3));
      windowBytes = base + (base / 8) * (wd & 7);
    }
    pos += dictBytes;
    let contentBytes: number | undefined;
    if (fcsBytes > 0) {
      let value = 0;
      for (let k = fcsBytes - 1; k >= 0; k--) value = value * 256 + bytes[pos + k]!;
      contentBytes = fcsBytes === 2 ? value + 256 : value;
      pos += fcsBytes;
    }
    // fzstd allocates the window when the content size is unknown; single-segment
    // frames allocate their content size, which the block walk below bounds.
    if (!singleSegment && windowBytes > ZSTD_MAX_WINDOW_BYTES) {
      fail(frameAt, `zstd window of ${windowBytes} bytes exceeds the ${ZSTD_MAX_WINDOW_BYTES}-byte limit`);
    }

    let frameMax = 0;
    for (;;) {
      if (end - pos < 3) fail(pos, "zstd block header is truncated");
      const header = bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) fail(pos - 3, "zstd block has the reserved type 3");
      const payload = type === 1 ? 1 : size;
      if (payload > end - pos) fail(pos - 3, `zstd block of ${payload} bytes runs past the buffer end (${end})`);
      pos += payload;
      frameMax += type === 2 ? ZSTD_MAX_BLOCK_BYTES : size;
      if (last) break;
    }
    if (hasChecksum) {
      if (end - pos < 4) fail(pos, "zstd frame checksum is truncated");
      pos += 4;
    }
    if (contentBytes !== undefined && contentBytes > frameMax) {
      fail(frameAt, `zstd frame declares ${contentBytes} bytes but its blocks hold at most ${frameMax}`);
    }
    maxBytes += contentBytes ?? frameMax;
    declaredBytes = contentBytes === undefined || declaredBytes === undefined ? undefined : declaredBytes + contentBytes;
    if (maxBytes > MAX_OUTPUT_BYTES) fail(frameAt, `zstd frames decompress to more than the ${MAX_OUTPUT_BYTES}-byte limit`);
  }
  if (frames === 0) fail(0, "no zstd frame found");
  return { maxBytes, declaredBytes };
}
