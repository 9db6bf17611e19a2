// Keys that compare rows of different chunks of one column in the value order
// of value-order.ts (nulls first, then ascending; ties broken by the caller on
// row id), for the k-way merge of sorted runs: numeric columns as unsigned
// (hi, lo) word pairs, every other indexable type as unsigned byte strings
// (strings and binaries as they are; decimals big-endian with the sign bit
// flipped; booleans one byte).

import { Type, type Data } from "apache-arrow";
import { LanceError } from "../../core/errors.js";
import { fixedWidthBits } from "../../format/file/arrow-build.js";
import { numericKeys } from "../value-order.js";

export interface ChunkKeys {
  isNull(i: number): boolean;
  /** Numeric order keys, or undefined when the keys are byte strings. */
  hi: Uint32Array | undefined;
  lo: Uint32Array | undefined;
  bytes: Uint8Array;
  /** Byte string i is bytes[starts[i], starts[i + 1]). */
  starts: ArrayLike<number>;
}

function byteKeys(data: Data): { bytes: Uint8Array; starts: ArrayLike<number> } {
  const type = data.type;
  const n = data.length;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const raw = data.valueOffsets as Int32Array | BigInt64Array;
      return { bytes: data.values as Uint8Array, starts: raw instanceof BigInt64Array ? Float64Array.from(raw, Number) : raw };
    }
    case Type.Bool: {
      const v = data.values as Uint8Array;
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (v[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1;
      return { bytes, starts: Int32Array.from({ length: n + 1 }, (_, i) => i) };
    }
    default:
      break;
  }
  const bits = fixedWidthBits(type);
  if (bits === undefined || bits % 8 !== 0) throw new LanceError("NOT_SUPPORTED", `cannot merge sorted runs of type ${String(type)}`);
  const width = bits / 8;
  const values = data.values as ArrayBufferView;
  const src = new Uint8Array(values.buffer, values.byteOffset, n * width);
  const starts = Int32Array.from({ length: n + 1 }, (_, i) => i * width);
  if (type.typeId === Type.FixedSizeBinary) return { bytes: src, starts };
  // decimals (little-endian two's complement): most significant byte first, sign flipped
  const bytes = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) bytes[i * width + k] = src[i * width + width - 1 - k]!;
    bytes[i * width] = bytes[i * width]! ^ 0x80;
  }
  return { bytes, starts };
}

export function chunkKeys(data: Data): ChunkKeys {
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  const isNull = data.nullCount > 0 && bitmap && bitmap.byteLength > 0 ? (i: number) => ((bitmap[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 0 : () => false;
  const numeric = numericKeys(data);
  if (numeric) return { isNull, hi: numeric.hi, lo: numeric.lo, bytes: new Uint8Array(0), starts: [] };
  return { isNull, hi: undefined, lo: undefined, ...byteKeys(data) };
}

/** Compares non-null row i of `a` with non-null row j of `b` (chunks of one column). */
export function compareKeys(a: ChunkKeys, i: number, b: ChunkKeys, j: number): number {
  if (a.hi) {
    const x = a.hi[i]!;
    const y = b.hi![j]!;
    if (x !== y) return x < y ? -1 : 1;
    const u = a.lo![i]!;
    const v = b.lo![j]!;
    return u < v ? -1 : u > v ? 1 : 0;
  }
  let p = a.starts[i]!;
  const pEnd = a.starts[i + 1]!;
  let q = b.starts[j]!;
  const qEnd = b.starts[j + 1]!;
  const ab = a.bytes;
  const bb = b.bytes;
  for (; p < pEnd && q < qEnd; p++, q++) if (ab[p] !== bb[q]) return ab[p]! - bb[q]!;
  return pEnd - p - (qEnd - q);
}
