// Leaf columns of Arrow data for the file writer: the definition levels of a
// leaf under its struct ancestors, and its values as raw bytes with null slots
// emptied for variable-width types.

import { DataType, makeData, Type, type Data, type FixedSizeList } from "apache-arrow";
import { takeData } from "../../core/arrow-data.js";
import { LanceError } from "../../core/errors.js";
import { fixedWidthBits, isVariableWidth } from "./arrow-build.js";
import type { PageScratch } from "./page-scratch.js";

/** Data with offset 0 (copying a slice), so buffers can be used directly. */
export function compactData(data: Data): Data {
  if (data.offset === 0) return data;
  // fixed-width values of a slice already start at its first row; only the
  // validity bitmap would still count from the parent's offset
  const bits = fixedWidthBits(data.type);
  if (data.nullCount === 0 && bits !== undefined && bits % 8 === 0 && data.type.typeId !== Type.FixedSizeList && data.children.length === 0) {
    return makeData({ type: data.type, length: data.length, nullCount: 0, data: data.values } as never);
  }
  if (isVariableWidth(data.type)) {
    // a slice's value offsets are already sliced and index the shared bytes as
    // they are; only the validity bitmap moves, not one value is copied
    const nullCount = data.nullCount;
    const nullBitmap = nullCount > 0 ? shiftedBitmap(data.nullBitmap!, data.offset, data.length) : undefined;
    return makeData({ type: data.type, length: data.length, nullCount, nullBitmap, valueOffsets: data.valueOffsets, data: data.values } as never);
  }
  const indices = new Int32Array(data.length);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  return takeData(data, indices);
}

/** Bits `from .. from + length` of `bitmap` as a bitmap starting at bit 0. */
function shiftedBitmap(bitmap: Uint8Array, from: number, length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  const shift = from & 7;
  const base = from >> 3;
  if (shift === 0) {
    out.set(bitmap.subarray(base, base + out.length));
  } else {
    for (let k = 0; k < out.length; k++) out[k] = (bitmap[base + k]! >> shift) | ((bitmap[base + k + 1] ?? 0) << (8 - shift));
  }
  // bits past the end stay 0
  if ((length & 7) !== 0) out[out.length - 1]! &= (1 << (length & 7)) - 1;
  return out;
}

export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.byteLength === 0) return true;
  const k = data.offset + i;
  return ((bitmap[k >> 3]! >> (k & 7)) & 1) === 1;
}

export interface LeafPath {
  /** The leaf and its struct ancestors, outermost first. */
  chain: { name: string; data: Data }[];
  leafName: string;
  leafType: DataType;
}

/** Leaves of a top-level field in pre-order, each with its struct ancestors. */
export function leafPaths(name: string, data: Data): LeafPath[] {
  const out: LeafPath[] = [];
  const visit = (n: string, d: Data, chain: { name: string; data: Data }[]): void => {
    const here = [...chain, { name: n, data: d }];
    if (DataType.isStruct(d.type)) {
      d.type.children.forEach((child, k) => visit(`${n}.${child.name}`, d.children[k]!, here));
      return;
    }
    if (DataType.isList(d.type) || DataType.isMap(d.type)) {
      throw new LanceError("NOT_SUPPORTED", `column "${n}" is a ${DataType.isMap(d.type) ? "map" : "list inside a struct"}; lancets writes lists only as top-level columns`);
    }
    out.push({ chain: here, leafName: n, leafType: d.type });
  };
  visit(name, data, []);
  return out;
}

export interface LeafLevels {
  /** Nullable layers, innermost first, as booleans: true when the layer has nulls. */
  nullable: boolean[];
  /** Def level per row (0 = valid), or undefined when nothing is null. */
  def: Uint16Array | undefined;
  maxDef: number;
  /** Rows whose leaf value is valid. */
  valid: Uint8Array;
}

export function leafLevels(path: LeafPath): LeafLevels {
  const layers = [...path.chain].reverse(); // innermost first
  const nullable = layers.map((l) => l.data.nullCount > 0);
  const defOf: number[] = [];
  let next = 1;
  for (const n of nullable) defOf.push(n ? next++ : 0);
  const maxDef = next - 1;
  const length = path.chain[0]!.data.length;
  const valid = new Uint8Array(length);
  if (maxDef === 0) {
    valid.fill(1);
    return { nullable, def: undefined, maxDef, valid };
  }
  const def = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    let d = 0;
    // the outermost null layer decides
    for (let j = layers.length - 1; j >= 0; j--) {
      if (nullable[j] && !isValidAt(layers[j]!.data, i)) {
        d = defOf[j]!;
        break;
      }
    }
    def[i] = d;
    valid[i] = d === 0 ? 1 : 0;
  }
  return { nullable, def, maxDef, valid };
}

