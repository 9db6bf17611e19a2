// FSST string compression as Lance stores it (CompressiveEncoding field 6,
// Lance encodings/physical/fsst.rs over the `fsst` crate). The page-wide symbol
// table travels in the protobuf as a 2312-byte buffer:
//
//   byte 0      u64 LE header: bits 32..63 magic 0x46535354 ("FSST")
//                              bit  24     compression on
//                              bits 16..23 suffix_lim, bits 8..15 terminator
//                              bits 0..7   n = number of symbols
//   byte 8      n symbols, u64 LE each: the symbol's bytes in order from the low byte
//   byte 8+8n   n symbol lengths, one byte each (1..8)
//   ...         zero up to 8 + 256·8 + 256 = 2312 bytes
//
// Each value is compressed on its own into a string of codes: code 255 is an
// escape whose next byte is a literal; any other code c stands for the first
// len[c] bytes of symbol c. With compression off (Lance does this below 32 KiB
// of input) the values are stored verbatim.

import { CorruptFileError, LanceError } from "../../core/errors.js";
import { MAX_VARIABLE_BYTES, VariableBuilder } from "./variable-builder.js";

export const FSST_MAGIC = 0x46535354;
export const FSST_ESCAPE = 255;
export const FSST_SYMBOL_TABLE_BYTES = 8 + 256 * 8 + 256;
const MAX_SYMBOL_BYTES = 8;

export interface FsstTable {
  /** False when the values are stored verbatim. */
  compressionOn: boolean;
  suffixLim: number;
  terminator: number;
  numSymbols: number;
  /** 256 × 8 bytes: symbol c occupies bytes c·8 .. c·8+7, first byte first. */
  symbolBytes: Uint8Array;
  /** 256 lengths; 0 for codes that name no symbol. */
  symbolLengths: Uint8Array;
  /** The symbols as two little-endian 32-bit words each (symbol c at 2c, 2c + 1), stored whole by the decoder. */
  symbolWords: Int32Array;
  /**
   * The symbols' 8 bytes read as little-endian doubles, so the decoder stores
   * each with one 8-byte write; undefined when a symbol's bytes form a NaN,
   * whose bits JavaScript may change on the way (those tables use symbolWords).
   */
  symbolDoubles: Float64Array | undefined;
  /** Every byte of every symbol is below 0x80. */
  asciiSymbols: boolean;
}

/** Variable-width values: value i is `data[offsets[i] .. offsets[i+1]]`. */
export interface FsstValues {
  offsets: Int32Array;
  data: Uint8Array;
}

/** Parses Lance's exported symbol table. `baseOffset` locates `bytes[0]` for errors. */
export function parseFsstSymbolTable(bytes: Uint8Array, path: string, baseOffset: number): FsstTable {
  if (bytes.length < 8) {
    throw new CorruptFileError(path, baseOffset, `FSST symbol table of ${bytes.length} bytes is shorter than its 8-byte header`);
  }
  const lo = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  const hi = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  if (hi !== FSST_MAGIC) {
    throw new CorruptFileError(path, baseOffset, `FSST symbol table header 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} lacks the magic 0x${FSST_MAGIC.toString(16)}`);
  }
  const compressionOn = (lo >>> 24) === 1;
  if ((lo >>> 25) !== 0) {
    throw new CorruptFileError(path, baseOffset, `FSST symbol table header has unknown flag bits 0x${(lo >>> 24).toString(16)}`);
  }
  const numSymbols = lo & 255;
  const lengthsAt = 8 + 8 * numSymbols;
  if (lengthsAt + numSymbols > bytes.length) {
    throw new CorruptFileError(
      path,
      baseOffset,
      `FSST symbol table of ${bytes.length} bytes is truncated: ${numSymbols} symbols need ${lengthsAt + numSymbols}`,
    );
  }
  const symbolBytes = new Uint8Array(256 * MAX_SYMBOL_BYTES);
  symbolBytes.set(bytes.subarray(8, lengthsAt));
  const symbolLengths = new Uint8Array(256);
  let high = 0;
  for (let c = 0; c < numSymbols; c++) {
    const len = bytes[lengthsAt + c]!;
    if (len < 1 || len > MAX_SYMBOL_BYTES) {
      throw new CorruptFileError(path, baseOffset + lengthsAt + c, `FSST symbol ${c} has symbol length ${len}, expected 1..8`);
    }
    symbolLengths[c] = len;
    for (let k = 0; k < len; k++) high |= symbolBytes[c * MAX_SYMBOL_BYTES + k]!;
  }
  const symbolWords = new Int32Array(512);
  for (let k = 0; k < 512; k++) {
    const at = 4 * k;
    symbolWords[k] = symbolBytes[at]! | (symbolBytes[at + 1]! << 8) | (symbolBytes[at + 2]! << 16) | (symbolBytes[at + 3]! << 24);
  }
  let nan = false;
  for (let c = 0; c < 256; c++) {
    const hi = symbolWords[2 * c + 1]!;
    if (((hi >>> 20) & 0x7ff) === 0x7ff && ((hi & 0xfffff) | symbolWords[2 * c]!) !== 0) nan = true;
  }
  const symbolDoubles = nan ? undefined : new Float64Array(256);
  if (symbolDoubles) {
    const view = new DataView(symbolBytes.buffer, symbolBytes.byteOffset, symbolBytes.byteLength);
    for (let c = 0; c < 256; c++) symbolDoubles[c] = view.getFloat64(8 * c, true);
  }
  return {
    compressionOn,
    suffixLim: (lo >>> 16) & 255,
    terminator: (lo >>> 8) & 255,
    numSymbols,
    symbolBytes,
    symbolLengths,
    symbolWords,
    symbolDoubles,
    asciiSymbols: (high & 0x80) === 0,
  };
}

