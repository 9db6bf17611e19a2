// Total order over the values of an indexable column, as Lance sorts index
// input: nulls first, then ascending; strings and binaries by their bytes;
// floats in IEEE 754 total order (Rust's total_cmp, which Lance's sorts use):
// negative NaNs (larger payloads first) < -inf < ... < -0 < +0 < ... < +inf <
// positive NaNs (smaller payloads first).

import { Type, type Data, type DataType } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { fixedWidthBits } from "../format/file/arrow-build.js";

export interface ValueAccess {
  isNull(i: number): boolean;
  /** Compares two non-null values. */
  compare(i: number, j: number): number;
  isNaN(i: number): boolean;
}

/** Types the scalar indexes accept, by Arrow type id. */
export function indexableType(type: DataType, column: string, indexType: string): void {
  const t = type.typeId;
  const ok =
    t === Type.Int ||
    t === Type.Float ||
    t === Type.Bool ||
    t === Type.Utf8 ||
    t === Type.LargeUtf8 ||
    t === Type.Binary ||
    t === Type.LargeBinary ||
    t === Type.Date ||
    t === Type.Timestamp ||
    t === Type.Time ||
    t === Type.Duration ||
    t === Type.Decimal ||
    t === Type.FixedSizeBinary;
  if (!ok) throw new LanceError("INVALID_INPUT", `a ${indexType} index cannot be built on column "${column}" of type ${String(type)}`);
}

/** Byte-wise order, shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Quiet NaN with no payload, by float precision (0 half, 1 single, 2 double): high word, low word. */
export const CANONICAL_NAN: readonly (readonly [number, number])[] = [
  [0, 0x7e00],
  [0, 0x7fc00000],
  [0x7ff80000, 0],
];

/** The 32-bit words of a float column's values (two per double, low word first; one per half in a Uint16Array). */
export function floatWords(data: Data): Uint16Array | Uint32Array {
  const v = data.values as Uint16Array | Float32Array | Float64Array;
  if (v instanceof Uint16Array) return v;
  const words = v.byteLength >> 2;
  return v.byteOffset % 4 === 0 ? new Uint32Array(v.buffer, v.byteOffset, words) : new Uint32Array(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer);
}

/**
 * Unsigned (hi, lo) keys whose order is the IEEE 754 total order of a float
 * column's values: the sign-magnitude bits with the sign bit set on positives
 * and every bit flipped on negatives.
 */
export function floatOrderKeys(data: Data): { hi: Uint32Array; lo: Uint32Array; isNaN(i: number): boolean } {
  const n = data.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const words = floatWords(data);
  if (words instanceof Uint16Array) {
    for (let i = 0; i < n; i++) {
      const b = words[i]!;
      lo[i] = b & 0x8000 ? ~b & 0xffff : b | 0x8000;
    }
    return { hi, lo, isNaN: (i) => (words[i]! & 0x7fff) > 0x7c00 };
  }
  const f = data.values as Float32Array | Float64Array;
  if (f instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const b = words[i]!;
      lo[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + 1]!;
      const l = words[2 * i]!;
      if (h & 0x80000000) {
        hi[i] = ~h >>> 0;
        lo[i] = ~l >>> 0;
      } else {
        hi[i] = (h | 0x80000000) >>> 0;
        lo[i] = l;
      }
    }
  }
  return { hi, lo, isNaN: (i) => Number.isNaN(f[i]!) };
}

