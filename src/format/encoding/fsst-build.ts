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
  pair: Uint16Array;
  /** Indices (prev · CODE_SPACE + next) of the pairs counted, each once. */
  pairList: Int32Array;
  numPairs: number;
  gain: number;
}

/** Greedy-compresses the sample with `table`, counting codes and adjacent code pairs. */
function countSample(table: SymbolTable, sample: Sample, countPairs: boolean, counts: Counts): void {
  const single = counts.single;
  const pair = counts.pair;
  const pairList = counts.pairList;
  single.fill(0);
  for (let k = 0; k < counts.numPairs; k++) pair[pairList[k]!] = 0;
  let numPairs = 0;
  let gain = 0;
  const { data, offsets } = sample;
  for (let v = 0; v + 1 < offsets.length; v++) {
    let p = offsets[v]!;
    const end = offsets[v + 1]!;
    if (p === end) continue;
    let m = table.match(data, p, end);
    let len = table.lengthOf(m);
    if (m >= 0) gain += len - 1;
    let prev = m >= 0 ? CODE_BASE + m : -1 - m;
    p += len;
    while (p < end) {
      single[prev]!++;
      if (len !== 1) single[data[p]!]!++;
      m = table.match(data, p, end);
      len = table.lengthOf(m);
      if (m >= 0) gain += len - 1;
      const code = m >= 0 ? CODE_BASE + m : -1 - m;
      if (countPairs) {
        const at = prev * CODE_SPACE + code;
        if (pair[at]!++ === 0) pairList[numPairs++] = at;
        if (len > 1) {
          const atByte = prev * CODE_SPACE + data[p]!;
          if (pair[atByte]!++ === 0) pairList[numPairs++] = atByte;
        }
      }
      p += len;
      prev = code;
    }
    single[prev]!++;
  }
  counts.numPairs = numPairs;
  counts.gain = gain;
}

/** Candidate symbols of one generation: an open-addressing table keyed by the symbol's bytes. */
class Candidates {
  static readonly BITS = 17;
  readonly lo = new Int32Array(1 << Candidates.BITS);
  readonly hi = new Int32Array(1 << Candidates.BITS);
  /** Symbol length, 0 for a free slot. */
  readonly length = new Uint8Array(1 << Candidates.BITS);
  readonly gain = new Float64Array(1 << Candidates.BITS);
  /** The occupied slots, in the order they were filled. */
  readonly slots = new Int32Array(1 << Candidates.BITS);
  used = 0;

  clear(): void {
    for (let k = 0; k < this.used; k++) this.length[this.slots[k]!] = 0;
    this.used = 0;
  }

  /** Adds `gain` to the symbol of `length` bytes whose little-endian words are lo, hi. */
  offer(lo: number, hi: number, length: number, gain: number): void {
    const mask = (1 << Candidates.BITS) - 1;
    let slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b) ^ Math.imul(length, 0x27d4eb2f), 0x9e3779b1) >>> (32 - Candidates.BITS);
    for (;;) {
      const l = this.length[slot]!;
      if (l === 0) {
        // the table never fills: a generation has at most one candidate per sample position pair and code
        if (this.used >= mask) return;
        this.lo[slot] = lo;
        this.hi[slot] = hi;
        this.length[slot] = length;
        this.gain[slot] = gain;
        this.slots[this.used++] = slot;
        return;
      }
      if (l === length && this.lo[slot] === lo && this.hi[slot] === hi) {
        this.gain[slot] = this.gain[slot]! + gain;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }
}

