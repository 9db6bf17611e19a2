// Page decoding for Lance file format 2.0 (lance.encodings.ArrayEncoding): the
// encodings Lance 12 writes for 2.0 files -- flat values, nullable wrappers
// with validity bitmaps, binary (u64 end offsets + bytes with a null
// adjustment), u8 dictionaries, fixed-size lists, list offsets and structs.

import { fromBinary } from "@bufbuild/protobuf";
import { LanceError } from "../../core/errors.js";
import { ArrayEncodingSchema, Buffer_BufferType, type ArrayEncoding, type Buffer as PbBuffer, type Dictionary as DictionaryEncoding } from "../pb/encodings_v2_0_pb.js";
import { checkCount, copyBits, corrupt, emptyBlock, fixedBlock, fixedByteLength, sliceBlock, takeFromBlock, type DataBlock, type DecodeContext, type LeafShape } from "../encoding/data-block.js";

/** Rows [start, end) of a page. */
export interface RowSpan {
  start: number;
  end: number;
}

export interface PageV20 {
  numRows: number;
  values: DataBlock;
  /** LSB-first validity bitmap, null when all valid. */
  validity: Uint8Array | null;
  nullCount: number;
  /** For list pages: numRows + 1 item offsets relative to the page's first item. */
  listOffsets?: Uint32Array;
  /** For list pages: how many items the page covers. */
  numItems?: number;
}

