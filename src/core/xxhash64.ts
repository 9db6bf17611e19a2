// XXH64 (Yann Collet's xxHash, 64-bit variant) of a byte string with a seed:
// Lance's bloom filters hash every value's little-endian bytes with it (seed
// 0). Computed in BigInt: used per query literal, not per row.

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, input: bigint): bigint {
  return (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
}

function mergeRound(acc: bigint, value: bigint): bigint {
  return (((acc ^ round(0n, value)) * P1) + P4) & MASK;
}

function u64At(bytes: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k]!);
  return v;
}

function u32At(bytes: Uint8Array, at: number): bigint {
  return BigInt((bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0);
}

/** The 64-bit XXH64 hash of `bytes`. */
export function xxhash64(bytes: Uint8Array, seed = 0n): bigint {
  const n = bytes.length;
  let at = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed & MASK;
    let v4 = (seed - P1) & MASK;
    for (; at + 32 <= n; at += 32) {
      v1 = round(v1, u64At(bytes, at));
      v2 = round(v2, u64At(bytes, at + 8));
      v3 = round(v3, u64At(bytes, at + 16));
      v4 = round(v4, u64At(bytes, at + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = (seed + P5) & MASK;
  }
  h = (h + BigInt(n)) & MASK;
  for (; at + 8 <= n; at += 8) {
    h ^= round(0n, u64At(bytes, at));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
  }
  if (at + 4 <= n) {
    h ^= (u32At(bytes, at) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    at += 4;
  }
  for (; at < n; at++) {
    h ^= (BigInt(bytes[at]!) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}
