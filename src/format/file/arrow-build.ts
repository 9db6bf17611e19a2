// Decoded value blocks -> apache-arrow Data, built from our own buffers with
// makeData (zero-copy where the bytes are aligned).

import { DataType, makeData, Type, type Data, type Field, type FixedSizeList } from "apache-arrow";
import { LanceError } from "../../core/errors.js";
import { firstInvalidUtf8, isAscii } from "../../core/utf8.js";
import { corrupt, fixedByteLength, type DataBlock, type DecodeContext, type LeafShape } from "../encoding/data-block.js";

export interface ValidityBitmap {
  bitmap: Uint8Array | null;
  nullCount: number;
}

const NO_NULLS: ValidityBitmap = { bitmap: null, nullCount: 0 };

/** Bits per value of a fixed-width Arrow type, or undefined for other types. */
export function fixedWidthBits(type: DataType): number | undefined {
  switch (type.typeId) {
    case Type.Bool:
      return 1;
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Decimal:
    case Type.Interval: {
      const t = type as DataType & { bitWidth?: number; precision?: number };
      if (type.typeId === Type.Float) return [16, 32, 64][(type as unknown as { precision: number }).precision];
      if (type.typeId === Type.Date) return (type as unknown as { unit: number }).unit === 0 ? 32 : 64;
      if (type.typeId === Type.Timestamp || type.typeId === Type.Duration) return 64;
      if (type.typeId === Type.Decimal) return (type as unknown as { bitWidth: number }).bitWidth;
      return t.bitWidth;
    }
    case Type.FixedSizeBinary:
      return (type as unknown as { byteWidth: number }).byteWidth * 8;
    default:
      return undefined;
  }
}

export function isVariableWidth(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.Binary || type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
}

function isText(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
}

/**
 * String values must be valid UTF-8, each starting on a character boundary; Lance reports
 * a file holding anything else as corrupt rather than reading replacement characters.
 */
export function checkUtf8(column: string, offsets: ArrayLike<number>, length: number, data: Uint8Array, ctx: DecodeContext): void {
  const start = offsets[0]!;
  const end = offsets[length]!;
  const bytes = data.subarray(start, end);
  // ASCII bytes are valid however the values cut them
  if (isAscii(bytes)) return;
  const first = firstInvalidUtf8(bytes);
  let bad = first < 0 ? -1 : first + start;
  if (bad < 0) {
    // a value may not begin inside another's character
    for (let i = 1; i < length; i++) {
      const at = offsets[i]!;
      if (at < end && (data[at]! & 0xc0) === 0x80) {
        bad = at;
        break;
      }
    }
    if (bad < 0) return;
  }
  let value = 0;
  while (value + 1 < length && offsets[value + 1]! <= bad) value++;
  corrupt(ctx, `column "${column}" holds invalid UTF-8: value ${value} of the ${length} read, at its byte ${bad - offsets[value]!}`);
}

function isLarge(type: DataType): boolean {
  return type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
}

export function leafShape(type: DataType, columnName: string): LeafShape {
  const bits = fixedWidthBits(type);
  if (bits !== undefined) return { kind: "fixed", bitsPerValue: bits };
  if (isVariableWidth(type)) return { kind: "variable", offsetBits: isLarge(type) ? 64 : 32 };
  if (type.typeId === Type.FixedSizeList) {
    const t = type as FixedSizeList;
    return { kind: "fsl", dimension: t.listSize, child: leafShape(t.children[0]!.type, columnName) };
  }
  if (type.typeId === Type.Null) return { kind: "fixed", bitsPerValue: 8 };
  throw new LanceError("NOT_SUPPORTED", `column "${columnName}" of type ${String(type)} cannot be read by lancets yet`);
}

function aligned(bytes: Uint8Array, alignment: number): Uint8Array {
  return bytes.byteOffset % alignment === 0 ? bytes : bytes.slice();
}

/** Arrow Data for a leaf from a decoded block of exactly `length` values. */
export function blockToData(field: Field, block: DataBlock, validity: ValidityBitmap, ctx: DecodeContext): Data {
  const type = field.type;
  const length = block.numValues;
  const nullBitmap = validity.bitmap ?? undefined;
  const nullCount = validity.nullCount;
  if (type.typeId === Type.Null) return makeData({ type, length, nullCount: length });
  const bits = fixedWidthBits(type);
  if (bits !== undefined) {
    if (block.kind !== "fixed") corrupt(ctx, `column "${field.name}" of type ${String(type)} decoded to ${block.kind} values`);
    if (block.bitsPerValue !== bits) corrupt(ctx, `column "${field.name}" of type ${String(type)} decoded to ${block.bitsPerValue}-bit values`);
    const data = aligned(block.data.subarray(0, fixedByteLength(bits, length)), 8);
    return makeData({ type: type as never, length, nullCount, nullBitmap, data } as never);
  }
  if (isVariableWidth(type)) {
    if (block.kind !== "variable") corrupt(ctx, `column "${field.name}" of type ${String(type)} decoded to ${block.kind} values`);
    let valueOffsets: Int32Array | BigInt64Array;
    if (isLarge(type)) {
      valueOffsets = new BigInt64Array(length + 1);
      for (let i = 0; i <= length; i++) valueOffsets[i] = BigInt(block.offsets[i]!);
    } else {
      const last = block.offsets[length]!;
      // a valid file can hold this much; the caller reads fewer rows at a time (scans do)
      if (last > 0x7fffffff) {
        throw new LanceError("NOT_SUPPORTED", `${ctx.path}: rows of column "${field.name}" read at once hold ${last} bytes, more than Arrow's 32-bit string offsets allow; read fewer rows at a time`);
      }
      valueOffsets = new Int32Array(block.offsets.buffer, block.offsets.byteOffset, length + 1);
    }
    // bytes known to be ASCII (FSST output whose symbols and escaped bytes are) need no check
    if (isText(type) && !block.ascii) checkUtf8(field.name, block.offsets, length, block.data, ctx);
    return makeData({ type: type as never, length, nullCount, nullBitmap, valueOffsets, data: block.data } as never);
  }
  if (type.typeId === Type.FixedSizeList) {
    if (block.kind !== "fsl") corrupt(ctx, `column "${field.name}" of type ${String(type)} decoded to ${block.kind} values`);
    const t = type as FixedSizeList;
    if (block.dimension !== t.listSize) corrupt(ctx, `column "${field.name}" holds lists of ${block.dimension}, its type says ${t.listSize}`);
    let childValidity = NO_NULLS;
    if (block.itemValidity) {
      const items = length * t.listSize;
      let valid = 0;
      for (let i = 0; i < items; i++) valid += (block.itemValidity[i >> 3]! >> (i & 7)) & 1;
      if (valid < items) childValidity = { bitmap: block.itemValidity, nullCount: items - valid };
    }
    const child = blockToData(t.children[0]!, block.child, childValidity, ctx);
    return makeData({ type: t, length, nullCount, nullBitmap, child } as never);
  }
  throw new LanceError("NOT_SUPPORTED", `column "${field.name}" of type ${String(type)} cannot be read by lancets yet`);
}
