// Writing FSST as Lance does for 2.1/2.2 string pages: a symbol table trained
// on a sample of the page's values (the FSST paper's generational algorithm,
// as Lance's `fsst` crate runs it), then every value compressed with it. The
// table is exported in the 2312-byte form fsst.ts parses.
//
// Training: start with no symbols; each round compresses a ~16 KiB sample
// with the current table, counting how often every code and every pair of
// adjacent codes occurs; the next table holds the 255 candidates (single
// bytes, current symbols, concatenations of adjacent pairs up to 8 bytes)
// with the largest count x length (single bytes weighted x8). The table that
// saved the most sample bytes wins.
//
// Matching is greedy: at each position the one symbol of 3..8 bytes whose
// first three bytes match (a table keeps at most one per 3-byte prefix), else
// a 2-byte symbol, else a 1-byte symbol, else an escape and the literal byte.

import { LanceError } from "../../core/errors.js";
import { FSST_ESCAPE, FSST_MAGIC, FSST_SYMBOL_TABLE_BYTES } from "./fsst.js";

/** Pages with less value data than this are not FSST-compressed (Lance's threshold). */
export const FSST_MIN_INPUT_BYTES = 32 * 1024;
/** Values this long at most are not worth a table (Lance's max-length threshold). */
export const FSST_MIN_MAX_LENGTH = 5;

const SAMPLE_TARGET_BYTES = 1 << 14;
const MAX_SYMBOLS = 255;
const MAX_SYMBOL_BYTES = 8;
/** Codes while training: 0..255 are bytes (escapes), 256 + i is symbol i. */
const CODE_BASE = 256;
const CODE_SPACE = CODE_BASE + MAX_SYMBOLS;
const HASH_BITS = 12;
const ROUNDS = [8, 38, 68, 98, 108, 128] as const;

/** A symbol table with the lookups greedy matching needs. */
class SymbolTable {
  numSymbols = 0;
  readonly bytes = new Uint8Array(MAX_SYMBOLS * MAX_SYMBOL_BYTES);
  readonly lengths = new Uint8Array(MAX_SYMBOLS);
  /** byte -> symbol index of that 1-byte symbol, or -1. */
  readonly byteCode = new Int16Array(256).fill(-1);
  /** 2-byte prefix (b0 | b1 << 8) -> symbol index of that 2-byte symbol, or -1. */
  readonly pairCode = new Int16Array(65536).fill(-1);
  /** Hash of a 3-byte prefix -> symbol index of the one longer symbol with that prefix, or -1. */
  readonly longCode = new Int16Array(1 << HASH_BITS).fill(-1);
  readonly longPrefix = new Int32Array(1 << HASH_BITS);

  /** Adds a symbol unless the table is full or a longer symbol with its 3-byte prefix exists. */
  add(src: Uint8Array, at: number, length: number): boolean {
    if (this.numSymbols >= MAX_SYMBOLS) return false;
    const code = this.numSymbols;
    if (length === 1) {
      if (this.byteCode[src[at]!]! >= 0) return false;
      this.byteCode[src[at]!] = code;
    } else if (length === 2) {
      const key = src[at]! | (src[at + 1]! << 8);
      if (this.pairCode[key]! >= 0) return false;
      this.pairCode[key] = code;
    } else {
      const prefix = src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16);
      const h = hashPrefix(prefix);
      if (this.longCode[h]! >= 0) return false;
      this.longCode[h] = code;
      this.longPrefix[h] = prefix;
    }
    this.bytes.set(src.subarray(at, at + length), code * MAX_SYMBOL_BYTES);
    this.lengths[code] = length;
    this.numSymbols++;
    return true;
  }

  /**
   * The symbol to use at `data[p]` with `end - p` bytes left: its index, or
   * -1 - byte for an escape. The matched length is `lengthOf(result)`.
   */
  match(data: Uint8Array, p: number, end: number): number {
    const b0 = data[p]!;
    if (end - p >= 3) {
      const b1 = data[p + 1]!;
      const prefix = b0 | (b1 << 8) | (data[p + 2]! << 16);
      const h = hashPrefix(prefix);
      const code = this.longCode[h]!;
      if (code >= 0 && this.longPrefix[h] === prefix) {
        const length = this.lengths[code]!;
        if (length <= end - p) {
          const base = code * MAX_SYMBOL_BYTES;
          let k = 3;
          while (k < length && data[p + k] === this.bytes[base + k]) k++;
          if (k === length) return code;
        }
      }
      const pair = this.pairCode[b0 | (b1 << 8)]!;
      if (pair >= 0) return pair;
    } else if (end - p === 2) {
      const pair = this.pairCode[b0 | (data[p + 1]! << 8)]!;
      if (pair >= 0) return pair;
    }
    const single = this.byteCode[b0]!;
    return single >= 0 ? single : -1 - b0;
  }

  lengthOf(matched: number): number {
    return matched >= 0 ? this.lengths[matched]! : 1;
  }
}

