// Column encoding for Lance 2.1/2.2 files: mini-block pages whose values are
// compressed as Lance's default strategy chooses per page (miniblock-values.ts:
// inline bit-packing, FSST, or plain values) and whose def levels are
// bit-packed when that pays (raw u16 otherwise); full-zip pages for values too
// wide for a mini-block chunk; constant pages for all-null leaves and, in
// 2.2, for fixed-width leaves whose valid rows all hold one value.

import { create, toBinary } from "@bufbuild/protobuf";
import { Type, type Data, type DataType } from "apache-arrow";
import { ByteWriter } from "../../core/bytes.js";
import { encodeInlineBitpacking, encodeOutOfLineBitpacking, FASTLANES_GROUP_VALUES } from "../encoding/bitpack.js";
import {
  CompressiveEncodingSchema,
  ConstantLayoutSchema,
  FullZipLayoutSchema,
  InlineBitpackingSchema,
  MiniBlockLayoutSchema,
  OutOfLineBitpackingSchema,
  PageLayoutSchema,
  RepDefLayer,
  type CompressiveEncoding,
} from "../pb/encodings_v2_1_pb.js";
import { PAGE_LAYOUT_TYPE_URL, type EncodedColumn, type EncodedPage } from "./layout-writer.js";
import { leafLevels, leafPaths, leafValues, type LeafLevels, type LeafValues } from "./leaf-values.js";
import { encodeMiniBlockValues, flatEncoding, groupBitWidths, plainEncoding } from "./miniblock-values.js";
import type { PageScratch } from "./page-scratch.js";

/** Variable-width values longer than this go to full-zip pages. */
const MINIBLOCK_MAX_VALUE_BYTES = 4 * 1024;
/** Constant values up to this size are stored in the page layout itself (Lance's limit). */
const MAX_INLINE_VALUE_BYTES = 32;
/** Fixed-width values wider than this go to full-zip pages. */
const MINIBLOCK_MAX_FIXED_BYTES = 8 * 1024;

function layersOf(levels: LeafLevels): RepDefLayer[] {
  return levels.nullable.map((n) => (n ? RepDefLayer.REPDEF_NULLABLE_ITEM : RepDefLayer.REPDEF_ALL_VALID_ITEM));
}

