// Row selection on apache-arrow Data built by lancets (primitive, boolean,
// variable-width, fixed-size binary/list, struct and list types), and all-null
// data of any such type.
//
// Slices follow apache-arrow's conventions: a sliced Data keeps `offset` for
// its validity bitmap and boolean values, while value buffers, value offsets
// and struct / fixed-size-list children are already sliced.

import { DataType, makeData, Type, type Data, type Dictionary, type FixedSizeList, type List, type Struct } from "apache-arrow";
import { LanceError } from "./errors.js";

function bitWidthOf(type: DataType): number | undefined {
  const t = type as unknown as { bitWidth?: number; precision?: number; unit?: number; byteWidth?: number };
  switch (type.typeId) {
    case Type.Bool:
      return 1;
    case Type.Int:
    case Type.Time:
    case Type.Decimal:
      return t.bitWidth;
    case Type.Float:
      return [16, 32, 64][t.precision!];
    case Type.Date:
      return t.unit === 0 ? 32 : 64;
    case Type.Timestamp:
    case Type.Duration:
      return 64;
    case Type.FixedSizeBinary:
      return t.byteWidth! * 8;
    default:
      return undefined;
  }
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || data.nullCount === 0 || bitmap.byteLength === 0) return true;
  const k = data.offset + i;
  return ((bitmap[k >> 3]! >> (k & 7)) & 1) === 1;
}

function takeValidity(data: Data, indices: Int32Array): { bitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.byteLength === 0) return { bitmap: undefined, nullCount: 0 };
  const n = indices.length;
  const out = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(data, indices[i]!)) out[i >> 3] = out[i >> 3]! | (1 << (i & 7));
    else nulls++;
  }
  return nulls === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap: out, nullCount: nulls };
}

/** Rows `indices` (within `data`, which may be a slice) as new Data. */
export function takeData(data: Data, indices: Int32Array): Data {
  const type = data.type;
  const n = indices.length;
  const { bitmap, nullCount } = takeValidity(data, indices);
  const bits = bitWidthOf(type);
  if (bits === 1) {
    const values = data.values as Uint8Array;
    const out = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      const k = data.offset + indices[i]!;
      if ((values[k >> 3]! >> (k & 7)) & 1) out[i >> 3] = out[i >> 3]! | (1 << (i & 7));
    }
    return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: out } as never);
  }
  if (bits !== undefined) {
    const width = bits / 8;
    const values = data.values as ArrayBufferView;
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const out = new Uint8Array(n * width);
    if (width === 8 || width === 4) {
      const words = width / 4;
      const s32 = src.byteOffset % 4 === 0 ? new Uint32Array(src.buffer, src.byteOffset, src.byteLength >> 2) : new Uint32Array(src.slice().buffer);
      const d32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) {
        const k = indices[i]! * words;
        d32[i * words] = s32[k]!;
        if (words === 2) d32[i * words + 1] = s32[k + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const k = indices[i]! * width;
        out.set(src.subarray(k, k + width), i * width);
      }
    }
    return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: out } as never);
  }
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: n, nullCount: n } as never);
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const large = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const at = (k: number): number => Number(offsets[k]!);
      let total = 0;
      for (let i = 0; i < n; i++) total += at(indices[i]! + 1) - at(indices[i]!);
      const bytes = new Uint8Array(total);
      const outOffsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
      let pos = 0;
      const values = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const s = at(indices[i]!);
        const e = at(indices[i]! + 1);
        bytes.set(values.subarray(s, e), pos);
        pos += e - s;
        outOffsets[i + 1] = (large ? BigInt(pos) : pos) as never;
      }
      return makeData({ type, length: n, nullCount, nullBitmap: bitmap, valueOffsets: outOffsets, data: bytes } as never);
    }
    case Type.FixedSizeList: {
      const size = (type as FixedSizeList).listSize;
      const childIdx = new Int32Array(n * size);
      for (let i = 0; i < n; i++) for (let d = 0; d < size; d++) childIdx[i * size + d] = indices[i]! * size + d;
      const child = takeData(data.children[0]!, childIdx);
      return makeData({ type, length: n, nullCount, nullBitmap: bitmap, child } as never);
    }
    case Type.Struct: {
      const children = data.children.map((c) => takeData(c, indices));
      return makeData({ type: type as Struct, length: n, nullCount, nullBitmap: bitmap, children } as never);
    }
    case Type.List: {
      const offsets = data.valueOffsets as Int32Array;
      const outOffsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) {
        const k = indices[i]!;
        outOffsets[i + 1] = outOffsets[i]! + (offsets[k + 1]! - offsets[k]!);
      }
      const childIdx = new Int32Array(outOffsets[n]!);
      for (let i = 0; i < n; i++) {
        const k = indices[i]!;
        for (let c = offsets[k]!, at = outOffsets[i]!; c < offsets[k + 1]!; c++) childIdx[at++] = c;
      }
      const child = takeData(data.children[0]!, childIdx);
      return makeData({ type: type as List, length: n, nullCount, nullBitmap: bitmap, valueOffsets: outOffsets, child } as never);
    }
    case Type.Dictionary: {
      // the keys are taken; the dictionary stays shared
      const indicesType = (type as Dictionary).indices;
      const keys = makeData({ type: indicesType, length: data.length, nullCount: 0, data: data.values } as never);
      const taken = takeData(keys, indices);
      return makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: taken.values, dictionary: data.dictionary } as never);
    }
    default:
      throw new LanceError("NOT_SUPPORTED", `selecting rows of type ${String(type)} is not supported`);
  }
}