export function decodeArrayEncoding(bytes: Uint8Array, ctx: DecodeContext): ArrayEncoding {
  try {
    return fromBinary(ArrayEncodingSchema, bytes);
  } catch (err) {
    return corrupt(ctx, `cannot decode 2.0 page encoding: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function unsupported(what: string): never {
  throw new LanceError("NOT_SUPPORTED", `2.0 encoding ${what} is not supported by lancets`);
}

interface Decoded {
  values: DataBlock;
  validity: Uint8Array | null;
  nullCount: number;
}

class V20Decoder {
  constructor(
    private readonly buffers: Uint8Array[],
    private readonly ctx: DecodeContext,
  ) {}

  buffer(ref: PbBuffer | undefined): Uint8Array {
    const index = ref?.bufferIndex ?? 0;
    if ((ref?.bufferType ?? Buffer_BufferType.page) !== Buffer_BufferType.page) unsupported("with column or file buffers");
    const b = this.buffers[index];
    if (!b) corrupt(this.ctx, `2.0 page refers to buffer ${index}, the page has ${this.buffers.length}`);
    return b;
  }

  decode(enc: ArrayEncoding | undefined, n: number, shape: LeafShape): Decoded {
    checkCount(n, this.ctx, "2.0 value count");
    if (!enc) return corrupt(this.ctx, "2.0 page encoding is missing");
    const e = enc.arrayEncoding;
    switch (e.case) {
      case "nullable": {
        const nb = e.value.nullability;
        if (nb.case === "noNulls") return { ...this.decode(nb.value.values, n, shape), validity: null, nullCount: 0 };
        if (nb.case === "allNulls") return { values: emptyBlock(shape, n), validity: new Uint8Array((n + 7) >> 3), nullCount: n };
        if (nb.case === "someNulls") {
          const v = this.decode(nb.value.validity, n, { kind: "fixed", bitsPerValue: 1 });
          if (v.values.kind !== "fixed") corrupt(this.ctx, "2.0 validity is not a bitmap");
          const bitmap = v.values.data.slice(0, (n + 7) >> 3);
          let valid = 0;
          for (let i = 0; i < n; i++) valid += (bitmap[i >> 3]! >> (i & 7)) & 1;
          const inner = this.decode(nb.value.values, n, shape);
          return { values: inner.values, validity: bitmap, nullCount: n - valid };
        }
        return corrupt(this.ctx, "2.0 nullable encoding is empty");
      }
      case "flat": {
        if (e.value.compression) unsupported(`flat with ${e.value.compression.scheme} compression`);
        const bits = Number(e.value.bitsPerValue);
        const buf = this.buffer(e.value.buffer);
        const len = fixedByteLength(bits, n);
        if (buf.byteLength < len) corrupt(this.ctx, `2.0 flat buffer holds ${buf.byteLength} bytes, ${n} values of ${bits} bits need ${len}`);
        return { values: fixedBlock(bits, n, buf.subarray(0, len)), validity: null, nullCount: 0 };
      }
      case "fixedSizeList": {
        const dim = e.value.dimension;
        checkCount(n * dim, this.ctx, "2.0 fixed-size list item count");
        if (shape.kind !== "fsl" || shape.dimension !== dim) corrupt(this.ctx, `2.0 fixed-size list of ${dim} does not match the column type`);
        const items = this.decode(e.value.items, n * dim, shape.child);
        return { values: { kind: "fsl", dimension: dim, numValues: n, child: items.values }, validity: null, nullCount: 0 };
      }
      case "fixedSizeBinary": {
        const width = e.value.byteWidth;
        checkCount(n * width, this.ctx, "2.0 fixed-size binary byte count");
        const inner = this.decode(e.value.bytes, n * width, { kind: "fixed", bitsPerValue: 8 });
        if (inner.values.kind !== "fixed") corrupt(this.ctx, "2.0 fixed-size binary bytes are not flat");
        return { values: fixedBlock(width * 8, n, inner.values.data), validity: null, nullCount: 0 };
      }
      case "binary":
        return this.binary(e.value.indices, e.value.bytes, e.value.nullAdjustment, n);
      case "dictionary":
        return this.dictionary(e.value, n, shape, { start: 0, end: n });
      case "packedStruct": {
        // fixed-width fields stored row by row in one buffer; the row bytes are kept whole (blob v1 descriptions)
        let rowBits = 0;
        for (const field of e.value.inner) {
          let inner = field.arrayEncoding;
          if (inner.case === "nullable" && inner.value.nullability.case === "noNulls") inner = inner.value.nullability.value.values?.arrayEncoding ?? { case: undefined };
          if (inner.case !== "flat" || inner.value.compression) unsupported(`packed struct of ${inner.case ?? "empty"} fields`);
          rowBits += Number(inner.value.bitsPerValue);
        }
        if (rowBits === 0 || rowBits % 8 !== 0) corrupt(this.ctx, `2.0 packed struct rows of ${rowBits} bits`);
        const buf = this.buffer(e.value.buffer);
        const len = (rowBits / 8) * n;
        if (buf.byteLength < len) corrupt(this.ctx, `2.0 packed struct buffer holds ${buf.byteLength} bytes, ${n} rows of ${rowBits} bits need ${len}`);
        return { values: fixedBlock(rowBits, n, buf.subarray(0, len)), validity: null, nullCount: 0 };
      }
      case undefined:
        return corrupt(this.ctx, "2.0 page encoding is empty");
      default:
        return unsupported(e.case);
    }
  }

  /**
   * Values [keep.start, keep.end) of `n`: dictionary values are looked up for
   * those rows only, so a page of millions of copies of one large value costs
   * only the rows kept; other encodings are decoded and sliced.
   */
  decodeRows(enc: ArrayEncoding | undefined, n: number, shape: LeafShape, keep: RowSpan): Decoded {
    const e = enc?.arrayEncoding;
    const count = keep.end - keep.start;
    if (e?.case === "dictionary") return this.dictionary(e.value, n, shape, keep);
    if (e?.case === "binary") return this.binary(e.value.indices, e.value.bytes, e.value.nullAdjustment, n, keep.start, keep.end);
    if (e?.case === "nullable") {
      const nb = e.value.nullability;
      if (nb.case === "noNulls") return { ...this.decodeRows(nb.value.values, n, shape, keep), validity: null, nullCount: 0 };
      if (nb.case === "allNulls") return { values: emptyBlock(shape, count), validity: new Uint8Array((count + 7) >> 3), nullCount: count };
      if (nb.case === "someNulls") {
        const v = this.decode(nb.value.validity, n, { kind: "fixed", bitsPerValue: 1 });
        if (v.values.kind !== "fixed") corrupt(this.ctx, "2.0 validity is not a bitmap");
        const bitmap = new Uint8Array((count + 7) >> 3);
        copyBits(v.values.data, keep.start, bitmap, 0, count);
        let valid = 0;
        for (let i = 0; i < count; i++) valid += (bitmap[i >> 3]! >> (i & 7)) & 1;
        const inner = this.decodeRows(nb.value.values, n, shape, keep);
        return { values: inner.values, validity: bitmap, nullCount: count - valid };
      }
    }
    const whole = this.decode(enc, n, shape);
    if (count === n) return whole;
    let validity: Uint8Array | null = null;
    let nullCount = 0;
    if (whole.validity) {
      validity = new Uint8Array((count + 7) >> 3);
      copyBits(whole.validity, keep.start, validity, 0, count);
      for (let i = 0; i < count; i++) if (!((validity[i >> 3]! >> (i & 7)) & 1)) nullCount++;
    }
    return { values: sliceBlock(whole.values, keep.start, count, this.ctx), validity, nullCount };
  }

  /** Values [keep.start, keep.end) of a dictionary-encoded array of `n` (index 0 means null, k > 0 items[k - 1]). */
  dictionary(enc: DictionaryEncoding, n: number, shape: LeafShape, keep: RowSpan): Decoded {
    const numItems = checkCount(enc.numDictionaryItems, this.ctx, "2.0 dictionary size");
    const items = this.decode(enc.items, numItems, shape);
    const indices = this.decode(enc.indices, n, { kind: "fixed", bitsPerValue: 8 });
    if (indices.values.kind !== "fixed") corrupt(this.ctx, "2.0 dictionary indices are not flat");
    const raw = indices.values;
    const width = raw.bitsPerValue / 8;
    const count = keep.end - keep.start;
    const take = new Uint32Array(count);
    const validity = new Uint8Array((count + 7) >> 3);
    let nullCount = 0;
    for (let i = 0; i < count; i++) {
      const at = keep.start + i;
      let k = 0;
      for (let b = width - 1; b >= 0; b--) k = k * 256 + raw.data[at * width + b]!;
      if (k === 0) nullCount++;
      else {
        validity[i >> 3] = validity[i >> 3]! | (1 << (i & 7));
        take[i] = k - 1;
      }
      if (k > numItems) corrupt(this.ctx, `2.0 dictionary index ${k} exceeds ${numItems} items`);
    }
    const values = numItems === 0 ? emptyBlock(shape, count) : takeFromBlock(items.values, take, this.ctx);
    return { values, validity: nullCount === 0 ? null : validity, nullCount };
  }

  /**
   * u64 end offsets (no leading zero) of rows [from, to) of `n`; an end at or past `adjust`
   * marks a null. `before` is where row `from` starts (the end of the row before it, or 0).
   */
  endOffsets(indicesEnc: ArrayEncoding | undefined, n: number, adjust: bigint, from = 0, to = n): { ends: Uint32Array; before: number; validity: Uint8Array | null; nullCount: number; total: number } {
    const indices = this.decode(indicesEnc, n, { kind: "fixed", bitsPerValue: 64 });
    if (indices.values.kind !== "fixed" || indices.values.bitsPerValue !== 64) corrupt(this.ctx, "2.0 offsets are not 64-bit");
    const d = indices.values.data;
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const count = to - from;
    const ends = new Uint32Array(count);
    const validity = new Uint8Array((count + 7) >> 3);
    let nullCount = 0;
    const adj = adjust > 0n ? Number(adjust) : Infinity;
    const endAt = (i: number): number => {
      const e = view.getUint32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
      return e >= adj ? e - adj : e;
    };
    const before = from > 0 ? endAt(from - 1) : 0;
    let prev = before;
    for (let k = 0; k < count; k++) {
      const i = from + k;
      const hi = view.getUint32(8 * i + 4, true);
      let e = hi * 2 ** 32 + view.getUint32(8 * i, true);
      if (e >= adj) {
        e -= adj;
        nullCount++;
      } else {
        validity[k >> 3] = validity[k >> 3]! | (1 << (k & 7));
      }
      if (e < prev || e > 0xffffffff) corrupt(this.ctx, `2.0 end offset ${i} = ${e} is out of order`);
      ends[k] = e;
      prev = e;
    }
    return { ends, before, validity: nullCount === 0 ? null : validity, nullCount, total: prev };
  }

  /** Strings or binary values [from, to) of `n`: only their end offsets are read, their bytes are a view. */
  binary(indicesEnc: ArrayEncoding | undefined, bytesEnc: ArrayEncoding | undefined, adjust: bigint, n: number, from = 0, to = n): Decoded {
    const { ends, before, validity, nullCount, total } = this.endOffsets(indicesEnc, n, adjust, from, to);
    const bytes = this.decode(bytesEnc, total, { kind: "fixed", bitsPerValue: 8 });
    if (bytes.values.kind !== "fixed") corrupt(this.ctx, "2.0 binary bytes are not flat");
    const count = to - from;
    const offsets = new Uint32Array(count + 1);
    for (let k = 0; k < count; k++) offsets[k + 1] = ends[k]! - before;
    return { values: { kind: "variable", numValues: count, offsets, data: bytes.values.data.subarray(before, total) }, validity, nullCount };
  }
}

/** Decodes one page of a 2.0 leaf column: all its rows, or rows [keep.start, keep.end) of it. */
export function decodePageV20(encodingBytes: Uint8Array, buffers: Uint8Array[], numRows: number, shape: LeafShape, ctx: DecodeContext, keep?: RowSpan): PageV20 {
  checkCount(numRows, ctx, "page row count");
  const enc = decodeArrayEncoding(encodingBytes, ctx);
  const decoder = new V20Decoder(buffers, ctx);
  if (keep && (keep.start < 0 || keep.end > numRows || keep.start > keep.end)) corrupt(ctx, `rows ${keep.start}..${keep.end} are outside the page's ${numRows}`);
  if (keep && !(keep.start === 0 && keep.end === numRows)) return { numRows: keep.end - keep.start, ...decoder.decodeRows(enc, numRows, shape, keep) };
  return { numRows, ...decoder.decode(enc, numRows, shape) };
}

/**
 * Decodes one page of a 2.0 list (offsets) column: all its rows, or rows [keep.start, keep.end),
 * whose listOffsets then start at where row keep.start starts (relative to the page's first item).
 */
export function decodeListPageV20(encodingBytes: Uint8Array, buffers: Uint8Array[], numRows: number, ctx: DecodeContext, keep?: RowSpan): PageV20 {
  checkCount(numRows, ctx, "page row count");
  const enc = decodeArrayEncoding(encodingBytes, ctx);
  if (enc.arrayEncoding.case !== "list") corrupt(ctx, `2.0 list column page has encoding ${enc.arrayEncoding.case}`);
  const list = enc.arrayEncoding.value;
  const decoder = new V20Decoder(buffers, ctx);
  const from = keep?.start ?? 0;
  const to = keep?.end ?? numRows;
  if (from < 0 || to > numRows || from > to) corrupt(ctx, `rows ${from}..${to} are outside the page's ${numRows}`);
  const { ends, before, validity, nullCount } = decoder.endOffsets(list.offsets, numRows, list.nullOffsetAdjustment, from, to);
  const listOffsets = new Uint32Array(to - from + 1);
  listOffsets[0] = before;
  listOffsets.set(ends, 1);
  return { numRows: to - from, values: fixedBlock(8, 0, new Uint8Array(0)), validity, nullCount, listOffsets, numItems: Number(list.numItems) };
}

/** Items a page of a 2.0 list (offsets) column covers, from its encoding alone. */
export function listPageItemCount(encodingBytes: Uint8Array, ctx: DecodeContext): number {
  const enc = decodeArrayEncoding(encodingBytes, ctx);
  if (enc.arrayEncoding.case !== "list") corrupt(ctx, `2.0 list column page has encoding ${enc.arrayEncoding.case}`);
  const n = Number(enc.arrayEncoding.value.numItems);
  if (!Number.isSafeInteger(n) || n < 0) corrupt(ctx, `2.0 list page covers ${n} items`);
  return n;
}

/** Whether a 2.0 page holds list offsets (how pre-release 2.0 files store strings). */
export function isListPageV20(encodingBytes: Uint8Array, ctx: DecodeContext): boolean {
  return decodeArrayEncoding(encodingBytes, ctx).arrayEncoding.case === "list";
}
