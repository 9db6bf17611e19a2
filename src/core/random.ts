// Randomness from the Web Crypto API that Node exposes globally, so core/
// stays free of node:* imports.

export function randomUUID(): string {
  return globalThis.crypto.randomUUID();
}

export function randomBytes(byteLength: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A random unsigned 64-bit integer. */
export function randomU64(): bigint {
  const b = randomBytes(8);
  return new DataView(b.buffer).getBigUint64(0, true);
}