export function bitsFor(n: number): number {
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

export function pageLayout(layout: Parameters<typeof create<typeof PageLayoutSchema>>[1]): Uint8Array {
  return toBinary(PageLayoutSchema, create(PageLayoutSchema, layout));
}

export interface LevelCodec {
  encoding: CompressiveEncoding;
  /** Encodes one chunk's levels. */
  encode(levels: Uint16Array): Uint8Array;
}

function levelBytes(levels: Uint16Array): Uint8Array {
  return new Uint8Array(levels.buffer, levels.byteOffset, levels.byteLength);
}

/**
 * The block codec for a page's def levels, chosen from the whole page as
 * Lance does: bit-packed (out of line at the page's widest group, inline when
 * the page has at most 1024 levels) unless some group of 1024 levels is all
 * zero or packing would not pay; raw u16 levels otherwise.
 */
export function levelCodec(levels: Uint16Array): LevelCodec {
  const widths = groupBitWidths(levelBytes(levels), 16, levels.length);
  let maxWidth = 0;
  let hasZero = false;
  for (const w of widths) {
    if (w === 0) hasZero = true;
    if (w > maxWidth) maxWidth = w;
  }
  const tooSmall = widths.length === 1 && 128 * widths[0]! >= levels.length * 2;
  if (!hasZero && !tooSmall && maxWidth < 16) {
    if (levels.length <= FASTLANES_GROUP_VALUES) {
      return {
        encoding: create(CompressiveEncodingSchema, { compression: { case: "inlineBitpacking", value: create(InlineBitpackingSchema, { uncompressedBitsPerValue: 16n }) } }),
        encode: (chunk) => encodeInlineBitpacking(levelBytes(chunk), 16, chunk.length),
      };
    }
    return {
      encoding: create(CompressiveEncodingSchema, {
        compression: { case: "outOfLineBitpacking", value: create(OutOfLineBitpackingSchema, { uncompressedBitsPerValue: 16n, values: flatEncoding(maxWidth) }) },
      }),
      encode: (chunk) => encodeOutOfLineBitpacking(levelBytes(chunk), 16, maxWidth, chunk.length),
    };
  }
  return { encoding: flatEncoding(16), encode: (chunk) => levelBytes(chunk) };
}

/**
 * Appends one mini-block chunk to `data`: its header (the level count, each
 * level buffer's size, each value buffer's size, u32 sizes in large-chunk
 * pages), then the level buffers and the value buffers, each padded to 8
 * bytes. Returns the chunk's size in bytes.
 */
export function writeMiniBlockChunk(data: ByteWriter, levelCount: number, levelBuffers: readonly Uint8Array[], buffers: readonly Uint8Array[], large: boolean): number {
  const chunkStart = data.length;
  data.u16(levelCount);
  for (const l of levelBuffers) data.u16(l.byteLength);
  for (const b of buffers) {
    if (large) data.u32(b.byteLength);
    else data.u16(b.byteLength);
  }
  data.padTo(8, 0);
  for (const part of [...levelBuffers, ...buffers]) {
    data.bytes(part);
    data.padTo(8, 0);
  }
  return data.length - chunkStart;
}

/** Appends a chunk's metadata word: its size in 8-byte words less one, shifted by 4, and log2 of its values (0 for the last chunk). */
export function writeChunkWord(meta: ByteWriter, chunkBytes: number, log2Values: number, large: boolean): void {
  const word = ((chunkBytes / 8 - 1) * 16 + log2Values) >>> 0;
  if (large) meta.u32(word);
  else meta.u16(word);
}

function miniBlockPage(values: LeafValues, levels: LeafLevels, numRows: number, fileVersion: string, utf8: boolean, scratch: PageScratch | undefined): EncodedPage {
  const large = fileVersion !== "2.1";
  const compressed = encodeMiniBlockValues(values, numRows, { utf8, fileVersion, scratch });
  const defCodec = levels.def ? levelCodec(levels.def) : undefined;
  const chunks = compressed.chunks;
  const meta = new ByteWriter(chunks.length * 4);
  let total = 0;
  for (const c of chunks) for (const b of c.buffers) total += b.byteLength + 16;
  const data = new ByteWriter(total + chunks.length * 16 + (levels.def ? numRows * 2 : 0));
  let start = 0;
  chunks.forEach((chunk, c) => {
    const count = chunk.numValues;
    const def = defCodec && levels.def ? defCodec.encode(levels.def.subarray(start, start + count)) : undefined;
    const chunkBytes = writeMiniBlockChunk(data, def ? count : 0, def ? [def] : [], chunk.buffers, large);
    writeChunkWord(meta, chunkBytes, c === chunks.length - 1 ? 0 : Math.log2(count), large);
    start += count;
  });
  const encoding = pageLayout({
    layout: {
      case: "miniBlockLayout",
      value: create(MiniBlockLayoutSchema, {
        valueCompression: compressed.encoding,
        ...(defCodec ? { defCompression: defCodec.encoding } : {}),
        ...(compressed.dictionary ? { dictionary: compressed.dictionary.encoding, numDictionaryItems: BigInt(compressed.dictionary.numItems) } : {}),
        layers: layersOf(levels),
        numBuffers: BigInt(chunks[0]?.buffers.length ?? 1),
        numItems: BigInt(numRows),
        hasLargeChunk: large,
      }),
    },
  });
  // the page's chunks were sized from above; a view spares copying them once more
  const buffers = [meta.finish(), data.finishView()];
  if (compressed.dictionary) buffers.push(compressed.dictionary.buffer);
  return { buffers, numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
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
        valueCompression: plainEncoding(values.kind === "variable" ? { ...values, offsetBits: 32 } : values),
        layers: layersOf(levels),
      }),
    },
  });
  return { buffers, numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

export function isUtf8(type: DataType): boolean {
  return type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8;
}

function allNullPage(numRows: number): EncodedPage {
  const encoding = pageLayout({
    layout: { case: "constantLayout", value: create(ConstantLayoutSchema, { layers: [RepDefLayer.REPDEF_NULLABLE_ITEM] }) },
  });
  return { buffers: [], numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

/** The one value every valid row holds (little-endian bytes; a bool as one byte 0 or 1), or undefined. */
function constantValue(values: LeafValues, levels: LeafLevels, numRows: number): Uint8Array | undefined {
  if (values.kind !== "fixed" || values.fsl || numRows === 0) return undefined;
  const bits = values.bitsPerValue;
  if (bits !== 1 && (bits % 8 !== 0 || bits > 8 * MAX_INLINE_VALUE_BYTES)) return undefined;
  const valid = levels.valid;
  let first = -1;
  if (bits === 1) {
    for (let i = 0; i < numRows; i++) {
      if (!valid[i]) continue;
      const bit = (values.data[i >> 3]! >> (i & 7)) & 1;
      if (first < 0) first = bit;
      else if (bit !== first) return undefined;
    }
    return first < 0 ? undefined : Uint8Array.of(first);
  }
  const width = bits / 8;
  const data = values.data;
  for (let i = 0; i < numRows; i++) {
    if (!valid[i]) continue;
    if (first < 0) {
      first = i;
      continue;
    }
    for (let k = 0; k < width; k++) if (data[i * width + k] !== data[first * width + k]) return undefined;
  }
  return first < 0 ? undefined : data.slice(first * width, (first + 1) * width);
}

/** A 2.2 constant page: the value inline, and raw u16 def levels (after an empty rep buffer) when some rows are null. */
function constantPage(value: Uint8Array, levels: LeafLevels, numRows: number): EncodedPage {
  const encoding = pageLayout({
    layout: { case: "constantLayout", value: create(ConstantLayoutSchema, { layers: layersOf(levels), inlineValue: value }) },
  });
  const buffers = levels.def ? [new Uint8Array(0), new Uint8Array(levels.def.buffer, levels.def.byteOffset, levels.def.byteLength).slice()] : [];
  return { buffers, numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

export function needsFullZip(values: LeafValues, numRows: number): boolean {
  if (values.kind === "fixed") return values.bitsPerValue / 8 > MINIBLOCK_MAX_FIXED_BYTES;
  if (numRows === values.offsets.length - 1) return values.maxLength > MINIBLOCK_MAX_VALUE_BYTES;
  for (let i = 0; i < numRows; i++) if (values.offsets[i + 1]! - values.offsets[i]! > MINIBLOCK_MAX_VALUE_BYTES) return true;
  return false;
}

/**
 * Encodes one top-level field (its leaf columns, pre-order) for a 2.1 or 2.2
 * file. With a `scratch`, each leaf's intermediate buffers (string offsets,
 * FSST output, chunks before they are laid out) come from it, reused from
 * page to page; the pages returned never point into it.
 */
export function encodeFieldV21(name: string, data: Data, fileVersion: string, scratch?: PageScratch): EncodedColumn[] {
  return leafPaths(name, data).map((path) => {
    const numRows = path.chain[0]!.data.length;
    const levels = leafLevels(path);
    const leaf = path.chain[path.chain.length - 1]!.data;
    if (path.chain.length === 1 && leaf.nullCount === numRows && numRows > 0) return { pages: [allNullPage(numRows)] };
    scratch?.startPage();
    const values = leafValues(path.leafName, leaf, levels.valid, scratch);
    const constant = fileVersion !== "2.1" && path.chain.length === 1 ? constantValue(values, levels, numRows) : undefined;
    if (constant) return { pages: [constantPage(constant, levels, numRows)] };
    const page = needsFullZip(values, numRows) ? fullZipPage(values, levels, numRows) : miniBlockPage(values, levels, numRows, fileVersion, isUtf8(leaf.type), scratch);
    return { pages: [page] };
  });
}