export interface FixedValues {
  kind: "fixed";
  bitsPerValue: number;
  /** For fixed-size lists: items per value and bits per item. */
  fsl?: { dimension: number; itemBits: number };
  data: Uint8Array;
}

export interface VariableValues {
  kind: "variable";
  offsetBits: 32 | 64;
  /** length + 1 offsets from 0; null slots are empty. */
  offsets: Float64Array;
  data: Uint8Array;
  /** Bytes of the longest value (found while the offsets are made, so encoders need not look again). */
  maxLength: number;
}

export type LeafValues = FixedValues | VariableValues;

function bytesOf(view: ArrayBufferView, byteLength: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, byteLength);
}

/**
 * Offsets from 0 and the bytes of the valid values, in one pass over the
 * offsets. Runs of valid values are copied as one block each; with no null
 * slot the bytes are a view of the input's buffer, not a copy.
 */
function variableValues(d: Data, valid: Uint8Array, scratch: PageScratch | undefined): VariableValues {
  const n = d.length;
  const src = d.values as Uint8Array;
  const raw = d.valueOffsets as Int32Array | BigInt64Array;
  const large = d.type.typeId === Type.LargeUtf8 || d.type.typeId === Type.LargeBinary;
  const offsetBits = large ? 64 : 32;
  const offsets = scratch ? scratch.float64(n + 1) : new Float64Array(n + 1);
  if (n === 0) return { kind: "variable", offsetBits, offsets, data: new Uint8Array(0), maxLength: 0 };
  // Number per offset only for 64-bit offsets; 32-bit ones stay a monomorphic Int32Array loop
  const ends = raw instanceof Int32Array ? raw : Float64Array.from(raw.subarray(0, n + 1), Number);
  const first = ends[0]!;
  if (valid.indexOf(0) < 0) {
    let maxLength = 0;
    for (let i = 1; i <= n; i++) {
      const end = ends[i]!;
      offsets[i] = end - first;
      if (end - ends[i - 1]! > maxLength) maxLength = end - ends[i - 1]!;
    }
    return { kind: "variable", offsetBits, offsets, data: src.subarray(first, ends[n]!), maxLength };
  }
  let total = 0;
  for (let i = 0; i < n; i++) if (valid[i]) total += ends[i + 1]! - ends[i]!;
  const out = new Uint8Array(total);
  let at = 0;
  let i = 0;
  let maxLength = 0;
  while (i < n) {
    if (!valid[i]) {
      offsets[++i] = at;
      continue;
    }
    const runStart = ends[i]!;
    const runAt = at;
    while (i < n && valid[i]) {
      const length = ends[i + 1]! - ends[i]!;
      if (length > maxLength) maxLength = length;
      at += length;
      offsets[++i] = at;
    }
    out.set(src.subarray(runStart, runStart + (at - runAt)), runAt);
  }
  return { kind: "variable", offsetBits, offsets, data: out, maxLength };
}

/**
 * The values of a leaf as raw bytes, which may be a view of the input's
 * buffers (never a copy of them all), so callers treat them as read-only.
 * With a `scratch`, a string leaf's offsets live there (valid until the
 * scratch's next page).
 */
export function leafValues(name: string, data: Data, valid: Uint8Array, scratch?: PageScratch): LeafValues {
  const d = compactData(data);
  const type = d.type;
  const n = d.length;
  const bits = fixedWidthBits(type);
  if (bits !== undefined) {
    const byteLength = bits === 1 ? (n + 7) >> 3 : (bits / 8) * n;
    return { kind: "fixed", bitsPerValue: bits, data: bytesOf(d.values as ArrayBufferView, byteLength) };
  }
  if (type.typeId === Type.Null) return { kind: "fixed", bitsPerValue: 8, data: new Uint8Array(n) };
  if (isVariableWidth(type)) return variableValues(d, valid, scratch);
  if (type.typeId === Type.FixedSizeList) {
    const t = type as FixedSizeList;
    const child = compactData(d.children[0]!);
    const itemBits = fixedWidthBits(child.type);
    if (itemBits === undefined || itemBits === 1) {
      throw new LanceError("NOT_SUPPORTED", `column "${name}" is a fixed-size list of ${String(child.type)}; lancets writes fixed-size lists of fixed-width numbers`);
    }
    if (child.nullCount > 0) throw new LanceError("NOT_SUPPORTED", `column "${name}" has null items inside fixed-size lists; lancets does not write item validity yet`);
    const byteLength = (itemBits / 8) * t.listSize * n;
    return { kind: "fixed", bitsPerValue: itemBits * t.listSize, fsl: { dimension: t.listSize, itemBits }, data: bytesOf(child.values as ArrayBufferView, byteLength) };
  }
  throw new LanceError("NOT_SUPPORTED", `column "${name}" has Arrow type ${String(type)}, which lancets cannot write`);
}