/** The next generation: the 255 candidates with the largest gain. */
function nextTable(table: SymbolTable, counts: Counts, round: number, candidates: Candidates): SymbolTable {
  const minCount = Math.floor((5 * round) / 128);
  candidates.clear();
  // every code's bytes as two little-endian words and a length
  const codes = CODE_BASE + table.numSymbols;
  const codeLo = new Int32Array(codes);
  const codeHi = new Int32Array(codes);
  const codeLength = new Uint8Array(codes);
  for (let c = 0; c < codes; c++) {
    if (c < CODE_BASE) {
      codeLo[c] = c;
      codeLength[c] = 1;
      continue;
    }
    const at = (c - CODE_BASE) * MAX_SYMBOL_BYTES;
    const b = table.bytes;
    codeLo[c] = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
    codeHi[c] = b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24);
    codeLength[c] = table.lengths[c - CODE_BASE]!;
  }
  const single = counts.single;
  for (let c1 = 0; c1 < codes; c1++) {
    const n1 = single[c1]!;
    if (n1 === 0) continue;
    const len1 = codeLength[c1]!;
    const weighted = len1 === 1 ? 8 * n1 : n1;
    if (weighted >= minCount) candidates.offer(codeLo[c1]!, codeHi[c1]!, len1, weighted * len1);
  }
  const pair = counts.pair;
  for (let k = 0; k < counts.numPairs && round < 128; k++) {
    const at = counts.pairList[k]!;
    const n2 = pair[at]!;
    if (n2 < minCount) continue;
    const c1 = Math.floor(at / CODE_SPACE);
    const c2 = at - c1 * CODE_SPACE;
    const len1 = codeLength[c1]!;
    if (len1 === MAX_SYMBOL_BYTES) continue;
    const lo1 = codeLo[c1]!;
    const hi1 = codeHi[c1]!;
    const lo2 = codeLo[c2]!;
    const hi2 = codeHi[c2]!;
    const shift = 8 * len1;
    const length = Math.min(MAX_SYMBOL_BYTES, len1 + codeLength[c2]!);
    let lo: number;
    let hi: number;
    if (shift < 32) {
      lo = lo1 | (lo2 << shift);
      hi = hi1 | (lo2 >>> (32 - shift)) | (hi2 << shift);
    } else if (shift === 32) {
      lo = lo1;
      hi = lo2;
    } else {
      lo = lo1;
      hi = hi1 | (lo2 << (shift - 32));
    }
    // drop the bytes past the symbol's length
    if (length < 4) {
      lo &= (1 << (8 * length)) - 1;
      hi = 0;
    } else if (length === 4) {
      hi = 0;
    } else if (length < 8) {
      hi &= (1 << (8 * (length - 4))) - 1;
    }
    candidates.offer(lo, hi, length, n2 * length);
  }
  // rank by gain, then length, as one packed number per candidate: gain · 16 + length, then the slot
  const ranked = new Float64Array(candidates.used);
  for (let k = 0; k < candidates.used; k++) {
    const slot = candidates.slots[k]!;
    ranked[k] = (candidates.gain[slot]! * 16 + candidates.length[slot]!) * (1 << Candidates.BITS) + slot;
  }
  // the best few hundred decide the table unless many of them are refused; rank all only then
  const next = new SymbolTable();
  const top = largest(ranked, TOP_CANDIDATES);
  addRanked(next, candidates, top);
  if (next.numSymbols < MAX_SYMBOLS && ranked.length > top.length) {
    // keys are distinct (the slot is part of each), so the full ranking starts with `top`
    ranked.sort();
    ranked.reverse();
    addRanked(next, candidates, ranked.subarray(top.length));
  }
  return next;
}

/** How many of the best candidates are ranked first (a table takes 255; a few are refused). */
const TOP_CANDIDATES = 512;

/** The `k` largest of `keys`, largest first. */
function largest(keys: Float64Array, k: number): Float64Array {
  if (keys.length <= k) return keys.slice().sort().reverse();
  // a min-heap of the k largest seen so far
  const heap = keys.slice(0, k);
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(heap, i, k);
  for (let i = k; i < keys.length; i++) {
    const key = keys[i]!;
    if (key <= heap[0]!) continue;
    heap[0] = key;
    siftDown(heap, 0, k);
  }
  return heap.sort().reverse();
}

function siftDown(heap: Float64Array, at: number, size: number): void {
  const key = heap[at]!;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= key) break;
    heap[at] = heap[child]!;
    at = child;
  }
  heap[at] = key;
}

/** Adds ranked candidates (largest first) to `table` until it is full. */
function addRanked(table: SymbolTable, candidates: Candidates, ranked: Float64Array): void {
  const bytes = new Uint8Array(MAX_SYMBOL_BYTES);
  for (let k = 0; k < ranked.length && table.numSymbols < MAX_SYMBOLS; k++) {
    const slot = ranked[k]! % (1 << Candidates.BITS);
    const lo = candidates.lo[slot]!;
    const hi = candidates.hi[slot]!;
    for (let b = 0; b < 4; b++) {
      bytes[b] = (lo >>> (8 * b)) & 255;
      bytes[b + 4] = (hi >>> (8 * b)) & 255;
    }
    table.add(bytes, 0, candidates.length[slot]!);
  }
}

