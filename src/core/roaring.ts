// Portable serialization of 32-bit Roaring bitmaps (the RoaringFormatSpec
// layout used by CRoaring, Java and roaring-rs). Lance stores fragment bitmaps,
// bitmap deletion files and bitmap index posting lists in this form.
//
// Layout (all little-endian):
//   cookie 12346: u32 cookie, u32 container count n
//   cookie 12347: u16 cookie, u16 n-1, then ceil(n/8) bytes flagging run containers
//   n x (u16 key, u16 cardinality-1)
//   n x u32 byte offset of each container     (omitted for 12347 when n < 4)
//   containers: array  = cardinality x u16
//               bitmap = 1024 x u64 (cardinality > 4096)
//               run    = u16 run count, then (u16 start, u16 length-1) pairs

import { ByteReader } from "./bytes.js";

const COOKIE_NO_RUNS = 12346;
const COOKIE_WITH_RUNS = 12347;
const ARRAY_MAX = 4096;
const BITMAP_WORDS = 1024;
const NO_OFFSET_THRESHOLD = 4;

/** Decodes a portable 32-bit roaring bitmap into sorted values. */
export function decodeRoaring32(bytes: Uint8Array, path = "<roaring bitmap>", baseOffset = 0): Uint32Array {
  const r = new ByteReader(bytes, path, baseOffset);
  return readRoaring32(r);
}

/** Container kinds of a view. */
export const ARRAY = 0;
export const BITMAP = 1;
export const RUN = 2;

/** The containers of one bitmap, undecoded. */
export interface Roaring32View {
  bytes: Uint8Array;
  path: string;
  /** Offset of `bytes` in the file, for error messages. */
  baseOffset: number;
  keys: Uint16Array;
  cardinalities: Uint32Array;
  kinds: Uint8Array;
  /** Byte position in `bytes` of each container's contents. */
  starts: Uint32Array;
  cardinality: number;
}

/** Reads one bitmap's container headers at the reader's position and leaves the reader after the bitmap. */
export function viewRoaring32(r: ByteReader): Roaring32View {
  const start = r.position;
  const cookieWord = r.u32("roaring cookie");
  let count: number;
  let runFlags: Uint8Array | undefined;
  let hasOffsets: boolean;
  if (cookieWord === COOKIE_NO_RUNS) {
    count = r.u32("roaring container count");
    hasOffsets = true;
  } else if ((cookieWord & 0xffff) === COOKIE_WITH_RUNS) {
    count = (cookieWord >>> 16) + 1;
    runFlags = r.take((count + 7) >> 3, "roaring run flags");
    hasOffsets = count >= NO_OFFSET_THRESHOLD;
  } else {
    return r.fail(`bad roaring cookie ${cookieWord}`, start);
  }
  if (count > 65536) r.fail(`roaring bitmap claims ${count} containers (at most 65536)`, start);
  const keys = new Uint16Array(count);
  const cardinalities = new Uint32Array(count);
  const kinds = new Uint8Array(count);
  const starts = new Uint32Array(count);
  let cardinality = 0;
  for (let i = 0; i < count; i++) {
    keys[i] = r.u16("roaring key");
    cardinalities[i] = r.u16("roaring cardinality") + 1;
    if (i > 0 && keys[i]! <= keys[i - 1]!) r.fail(`roaring keys not increasing (${keys[i - 1]} then ${keys[i]})`);
    cardinality += cardinalities[i]!;
    const isRun = runFlags !== undefined && ((runFlags[i >> 3]! >> (i & 7)) & 1) === 1;
    kinds[i] = isRun ? RUN : cardinalities[i]! > ARRAY_MAX ? BITMAP : ARRAY;
  }
  if (hasOffsets) r.take(4 * count, "roaring offsets");
  for (let i = 0; i < count; i++) {
    starts[i] = r.position;
    if (kinds[i] === RUN) r.take(4 * r.u16("roaring run count"), "roaring run container");
    else r.take(kinds[i] === BITMAP ? BITMAP_WORDS * 8 : 2 * cardinalities[i]!, kinds[i] === BITMAP ? "roaring bitmap container" : "roaring array container");
  }
  return { bytes: r.bytes, path: r.path, baseOffset: r.baseOffset, keys, cardinalities, kinds, starts, cardinality };
}