/** Data of `length` nulls of any supported type. */
export function nullData(type: DataType, length: number): Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  const bits = bitWidthOf(type);
  if (bits !== undefined) {
    return makeData({ type, length, nullCount: length, nullBitmap, data: new Uint8Array(bits === 1 ? (length + 7) >> 3 : (bits / 8) * length) } as never);
  }
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length, nullCount: length } as never);
    case Type.Utf8:
    case Type.Binary:
      return makeData({ type, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) } as never);
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return makeData({ type, length, nullCount: length, nullBitmap, valueOffsets: new BigInt64Array(length + 1), data: new Uint8Array(0) } as never);
    case Type.FixedSizeList:
      return makeData({ type, length, nullCount: length, nullBitmap, child: nullData(type.children[0]!.type, length * (type as FixedSizeList).listSize) } as never);
    case Type.Struct:
      return makeData({ type: type as Struct, length, nullCount: length, nullBitmap, children: type.children.map((c) => nullData(c.type, length)) } as never);
    case Type.List:
      return makeData({ type: type as List, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), child: nullData(type.children[0]!.type, 0) } as never);
    default:
      throw new LanceError("NOT_SUPPORTED", `null columns of type ${String(type)} are not supported`);
  }
}

function concatBitmaps(parts: readonly Data[], total: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const p of parts) nullCount += p.nullCount;
  if (nullCount === 0) return { bitmap: undefined, nullCount: 0 };
  const out = new Uint8Array((total + 7) >> 3);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) if (isValid(p, i)) out[(at + i) >> 3] = out[(at + i) >> 3]! | (1 << ((at + i) & 7));
    at += p.length;
  }
  return { bitmap: out, nullCount };
}

/**
 * Bytes a column slice takes once encoded, roughly: its values, offsets and
 * validity, with list items counted over the range its offsets span. Writes
 * use it to keep data files (assembled in memory) within a byte budget.
 */
export function dataByteSize(data: Data): number {
  const n = data.length;
  const validity = data.nullCount > 0 ? Math.ceil(n / 8) : 0;
  const bits = bitWidthOf(data.type);
  if (bits !== undefined) return Math.ceil((n * bits) / 8) + validity;
  switch (data.type.typeId) {
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      return Number(o[n]!) - Number(o[0]!) + 8 * n + validity;
    }
    case Type.List:
    case Type.Map: {
      const o = data.valueOffsets as Int32Array | BigInt64Array;
      const first = Number(o[0]!);
      const child = data.children[0];
      return 8 * n + validity + (child ? dataByteSize(child.slice(first, Number(o[n]!) - first)) : 0);
    }
    case Type.FixedSizeList: {
      const size = (data.type as FixedSizeList).listSize;
      const child = data.children[0];
      return validity + (child ? dataByteSize(child.slice(data.offset * size, n * size)) : 0);
    }
    default: {
      let total = validity;
      for (const child of data.children) total += dataByteSize(child);
      return total;
    }
  }
}