/** Why `offsets` cannot index `dataLength` bytes, or undefined when they can. */
function offsetsProblem(offsets: Uint32Array | Int32Array, dataLength: number): string | undefined {
  if (offsets.length === 0) return "FSST values have no offsets (expected n + 1)";
  let prev = offsets[0]!;
  if (prev < 0) return `FSST value offset 0 is negative (${prev})`;
  for (let i = 1; i < offsets.length; i++) {
    const next = offsets[i]!;
    if (next < prev) return `FSST value offsets decrease at value ${i - 1}: ${prev} then ${next}`;
    prev = next;
  }
  if (prev > dataLength) return `FSST value offsets end at ${prev}, past the ${dataLength} data bytes`;
  return undefined;
}

/**
 * Decompresses `numValues` values, given as numValues + 1 positions in
 * `data` (the first where the first value's codes start), appending them to
 * `out`. Offsets are checked as they are reached, the output is grown at most
 * once per call (a code expands to at most 8 bytes), each symbol is stored
 * whole with one or two word writes, and the builder learns whether the values are ASCII from
 * the table and the escaped bytes alone. `baseOffset` is the file position of
 * `data[0]`, for errors.
 */
export function fsstDecodeInto(
  table: FsstTable,
  offsets: Uint32Array,
  data: Uint8Array,
  numValues: number,
  out: VariableBuilder,
  path: string,
  baseOffset: number,
): void {
  if (offsets.length < numValues + 1) throw new CorruptFileError(path, baseOffset, `FSST values have ${offsets.length} offsets, ${numValues} values need ${numValues + 1}`);
  const size = data.length;
  const ip = offsets[0]!;
  if (ip > size) throw new CorruptFileError(path, baseOffset, `FSST value offsets end at ${ip}, past the ${size} data bytes`);
  if (!table.compressionOn) {
    const problem = offsetsProblem(offsets.subarray(0, numValues + 1), size);
    if (problem !== undefined) throw new CorruptFileError(path, baseOffset, problem);
    out.appendCopy(offsets, data, numValues);
    return;
  }
  out.reserveValues(numValues);
  // every code takes at least one byte and yields at most 8, and each store writes 8; the
  // loops stop at any offset past `limit`, so the codes they read end there
  const limit = Math.min(size, offsets[numValues]!);
  const codeBytes = Math.max(0, limit - ip);
  out.reserveBytes(MAX_SYMBOL_BYTES * codeBytes + MAX_SYMBOL_BYTES, 3 * codeBytes + MAX_SYMBOL_BYTES);
  const literals = table.symbolDoubles
    ? expandWithDoubles(table, table.symbolDoubles, offsets, data, numValues, limit, out, path, baseOffset)
    : expandWithWords(table, offsets, data, numValues, limit, out, path, baseOffset);
  const op = out.numBytes;
  if (op > MAX_VARIABLE_BYTES) throw new CorruptFileError(path, baseOffset, `FSST values decompress to more than ${MAX_VARIABLE_BYTES} bytes`);
  if (!table.asciiSymbols || (literals & 0x80) !== 0) out.ascii = false;
}