/** Reads one bitmap at the reader's position; leaves the reader after it. */
export function readRoaring32(r: ByteReader): Uint32Array {
  const view = viewRoaring32(r);
  const out = new Uint32Array(view.cardinality);
  const c = new ByteReader(view.bytes, view.path, view.baseOffset);
  let n = 0;
  for (let i = 0; i < view.keys.length; i++) {
    const high = view.keys[i]! * 65536;
    const card = view.cardinalities[i]!;
    c.seek(view.starts[i]!);
    if (view.kinds[i] === RUN) {
      const runs = c.u16("roaring run count");
      let produced = 0;
      for (let k = 0; k < runs; k++) {
        const s = c.u16("roaring run start");
        const len = c.u16("roaring run length") + 1;
        if (s + len > 65536) c.fail(`roaring run ${s}+${len} passes 65536`);
        produced += len;
        if (produced > card) c.fail(`roaring run container holds more than its cardinality ${card}`);
        for (let v = 0; v < len; v++) out[n++] = high + s + v;
      }
      if (produced !== card) c.fail(`roaring run container holds ${produced} values, header says ${card}`);
    } else if (view.kinds[i] === BITMAP) {
      const words = c.take(BITMAP_WORDS * 8, "roaring bitmap container");
      let produced = 0;
      for (let b = 0; b < words.byteLength; b++) {
        let byte = words[b]!;
        while (byte !== 0) {
          const bit = 31 - Math.clz32(byte & -byte);
          if (produced >= card) c.fail(`roaring bitmap container holds more than its cardinality ${card}`);
          out[n++] = high + b * 8 + bit;
          produced++;
          byte &= byte - 1;
        }
      }
      if (produced !== card) c.fail(`roaring bitmap container holds ${produced} values, header says ${card}`);
    } else {
      const values = c.take(card * 2, "roaring array container");
      let prev = -1;
      for (let k = 0; k < card; k++) {
        const v = values[2 * k]! | (values[2 * k + 1]! << 8);
        if (v <= prev) c.fail("roaring array container not strictly increasing");
        prev = v;
        out[n++] = high + v;
      }
    }
  }
  return out;
}

function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
}

function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/** Checks that `values` are sorted, distinct u32s; returns the number of containers. */
function containerCount(values: ArrayLike<number>): number {
  let count = 0;
  let prevValue = -1;
  let prevKey = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) throw new RangeError(`roaring value ${v} is not a u32`);
    if (v <= prevValue) throw new RangeError("roaring values must be sorted and distinct");
    prevValue = v;
    const key = v >>> 16;
    if (key !== prevKey) {
      count++;
      prevKey = key;
    }
  }
  return count;
}

/** Byte length of encodeRoaring32(values) for sorted, distinct u32s. */
export function roaring32ByteLength(values: ArrayLike<number>): number {
  let bytes = 8 + containerCount(values) * 8;
  for (let i = 0; i < values.length; ) {
    const key = values[i]! >>> 16;
    let j = i + 1;
    while (j < values.length && values[j]! >>> 16 === key) j++;
    bytes += j - i > ARRAY_MAX ? BITMAP_WORDS * 8 : (j - i) * 2;
    i = j;
  }
  return bytes;
}

/**
 * Writes encodeRoaring32(values) into `out` at byte `at` (which must have
 * room for roaring32ByteLength(values)); returns the byte after it.
 */
export function encodeRoaring32Into(values: ArrayLike<number>, out: Uint8Array, at: number): number {
  const count = containerCount(values);
  put32(out, at, COOKIE_NO_RUNS);
  put32(out, at + 4, count);
  let header = at + 8;
  let offsetAt = at + 8 + count * 4;
  let containerOffset = 8 + count * 8;
  let body = at + containerOffset;
  for (let i = 0; i < values.length; ) {
    const key = values[i]! >>> 16;
    let j = i + 1;
    while (j < values.length && values[j]! >>> 16 === key) j++;
    const card = j - i;
    put16(out, header, key);
    put16(out, header + 2, card - 1);
    header += 4;
    put32(out, offsetAt, containerOffset);
    offsetAt += 4;
    if (card > ARRAY_MAX) {
      out.fill(0, body, body + BITMAP_WORDS * 8);
      for (let k = i; k < j; k++) {
        const low = values[k]! & 0xffff;
        out[body + (low >> 3)]! |= 1 << (low & 7);
      }
      body += BITMAP_WORDS * 8;
      containerOffset += BITMAP_WORDS * 8;
    } else {
      for (let k = i; k < j; k++) {
        put16(out, body, values[k]! & 0xffff);
        body += 2;
      }
      containerOffset += card * 2;
    }
    i = j;
  }
  return body;
}

/**
 * Encodes sorted, distinct values as a portable roaring bitmap without run
 * containers (cookie 12346), the form every roaring reader accepts.
 */
export function encodeRoaring32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(roaring32ByteLength(values));
  encodeRoaring32Into(values, out, 0);
  return out;
}
