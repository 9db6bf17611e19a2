// Page layouts of legacy (v1) Lance files (rust lance-io encodings plain,
// binary, dictionary), decoded into Arrow data. Legacy files store no
// validity: fixed-width values, lists and structs read as non-null, and a
// nullable string or binary value is null exactly when it is empty.
//
//   plain       values back to back; booleans bit-packed LSB first; a fixed-size
//               list stores its items the same way (dimension items per row)
//   binary      the value bytes, then (rows + 1) i64 absolute file positions;
//               the page position points at the positions
//   list        (rows + 1) i32 (i64 for large lists) item positions relative to
//               the batch, then the item field's own page
//   dictionary  plain keys; the values live in the dataset manifest file

import { makeData, makeVector, Type, type DataType, type Data, type Dictionary, type Field, type FixedSizeList, type List } from "apache-arrow";
import { dataView } from "../../../core/bytes.js";
import { corrupt, copyBits, type DataBlock, type DecodeContext } from "../../encoding/data-block.js";
import { blockToData, fixedWidthBits, isVariableWidth } from "../arrow-build.js";

/** How a legacy page of an Arrow type is laid out. */
export type LegacyPageKind = "plain" | "binary" | "list" | "struct" | "null" | "dictionary";

export function legacyPageKind(type: DataType): LegacyPageKind | undefined {
  if (type.typeId === Type.Null) return "null";
  if (type.typeId === Type.Dictionary) return "dictionary";
  if (plainBitsPerRow(type) !== undefined) return "plain";
  if (isVariableWidth(type)) return "binary";
  if (type.typeId === Type.Struct) return "struct";
  if (type.typeId === Type.List) return "list";
  return undefined;
}

/** Bits one row of a plain (fixed-stride) type takes, or undefined when the type is not plain. */
export function plainBitsPerRow(type: DataType): number | undefined {
  if (type.typeId === Type.FixedSizeList) {
    const t = type as FixedSizeList;
    const child = plainBitsPerRow(t.children[0]!.type);
    return child === undefined ? undefined : child * t.listSize;
  }
  if (type.typeId === Type.Dictionary) return undefined;
  return fixedWidthBits(type);
}

/** The bytes of a plain page holding rows [start, end), relative to the page, and the bit where row `start` begins. */
export function plainByteSpan(bitsPerRow: number, start: number, end: number): { start: number; end: number; bitShift: number } {
  const firstBit = start * bitsPerRow;
  const endBit = end * bitsPerRow;
  return { start: Math.floor(firstBit / 8), end: Math.ceil(endBit / 8), bitShift: firstBit % 8 };
}

function plainBlock(type: DataType, bytes: Uint8Array, numRows: number, ctx: DecodeContext): DataBlock {
  if (type.typeId === Type.FixedSizeList) {
    const t = type as FixedSizeList;
    return { kind: "fsl", dimension: t.listSize, numValues: numRows, child: plainBlock(t.children[0]!.type, bytes, numRows * t.listSize, ctx) };
  }
  const bits = fixedWidthBits(type);
  if (bits === undefined) corrupt(ctx, `type ${String(type)} has no plain layout`);
  return { kind: "fixed", bitsPerValue: bits, numValues: numRows, data: bytes };
}

/** Plain values of `numRows` rows from the bytes plainByteSpan named. */
export function decodePlainPage(field: Field, bytes: Uint8Array, bitShift: number, numRows: number, ctx: DecodeContext): Data {
  const bits = plainBitsPerRow(field.type)!;
  const need = Math.ceil((bitShift + numRows * bits) / 8);
  if (bytes.byteLength < need) corrupt(ctx, `plain page of "${field.name}" has ${bytes.byteLength} bytes for ${numRows} rows, needs ${need}`);
  let values = bytes;
  if (bitShift !== 0) {
    values = new Uint8Array(Math.ceil((numRows * bits) / 8));
    copyBits(bytes, bitShift, values, 0, numRows * bits);
  }
  return blockToData(field, plainBlock(field.type, values, numRows, ctx), { bitmap: null, nullCount: 0 }, ctx);
}