/** Concatenates Data of one type into a single Data. */
export function concatData(parts: readonly Data[]): Data {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 0) throw new LanceError("INTERNAL", "concatData needs at least one part");
  const type = parts[0]!.type;
  let total = 0;
  for (const p of parts) total += p.length;
  const { bitmap, nullCount } = concatBitmaps(parts, total);
  const bits = bitWidthOf(type);
  if (bits === 1) {
    const out = new Uint8Array((total + 7) >> 3);
    let at = 0;
    for (const p of parts) {
      const values = p.values as Uint8Array;
      for (let i = 0; i < p.length; i++) {
        const k = p.offset + i;
        if ((values[k >> 3]! >> (k & 7)) & 1) out[(at + i) >> 3] = out[(at + i) >> 3]! | (1 << ((at + i) & 7));
      }
      at += p.length;
    }
    return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: out } as never);
  }
  if (bits !== undefined) {
    const width = bits / 8;
    const out = new Uint8Array(total * width);
    let at = 0;
    for (const p of parts) {
      const v = p.values as ArrayBufferView;
      const src = new Uint8Array(v.buffer, v.byteOffset, p.length * width);
      out.set(src, at);
      at += src.byteLength;
    }
    return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: out } as never);
  }
  const indices = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: total, nullCount: total } as never);
    case Type.Dictionary: {
      const dictionary = parts[0]!.dictionary;
      if (parts.some((p) => p.dictionary !== dictionary)) throw new LanceError("NOT_SUPPORTED", "concatenating dictionary data with different dictionaries is not supported");
      const indicesType = (type as Dictionary).indices;
      const keys = concatData(parts.map((p) => makeData({ type: indicesType, length: p.length, nullCount: 0, data: p.values } as never)));
      return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: keys.values, dictionary } as never);
    }
    case Type.Struct: {
      const children = type.children.map((_, c) => concatData(parts.map((p) => p.children[c]!)));
      return makeData({ type: type as Struct, length: total, nullCount, nullBitmap: bitmap, children } as never);
    }
    case Type.List: {
      // A sliced list keeps its whole child: each part contributes the items its offsets span.
      const offsets = new Int32Array(total + 1);
      const children: Data[] = [];
      let row = 0;
      let base = 0;
      for (const p of parts) {
        const o = p.valueOffsets as Int32Array;
        const first = o[0]!;
        for (let i = 1; i <= p.length; i++) offsets[row + i] = base + o[i]! - first;
        const items = o[p.length]! - first;
        children.push(p.children[0]!.slice(first, items));
        row += p.length;
        base += items;
      }
      const child = concatData(children);
      return makeData({ type: type as List, length: total, nullCount, nullBitmap: bitmap, valueOffsets: offsets, child } as never);
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      // A sliced part keeps its whole byte buffer: copy the span its offsets cover, once per part.
      const large = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
      let bytes = 0;
      for (const p of parts) {
        const o = p.valueOffsets as Int32Array | BigInt64Array;
        bytes += Number(o[p.length]!) - Number(o[0]!);
      }
      if (!large && bytes > 0x7fffffff) {
        throw new LanceError("NOT_SUPPORTED", `cannot concatenate ${bytes} bytes of ${String(type)} values: more than its 32-bit offsets can address`);
      }
      const data = new Uint8Array(bytes);
      const offsets = large ? new BigInt64Array(total + 1) : new Int32Array(total + 1);
      let row = 0;
      let base = 0;
      for (const p of parts) {
        const o = p.valueOffsets as Int32Array | BigInt64Array;
        const first = Number(o[0]!);
        const last = Number(o[p.length]!);
        if (large) for (let i = 1; i <= p.length; i++) offsets[row + i] = BigInt(base + Number(o[i]!) - first) as never;
        else for (let i = 1; i <= p.length; i++) offsets[row + i] = (base + (o[i] as number) - first) as never;
        data.set((p.values as Uint8Array).subarray(first, last), base);
        row += p.length;
        base += last - first;
      }
      return makeData({ type, length: total, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data } as never);
    }
    default: {
      // Fixed-size list parts: normalise each part through takeData (which drops slice offsets), then splice children.
      const normal = parts.map((p) => takeData(p, indices(p.length)));
      if (type.typeId === Type.FixedSizeList) {
        const child = concatData(normal.map((p) => p.children[0]!));
        return makeData({ type, length: total, nullCount, nullBitmap: bitmap, child } as never);
      }
      throw new LanceError("NOT_SUPPORTED", `concatenating data of type ${String(type)} is not supported`);
    }
  }
}

