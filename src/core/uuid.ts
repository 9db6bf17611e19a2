// UUIDs as Lance stores them: 16 raw bytes in protobufs, hyphenated lowercase
// hex in directory and file names.

import { randomUUID } from "./random.js";

export function uuidToString(bytes: Uint8Array): string {
  if (bytes.byteLength !== 16) throw new RangeError(`a UUID has 16 bytes, got ${bytes.byteLength}`);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidToBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${text}`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function newUuid(): string {
  return randomUUID();
}
