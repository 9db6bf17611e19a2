// Split-block bloom filters (Lance's BLOOMFILTER zones, the layout Parquet
// uses): blocks of 8 little-endian u32 words (32 bytes). A value's 64-bit
// XXH64 hash picks the block from its high 32 bits ((hi * blocks) >> 32) and,
// from its low 32 bits, one bit per word: bit (lo * SALT[i]) >>> 27 of word i.

import { CorruptFileError } from "../../core/errors.js";

const SALT = [0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31];

/**
 * Byte offset of the 32-byte block a hash selects by its high 32 bits:
 * (hi * blocks) >> 32, exact in doubles for the power-of-two block counts
 * Lance writes (at most 2^22).
 */
function blockOf(filter: Uint8Array, hi: number): number {
  const blocks = filter.byteLength / 32;
  return Math.floor((hi * blocks) / 2 ** 32) * 32;
}

function wordAt(filter: Uint8Array, at: number): number {
  return (filter[at]! | (filter[at + 1]! << 8) | (filter[at + 2]! << 16) | (filter[at + 3]! << 24)) >>> 0;
}

/** Whether the filter may hold a value of this hash, given as its 32-bit halves (false: it certainly does not). */
export function sbbfMayContain(filter: Uint8Array, hi: number, lo: number, where: string): boolean {
  if (filter.byteLength === 0 || filter.byteLength % 32 !== 0) throw new CorruptFileError(where, undefined, `bloom filter of ${filter.byteLength} bytes is not whole 32-byte blocks`);
  const block = blockOf(filter, hi);
  for (let i = 0; i < 8; i++) {
    const bit = Math.imul(lo, SALT[i]!) >>> 27;
    if (((wordAt(filter, block + i * 4) >>> bit) & 1) === 0) return false;
  }
  return true;
}

/** Sets the bits of a value's hash, given as its 32-bit halves. */
export function sbbfInsert(filter: Uint8Array, hi: number, lo: number): void {
  const block = blockOf(filter, hi);
  for (let i = 0; i < 8; i++) {
    const bit = Math.imul(lo, SALT[i]!) >>> 27;
    // bit b of a little-endian word is bit (b & 7) of its byte b >> 3
    const at = block + i * 4 + (bit >> 3);
    filter[at] = filter[at]! | (1 << (bit & 7));
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The false positive probability of `ndv` values in a filter of 2^log2Bytes bytes (the Parquet / Lance estimate). */
function falsePositiveProbability(ndv: number, log2Bytes: number): number {
  const bits = 2 ** log2Bytes * 8;
  if (ndv === 0) return 0;
  if (ndv / bits > 2) return 1;
  const lambda = (8 * 32) / (bits / ndv);
  const logLambda = Math.log(lambda);
  let result = 0;
  for (let i = 749; i >= 0; i--) {
    const logP = i * logLambda - lambda - lnGamma(i + 1);
    const logInner = 8 * Math.log(1 - (1 - 1 / 32) ** i);
    result += Math.exp(logP + logInner);
  }
  return Math.min(result, 1);
}

/** log2 of the filter size in bytes Lance picks for `ndv` values at probability `fpp` (32 B to 128 MiB). */
export function sbbfLog2Bytes(ndv: number, fpp: number): number {
  let low = 0;
  let high = 64;
  while (high > low + 1) {
    const mid = (high + low) >> 1;
    if (falsePositiveProbability(ndv, mid) <= fpp) high = mid;
    else low = mid;
  }
  return Math.min(Math.max(high, 5), 27);
}