/** `type` with every dictionary type replaced by its value type (at any depth). */
export function withoutDictionaries(type: DataType): DataType {
  if (type.typeId === Type.Dictionary) return withoutDictionaries((type as unknown as { dictionary: DataType }).dictionary);
  if (type.typeId === Type.Struct && hasDictionary(type)) {
    const fields = (type as Struct).children.map((f) => f.clone({ type: withoutDictionaries(f.type) }));
    return new (type.constructor as new (f: typeof fields) => Struct)(fields);
  }
  return type;
}

/** True when `type` is, or holds, a dictionary type. */
export function hasDictionary(type: DataType): boolean {
  return type.typeId === Type.Dictionary || (type.children ?? []).some((c: { type: DataType }) => hasDictionary(c.type));
}

/**
 * Dictionary-encoded data decoded into plain data of the value type: each
 * row takes its dictionary entry; a null index is a null row. Struct
 * children are decoded likewise; other data is returned as it is.
 */
export function decodeDictionaries(data: Data): Data {
  const type = data.type;
  if (type.typeId === Type.Struct && hasDictionary(type)) {
    const children = data.children.map((c) => decodeDictionaries(c));
    return makeData({ type: withoutDictionaries(type) as Struct, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, children } as never);
  }
  if (type.typeId !== Type.Dictionary) {
    if (hasDictionary(type)) throw new LanceError("NOT_SUPPORTED", `dictionary-encoded values inside ${String(type)} are not supported; decode them first`);
    return data;
  }
  const dictionary = (data as unknown as { dictionary?: { data: Data[] } }).dictionary;
  const values = decodeDictionaries(concatData(dictionary?.data ?? []));
  const n = data.length;
  const keys = data.values as ArrayLike<number | bigint>;
  const indices = new Int32Array(n);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (!isValid(data, i)) {
      nulls++;
      continue;
    }
    const key = Number(keys[i]!);
    if (!Number.isInteger(key) || key < 0 || key >= values.length) {
      throw new LanceError("INVALID_INPUT", `dictionary index ${key} at row ${i} is outside the dictionary of ${values.length} values`);
    }
    indices[i] = key;
    if (isValid(values, key)) validity[i >> 3] = validity[i >> 3]! | (1 << (i & 7));
    else nulls++;
  }
  if (values.length === 0) return nullData(values.type, n);
  const taken = takeData(values, indices);
  if (nulls === 0) return taken;
  // buffers in apache-arrow's order: offsets, values, validity, type ids
  const b = taken.buffers as unknown as unknown[];
  return taken.clone(taken.type, taken.offset, n, nulls, [b[0], b[1], validity, b[3]] as never);
}

/** Bytes held by the buffers of `data` and its children (shared buffers counted once per use). */
export function dataByteLength(data: Data): number {
  let n = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0) + (data.typeIds?.byteLength ?? 0);
  for (const child of data.children) n += dataByteLength(child);
  if (data.dictionary) for (const d of data.dictionary.data) n += dataByteLength(d);
  return n;
}