export function valueAccess(data: Data): ValueAccess {
  const bitmap = data.nullBitmap;
  const hasNulls = data.nullCount > 0 && bitmap !== undefined && bitmap.byteLength > 0;
  const offset = data.offset;
  const isNull = hasNulls ? (i: number) => ((bitmap![(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 0 : () => false;
  const type = data.type;
  const noNaN = (): boolean => false;
  switch (type.typeId) {
    case Type.Bool: {
      const v = data.values as Uint8Array;
      const bit = (i: number): number => (v[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
      return { isNull, compare: (i, j) => bit(i) - bit(j), isNaN: noNaN };
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const bytes = data.values as Uint8Array;
      // 32-bit offsets are read directly; 64-bit ones through Number
      const raw = data.valueOffsets as Int32Array | BigInt64Array;
      const offsets: ArrayLike<number> = raw instanceof BigInt64Array ? Float64Array.from(raw, Number) : raw;
      return {
        isNull,
        compare: (i, j) => {
          const a = offsets[i]!;
          const b = offsets[j]!;
          const aLen = offsets[i + 1]! - a;
          const bLen = offsets[j + 1]! - b;
          const n = aLen < bLen ? aLen : bLen;
          for (let k = 0; k < n; k++) {
            const d = bytes[a + k]! - bytes[b + k]!;
            if (d !== 0) return d;
          }
          return aLen - bLen;
        },
        isNaN: noNaN,
      };
    }
    case Type.Float: {
      const key = floatOrderKeys(data);
      const { hi, lo } = key;
      return {
        isNull,
        compare: (i, j) => (hi[i] !== hi[j] ? (hi[i]! < hi[j]! ? -1 : 1) : lo[i] !== lo[j] ? (lo[i]! < lo[j]! ? -1 : 1) : 0),
        isNaN: key.isNaN,
      };
    }
    default:
      break;
  }
  const bits = fixedWidthBits(type);
  if (bits === undefined) throw new LanceError("NOT_SUPPORTED", `cannot order values of type ${String(type)}`);
  const values = data.values as ArrayBufferView;
  const signed = type.typeId === Type.Int ? (type as unknown as { isSigned: boolean }).isSigned : type.typeId !== Type.FixedSizeBinary;
  if (bits <= 32 && type.typeId !== Type.FixedSizeBinary) {
    const v = values as unknown as ArrayLike<number>;
    return { isNull, compare: (i, j) => (v[i]! < v[j]! ? -1 : v[i]! > v[j]! ? 1 : 0), isNaN: noNaN };
  }
  if (bits === 64 && type.typeId !== Type.FixedSizeBinary) {
    const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
    // compare as (hi, lo) pairs without BigInt
    const hi = (i: number): number => (signed ? view.getInt32(8 * i + 4, true) : view.getUint32(8 * i + 4, true));
    const lo = (i: number): number => view.getUint32(8 * i, true);
    return {
      isNull,
      compare: (i, j) => {
        const a = hi(i);
        const b = hi(j);
        if (a !== b) return a < b ? -1 : 1;
        const c = lo(i);
        const d = lo(j);
        return c < d ? -1 : c > d ? 1 : 0;
      },
      isNaN: noNaN,
    };
  }
  // wide values (decimal128, fixed-size binary): little-endian words, most significant last
  const width = bits / 8;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return {
    isNull,
    compare: (i, j) => {
      if (type.typeId === Type.FixedSizeBinary) return compareBytes(bytes.subarray(i * width, (i + 1) * width), bytes.subarray(j * width, (j + 1) * width));
      for (let k = width - 1; k >= 0; k--) {
        let a = bytes[i * width + k]!;
        let b = bytes[j * width + k]!;
        if (k === width - 1 && signed) {
          a = (a << 24) >> 24;
          b = (b << 24) >> 24;
        }
        if (a !== b) return a - b;
      }
      return 0;
    },
    isNaN: noNaN,
  };
}

/** Row order: nulls first, then by value, ties by row id. */
/**
 * Sortable 64-bit keys (high and low 32-bit halves) for numeric columns, so
 * that unsigned comparison of (hi, lo) follows the value order above: signed
 * integers get their sign bit flipped, floats their total-order keys
 * (floatOrderKeys). undefined for other types.
 */
export function numericKeys(data: Data): { hi: Uint32Array; lo: Uint32Array } | undefined {
  const type = data.type;
  const n = data.length;
  const id = type.typeId;
  if (id !== Type.Int && id !== Type.Float && id !== Type.Date && id !== Type.Timestamp && id !== Type.Time && id !== Type.Duration) return undefined;
  const bits = fixedWidthBits(type);
  if (bits === undefined) return undefined;
  if (id === Type.Float) return floatOrderKeys(data);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const values = data.values as ArrayBufferView;
  const signed = id === Type.Int ? (type as unknown as { isSigned: boolean }).isSigned : true;
  if (bits === 64) {
    const words = (values.byteOffset & 3) === 0 ? new Uint32Array(values.buffer, values.byteOffset, n * 2) : new Uint32Array(new Uint8Array(values.buffer, values.byteOffset, n * 8).slice().buffer);
    for (let i = 0; i < n; i++) {
      lo[i] = words[2 * i]!;
      hi[i] = signed ? (words[2 * i + 1]! ^ 0x80000000) >>> 0 : words[2 * i + 1]!;
    }
    return { hi, lo };
  }
  const v = values as unknown as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    // 8-32 bit values widened: signed ones offset so they order as unsigned
    lo[i] = signed ? (v[i]! + 0x80000000) >>> 0 : v[i]! >>> 0;
  }
  return { hi, lo };
}

/** Stable LSD radix sort of `order` by (hi, lo), 16 bits a pass; passes over constant digits are skipped. */
function radixSort(order: Int32Array, hi: Uint32Array, lo: Uint32Array): Int32Array {
  let src: Int32Array = order;
  let dst: Int32Array = new Int32Array(order.length);
  const counts = new Int32Array(65536);
  for (const [words, shift] of [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ] as const) {
    counts.fill(0);
    for (let i = 0; i < src.length; i++) counts[(words[src[i]!]! >>> shift) & 0xffff]!++;
    if (counts.some((c) => c === src.length)) continue; // every key has the same digit
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < src.length; i++) {
      const k = src[i]!;
      dst[counts[(words[k]! >>> shift) & 0xffff]!++] = k;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * The order of sortOrder for numeric columns, by radix sort: nulls first, then
 * ascending values; equal values (and nulls) by row id. undefined when the
 * column is not numeric.
 */
export function numericSortOrder(data: Data, rowIds: Float64Array): Int32Array | undefined {
  const keys = numericKeys(data);
  if (!keys) return undefined;
  const n = data.length;
  const access = valueAccess(data);
  // start from row id order, so the stable passes leave ties in row id order
  let byRowId = new Int32Array(n);
  for (let i = 0; i < n; i++) byRowId[i] = i;
  for (let i = 1; i < n; i++) {
    if (rowIds[i - 1]! > rowIds[i]!) {
      byRowId = byRowId.sort((a, b) => rowIds[a]! - rowIds[b]!);
      break;
    }
  }
  if (data.nullCount === 0) return radixSort(byRowId, keys.hi, keys.lo);
  const out = new Int32Array(n);
  const present = new Int32Array(n - data.nullCount);
  let nulls = 0;
  let at = 0;
  for (let k = 0; k < n; k++) {
    const i = byRowId[k]!;
    if (access.isNull(i)) out[nulls++] = i;
    else present[at++] = i;
  }
  out.set(radixSort(present.subarray(0, at), keys.hi, keys.lo), nulls);
  return out;
}

export function sortOrder(access: ValueAccess, rowIds: Float64Array, n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const an = access.isNull(a);
    const bn = access.isNull(b);
    if (an || bn) {
      if (an !== bn) return an ? -1 : 1;
      return rowIds[a]! - rowIds[b]!;
    }
    return access.compare(a, b) || rowIds[a]! - rowIds[b]!;
  });
  return order;
}

/**
 * A key per row that is equal exactly when two non-null values are equal, for
 * grouping rows by value without sorting every row.
 */
export function groupKeys(data: Data): (i: number) => number | string {
  const type = data.type;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const decoder = new TextDecoder("latin1");
      return (i) => decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)));
    }
    case Type.Bool: {
      const v = data.values as Uint8Array;
      const offset = data.offset;
      return (i) => (v[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
    }
    default:
      break;
  }
  if (type.typeId === Type.Float) {
    // by bits: -0 and +0 are two keys, and so is each NaN payload, as in Lance's total order
    const words = floatWords(data);
    if ((data.values as ArrayBufferView) instanceof Float64Array) return (i) => `${words[2 * i + 1]!}:${words[2 * i]!}`;
    return (i) => words[i]!;
  }
  const bits = fixedWidthBits(type);
  const values = data.values as ArrayBufferView;
  if (bits !== undefined && bits <= 32 && type.typeId !== Type.FixedSizeBinary) {
    const v = values as unknown as ArrayLike<number>;
    return (i) => v[i]!;
  }
  if (bits === 64 && type.typeId !== Type.FixedSizeBinary) {
    const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
    return (i) => {
      const hi = view.getUint32(8 * i + 4, true);
      const lo = view.getUint32(8 * i, true);
      return hi === 0 && lo < 2 ** 31 ? lo : `${hi}:${lo}`;
    };
  }
  const width = (bits ?? 8) / 8;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const decoder = new TextDecoder("latin1");
  return (i) => decoder.decode(bytes.subarray(i * width, (i + 1) * width));
}
