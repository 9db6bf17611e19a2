// Little-endian byte helpers shared by every codec. Readers check bounds and
// report the byte offset so corrupt input becomes a CorruptFileError, never a
// RangeError or a silent wrong value.

import { CorruptFileError } from "./errors.js";

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const textEncoder = new TextEncoder();

export function utf8Decode(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export function utf8Encode(text: string): Uint8Array {
  return textEncoder.encode(text);
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let byteOffset = 0;
  for (const part of parts) {
    out.set(part, byteOffset);
    byteOffset += part.byteLength;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A bounds-checked little-endian cursor over a byte array. `path` and
 * `baseOffset` only shape error messages: offsets are reported as positions in
 * the whole file.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly path: string;
  readonly baseOffset: number;
  private readonly view: DataView;
  position = 0;

  constructor(bytes: Uint8Array, path: string, baseOffset = 0) {
    this.bytes = bytes;
    this.path = path;
    this.baseOffset = baseOffset;
    this.view = dataView(bytes);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.position;
  }

  fail(detail: string, at = this.position): never {
    throw new CorruptFileError(this.path, this.baseOffset + at, detail);
  }

  private need(byteLength: number, what: string): void {
    if (byteLength < 0 || this.position + byteLength > this.bytes.byteLength) {
      this.fail(`${what} needs ${byteLength} bytes but only ${this.remaining} remain (size ${this.baseOffset + this.bytes.byteLength})`);
    }
  }

  seek(position: number, what = "seek"): void {
    if (position < 0 || position > this.bytes.byteLength) {
      this.fail(`${what} to ${this.baseOffset + position} is outside the data (size ${this.baseOffset + this.bytes.byteLength})`);
    }
    this.position = position;
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.view.getUint8(this.position++);
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const v = this.view.getUint16(this.position, true);
    this.position += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const v = this.view.getUint32(this.position, true);
    this.position += 4;
    return v;
  }

  i32(what = "i32"): number {
    this.need(4, what);
    const v = this.view.getInt32(this.position, true);
    this.position += 4;
    return v;
  }

  /** A u64 that must fit in a JS number (sizes, offsets, counts). */
  u64Number(what = "u64"): number {
    this.need(8, what);
    const lo = this.view.getUint32(this.position, true);
    const hi = this.view.getUint32(this.position + 4, true);
    if (hi > 0x1fffff) this.fail(`${what} value ${(BigInt(hi) << 32n) | BigInt(lo)} is too large`);
    this.position += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** An i64 that must fit in a JS number. */
  i64Number(what = "i64"): number {
    this.need(8, what);
    const v = this.view.getBigInt64(this.position, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`${what} value ${v} is out of range`);
    this.position += 8;
    return Number(v);
  }

  u64(what = "u64"): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return v;
  }

  take(byteLength: number, what = "bytes"): Uint8Array {
    this.need(byteLength, what);
    const out = this.bytes.subarray(this.position, this.position + byteLength);
    this.position += byteLength;
    return out;
  }
}

/** Growable little-endian writer. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
    this.view = dataView(this.buffer);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.byteLength) return;
    let capacity = this.buffer.byteLength * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = dataView(next);
  }

  u8(value: number): this {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
    return this;
  }

  i32(value: number): this {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
    return this;
  }

  u64(value: number | bigint): this {
    this.reserve(8);
    // a safe integer goes as two 32-bit halves, without a BigInt
    if (typeof value === "number" && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.view.setUint32(this.length, value % 4294967296, true);
      this.view.setUint32(this.length + 4, Math.floor(value / 4294967296), true);
    } else {
      this.view.setBigUint64(this.length, BigInt(value), true);
    }
    this.length += 8;
    return this;
  }

  i64(value: number | bigint): this {
    this.reserve(8);
    if (typeof value === "number" && Number.isSafeInteger(value)) {
      const hi = Math.floor(value / 4294967296);
      this.view.setUint32(this.length, value - hi * 4294967296, true);
      this.view.setInt32(this.length + 4, hi, true);
    } else {
      this.view.setBigInt64(this.length, BigInt(value), true);
    }
    this.length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.reserve(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
    return this;
  }

  padTo(alignment: number, fill = 0): this {
    const rem = this.length % alignment;
    if (rem !== 0) {
      const n = alignment - rem;
      this.reserve(n);
      this.buffer.fill(fill, this.length, this.length + n);
      this.length += n;
    }
    return this;
  }

  /**
   * The bytes written as a view of the writer's buffer, never a copy (the
   * buffer may hold unused capacity past them); for a writer that is done.
   */
  finishView(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** The bytes written; the buffer itself (no copy) when it was sized exactly. */
  finish(): Uint8Array {
    return this.length === this.buffer.byteLength ? this.buffer : this.buffer.slice(0, this.length);
  }
}
