// Column encoding for Lance 2.0 files: one column per field in pre-order.
// Fixed-width values are flat (with an Arrow validity bitmap when some are
// null), variable-width values are u64 end offsets + bytes with Lance's null
// adjustment, structs are a struct page followed by their children.

import { DataType, type Data } from "apache-arrow";
import { ByteWriter } from "../../core/bytes.js";
import { LanceError } from "../../core/errors.js";
import { ARRAY_ENCODING_TYPE_URL, type EncodedColumn } from "./layout-writer.js";
import { fixedWidthBits } from "./arrow-build.js";
import { compactData, isValidAt, leafValues, type FixedValues } from "./leaf-values.js";

// Page encodings are lance.encodings.ArrayEncoding messages (encodings_v2_0.proto) written in
// protobuf wire format directly, as toBinary writes them (fields in number order, zero scalars
// left out, empty messages kept): an index file of many pages would otherwise build and
// serialize a message tree per page. Each function returns a message's body as bytes.

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Field `field` of a message: a length-delimited body. */
function messageField(field: number, body: readonly number[]): number[] {
  const out = [(field << 3) | 2];
  varint(out, body.length);
  for (const b of body) out.push(b);
  return out;
}

/** Field `field` as a varint, left out when zero. */
function varintField(field: number, value: number): number[] {
  if (value === 0) return [];
  const out = [field << 3];
  varint(out, value);
  return out;
}

/** ArrayEncoding { flat: Flat { bits_per_value, buffer: Buffer { buffer_index } } } */
function flat(bits: number, bufferIndex: number): number[] {
  return messageField(1, [...varintField(1, bits), ...messageField(2, varintField(1, bufferIndex))]);
}

/** ArrayEncoding { nullable: Nullable { all_nulls | no_nulls { values } | some_nulls { validity, values } } } */
function nullable(inner: readonly number[] | undefined, validityBuffer: number | undefined): number[] {
  let nullability: number[];
  if (inner === undefined) nullability = messageField(3, []);
  else if (validityBuffer === undefined) nullability = messageField(1, messageField(1, inner));
  else nullability = messageField(2, [...messageField(1, flat(1, validityBuffer)), ...messageField(2, inner)]);
  return messageField(2, nullability);
}

function page(encoding: readonly number[], buffers: Uint8Array[], numRows: number): EncodedColumn {
  return { pages: [{ buffers, numRows, encoding: Uint8Array.from(encoding), typeUrl: ARRAY_ENCODING_TYPE_URL }] };
}

/** The validity bitmap of data at offset 0 (compactData), bits past the last row cleared. */
function validityBitmap(data: Data): Uint8Array {
  const n = data.length;
  const out = data.nullBitmap!.slice(0, (n + 7) >> 3);
  if (n & 7) out[out.length - 1] = out[out.length - 1]! & ((1 << (n & 7)) - 1);
  return out;
}

/** One byte per row, 1 when the row is valid. */
function validBytes(data: Data): Uint8Array {
  const n = data.length;
  const valid = new Uint8Array(n);
  // most pages have no nulls: skip the per-row bitmap test
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.byteLength === 0) return valid.fill(1);
  for (let i = 0; i < n; i++) valid[i] = isValidAt(data, i) ? 1 : 0;
  return valid;
}

/**
 * Values of whole bytes without nulls, at offset 0 (compactData), as a view:
 * the page is written before its data could change (the store copies what it
 * keeps), so no copy is made.
 */
function wholeBytes(data: Data): FixedValues | undefined {
  const bits = fixedWidthBits(data.type);
  if (bits === undefined || bits % 8 !== 0 || data.children.length > 0) return undefined;
  const v = data.values as ArrayBufferView;
  return { kind: "fixed", bitsPerValue: bits, data: new Uint8Array(v.buffer, v.byteOffset, (bits / 8) * data.length) };
}

function encodeLeaf(name: string, data: Data): EncodedColumn {
  const d = compactData(data);
  const n = d.length;
  if (n > 0 && d.nullCount === n) return page(nullable(undefined, undefined), [], n);
  const view = d.nullCount === 0 ? wholeBytes(d) : undefined;
  const valid = view ? undefined : validBytes(d);
  const values = view ?? leafValues(name, d, valid!);
  if (values.kind === "variable") {
    // u64 end offsets without a leading zero; a null stores end + (total bytes + 1)
    const total = values.offsets[n]!;
    const adjust = total + 1;
    const ends = new Uint8Array(n * 8);
    const halves = new Uint32Array(ends.buffer);
    for (let i = 0; i < n; i++) {
      const end = values.offsets[i + 1]! + (valid![i] ? 0 : adjust);
      halves[2 * i] = end % 4294967296;
      halves[2 * i + 1] = Math.floor(end / 4294967296);
    }
    // ArrayEncoding { binary: Binary { indices, bytes, null_adjustment } }
    const binary = messageField(6, [...messageField(1, nullable(flat(64, 0), undefined)), ...messageField(2, flat(8, 1)), ...varintField(3, adjust)]);
    return page(binary, [ends, values.data], n);
  }
  let inner: number[];
  if (values.fsl) {
    // ArrayEncoding { fixed_size_list: FixedSizeList { dimension, items } }
    inner = messageField(3, [...varintField(1, values.fsl.dimension), ...messageField(2, nullable(flat(values.fsl.itemBits, d.nullCount > 0 ? 1 : 0), undefined))]);
  } else {
    inner = flat(values.bitsPerValue, d.nullCount > 0 ? 1 : 0);
  }
  if (d.nullCount === 0) return page(nullable(inner, undefined), [values.data], n);
  return page(nullable(inner, 0), [validityBitmap(d), values.data], n);
}

/** Encodes one top-level field (the field, then its children, pre-order) for a 2.0 file. */
export function encodeFieldV20(name: string, data: Data): EncodedColumn[] {
  if (DataType.isStruct(data.type)) {
    if (data.nullCount > 0) {
      throw new LanceError("INVALID_INPUT", `struct column "${name}" has ${data.nullCount} null rows, which Lance file format 2.0 cannot store; use 2.1 or later`);
    }
    // ArrayEncoding { struct: SimpleStruct {} }
    const struct = page(messageField(5, []), [], data.length);
    const d = compactData(data);
    return [struct, ...d.type.children.flatMap((child, k) => encodeFieldV20(`${name}.${child.name}`, d.children[k]!))];
  }
  if (DataType.isList(data.type)) {
    // the list column holds u64 end offsets (no leading zero); a null list stores end + (items + 1)
    const d = compactData(data);
    const offsets = d.valueOffsets as Int32Array;
    const n = d.length;
    const first = offsets[0]!;
    const numItems = offsets[n]! - first;
    const adjust = numItems + 1;
    const ends = new ByteWriter(n * 8);
    for (let i = 0; i < n; i++) ends.u64(offsets[i + 1]! - first + (isValidAt(d, i) ? 0 : adjust));
    // ArrayEncoding { list: List { offsets, null_offset_adjustment, num_items } }
    const list = messageField(4, [...messageField(1, nullable(flat(64, 0), undefined)), ...varintField(2, adjust), ...varintField(3, numItems)]);
    const items = d.children[0]!.slice(first, numItems);
    return [page(list, [ends.finish()], n), ...encodeFieldV20(`${name}.item`, items)];
  }
  if (DataType.isMap(data.type)) {
    throw new LanceError("NOT_SUPPORTED", `column "${name}" is a map; lancets does not write map columns yet`);
  }
  return [encodeLeaf(name, data)];
}
