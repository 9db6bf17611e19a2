// Split-block bloom filters (Lance's BLOOMFILTER zones, the layout Parquet
// uses): blocks of 8 little-endian u32 words (32 bytes). A value's 64-bit
// XXH64 hash picks the block from its high 32 bits ((hi * blocks) >> 32) and,
// from its low 32 bits, one bit per word: bit (lo * SALT[i]) >>> 27 of word i.

import { CorruptFileError } from "../../core/errors.js";

const SALT = [0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31];

/** Whether the filter may hold a value of this hash (false: it certainly does not). */
export function sbbfMayContain(filter: Uint8Array, hash: bigint, where: string): boolean {
  if (filter.byteLength === 0 || filter.byteLength % 32 !== 0) throw new CorruptFileError(where, undefined, `bloom filter of ${filter.byteLength} bytes is not whole 32-byte blocks`);
  const blocks = filter.byteLength / 32;
  const hi = Number(hash >> 32n);
  const lo = Number(hash & 0xffffffffn);
  const block = Math.floor((hi * blocks) / 2 ** 32);
  const view = new DataView(filter.buffer, filter.byteOffset + block * 32, 32);
  for (let i = 0; i < 8; i++) {
    const bit = Math.imul(lo, SALT[i]!) >>> 27;
    if (((view.getUint32(i * 4, true) >>> bit) & 1) === 0) return false;
  }
  return true;
}
