// XXH64 (Yann Collet's xxHash, 64-bit variant, seed 0) of a byte string:
// Lance's bloom filters hash every value's little-endian bytes with it. The
// 64-bit lanes are kept as two unsigned 32-bit halves (hi, lo) and multiplied
// from 16-bit pieces, so hashing a column allocates nothing and uses no BigInt.

// the five primes as [hi, lo]
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w = (t & 0xffff) + a0 * b1;
  return (a1 * b1 + Math.floor(t / 0x10000) + Math.floor(w / 0x10000)) >>> 0;
}

function u32At(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * An XXH64 hasher: `hash` leaves the result in `hi` and `lo`. One instance
 * serves any number of values (it holds only the last result).
 */
export class Xxh64 {
  hi = 0;
  lo = 0;

  /** this = a * b (mod 2^64). */
  private mul(ah: number, al: number, bh: number, bl: number): void {
    const hi = mulHi32(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh);
    this.lo = Math.imul(al, bl) >>> 0;
    this.hi = hi >>> 0;
  }

  /** this = a + b (mod 2^64). */
  private add(ah: number, al: number, bh: number, bl: number): void {
    const lo = al + bl;
    this.hi = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    this.lo = lo >>> 0;
  }

  /** this = rotl(this, r) for 0 < r < 32. */
  private rotl(r: number): void {
    const h = this.hi;
    const l = this.lo;
    this.hi = ((h << r) | (l >>> (32 - r))) >>> 0;
    this.lo = ((l << r) | (h >>> (32 - r))) >>> 0;
  }

  /** this = round(acc, input) = rotl(acc + input * P2, 31) * P1. */
  private round(ah: number, al: number, ih: number, il: number): void {
    this.mul(ih, il, P2H, P2L);
    this.add(ah, al, this.hi, this.lo);
    this.rotl(31);
    this.mul(this.hi, this.lo, P1H, P1L);
  }

  /** this = (acc ^ round(0, value)) * P1 + P4. */
  private mergeRound(ah: number, al: number, vh: number, vl: number): void {
    this.round(0, 0, vh, vl);
    this.mul((ah ^ this.hi) >>> 0, (al ^ this.lo) >>> 0, P1H, P1L);
    this.add(this.hi, this.lo, P4H, P4L);
  }

  /** Hashes bytes[start, end). */
  hash(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    let at = start;
    let hh: number;
    let hl: number;
    if (n >= 32) {
      // seed 0: v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1
      this.add(P1H, P1L, P2H, P2L);
      let v1h = this.hi;
      let v1l = this.lo;
      let v2h = P2H;
      let v2l = P2L;
      let v3h = 0;
      let v3l = 0;
      this.add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
      let v4h = this.hi;
      let v4l = this.lo;
      for (; at + 32 <= end; at += 32) {
        this.round(v1h, v1l, u32At(bytes, at + 4), u32At(bytes, at));
        v1h = this.hi;
        v1l = this.lo;
        this.round(v2h, v2l, u32At(bytes, at + 12), u32At(bytes, at + 8));
        v2h = this.hi;
        v2l = this.lo;
        this.round(v3h, v3l, u32At(bytes, at + 20), u32At(bytes, at + 16));
        v3h = this.hi;
        v3l = this.lo;
        this.round(v4h, v4l, u32At(bytes, at + 28), u32At(bytes, at + 24));
        v4h = this.hi;
        v4l = this.lo;
      }
      // h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
      const lanes = [v1h, v1l, 1, v2h, v2l, 7, v3h, v3l, 12, v4h, v4l, 18];
      hh = 0;
      hl = 0;
      for (let k = 0; k < 12; k += 3) {
        this.hi = lanes[k]!;
        this.lo = lanes[k + 1]!;
        this.rotl(lanes[k + 2]!);
        this.add(hh, hl, this.hi, this.lo);
        hh = this.hi;
        hl = this.lo;
      }
      for (let k = 0; k < 12; k += 3) {
        this.mergeRound(hh, hl, lanes[k]!, lanes[k + 1]!);
        hh = this.hi;
        hl = this.lo;
      }
    } else {
      hh = P5H;
      hl = P5L;
    }
    // h += n (a length below 2^32)
    this.add(hh, hl, 0, n >>> 0);
    for (; at + 8 <= end; at += 8) {
      const h = this.hi;
      const l = this.lo;
      this.round(0, 0, u32At(bytes, at + 4), u32At(bytes, at));
      this.hi = (this.hi ^ h) >>> 0;
      this.lo = (this.lo ^ l) >>> 0;
      this.rotl(27);
      this.mul(this.hi, this.lo, P1H, P1L);
      this.add(this.hi, this.lo, P4H, P4L);
    }
    if (at + 4 <= end) {
      const h = this.hi;
      const l = this.lo;
      this.mul(0, u32At(bytes, at), P1H, P1L);
      this.hi = (this.hi ^ h) >>> 0;
      this.lo = (this.lo ^ l) >>> 0;
      this.rotl(23);
      this.mul(this.hi, this.lo, P2H, P2L);
      this.add(this.hi, this.lo, P3H, P3L);
      at += 4;
    }
    for (; at < end; at++) {
      const h = this.hi;
      const l = this.lo;
      this.mul(0, bytes[at]!, P5H, P5L);
      this.hi = (this.hi ^ h) >>> 0;
      this.lo = (this.lo ^ l) >>> 0;
      this.rotl(11);
      this.mul(this.hi, this.lo, P1H, P1L);
    }
    // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
    this.lo = (this.lo ^ (this.hi >>> 1)) >>> 0;
    this.mul(this.hi, this.lo, P2H, P2L);
    this.lo = (this.lo ^ ((this.lo >>> 29) | (this.hi << 3))) >>> 0;
    this.hi = (this.hi ^ (this.hi >>> 29)) >>> 0;
    this.mul(this.hi, this.lo, P3H, P3L);
    this.lo = (this.lo ^ this.hi) >>> 0;
  }
}

/** The 64-bit XXH64 hash of `bytes` as a BigInt (for tests and messages; builds use Xxh64). */
export function xxhash64(bytes: Uint8Array): bigint {
  const h = new Xxh64();
  h.hash(bytes);
  return (BigInt(h.hi) << 32n) | BigInt(h.lo);
}
