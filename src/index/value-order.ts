// Total order over the values of an indexable column, as Lance sorts index
// input: nulls first, then ascending; floats order -inf < ... < +inf < NaN;
// strings and binaries by their bytes.

import { Type, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { fixedWidthBits } from "../format/file/arrow-build.js";

export interface ValueAccess {
  isNull(i: number): boolean;
  /** Compares two non-null values. */
  compare(i: number, j: number): number;
  isNaN(i: number): boolean;
}

/** Types the scalar indexes accept, by Arrow type id. */
export function indexableType(data: Data, column: string, indexType: string): void {
  const t = data.type.typeId;
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
  if (!ok) throw new LanceError("INVALID_INPUT", `a ${indexType} index cannot be built on column "${column}" of type ${String(data.type)}`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
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
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const get = (i: number): Uint8Array => bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!));
      return { isNull, compare: (i, j) => compareBytes(get(i), get(j)), isNaN: noNaN };
    }
    case Type.Float: {
      const v = data.values as Float32Array | Float64Array | Uint16Array;
      if (v instanceof Uint16Array) {
        throw new LanceError("NOT_SUPPORTED", "indexes on float16 columns are not supported by lancets yet");
      }
      const cmp = (a: number, b: number): number => {
        const an = Number.isNaN(a);
        const bn = Number.isNaN(b);
        if (an || bn) return an === bn ? 0 : an ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
      };
      return { isNull, compare: (i, j) => cmp(v[i]!, v[j]!), isNaN: (i) => Number.isNaN(v[i]!) };
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
  const bits = fixedWidthBits(type);
  const values = data.values as ArrayBufferView;
  if (bits !== undefined && bits <= 32 && type.typeId !== Type.FixedSizeBinary) {
    const v = values as unknown as ArrayLike<number>;
    // NaN never equals itself as a Map key problem: Map uses SameValueZero, so NaNs group together
    return (i) => v[i]!;
  }
  if (bits === 64 && type.typeId !== Type.FixedSizeBinary && type.typeId !== Type.Float) {
    const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
    return (i) => {
      const hi = view.getUint32(8 * i + 4, true);
      const lo = view.getUint32(8 * i, true);
      return hi === 0 && lo < 2 ** 31 ? lo : `${hi}:${lo}`;
    };
  }
  if (type.typeId === Type.Float) {
    const v = values as unknown as ArrayLike<number>;
    return (i) => (Object.is(v[i], -0) ? "-0" : v[i]!);
  }
  const width = (bits ?? 8) / 8;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const decoder = new TextDecoder("latin1");
  return (i) => decoder.decode(bytes.subarray(i * width, (i + 1) * width));
}