function trainTable(offsets: ArrayLike<number>, data: Uint8Array, numValues: number): SymbolTable {
  const sample = makeSample(offsets, data, numValues);
  const counts: Counts = {
    single: new Uint32Array(CODE_SPACE),
    // a pair occurs at most twice per sample byte: under 2^16 times
    pair: new Uint16Array(CODE_SPACE * CODE_SPACE),
    pairList: new Int32Array(2 * sample.data.length + 2),
    numPairs: 0,
    gain: 0,
  };
  const candidates = new Candidates();
  let table = new SymbolTable();
  let best = table;
  let bestGain = -1;
  for (const round of ROUNDS) {
    countSample(table, sample, round < 128, counts);
    if (counts.gain >= bestGain) {
      bestGain = counts.gain;
      best = table;
    }
    table = nextTable(table, counts, round, candidates);
  }
  return best;
}

/** Set in a `pairs` entry when a symbol of 3 or more bytes starts with that entry's two bytes. */
const LONG_FLAG = 0x8000;

/**
 * The matches shorter than 3 bytes, as one lookup each: for every 2-byte
 * prefix (b0 | b1 << 8) the code and length of its 2-byte symbol, else of
 * b0's 1-byte symbol, else the escape (length 1); for every byte its 1-byte
 * symbol or the escape. An entry is code | length << 8, and `pairs` entries
 * carry LONG_FLAG when a longer symbol may match there.
 */
function shortCodes(table: SymbolTable): { pairs: Uint16Array; singles: Uint16Array } {
  const singles = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    const code = table.byteCode[b]!;
    singles[b] = code >= 0 ? code | (1 << 8) : FSST_ESCAPE | (1 << 8);
  }
  // every second byte starts as b0's single; then the table's symbols of 2+ bytes overlay it
  const pairs = new Uint16Array(65536);
  for (let b1 = 0; b1 < 256; b1++) pairs.set(singles, b1 << 8);
  for (let code = 0; code < table.numSymbols; code++) {
    const length = table.lengths[code]!;
    if (length < 2) continue;
    const at = code * MAX_SYMBOL_BYTES;
    const key = table.bytes[at]! | (table.bytes[at + 1]! << 8);
    if (length === 2) pairs[key] = code | (2 << 8) | (pairs[key]! & LONG_FLAG);
    else pairs[key] = pairs[key]! | LONG_FLAG;
  }
  return { pairs, singles };
}

/**
 * The symbols of 3 to 8 bytes as two little-endian 32-bit words each, with
 * the masks that keep only the symbol's bytes, so a match is two masked word
 * compares against the input's next 8 bytes; and their 3-byte prefix hash
 * table (as SymbolTable.longCode).
 */
function longSymbolWords(table: SymbolTable): { longCode: Int16Array; words: Int32Array; masks: Int32Array } {
  const words = new Int32Array(2 * MAX_SYMBOLS);
  const masks = new Int32Array(2 * MAX_SYMBOLS);
  for (let code = 0; code < table.numSymbols; code++) {
    const length = table.lengths[code]!;
    if (length < 3) continue;
    const at = code * MAX_SYMBOL_BYTES;
    for (let k = 0; k < length; k++) words[2 * code + (k >> 2)]! |= table.bytes[at + k]! << (8 * (k & 3));
    masks[2 * code] = length >= 4 ? -1 : 0xffffff;
    masks[2 * code + 1] = length >= 8 ? -1 : length <= 4 ? 0 : 2 ** (8 * (length - 4)) - 1;
  }
  return { longCode: table.longCode, words, masks };
}

