// The raw LZ4 *block* format (not the LZ4 frame format): the payload of Lance's
// `general{LZ4}` compression, which the Rust `lz4` crate writes with a 4-byte
// size prefix that src/format/encoding/general.ts handles.
//
// A block is a run of sequences:
//
//   token (1 byte)          high nibble = literal length, low nibble = match length - 4
//   [literal length bytes]  present when the high nibble is 15: add each byte, stop after one < 255
//   literals
//   offset (u16 LE)         distance back into the output, 1..65535; absent in the last sequence
//   [match length bytes]    present when the low nibble is 15, same rule as above
//
// The last sequence has literals only. Encoders keep the last 5 bytes as literals
// and start no match within the last 12 bytes, so a decoder may copy greedily.

import { LanceError } from "./errors.js";

/** A malformed LZ4 block; `srcOffset` is where in the block the problem was found. */
export class Lz4FormatError extends LanceError {
  readonly srcOffset: number;

  constructor(srcOffset: number, detail: string) {
    super("CORRUPT_FILE", `malformed LZ4 block at byte ${srcOffset}: ${detail}`);
    this.srcOffset = srcOffset;
  }

  override get name(): string {
    return "Lz4FormatError";
  }
}

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 16;
/** Below this many bytes a byte loop beats creating a subarray or calling copyWithin. */
const SHORT_COPY = 16;

/**
 * Decompresses one raw LZ4 block into `dst` and returns the number of bytes
 * written. Throws Lz4FormatError when the block is malformed or does not fit in
 * `dst`; never reads or writes out of bounds.
 */
export function lz4DecompressBlock(src: Uint8Array, dst: Uint8Array): number {
  const srcEnd = src.length;
  const dstEnd = dst.length;
  let ip = 0;
  let op = 0;
  while (ip < srcEnd) {
    const tokenAt = ip;
    const token = src[ip++]!;

    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw new Lz4FormatError(ip, `literal length of the sequence at byte ${tokenAt} runs past the block end (${srcEnd})`);
        b = src[ip++]!;
        literalLength += b;
      } while (b === 255);
    }
    if (literalLength > 0) {
      if (literalLength > srcEnd - ip) {
        throw new Lz4FormatError(ip, `${literalLength} literals run past the block end (${srcEnd})`);
      }
      if (literalLength > dstEnd - op) {
        throw new Lz4FormatError(ip, `${literalLength} literals at output byte ${op} overflow the output (${dstEnd} bytes)`);
      }
      if (literalLength < SHORT_COPY) {
        for (let k = 0; k < literalLength; k++) dst[op + k] = src[ip + k]!;
      } else {
        dst.set(src.subarray(ip, ip + literalLength), op);
      }
      ip += literalLength;
      op += literalLength;
    }
    if (ip === srcEnd) break; // the last sequence has no match part

    if (srcEnd - ip < 2) throw new Lz4FormatError(ip, `match offset runs past the block end (${srcEnd})`);
    const offset = src[ip]! | (src[ip + 1]! << 8);
    if (offset === 0) throw new Lz4FormatError(ip, "match offset is 0");
    if (offset > op) throw new Lz4FormatError(ip, `match offset ${offset} reaches before the output start (output byte ${op})`);
    ip += 2;

    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw new Lz4FormatError(ip, `match length of the sequence at byte ${tokenAt} runs past the block end (${srcEnd})`);
        b = src[ip++]!;
        matchLength += b;
      } while (b === 255);
    }
    matchLength += MIN_MATCH;
    if (matchLength > dstEnd - op) {
      throw new Lz4FormatError(ip, `match of ${matchLength} bytes at output byte ${op} overflows the output (${dstEnd} bytes)`);
    }

    const from = op - offset;
    if (offset < matchLength || matchLength < SHORT_COPY) {
      // Overlapping matches repeat the last `offset` bytes, so they must go byte by byte.
      for (let k = 0; k < matchLength; k++) dst[op + k] = dst[from + k]!;
    } else {
      dst.copyWithin(op, from, from + matchLength);
    }
    op += matchLength;
  }
  return op;
}

/** The largest block lz4CompressBlock can produce for `inputLength` bytes. */
export function lz4CompressBound(inputLength: number): number {
  return inputLength + Math.floor(inputLength / 255) + 16;
}

function read32(bytes: Uint8Array, i: number): number {
  return bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
}

function hash32(word: number): number {
  return Math.imul(word, 2654435761) >>> (32 - HASH_LOG);
}

/** Writes a length's continuation bytes (the part beyond the nibble's 15) and returns the new position. */
function writeLengthTail(out: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

function writeSequence(
  out: Uint8Array,
  op: number,
  src: Uint8Array,
  literalStart: number,
  literalLength: number,
  offset: number,
  matchLength: number,
): number {
  const tokenAt = op++;
  let token = 0;
  if (literalLength >= 15) {
    token = 15 << 4;
    op = writeLengthTail(out, op, literalLength - 15);
  } else {
    token = literalLength << 4;
  }
  if (literalLength < SHORT_COPY) {
    for (let k = 0; k < literalLength; k++) out[op + k] = src[literalStart + k]!;
  } else {
    out.set(src.subarray(literalStart, literalStart + literalLength), op);
  }
  op += literalLength;
  if (matchLength > 0) {
    out[op++] = offset & 255;
    out[op++] = offset >>> 8;
    const code = matchLength - MIN_MATCH;
    if (code >= 15) {
      token |= 15;
      op = writeLengthTail(out, op, code - 15);
    } else {
      token |= code;
    }
  }
  out[tokenAt] = token;
  return op;
}

/**
 * Compresses `src` into one raw LZ4 block with a greedy single-probe hash
 * matcher. The output obeys the format's end rules (last 5 bytes literal, no
 * match starting in the last 12 bytes), so any LZ4 decoder accepts it. An
 * empty input gives the one-byte block `00`, as liblz4 does.
 */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;

  if (n > MF_LIMIT) {
    // Positions + 1, so 0 means empty.
    const table = new Int32Array(1 << HASH_LOG);
    const matchStartLimit = n - MF_LIMIT; // a match may start before this
    const matchEndLimit = n - LAST_LITERALS; // and must end at or before this
    let ip = 0;
    let misses = 0;
    while (ip < matchStartLimit) {
      const word = read32(src, ip);
      const h = hash32(word);
      const candidate = table[h]! - 1;
      table[h] = ip + 1;
      if (candidate < 0 || ip - candidate > MAX_OFFSET || read32(src, candidate) !== word) {
        // Skip faster through data that does not compress.
        ip += 1 + (misses++ >>> 6);
        continue;
      }
      misses = 0;

      let start = ip;
      let ref = candidate;
      while (start > anchor && ref > 0 && src[start - 1] === src[ref - 1]) {
        start--;
        ref--;
      }
      let end = ip + MIN_MATCH;
      let refEnd = candidate + MIN_MATCH;
      while (end < matchEndLimit && src[end] === src[refEnd]) {
        end++;
        refEnd++;
      }

      op = writeSequence(out, op, src, anchor, start - anchor, start - ref, end - start);
      anchor = end;
      // Seed the table inside the match so the next search can find it.
      if (end - 2 < matchStartLimit) table[hash32(read32(src, end - 2))] = end - 2 + 1;
      ip = end;
    }
  }

  op = writeSequence(out, op, src, anchor, n - anchor, 0, 0);
  return out.slice(0, op);
}