// The two loops below differ only in how a symbol is stored: one 8-byte
// double, or two 32-bit words. Each returns the OR of the escaped bytes.

function expandWithDoubles(table: FsstTable, doubles: Float64Array, offsets: Uint32Array, data: Uint8Array, numValues: number, limit: number, out: VariableBuilder, path: string, baseOffset: number): number {
  const lengths = table.symbolLengths;
  const bytes = out.data;
  const view = out.view;
  const outOffsets = out.offsets;
  let ip = offsets[0]!;
  let op = out.numBytes;
  let v = out.numValues;
  let literals = 0;
  for (let i = 0; i < numValues; i++) {
    const end = offsets[i + 1]!;
    if (end < ip || end > limit) badOffsets(offsets, numValues, data.length, path, baseOffset);
    while (ip < end) {
      const code = data[ip]!;
      if (code !== FSST_ESCAPE) {
        const len = lengths[code]!;
        if (len === 0) unknownCode(table, code, i, path, baseOffset + ip);
        view.setFloat64(op, doubles[code]!, true);
        op += len;
        ip++;
      } else {
        if (ip + 1 >= end) danglingEscape(i, path, baseOffset + ip);
        const literal = data[ip + 1]!;
        bytes[op++] = literal;
        literals |= literal;
        ip += 2;
      }
    }
    outOffsets[++v] = op;
  }
  out.numValues = v;
  out.numBytes = op;
  return literals;
}

function expandWithWords(table: FsstTable, offsets: Uint32Array, data: Uint8Array, numValues: number, limit: number, out: VariableBuilder, path: string, baseOffset: number): number {
  const lengths = table.symbolLengths;
  const words = table.symbolWords;
  const bytes = out.data;
  const view = out.view;
  const outOffsets = out.offsets;
  let ip = offsets[0]!;
  let op = out.numBytes;
  let v = out.numValues;
  let literals = 0;
  for (let i = 0; i < numValues; i++) {
    const end = offsets[i + 1]!;
    if (end < ip || end > limit) badOffsets(offsets, numValues, data.length, path, baseOffset);
    while (ip < end) {
      const code = data[ip]!;
      if (code !== FSST_ESCAPE) {
        const len = lengths[code]!;
        if (len === 0) unknownCode(table, code, i, path, baseOffset + ip);
        view.setInt32(op, words[2 * code]!, true);
        view.setInt32(op + 4, words[2 * code + 1]!, true);
        op += len;
        ip++;
      } else {
        if (ip + 1 >= end) danglingEscape(i, path, baseOffset + ip);
        const literal = data[ip + 1]!;
        bytes[op++] = literal;
        literals |= literal;
        ip += 2;
      }
    }
    outOffsets[++v] = op;
  }
  out.numValues = v;
  out.numBytes = op;
  return literals;
}

/** Reports what is wrong with offsets a decoding loop stopped at (one past the data, or past the last offset, which must then decrease later). */
function badOffsets(offsets: Uint32Array, numValues: number, size: number, path: string, baseOffset: number): never {
  const problem = offsetsProblem(offsets.subarray(0, numValues + 1), size);
  throw new CorruptFileError(path, baseOffset, problem ?? `FSST value offsets of ${numValues} values are inconsistent`);
}

function unknownCode(table: FsstTable, code: number, i: number, path: string, byteOffset: number): never {
  throw new CorruptFileError(path, byteOffset, `FSST code ${code} in value ${i} names no symbol (table has ${table.numSymbols})`);
}

function danglingEscape(i: number, path: string, byteOffset: number): never {
  throw new CorruptFileError(path, byteOffset, `FSST escape code ends value ${i} with no literal byte`);
}

/**
 * Decompresses n values given as n + 1 offsets into `data`. `baseOffset` is the
 * file position of `data[0]`, for errors. In verbatim mode the returned data
 * is a view of the input.
 */