function hashPrefix(prefix: number): number {
  return Math.imul(prefix, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/** A deterministic generator (mulberry32), so the same input always gives the same file. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sample {
  data: Uint8Array;
  /** Start and end of each sampled value in `data`. */
  offsets: Uint32Array;
}

/** About 16 KiB of values drawn at random (all of them when the input is smaller). */
function makeSample(offsets: ArrayLike<number>, data: Uint8Array, numValues: number): Sample {
  const first = offsets[0]!;
  const total = offsets[numValues]! - first;
  if (total <= SAMPLE_TARGET_BYTES) {
    const out = new Uint32Array(numValues + 1);
    for (let i = 0; i <= numValues; i++) out[i] = offsets[i]! - first;
    return { data: data.subarray(first, offsets[numValues]!), offsets: out };
  }
  const random = generator(0x46535354);
  const bytes = new Uint8Array(SAMPLE_TARGET_BYTES + 8 * 1024);
  const ends: number[] = [0];
  let at = 0;
  while (at < SAMPLE_TARGET_BYTES) {
    const i = Math.floor(random() * numValues);
    const s = offsets[i]!;
    const len = Math.min(offsets[i + 1]! - s, bytes.length - at);
    bytes.set(data.subarray(s, s + len), at);
    at += len;
    ends.push(at);
  }
  return { data: bytes.subarray(0, at), offsets: Uint32Array.from(ends) };
}

interface Counts {
  single: Uint32Array;
  pair: Uint32Array;
  gain: number;
}

/** Greedy-compresses the sample with `table`, counting codes and adjacent code pairs. */
function countSample(table: SymbolTable, sample: Sample, countPairs: boolean, counts: Counts): void {
  counts.single.fill(0);
  if (countPairs) counts.pair.fill(0);
  let gain = 0;
  const { data, offsets } = sample;
  const codeOf = (m: number): number => (m >= 0 ? CODE_BASE + m : -1 - m);
  for (let v = 0; v + 1 < offsets.length; v++) {
    let p = offsets[v]!;
    const end = offsets[v + 1]!;
    if (p === end) continue;
    let m = table.match(data, p, end);
    let len = table.lengthOf(m);
    if (m >= 0) gain += len - 1;
    let prev = codeOf(m);
    p += len;
    while (p < end) {
      counts.single[prev]!++;
      if (len !== 1) counts.single[data[p]!]!++;
      m = table.match(data, p, end);
      len = table.lengthOf(m);
      if (m >= 0) gain += len - 1;
      const code = codeOf(m);
      if (countPairs) {
        counts.pair[prev * CODE_SPACE + code]!++;
        if (len > 1) counts.pair[prev * CODE_SPACE + data[p]!]!++;
      }
      p += len;
      prev = code;
    }
    counts.single[prev]!++;
  }
  counts.gain = gain;
}

/** The bytes of code `c` (a byte below CODE_BASE, a symbol above) written at `out[at]`; returns the length. */
function codeBytes(table: SymbolTable, c: number, out: Uint8Array, at: number): number {
  if (c < CODE_BASE) {
    out[at] = c;
    return 1;
  }
  const s = c - CODE_BASE;
  const length = table.lengths[s]!;
  out.set(table.bytes.subarray(s * MAX_SYMBOL_BYTES, s * MAX_SYMBOL_BYTES + length), at);
  return length;
}

/** The next generation: the 255 candidates with the largest gain. */
function nextTable(table: SymbolTable, counts: Counts, round: number): SymbolTable {
  const minCount = Math.floor((5 * round) / 128);
  const candidates = new Map<string, { bytes: Uint8Array; gain: number }>();
  const scratch = new Uint8Array(2 * MAX_SYMBOL_BYTES);
  const offer = (length: number, count: number): void => {
    if (count < minCount) return;
    const n = Math.min(length, MAX_SYMBOL_BYTES);
    const gain = count * n;
    let key = "";
    for (let k = 0; k < n; k++) key += String.fromCharCode(scratch[k]!);
    const found = candidates.get(key);
    if (found) found.gain += gain;
    else candidates.set(key, { bytes: scratch.slice(0, n), gain });
  };
  const codes = CODE_BASE + table.numSymbols;
  for (let c1 = 0; c1 < codes; c1++) {
    const n1 = counts.single[c1]!;
    if (n1 === 0) continue;
    const len1 = codeBytes(table, c1, scratch, 0);
    offer(len1, len1 === 1 ? 8 * n1 : n1);
    if (round >= 128 || len1 === MAX_SYMBOL_BYTES) continue;
    const row = c1 * CODE_SPACE;
    for (let c2 = 0; c2 < codes; c2++) {
      const n2 = counts.pair[row + c2]!;
      if (n2 === 0) continue;
      codeBytes(table, c1, scratch, 0);
      const len2 = codeBytes(table, c2, scratch, len1);
      offer(len1 + len2, n2);
    }
  }
  const ranked = [...candidates.values()].sort((a, b) => b.gain - a.gain || b.bytes.length - a.bytes.length);
  const next = new SymbolTable();
  for (const c of ranked) {
    if (next.numSymbols >= MAX_SYMBOLS) break;
    next.add(c.bytes, 0, c.bytes.length);
  }
  return next;
}

function trainTable(offsets: ArrayLike<number>, data: Uint8Array, numValues: number): SymbolTable {
  const sample = makeSample(offsets, data, numValues);
  const counts: Counts = { single: new Uint32Array(CODE_SPACE), pair: new Uint32Array(CODE_SPACE * CODE_SPACE), gain: 0 };
  let table = new SymbolTable();
  let best = table;
  let bestGain = -1;
  for (const round of ROUNDS) {
    countSample(table, sample, round < 128, counts);
    if (counts.gain >= bestGain) {
      bestGain = counts.gain;
      best = table;
    }
    table = nextTable(table, counts, round);
  }
  return best;
}

function exportTable(table: SymbolTable): Uint8Array {
  const out = new Uint8Array(FSST_SYMBOL_TABLE_BYTES);
  const n = table.numSymbols;
  out[0] = n;
  out[3] = 1; // compression on
  out[4] = FSST_MAGIC & 255;
  out[5] = (FSST_MAGIC >>> 8) & 255;
  out[6] = (FSST_MAGIC >>> 16) & 255;
  out[7] = FSST_MAGIC >>> 24;
  for (let c = 0; c < n; c++) {
    const length = table.lengths[c]!;
    out.set(table.bytes.subarray(c * MAX_SYMBOL_BYTES, c * MAX_SYMBOL_BYTES + length), 8 + 8 * c);
    out[8 + 8 * n + c] = length;
  }
  return out;
}

export interface FsstEncoded {
  /** The 2312-byte table for the page's `fsst.symbol_table`. */
  symbolTable: Uint8Array;
  /** numValues + 1 offsets from 0 into `data`. */
  offsets: Uint32Array;
  data: Uint8Array;
}

/**
 * Trains a table on `numValues` values (value i = data[offsets[i] ..
 * offsets[i+1]]) and compresses every value with it.
 */
export function encodeFsst(offsets: ArrayLike<number>, data: Uint8Array, numValues: number): FsstEncoded {
  if (offsets.length < numValues + 1) throw new LanceError("INVALID_INPUT", `encodeFsst: ${numValues} values need ${numValues + 1} offsets, got ${offsets.length}`);
  const first = offsets[0]!;
  const last = offsets[numValues]!;
  if (first < 0 || last > data.length) throw new LanceError("INVALID_INPUT", `encodeFsst: offsets ${first}..${last} do not fit ${data.length} bytes`);
  for (let i = 0; i < numValues; i++) {
    if (offsets[i + 1]! < offsets[i]!) throw new LanceError("INVALID_INPUT", `encodeFsst: offset ${i + 1} (${offsets[i + 1]}) is below offset ${i} (${offsets[i]})`);
  }
  const table = trainTable(offsets, data, numValues);
  const out = new Uint8Array(2 * (last - first) + 8);
  const outOffsets = new Uint32Array(numValues + 1);
  const lengths = table.lengths;
  let op = 0;
  for (let i = 0; i < numValues; i++) {
    let p = offsets[i]!;
    const end = offsets[i + 1]!;
    while (p < end) {
      const m = table.match(data, p, end);
      if (m >= 0) {
        out[op++] = m;
        p += lengths[m]!;
      } else {
        out[op++] = FSST_ESCAPE;
        out[op++] = data[p++]!;
      }
    }
    outOffsets[i + 1] = op;
  }
  return { symbolTable: exportTable(table), offsets: outOffsets, data: out.subarray(0, op) };
}
