// Column encoding for Lance 2.1/2.2 files, in the simplest forms Lance reads:
// mini-block pages with flat values (raw fixed-width values, bit-packed
// booleans, chunk-relative u32/u64 offsets + bytes for variable width) and raw
// u16 definition levels; full-zip pages for values too wide for a mini-block
// chunk; constant pages for all-null leaves.

import { create, toBinary } from "@bufbuild/protobuf";
import type { Data } from "apache-arrow";
import { ByteWriter } from "../../core/bytes.js";
import {
  CompressiveEncodingSchema,
  ConstantLayoutSchema,
  FixedSizeListSchema,
  FlatSchema,
  FullZipLayoutSchema,
  MiniBlockLayoutSchema,
  PageLayoutSchema,
  RepDefLayer,
  VariableSchema,
  type CompressiveEncoding,
} from "../pb/encodings_v2_1_pb.js";
import { PAGE_LAYOUT_TYPE_URL, type EncodedColumn, type EncodedPage } from "./layout-writer.js";
import { leafLevels, leafPaths, leafValues, type LeafLevels, type LeafValues } from "./leaf-values.js";

/** Values per mini-block chunk at most (Lance's own limit). */
const MAX_CHUNK_VALUES = 4096;
/** Budget for a chunk's value bytes; 2.1 chunks may not exceed 32 KiB in all. */
const CHUNK_VALUE_BYTES = 16 * 1024;
/** Variable-width values longer than this go to full-zip pages. */
const MINIBLOCK_MAX_VALUE_BYTES = 4 * 1024;

function flat(bits: number): CompressiveEncoding {
  return create(CompressiveEncodingSchema, { compression: { case: "flat", value: create(FlatSchema, { bitsPerValue: BigInt(bits) }) } });
}

function valueEncoding(values: LeafValues): CompressiveEncoding {
  if (values.kind === "variable") {
    return create(CompressiveEncodingSchema, { compression: { case: "variable", value: create(VariableSchema, { offsets: flat(values.offsetBits) }) } });
  }
  if (values.fsl) {
    return create(CompressiveEncodingSchema, {
      compression: {
        case: "fixedSizeList",
        value: create(FixedSizeListSchema, { itemsPerValue: BigInt(values.fsl.dimension), values: flat(values.fsl.itemBits) }),
      },
    });
  }
  return flat(values.bitsPerValue);
}

function layersOf(levels: LeafLevels): RepDefLayer[] {
  return levels.nullable.map((n) => (n ? RepDefLayer.REPDEF_NULLABLE_ITEM : RepDefLayer.REPDEF_ALL_VALID_ITEM));
}