export function fsstDecompress(
  table: FsstTable,
  offsets: Uint32Array | Int32Array,
  data: Uint8Array,
  path: string,
  baseOffset: number,
): FsstValues {
  const problem = offsetsProblem(offsets, data.length);
  if (problem !== undefined) throw new CorruptFileError(path, baseOffset, problem);
  const numValues = offsets.length - 1;
  if (!table.compressionOn) {
    const first = offsets[0]!;
    const outOffsets = new Int32Array(numValues + 1);
    for (let i = 0; i <= numValues; i++) outOffsets[i] = offsets[i]! - first;
    return { offsets: outOffsets, data: data.subarray(first, offsets[numValues]!) };
  }
  const positions = offsets instanceof Uint32Array ? offsets : new Uint32Array(offsets.buffer, offsets.byteOffset, offsets.length);
  const out = new VariableBuilder(numValues, 3 * data.length);
  fsstDecodeInto(table, positions, data, numValues, out, path, baseOffset);
  const block = out.finish();
  return { offsets: new Int32Array(block.offsets.buffer, block.offsets.byteOffset, block.offsets.length), data: block.data };
}

/**
 * Builds Lance's 2312-byte symbol table from explicit symbols (1..8 bytes
 * each, at most 255). This does not choose symbols the way Lance's encoder
 * does; it exists to write test data and small pages with known tables.
 */
export function encodeFsstSymbolTable(symbols: readonly Uint8Array[], compressionOn = true): Uint8Array {
  if (symbols.length > 255) throw new LanceError("INVALID_INPUT", `FSST allows at most 255 symbols, got ${symbols.length}`);
  const out = new Uint8Array(FSST_SYMBOL_TABLE_BYTES);
  out[0] = symbols.length;
  out[3] = compressionOn ? 1 : 0;
  out[4] = FSST_MAGIC & 255;
  out[5] = (FSST_MAGIC >>> 8) & 255;
  out[6] = (FSST_MAGIC >>> 16) & 255;
  out[7] = FSST_MAGIC >>> 24;
  const lengthsAt = 8 + 8 * symbols.length;
  symbols.forEach((symbol, c) => {
    if (symbol.length < 1 || symbol.length > MAX_SYMBOL_BYTES) {
      throw new LanceError("INVALID_INPUT", `FSST symbol ${c} has ${symbol.length} bytes, expected 1..8`);
    }
    out.set(symbol, 8 + 8 * c);
    out[lengthsAt + c] = symbol.length;
  });
  return out;
}

/**
 * Compresses values with a given table by greedy longest match, escaping bytes
 * no symbol covers. In verbatim mode the values are copied unchanged.
 */
export function fsstCompress(table: FsstTable, offsets: Uint32Array | Int32Array, data: Uint8Array): FsstValues {
  const problem = offsetsProblem(offsets, data.length);
  if (problem !== undefined) throw new LanceError("INVALID_INPUT", problem);
  const numValues = offsets.length - 1;
  const first = offsets[0]!;
  const outOffsets = new Int32Array(numValues + 1);
  if (!table.compressionOn) {
    for (let i = 0; i <= numValues; i++) outOffsets[i] = offsets[i]! - first;
    return { offsets: outOffsets, data: data.slice(first, offsets[numValues]!) };
  }

  // Symbols keyed by their bytes as a latin1 string; the longest wins on ties
  // of prefix, and the first listed wins among equal symbols.
  const codes = new Map<string, number>();
  for (let c = table.numSymbols - 1; c >= 0; c--) {
    const len = table.symbolLengths[c]!;
    codes.set(String.fromCharCode(...table.symbolBytes.subarray(c * 8, c * 8 + len)), c);
  }
  const out = new Uint8Array(2 * (offsets[numValues]! - first));
  let op = 0;
  for (let i = 0; i < numValues; i++) {
    const end = offsets[i + 1]!;
    let ip = offsets[i]!;
    while (ip < end) {
      let matched = -1;
      let matchedLength = 0;
      for (let len = Math.min(MAX_SYMBOL_BYTES, end - ip); len >= 1 && matched < 0; len--) {
        const code = codes.get(String.fromCharCode(...data.subarray(ip, ip + len)));
        if (code !== undefined) {
          matched = code;
          matchedLength = len;
        }
      }
      if (matched >= 0) {
        out[op++] = matched;
        ip += matchedLength;
      } else {
        out[op++] = FSST_ESCAPE;
        out[op++] = data[ip++]!;
      }
    }
    outOffsets[i + 1] = op;
  }
  return { offsets: outOffsets, data: out.slice(0, op) };
}