/** A larger copy of the first `used` bytes of `buffer`, with room for `needed` bytes. */
function grown(buffer: Uint8Array, used: number, needed: number): Uint8Array {
  const next = new Uint8Array(Math.max(needed, 2 * buffer.length));
  next.set(buffer.subarray(0, used));
  return next;
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

/** Where encodeFsst may take its output buffers from (they are then valid only as long as that memory is). */
export interface FsstScratch {
  bytes(byteLength: number): Uint8Array;
  uint32(length: number): Uint32Array;
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
export function encodeFsst(offsets: ArrayLike<number>, data: Uint8Array, numValues: number, scratch?: FsstScratch): FsstEncoded {
  if (offsets.length < numValues + 1) throw new LanceError("INVALID_INPUT", `encodeFsst: ${numValues} values need ${numValues + 1} offsets, got ${offsets.length}`);
  const first = offsets[0]!;
  const last = offsets[numValues]!;
  if (first < 0 || last > data.length) throw new LanceError("INVALID_INPUT", `encodeFsst: offsets ${first}..${last} do not fit ${data.length} bytes`);
  if (last > 0x7fffffff) throw new LanceError("NOT_SUPPORTED", `encodeFsst: values end at byte ${last}, past the 2 GiB a page's text may take`);
  for (let i = 0; i < numValues; i++) {
    if (offsets[i + 1]! < offsets[i]!) throw new LanceError("INVALID_INPUT", `encodeFsst: offset ${i + 1} (${offsets[i + 1]}) is below offset ${i} (${offsets[i]})`);
  }
  const table = trainTable(offsets, data, numValues);
  // compressed text is usually well under its input; the buffer doubles when escapes need more
  let out: Uint8Array = scratch ? scratch.bytes(last - first + 64) : new Uint8Array(last - first + 64);
  const outOffsets = scratch ? scratch.uint32(numValues + 1) : new Uint32Array(numValues + 1);
  const { pairs, singles } = shortCodes(table);
  const { longCode, words, masks } = longSymbolWords(table);
  const lengths = table.lengths;
  // the next 8 bytes load as two little-endian words wherever the input has them
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const wordEnd = data.length - 8;
  let op = 0;
  for (let i = 0; i < numValues; i++) {
    // positions as 32-bit integers (checked above), so indexing needs no conversion
    let p = offsets[i]! | 0;
    const end = offsets[i + 1]! | 0;
    // a value takes at most two bytes per input byte
    if (op + 2 * (end - p) > out.length) out = grown(out, op, op + 2 * (end - p));
    // positions before end - 2 have 3 bytes left: a longer symbol may start there
    const end3 = Math.min(end - 2, wordEnd + 1);
    while (p < end3) {
      const w0 = view.getInt32(p, true);
      const entry = pairs[w0 & 0xffff]!;
      if ((entry & LONG_FLAG) !== 0) {
        // the one longer symbol with this 3-byte prefix: its bytes, masked to its length, against the input's
        const long = longCode[Math.imul(w0 & 0xffffff, 0x9e3779b1) >>> (32 - HASH_BITS)]!;
        if (long >= 0 && (w0 & masks[2 * long]!) === words[2 * long] && (view.getInt32(p + 4, true) & masks[2 * long + 1]!) === words[2 * long + 1]) {
          const length = lengths[long]!;
          if (length <= end - p) {
            out[op++] = long;
            p += length;
            continue;
          }
        }
      }
      const code = entry & 255;
      out[op++] = code;
      if (code === FSST_ESCAPE) {
        out[op++] = w0 & 255;
        p++;
      } else {
        p += (entry >>> 8) & 3;
      }
    }
    // near the end of the input, byte by byte
    while (p < end - 2) {
      const matched = table.match(data, p, end);
      if (matched >= 0) {
        out[op++] = matched;
        p += lengths[matched]!;
      } else {
        out[op++] = FSST_ESCAPE;
        out[op++] = data[p++]!;
      }
    }
    // the last one or two bytes: a 2-byte symbol, a 1-byte symbol or an escape
    while (p < end) {
      const b0 = data[p]!;
      const entry = end - p === 2 ? pairs[b0 | (data[p + 1]! << 8)]! : singles[b0]!;
      const code = entry & 255;
      out[op++] = code;
      if (code === FSST_ESCAPE) {
        out[op++] = b0;
        p++;
      } else {
        p += (entry >>> 8) & 3;
      }
    }
    outOffsets[i + 1] = op;
  }
  return { symbolTable: exportTable(table), offsets: outOffsets, data: out.subarray(0, op) };
}