/** `count` positions of `bitWidth` 32 or 64 (signed) as numbers; each must be a non-negative safe integer. */
export function decodePositions(bytes: Uint8Array, count: number, bitWidth: 32 | 64, ctx: DecodeContext): Float64Array {
  const width = bitWidth / 8;
  if (bytes.byteLength < count * width) corrupt(ctx, `${count} positions need ${count * width} bytes, the page has ${bytes.byteLength}`);
  const view = dataView(bytes);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let v: number;
    if (bitWidth === 32) v = view.getInt32(i * 4, true);
    else {
      const lo = view.getUint32(i * 8, true);
      const hi = view.getInt32(i * 8 + 4, true);
      if (hi < 0 || hi >= 0x200000) corrupt(ctx, `position ${i} does not fit 2^53`);
      v = hi * 0x1_0000_0000 + lo;
    }
    if (v < 0) corrupt(ctx, `position ${i} is negative (${v})`);
    if (i > 0 && v < out[i - 1]!) corrupt(ctx, `position ${i} (${v}) is before position ${i - 1} (${out[i - 1]})`);
    out[i] = v;
  }
  return out;
}

/**
 * String or binary values from their absolute positions (rows + 1 entries)
 * and the bytes from positions[0] to the last position. A nullable field
 * reads empty values as nulls, as Lance does for legacy files.
 */
export function decodeBinaryPage(field: Field, positions: Float64Array, bytes: Uint8Array, ctx: DecodeContext): Data {
  const numRows = positions.length - 1;
  const base = positions[0]!;
  const total = positions[numRows]! - base;
  if (bytes.byteLength < total) corrupt(ctx, `binary page of "${field.name}" spans ${total} bytes, ${bytes.byteLength} were read`);
  if (total > 0xffffffff) corrupt(ctx, `binary page of "${field.name}" spans ${total} bytes`);
  const offsets = new Uint32Array(numRows + 1);
  for (let i = 0; i <= numRows; i++) offsets[i] = positions[i]! - base;
  let bitmap: Uint8Array | null = null;
  let nullCount = 0;
  if (field.nullable) {
    for (let i = 0; i < numRows; i++) if (offsets[i] === offsets[i + 1]) nullCount++;
    if (nullCount > 0) {
      bitmap = new Uint8Array((numRows + 7) >> 3);
      for (let i = 0; i < numRows; i++) if (offsets[i] !== offsets[i + 1]) bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    }
  }
  return blockToData(field, { kind: "variable", numValues: numRows, offsets, data: bytes.subarray(0, total) }, { bitmap, nullCount }, ctx);
}

/** A list from its item positions (rows + 1, relative to the batch) and the items they span. */
export function buildListData(field: Field, positions: Float64Array, items: Data, ctx: DecodeContext): Data {
  const numRows = positions.length - 1;
  const base = positions[0]!;
  const valueOffsets = new Int32Array(numRows + 1);
  for (let i = 0; i <= numRows; i++) {
    const v = positions[i]! - base;
    if (v > 0x7fffffff) corrupt(ctx, `list "${field.name}" spans more than 2^31 items`);
    valueOffsets[i] = v;
  }
  if (valueOffsets[numRows]! !== items.length) corrupt(ctx, `list "${field.name}" spans ${valueOffsets[numRows]} items, ${items.length} were read`);
  return makeData({ type: field.type as List, length: numRows, nullCount: 0, valueOffsets, child: items } as never);
}

/** A dictionary column from its keys (plain, of the index type) and the values the manifest holds. */
export function buildDictionaryData(field: Field, keys: Data, values: Data, ctx: DecodeContext): Data {
  const type = field.type as Dictionary;
  const n = values.length;
  const view = keys.values as ArrayLike<number | bigint>;
  for (let i = 0; i < keys.length; i++) {
    const k = Number(view[keys.offset + i]!);
    if (k < 0 || k >= n) corrupt(ctx, `dictionary key ${k} of "${field.name}" is outside its ${n} values`);
  }
  return makeData({ type, length: keys.length, nullCount: 0, data: keys.values, dictionary: makeVector(values) } as never);
}

export function isLargeListLogical(logicalType: string): boolean {
  return logicalType === "large_list" || logicalType === "large_list.struct";
}