function bitsFor(n: number): number {
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

function pageLayout(layout: Parameters<typeof create<typeof PageLayoutSchema>>[1]): Uint8Array {
  return toBinary(PageLayoutSchema, create(PageLayoutSchema, layout));
}

/** Splits rows into chunks: power-of-two counts (>= 2) except the last. */
function chunkRows(values: LeafValues, numRows: number): number[] {
  const counts: number[] = [];
  let start = 0;
  const fixedPerChunk =
    values.kind === "fixed"
      ? values.bitsPerValue === 1
        ? MAX_CHUNK_VALUES
        : Math.min(MAX_CHUNK_VALUES, 2 ** Math.floor(Math.log2(Math.max(2, CHUNK_VALUE_BYTES / (values.bitsPerValue / 8)))))
      : 0;
  while (start < numRows) {
    const remaining = numRows - start;
    let count: number;
    if (values.kind === "fixed") {
      count = fixedPerChunk;
    } else {
      count = MAX_CHUNK_VALUES;
      const bytes = (k: number): number => values.offsets[Math.min(numRows, start + k)]! - values.offsets[start]! + (k + 1) * (values.offsetBits / 8);
      while (count > 2 && bytes(count) > CHUNK_VALUE_BYTES) count >>= 1;
    }
    if (count >= remaining) {
      counts.push(remaining);
      break;
    }
    counts.push(count);
    start += count;
  }
  return counts;
}

function chunkValueBuffer(values: LeafValues, start: number, count: number): Uint8Array {
  if (values.kind === "fixed") {
    if (values.bitsPerValue === 1) {
      const out = new Uint8Array((count + 7) >> 3);
      for (let i = 0; i < count; i++) {
        const k = start + i;
        if ((values.data[k >> 3]! >> (k & 7)) & 1) out[i >> 3] = out[i >> 3]! | (1 << (i & 7));
      }
      return out;
    }
    const w = values.bitsPerValue / 8;
    return values.data.subarray(start * w, (start + count) * w);
  }
  // n + 1 chunk-relative offsets, the first being where the bytes start, then the bytes
  const width = values.offsetBits / 8;
  const base = values.offsets[start]!;
  const bytes = values.offsets[start + count]! - base;
  const headerBytes = (count + 1) * width;
  const w = new ByteWriter(headerBytes + bytes + 8);
  for (let i = 0; i <= count; i++) {
    const v = headerBytes + values.offsets[start + i]! - base;
    if (width === 4) w.u32(v);
    else w.u64(v);
  }
  w.bytes(values.data.subarray(base, base + bytes));
  w.padTo(width, 0);
  return w.finish();
}

function miniBlockPage(values: LeafValues, levels: LeafLevels, numRows: number, fileVersion: string): EncodedPage {
  const large = fileVersion !== "2.1";
  const counts = chunkRows(values, numRows);
  const meta = new ByteWriter(counts.length * 4);
  const data = new ByteWriter(1 << 16);
  let start = 0;
  counts.forEach((count, c) => {
    const chunkStart = data.length;
    const valueBuf = chunkValueBuffer(values, start, count);
    data.u16(levels.def ? count : 0);
    if (levels.def) data.u16(count * 2);
    if (large) data.u32(valueBuf.byteLength);
    else data.u16(valueBuf.byteLength);
    data.padTo(8, 0);
    if (levels.def) {
      for (let i = 0; i < count; i++) data.u16(levels.def[start + i]!);
      data.padTo(8, 0);
    }
    data.bytes(valueBuf);
    data.padTo(8, 0);
    const chunkBytes = data.length - chunkStart;
    const isLast = c === counts.length - 1;
    const word = ((chunkBytes / 8 - 1) << 4) | (isLast ? 0 : Math.log2(count));
    if (large) meta.u32(word >>> 0);
    else meta.u16(word);
    start += count;
  });
  const encoding = pageLayout({
    layout: {
      case: "miniBlockLayout",
      value: create(MiniBlockLayoutSchema, {
        valueCompression: valueEncoding(values),
        ...(levels.def ? { defCompression: flat(16) } : {}),
        layers: layersOf(levels),
        numBuffers: 1n,
        numItems: BigInt(numRows),
        hasLargeChunk: large,
      }),
    },
  });
  return { buffers: [meta.finish(), data.finish()], numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

function fullZipPage(values: LeafValues, levels: LeafLevels, numRows: number): EncodedPage {
  const bitsDef = bitsFor(levels.maxDef);
  const cwBytes = bitsDef === 0 ? 0 : bitsDef <= 8 ? 1 : 2;
  const w = new ByteWriter(1 << 16);
  const rowStarts = new Float64Array(numRows + 1);
  for (let i = 0; i < numRows; i++) {
    rowStarts[i] = w.length;
    const d = levels.def ? levels.def[i]! : 0;
    if (cwBytes === 1) w.u8(d);
    else if (cwBytes === 2) w.u16(d);
    if (values.kind === "variable") {
      if (d === 0) {
        const s = values.offsets[i]!;
        const e = values.offsets[i + 1]!;
        w.u32(e - s);
        w.bytes(values.data.subarray(s, e));
      }
    } else {
      const width = values.bitsPerValue / 8;
      w.bytes(values.data.subarray(i * width, (i + 1) * width));
    }
  }
  rowStarts[numRows] = w.length;
  const buffers = [w.finish()];
  if (values.kind === "variable") {
    // the repetition index: row starts byte-packed at the narrowest width that fits
    const max = rowStarts[numRows]!;
    const width = max < 256 ? 1 : max < 65536 ? 2 : max < 2 ** 32 ? 4 : 8;
    const index = new ByteWriter((numRows + 1) * width);
    for (const v of rowStarts) {
      if (width === 1) index.u8(v);
      else if (width === 2) index.u16(v);
      else if (width === 4) index.u32(v);
      else index.u64(v);
    }
    buffers.push(index.finish());
  }
  const encoding = pageLayout({
    layout: {
      case: "fullZipLayout",
      value: create(FullZipLayoutSchema, {
        bitsRep: 0,
        bitsDef,
        details: values.kind === "variable" ? { case: "bitsPerOffset", value: 32 } : { case: "bitsPerValue", value: values.bitsPerValue },
        numItems: numRows,
        numVisibleItems: numRows,
        valueCompression: valueEncoding(values.kind === "variable" ? { ...values, offsetBits: 32 } : values),
        layers: layersOf(levels),
      }),
    },
  });
  return { buffers, numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

function allNullPage(numRows: number): EncodedPage {
  const encoding = pageLayout({
    layout: { case: "constantLayout", value: create(ConstantLayoutSchema, { layers: [RepDefLayer.REPDEF_NULLABLE_ITEM] }) },
  });
  return { buffers: [], numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

function needsFullZip(values: LeafValues, numRows: number): boolean {
  if (values.kind === "fixed") return values.bitsPerValue / 8 > CHUNK_VALUE_BYTES / 2;
  for (let i = 0; i < numRows; i++) if (values.offsets[i + 1]! - values.offsets[i]! > MINIBLOCK_MAX_VALUE_BYTES) return true;
  return false;
}

/** Encodes one top-level field (its leaf columns, pre-order) for a 2.1 or 2.2 file. */
export function encodeFieldV21(name: string, data: Data, fileVersion: string): EncodedColumn[] {
  return leafPaths(name, data).map((path) => {
    const numRows = path.chain[0]!.data.length;
    const levels = leafLevels(path);
    const leaf = path.chain[path.chain.length - 1]!.data;
    if (path.chain.length === 1 && leaf.nullCount === numRows && numRows > 0) return { pages: [allNullPage(numRows)] };
    const values = leafValues(path.leafName, leaf, levels.valid);
    const page = needsFullZip(values, numRows) ? fullZipPage(values, levels, numRows) : miniBlockPage(values, levels, numRows, fileVersion);
    return { pages: [page] };
  });
}
