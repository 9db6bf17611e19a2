// Zone statistics of float columns with NaNs, written so that Lance 12 and
// lancets both keep every zone that can match.
//
// Lance 12 compares a zone's min / max with a literal in IEEE 754 total order
// (negative NaNs below -inf, positive NaNs above +inf). A null min or max is
// unknown -- unless null_count + nan_count covers the zone, which it reads as
// "nothing but nulls and NaNs" and skips for every non-NaN literal, whatever
// the NaNs' signs. Its own seed writer stores the least non-NaN value as min
// and +NaN as max once a zone holds a NaN of either sign, and a null min when
// the zone holds no other value; nan_count counts both signs. Those bounds
// would let a reader skip a negative NaN for `x < 0` (and a zone of positive
// NaNs for `x > 0`), and seeds do not say which sign the NaNs had. So lancets
// writes, and takes from harvested seeds:
//   zone with NaNs and other values: min null (unknown), max +NaN (as Lance);
//   zone with NaNs and nulls only:   min the least NaN, max the greatest NaN
//                                    (every bit set but the sign), so that
//                                    Lance keeps it for a range open on
//                                    either side.
// lancets reads nan_count > 0 as "NaNs of either sign, any payload".

import { makeData, Type, type Data, type DataType } from "apache-arrow";
import { isValidAt } from "../../format/file/leaf-values.js";
import { CANONICAL_NAN } from "../value-order.js";

function precisionOf(type: DataType): number | undefined {
  return type.typeId === Type.Float ? (type as unknown as { precision: number }).precision : undefined;
}

function floatData(type: DataType, bytes: Uint8Array, valid: boolean[]): Data {
  const n = valid.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  valid.forEach((v, i) => {
    if (v) bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    else nullCount++;
  });
  return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: bytes } as never);
}

function valueBytes(data: Data, width: number): Uint8Array {
  const v = data.values as ArrayBufferView;
  return new Uint8Array(v.buffer, v.byteOffset, data.length * width).slice();
}

/** Writes a NaN at value slot i: the positive quiet NaN, or the least / greatest NaN (all payload bits set). */
function putNaN(bytes: Uint8Array, precision: number, i: number, which: "quiet" | "least" | "greatest"): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sign = which === "least" ? 0x80000000 : 0;
  if (precision === 0) view.setUint16(2 * i, which === "quiet" ? CANONICAL_NAN[0]![1] : (sign >>> 16) | 0x7fff, true);
  else if (precision === 1) view.setUint32(4 * i, which === "quiet" ? CANONICAL_NAN[1]![1] : (sign | 0x7fffffff) >>> 0, true);
  else {
    view.setUint32(8 * i, which === "quiet" ? CANONICAL_NAN[2]![1] : 0xffffffff, true);
    view.setUint32(8 * i + 4, which === "quiet" ? CANONICAL_NAN[2]![0] : (sign | 0x7fffffff) >>> 0, true);
  }
}

/**
 * Applies the NaN rule to per-zone min / max values: zone i has nanCounts[i]
 * NaNs, and hasOrdinary[i] tells whether it holds a non-null, non-NaN value.
 * Other types pass through unchanged.
 */
export function applyNaNRule(min: Data, max: Data, nanCounts: ArrayLike<number>, hasOrdinary: ArrayLike<boolean>): { min: Data; max: Data } {
  const precision = precisionOf(min.type);
  if (precision === undefined) return { min, max };
  let any = false;
  for (let i = 0; i < nanCounts.length; i++) if (nanCounts[i]! > 0) any = true;
  if (!any) return { min, max };
  const width = 2 << precision;
  const minBytes = valueBytes(min, width);
  const maxBytes = valueBytes(max, width);
  const minValid: boolean[] = [];
  const maxValid: boolean[] = [];
  for (let i = 0; i < min.length; i++) {
    if (nanCounts[i] === 0) {
      minValid.push(isValidAt(min, i));
      maxValid.push(isValidAt(max, i));
    } else if (hasOrdinary[i]) {
      minValid.push(false);
      maxValid.push(true);
      putNaN(maxBytes, precision, i, "quiet");
    } else {
      minValid.push(true);
      maxValid.push(true);
      putNaN(minBytes, precision, i, "least");
      putNaN(maxBytes, precision, i, "greatest");
    }
  }
  return { min: floatData(min.type, minBytes, minValid), max: floatData(max.type, maxBytes, maxValid) };
}

/**
 * NaNs standing for every NaN a zone may hold, for a zone with nan_count > 0:
 * the extremes and the quiet NaN of each sign. A predicate that no NaN
 * satisfies is false on all six (literal bounds are numbers or quiet NaNs).
 */
export function nanSamples(type: DataType): Data | undefined {
  const precision = precisionOf(type);
  if (precision === undefined) return undefined;
  if (precision === 0) return makeData({ type, length: 6, nullCount: 0, data: Uint16Array.of(0xffff, 0xfe00, 0xfc01, 0x7c01, 0x7e00, 0x7fff) } as never);
  if (precision === 1) {
    const words = Uint32Array.of(0xffffffff, 0xffc00000, 0xff800001, 0x7f800001, 0x7fc00000, 0x7fffffff);
    return makeData({ type, length: 6, nullCount: 0, data: new Float32Array(words.buffer) } as never);
  }
  // low word first
  const words = Uint32Array.of(0xffffffff, 0xffffffff, 0, 0xfff80000, 1, 0xfff00000, 1, 0x7ff00000, 0, 0x7ff80000, 0xffffffff, 0x7fffffff);
  return makeData({ type, length: 6, nullCount: 0, data: new Float64Array(words.buffer) } as never);
}
