// Page decoding for Lance 2.1/2.2 structural layouts (lance.encodings21.PageLayout):
// mini-block and constant pages here, full-zip pages in page-full-zip.ts, each
// producing rep/def levels and the block of visible values.

import { fromBinary } from "@bufbuild/protobuf";
import { LanceError } from "../../core/errors.js";
import {
  PageLayoutSchema,
  type CompressiveEncoding,
  type ConstantLayout,
  type MiniBlockLayout,
  type PageLayout,
  type RepDefLayer,
} from "../pb/encodings_v2_1_pb.js";
import { decodeBlock, decodeLevels, decodeMiniBlockValues, variableChunkDecoder } from "../encoding/compressive.js";
import { VariableBuilder } from "../encoding/variable-builder.js";
import {
  blockToU32,
  checkCount,
  concatBlocks,
  corrupt,
  emptyBlock,
  fixedBlock,
  sliceBlock,
  takeFromBlock,
  type DataBlock,
  type DecodeContext,
  type LeafShape,
} from "../encoding/data-block.js";

export type { LeafShape };
import { decodeFullZipPage } from "./page-full-zip.js";
import { layerModel, type LayerModel, type Levels } from "./repdef.js";

export interface DecodedPage {
  numRows: number;
  /** Rows of the page skipped before the decoded ones (when only a row range was decoded). */
  rowOffset?: number;
  levels: Levels;
  layers: RepDefLayer[];
  model: LayerModel;
  /** One value per visible level. */
  values: DataBlock;
  /** When set, `values` are 32-bit indices into this dictionary, not yet looked up. */
  dictionary?: DataBlock;
}

export function decodePageLayout(bytes: Uint8Array, ctx: DecodeContext): PageLayout {
  try {
    return fromBinary(PageLayoutSchema, bytes);
  } catch (err) {
    return corrupt(ctx, `cannot decode page layout: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function u(data: Uint8Array, at: number, bytes: 2 | 4): number {
  return bytes === 2 ? data[at]! | (data[at + 1]! << 8) : (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

const pad8 = (n: number): number => (n + 7) & ~7;

function countVisible(levels: Levels, model: LayerModel): number {
  if (!levels.def) return levels.numLevels;
  let n = 0;
  for (let i = 0; i < levels.numLevels; i++) if (levels.def[i]! <= model.maxVisibleDef) n++;
  return n;
}

/** Rows [start, end) of a page, relative to its first row. */
export interface RowRange {
  start: number;
  end: number;
}

/** Part of a page's value buffer: the bytes from `offset`, of a buffer `totalBytes` long. */
export interface BufferPart {
  offset: number;
  totalBytes: number;
}

/**
 * Rows each chunk of a mini-block page with repetition starts, and whether it
 * begins inside a row started in an earlier chunk, from the page's repetition
 * index (its last buffer: per chunk, u64 words of which the first two count
 * the rows ending in the chunk and the items of a row it leaves unfinished);
 * undefined when the page has none.
 */
export function miniBlockRepIndex(layout: MiniBlockLayout, repIndex: Uint8Array | undefined, numChunks: number, ctx: DecodeContext): { starts: number[]; preamble: boolean[] } | undefined {
  const depth = layout.repetitionIndexDepth;
  if (layout.repCompression === undefined || depth <= 0 || !repIndex) return undefined;
  const stride = (depth + 1) * 8;
  if (repIndex.byteLength !== numChunks * stride) corrupt(ctx, `repetition index of ${repIndex.byteLength} bytes for ${numChunks} chunks at depth ${depth}`);
  const word = (at: number): number => u(repIndex, at, 4) + u(repIndex, at + 4, 4) * 2 ** 32;
  const starts: number[] = [];
  const preamble: boolean[] = [];
  let carried = false;
  for (let c = 0; c < numChunks; c++) {
    const ends = word(c * stride);
    const trailer = word(c * stride + 8) > 0;
    const n = ends + (trailer ? 1 : 0) - (carried ? 1 : 0);
    if (n < 0) corrupt(ctx, `repetition index: chunk ${c} ends ${ends} rows but continues one from the chunk before`);
    starts.push(n);
    preamble.push(carried);
    carried = trailer;
  }
  return { starts, preamble };
}

/** Whether a chunk holding levels of rows [firstRow, lastRow] is needed for `rows` (an empty range needs the row at its start). */
function chunkWanted(firstRow: number, lastRow: number, rows: RowRange): boolean {
  return firstRow < Math.max(rows.end, rows.start + 1) && lastRow >= rows.start;
}

/** The repetition index buffer of a mini-block page (its last), if the layout has one. */
export function miniBlockRepIndexBuffer(layout: MiniBlockLayout, buffers: readonly (Uint8Array | undefined)[]): Uint8Array | undefined {
  if (layout.repCompression === undefined || layout.repetitionIndexDepth <= 0) return undefined;
  return buffers.length >= (layout.dictionary ? 4 : 3) ? buffers[buffers.length - 1] : undefined;
}

/** Where one chunk of a mini-block page lies in its value buffer, and the values it holds. */
export interface MiniBlockChunk {
  byteStart: number;
  byteLength: number;
  firstValue: number;
  numValues: number;
}

/**
 * The chunks of a mini-block page from its chunk metadata (buffer 0: per
 * chunk a u16 word in 2.1, a u32 word later; bits 0-3 log2 of the value
 * count, every chunk but the last; the rest the byte length / 8 - 1), checked
 * against the page's item count and its value buffer's size.
 */
export function parseMiniBlockChunks(meta: Uint8Array, fileVersion: string, numItems: number, valueBufferBytes: number, ctx: DecodeContext): MiniBlockChunk[] {
  const wordBytes = fileVersion !== "2.1" ? 4 : 2;
  const numChunks = Math.floor(meta.byteLength / wordBytes);
  const chunks: MiniBlockChunk[] = [];
  let byteStart = 0;
  let firstValue = 0;
  for (let c = 0; c < numChunks; c++) {
    const word = u(meta, c * wordBytes, wordBytes);
    const byteLength = ((word >>> 4) + 1) * 8;
    const log2 = word & 0xf;
    const isLast = c === numChunks - 1;
    const numValues = isLast ? numItems - firstValue : 2 ** log2;
    if (!isLast && log2 === 0) corrupt(ctx, `mini-block chunk ${c} of ${numChunks} has a zero value count`);
    if (numValues < 0) corrupt(ctx, `mini-block chunks hold more than the page's ${numItems} values`);
    if (byteStart + byteLength > valueBufferBytes) corrupt(ctx, `mini-block chunk ${c} (${byteLength} bytes at ${byteStart}) passes the data buffer (${valueBufferBytes} bytes)`);
    chunks.push({ byteStart, byteLength, firstValue, numValues });
    byteStart += byteLength;
    firstValue += numValues;
  }
  if (firstValue !== numItems) corrupt(ctx, `mini-block chunks hold ${firstValue} values, the page says ${numItems}`);
  return chunks;
}

/**
 * For a mini-block page, the bytes of its value buffer (buffer 1) that hold
 * the chunks a decode of `rows` reads; undefined for pages that must be read
 * whole (with repetition but no repetition index). `repIndex` is the page's
 * last buffer. Follows the chunk walk of decodeMiniBlockPage.
 */
export function miniBlockByteSpan(layoutBytes: Uint8Array, meta: Uint8Array, fileVersion: string, ctx: DecodeContext, rows: RowRange, repIndex?: Uint8Array): { start: number; end: number } | undefined {
  const layout = decodePageLayout(layoutBytes, ctx).layout;
  if (layout.case !== "miniBlockLayout") return undefined;
  // the value buffer's size is not known here: the decode checks the chunks against it
  const chunks = parseMiniBlockChunks(meta, fileVersion, checkCount(layout.value.numItems, ctx, "mini-block item count"), Number.MAX_SAFE_INTEGER, ctx);
  const numChunks = chunks.length;
  const index = layout.value.repCompression === undefined ? undefined : miniBlockRepIndex(layout.value, repIndex, numChunks, ctx);
  if (layout.value.repCompression !== undefined && !index) return undefined;
  let rowsBefore = 0;
  let first = -1;
  let end = 0;
  for (let c = 0; c < numChunks; c++) {
    const { byteStart: chunkStart, byteLength: chunkBytes, firstValue: valuesSoFar, numValues: chunkValues } = chunks[c]!;
    const isLast = c === numChunks - 1;
    let wanted: boolean;
    if (index) {
      wanted = chunkWanted(index.preamble[c] ? rowsBefore - 1 : rowsBefore, rowsBefore + index.starts[c]! - 1, rows);
      rowsBefore += index.starts[c]!;
    } else wanted = !(valuesSoFar + chunkValues <= rows.start || valuesSoFar >= rows.end);
    const skipped = !wanted && !(isLast && first < 0);
    if (!skipped) {
      if (first < 0) first = chunkStart;
      end = chunkStart + chunkBytes;
    }
  }
  return first < 0 ? undefined : { start: first, end };
}

/** Decodes the values of one mini-block chunk from its value buffers (another file version's codec). */
export type MiniBlockValueCodec = (buffers: Uint8Array[], numValues: number, ctx: DecodeContext) => DataBlock;

function decodeMiniBlockPage(
  layout: MiniBlockLayout,
  buffers: Uint8Array[],
  numRows: number,
  fileVersion: string,
  ctx: DecodeContext,
  rows?: RowRange,
  part?: BufferPart,
  lazyDictionary = false,
  valueCodec?: MiniBlockValueCodec,
): DecodedPage {
  const large = fileVersion !== "2.1";
  if (layout.hasLargeChunk !== large) {
    corrupt(ctx, `mini-block page has has_large_chunk=${layout.hasLargeChunk}, which the ${fileVersion} grammar forbids`);
  }
  const model = layerModel(layout.layers, ctx);
  const valueEnc = layout.valueCompression;
  if (!valueEnc) corrupt(ctx, "mini-block page has no value encoding");
  const meta = buffers[0];
  const data = buffers[1];
  if (!meta || !data) corrupt(ctx, `mini-block page has ${buffers.length} buffers, needs at least 2`);
  // with `part`, `data` holds only bytes [part.offset, part.offset + data.byteLength) of the value buffer
  const dataOffset = part?.offset ?? 0;
  const dataBytes = part?.totalBytes ?? data.byteLength;
  const wordBytes = large ? 4 : 2;
  const numItems = checkCount(layout.numItems, ctx, "mini-block item count");
  const chunkList = parseMiniBlockChunks(meta, fileVersion, numItems, dataBytes, ctx);
  const numChunks = chunkList.length;
  const numBuffers = Number(layout.numBuffers);
  if (numBuffers > 16) corrupt(ctx, `mini-block chunks claim ${numBuffers} value buffers`);
  let dictionary: DataBlock | undefined;
  if (layout.dictionary) {
    const dictBuf = buffers[2];
    if (!dictBuf) corrupt(ctx, "mini-block page has a dictionary encoding but no dictionary buffer");
    dictionary = decodeBlock(layout.dictionary, dictBuf, checkCount(layout.numDictionaryItems, ctx, "dictionary size"), ctx);
  }
  const chunks: DataBlock[] = [];
  // strings (plain or FSST) are decoded chunk after chunk into one builder, not per chunk and then concatenated
  const intoBuilder = dictionary || valueCodec ? undefined : variableChunkDecoder(valueEnc, ctx);
  let builder: VariableBuilder | undefined;
  /** Value bytes of the chunks decoded into the builder so far. */
  let builderInput = 0;
  const repParts: Uint16Array[] = [];
  const defParts: Uint16Array[] = [];
  let numLevels = 0;
  // Without repetition every value is a row, so chunks outside a requested row range are skipped.
  const skippable = rows !== undefined && layout.repCompression === undefined;
  // With repetition a row may span chunks: each chunk's repetition levels are decoded to count
  // the rows it touches, and only chunks touching a requested row decode their values.
  const byRows = rows !== undefined && layout.repCompression !== undefined;
  // rows that started in the chunks before this one, and in the chunks skipped before the first decoded one
  let rowsBefore = 0;
  let rowsSkipped = 0;
  let firstDecoded = -1;
  // with a repetition index, chunks are chosen without reading them (only those were fetched)
  const index = byRows ? miniBlockRepIndex(layout, miniBlockRepIndexBuffer(layout, buffers), numChunks, ctx) : undefined;
  for (let c = 0; c < numChunks; c++) {
    const { byteStart: chunkStart, byteLength: chunkBytes, firstValue: valuesSoFar, numValues: chunkValues } = chunkList[c]!;
    const isLast = c === numChunks - 1;
    const skipByIndex = index !== undefined && !chunkWanted(index.preamble[c] ? rowsBefore - 1 : rowsBefore, rowsBefore + index.starts[c]! - 1, rows!);
    if (((skippable && (valuesSoFar + chunkValues <= rows.start || valuesSoFar >= rows.end)) || skipByIndex) && !(isLast && firstDecoded < 0)) {
      if (index) {
        rowsBefore += index.starts[c]!;
        if (firstDecoded < 0) rowsSkipped = rowsBefore;
      }
      continue;
    }
    if (chunkStart < dataOffset || chunkStart + chunkBytes > dataOffset + data.byteLength) {
      throw new LanceError("INTERNAL", `mini-block chunk ${c} of ${ctx.path} was not fetched`);
    }
    const chunk = data.subarray(chunkStart - dataOffset, chunkStart - dataOffset + chunkBytes);
    const cctx = { path: ctx.path, byteOffset: ctx.byteOffset + chunkStart };
    let at = 0;
    const need = (n: number): void => {
      if (at + n > chunk.byteLength) corrupt(cctx, `mini-block chunk header passes the chunk (${chunk.byteLength} bytes)`);
    };
    need(2);
    const chunkLevels = u(chunk, at, 2);
    at += 2;
    let repBytes = 0;
    let defBytes = 0;
    if (layout.repCompression) {
      need(2);
      repBytes = u(chunk, at, 2);
      at += 2;
    }
    if (layout.defCompression) {
      need(2);
      defBytes = u(chunk, at, 2);
      at += 2;
    }
    const sizes: number[] = [];
    for (let b = 0; b < numBuffers; b++) {
      need(wordBytes);
      sizes.push(u(chunk, at, wordBytes));
      at += wordBytes;
    }
    at = pad8(at);
    const slice = (len: number): Uint8Array => {
      if (at + len > chunk.byteLength) corrupt(cctx, `mini-block chunk part of ${len} bytes at ${at} passes the chunk (${chunk.byteLength} bytes)`);
      const out = chunk.subarray(at, at + len);
      at = pad8(at + len);
      return out;
    };
    const hasLevels = layout.repCompression !== undefined || layout.defCompression !== undefined;
    const levelCount = hasLevels ? chunkLevels : chunkValues;
    if (layout.repCompression) {
      const rep = decodeLevels(layout.repCompression, slice(repBytes), levelCount, cctx);
      let starts = 0;
      for (let i = 0; i < rep.length; i++) if (rep[i]! >= model.maxRep) starts++;
      if (index) {
        // the chunk was chosen by the index: its levels must agree with it
        if (starts !== index.starts[c] || (rep.length > 0 && rep[0]! < model.maxRep) !== index.preamble[c]) {
          corrupt(cctx, `mini-block chunk ${c} starts ${starts} rows, its repetition index says ${index.starts[c]}`);
        }
        rowsBefore += starts;
      } else if (byRows) {
        // rows this chunk holds levels of: a row carried over from the chunk before, then the ones it starts
        const firstRow = rep.length > 0 && rep[0]! >= model.maxRep ? rowsBefore : rowsBefore - 1;
        const lastRow = rowsBefore + starts - 1;
        const wanted = chunkWanted(firstRow, lastRow, rows);
        rowsBefore += starts;
        if (!wanted && !(isLast && firstDecoded < 0)) {
          if (firstDecoded < 0) rowsSkipped = rowsBefore;
          continue;
        }
      }
      repParts.push(rep);
    }
    if (firstDecoded < 0) firstDecoded = valuesSoFar;
    if (layout.defCompression) defParts.push(decodeLevels(layout.defCompression, slice(defBytes), levelCount, cctx));
    const valueBuffers = sizes.map((s) => slice(s));
    if (intoBuilder) {
      // sized from the bytes fetched for the chunks left and the expansion seen so far
      const left = dataOffset + data.byteLength - chunkStart;
      const ratio = builder && builderInput > 0 ? builder.numBytes / builderInput : valueEnc.compression.case === "fsst" ? 3 : 1;
      const expected = Math.ceil(ratio * left) + 64;
      builder ??= new VariableBuilder(skippable ? Math.min(numItems, rows.end - rows.start + 2 * 4096) : numItems, expected);
      // a code expands to at most 8 bytes: room for this chunk's worst case, growing to the expected rest
      builder.reserveBytes(8 * chunkBytes + 8, expected + 8 * chunkBytes);
      intoBuilder(valueBuffers, chunkValues, builder, cctx);
      builderInput += chunkBytes;
      numLevels += levelCount;
      continue;
    }
    let values = valueCodec ? valueCodec(valueBuffers, chunkValues, cctx) : decodeMiniBlockValues(valueEnc, valueBuffers, chunkValues, cctx);
    if (dictionary) {
      const indices = blockToU32(values, cctx);
      if (lazyDictionary) {
        for (let i = 0; i < indices.length; i++) if (indices[i]! >= dictionary.numValues) corrupt(cctx, `index ${indices[i]} is out of range for ${dictionary.numValues} values`);
        values = fixedBlock(32, indices.length, new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength));
      } else values = takeFromBlock(dictionary, indices, cctx);
    }
    chunks.push(values);
    numLevels += levelCount;
  }
  const levels: Levels = {
    numLevels,
    rep: repParts.length > 0 ? concatU16(repParts) : undefined,
    def: defParts.length > 0 ? concatU16(defParts) : undefined,
  };
  const values = builder ? builder.finish() : chunks.length > 0 ? concatBlocks(chunks, ctx) : undefined;
  const block = values ?? fixedBlock(8, 0, new Uint8Array(0));
  const lookup = lazyDictionary && dictionary ? { dictionary } : {};
  if (byRows) return trimToRowStart({ numRows: 0, rowOffset: rowsSkipped, levels, layers: layout.layers, model, values: block, ...lookup }, ctx);
  if (skippable) {
    return { numRows: numLevels, rowOffset: Math.max(firstDecoded, 0), levels, layers: layout.layers, model, values: block, ...lookup };
  }
  if (!levels.rep && !levels.def && numLevels !== numRows) corrupt(ctx, `page holds ${numLevels} values for ${numRows} rows`);
  return { numRows, levels, layers: layout.layers, model, values: block, ...lookup };
}

/**
 * Drops the levels (and their values) before the first row start of a page decoded from a
 * chunk in the middle: they continue a row that was not asked for. Counts the rows kept.
 */
function trimToRowStart(page: DecodedPage, ctx: DecodeContext): DecodedPage {
  const { levels, model } = page;
  const rep = levels.rep!;
  let first = 0;
  while (first < levels.numLevels && rep[first]! < model.maxRep) first++;
  let numRows = 0;
  for (let i = first; i < levels.numLevels; i++) if (rep[i]! >= model.maxRep) numRows++;
  if (first === 0) return { ...page, numRows };
  let dropped = first;
  if (levels.def) {
    dropped = 0;
    for (let i = 0; i < first; i++) if (levels.def[i]! <= model.maxVisibleDef) dropped++;
  }
  const values = sliceBlock(page.values, dropped, page.values.numValues - dropped, ctx);
  const trimmed: Levels = { numLevels: levels.numLevels - first, rep: rep.subarray(first), def: levels.def?.subarray(first) };
  return { ...page, numRows, levels: trimmed, values };
}

function concatU16(parts: Uint16Array[]): Uint16Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint16Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decodeConstantPage(layout: ConstantLayout, buffers: Uint8Array[], numRows: number, shape: LeafShape, ctx: DecodeContext, rows?: RowRange): DecodedPage {
  const model = layerModel(layout.layers, ctx);
  let scalar: Uint8Array | undefined;
  let repBuf: Uint8Array | undefined;
  let defBuf: Uint8Array | undefined;
  if (layout.inlineValue !== undefined) {
    scalar = layout.inlineValue;
    if (buffers.length === 2) [repBuf, defBuf] = buffers;
    else if (buffers.length !== 0) corrupt(ctx, `constant page with an inline value has ${buffers.length} buffers (0 or 2 expected)`);
  } else if (buffers.length === 1 || buffers.length === 3) {
    scalar = buffers[0];
    if (buffers.length === 3) [, repBuf, defBuf] = buffers;
  } else if (buffers.length === 2) {
    [repBuf, defBuf] = buffers;
  } else if (buffers.length !== 0) {
    corrupt(ctx, `constant page has ${buffers.length} buffers`);
  }
  const readLevels = (buf: Uint8Array | undefined, enc: CompressiveEncoding | undefined, count: bigint): Uint16Array | undefined => {
    if (!buf || buf.byteLength === 0) return undefined;
    if (enc) return decodeLevels(enc, buf, checkCount(count, ctx, "constant page level count"), ctx);
    if (buf.byteLength % 2 !== 0) corrupt(ctx, `raw level buffer of ${buf.byteLength} bytes`);
    const out = new Uint16Array(buf.byteLength / 2);
    for (let i = 0; i < out.length; i++) out[i] = buf[2 * i]! | (buf[2 * i + 1]! << 8);
    return out;
  };
  const rep = readLevels(repBuf, layout.repCompression, layout.numRepValues);
  let def = readLevels(defBuf, layout.defCompression, layout.numDefValues);
  const numLevels = rep?.length ?? def?.length ?? numRows;
  if (rep && def && rep.length !== def.length) corrupt(ctx, `constant page has ${rep.length} rep but ${def.length} def levels`);
  if (scalar === undefined && !def && !rep) {
    // all-null page: every level is null at the innermost nullable layer
    const nullDef = model.layers.find((l) => l.nullDef !== undefined)?.nullDef;
    if (nullDef === undefined) corrupt(ctx, "all-null constant page without a nullable layer");
    def = new Uint16Array(numLevels).fill(nullDef);
  }
  if (rows !== undefined && !rep && numLevels === numRows) {
    // one level per row: only the rows asked for are repeated out, so a page of millions of
    // copies of one large value costs no more than the range read
    const start = Math.min(rows.start, numRows);
    const end = Math.max(start, Math.min(rows.end, numRows));
    const levels: Levels = { numLevels: end - start, rep: undefined, def: def?.subarray(start, end) };
    const visible = countVisible(levels, model);
    const values = scalar === undefined ? emptyBlock(shape, visible) : repeatScalar(scalar, shape, visible, ctx);
    return { numRows: end - start, rowOffset: start, levels, layers: layout.layers, model, values };
  }
  if (rows !== undefined && rep) {
    // levels of the rows asked for, found from the repetition levels: only their values are repeated out
    const start = Math.min(rows.start, numRows);
    const end = Math.max(start, Math.min(rows.end, numRows));
    let levelStart = numLevels;
    let levelEnd = numLevels;
    let row = -1;
    for (let i = 0; i < numLevels; i++) {
      if (rep[i]! < model.maxRep) continue;
      row++;
      if (row === start) levelStart = i;
      if (row === end) {
        levelEnd = i;
        break;
      }
    }
    const levels: Levels = { numLevels: levelEnd - levelStart, rep: rep.subarray(levelStart, levelEnd), def: def?.subarray(levelStart, levelEnd) };
    const visible = countVisible(levels, model);
    const values = scalar === undefined ? emptyBlock(shape, visible) : repeatScalar(scalar, shape, visible, ctx);
    return { numRows: end - start, rowOffset: start, levels, layers: layout.layers, model, values };
  }
  const levels: Levels = { numLevels, rep, def };
  const visible = countVisible(levels, model);
  const values = scalar === undefined ? emptyBlock(shape, visible) : repeatScalar(scalar, shape, visible, ctx);
  return { numRows, levels, layers: layout.layers, model, values };
}

/** A block of `n` copies of a constant scalar. */
function repeatScalar(scalar: Uint8Array, shape: LeafShape, n: number, ctx: DecodeContext): DataBlock {
  if (shape.kind === "fixed") {
    if (shape.bitsPerValue === 1) {
      const bit = (scalar[0] ?? 0) & 1;
      return fixedBlock(1, n, new Uint8Array((n + 7) >> 3).fill(bit ? 0xff : 0));
    }
    const width = shape.bitsPerValue / 8;
    if (scalar.byteLength < width) corrupt(ctx, `constant value has ${scalar.byteLength} bytes, expected ${width}`);
    const out = new Uint8Array(n * width);
    for (let i = 0; i < n; i++) out.set(scalar.subarray(0, width), i * width);
    return fixedBlock(shape.bitsPerValue, n, out);
  }
  if (shape.kind === "fsl") {
    const childWidth = shape.child.kind === "fixed" ? shape.child.bitsPerValue / 8 : 0;
    const width = childWidth * shape.dimension;
    if (shape.child.kind !== "fixed" || scalar.byteLength < width) corrupt(ctx, "constant fixed-size list value does not match its type");
    const out = new Uint8Array(n * width);
    for (let i = 0; i < n; i++) out.set(scalar.subarray(0, width), i * width);
    return { kind: "fsl", dimension: shape.dimension, numValues: n, child: fixedBlock(childWidth * 8, n * shape.dimension, out) };
  }
  // Scalar value buffer: u32 count, count x u32 length, then the Arrow buffers of a one-element array.
  const view = new DataView(scalar.buffer, scalar.byteOffset, scalar.byteLength);
  if (scalar.byteLength < 4) corrupt(ctx, "constant scalar buffer has no header");
  const nbuf = view.getUint32(0, true);
  if (nbuf !== 2 || scalar.byteLength < 12) corrupt(ctx, `constant string scalar has ${nbuf} buffers, expected 2`);
  const offLen = view.getUint32(4, true);
  const dataLen = view.getUint32(8, true);
  const offStart = 12;
  if (offStart + offLen + dataLen > scalar.byteLength) corrupt(ctx, "constant scalar buffers pass the end of the scalar");
  let start: number;
  let end: number;
  if (offLen === 8) {
    start = view.getInt32(offStart, true);
    end = view.getInt32(offStart + 4, true);
  } else if (offLen === 16) {
    start = Number(view.getBigInt64(offStart, true));
    end = Number(view.getBigInt64(offStart + 8, true));
  } else {
    return corrupt(ctx, `constant scalar offsets buffer of ${offLen} bytes`);
  }
  const bytes = scalar.subarray(offStart + offLen, offStart + offLen + dataLen);
  if (start < 0 || end < start || end > bytes.byteLength) corrupt(ctx, "constant scalar offsets out of range");
  const value = bytes.subarray(start, end);
  const len = value.byteLength;
  if (len * n > 0xffffffff) throw new LanceError("NOT_SUPPORTED", `${ctx.path}: ${n} copies of a ${len}-byte constant value are more than 4 GiB, too many to read at once`);
  const offsets = new Uint32Array(n + 1);
  const data = new Uint8Array(len * n);
  for (let i = 0; i < n; i++) {
    data.set(value, i * len);
    offsets[i + 1] = (i + 1) * len;
  }
  return { kind: "variable", numValues: n, offsets, data };
}

export function decodePageV21(
  layoutBytes: Uint8Array,
  buffers: Uint8Array[],
  numRows: number,
  shape: LeafShape,
  fileVersion: string,
  ctx: DecodeContext,
  rows?: RowRange,
  part?: BufferPart,
  /** Mini-block pages with a dictionary may leave their values as indices (see DecodedPage.dictionary). */
  lazyDictionary = false,
  /** The chunk value codec of a newer file version whose pages were rewritten as these layouts (page-v23.ts). */
  valueCodec?: MiniBlockValueCodec,
): DecodedPage {
  checkCount(numRows, ctx, "page row count");
  return decodeLayout(decodePageLayout(layoutBytes, ctx), buffers, numRows, shape, fileVersion, ctx, rows, part, lazyDictionary, valueCodec);
}

function decodeLayout(
  layout: PageLayout,
  buffers: Uint8Array[],
  numRows: number,
  shape: LeafShape,
  fileVersion: string,
  ctx: DecodeContext,
  rows: RowRange | undefined,
  part: BufferPart | undefined,
  lazyDictionary: boolean,
  valueCodec: MiniBlockValueCodec | undefined,
): DecodedPage {
  if (part && layout.layout.case !== "miniBlockLayout" && layout.layout.case !== "fullZipLayout") throw new LanceError("INTERNAL", `only mini-block and full-zip pages of ${ctx.path} can be read in part`);
  switch (layout.layout.case) {
    case "miniBlockLayout":
      return decodeMiniBlockPage(layout.layout.value, buffers, numRows, fileVersion, ctx, rows, part, lazyDictionary, valueCodec);
    case "fullZipLayout":
      return decodeFullZipPage(layout.layout.value, buffers, numRows, ctx, rows, part);
    case "constantLayout":
      return decodeConstantPage(layout.layout.value, buffers, numRows, shape, ctx, rows);
    case "blobLayout": {
      // blob v1: the descriptions are an ordinary page inside (see blob-descriptions.ts)
      const inner = layout.layout.value.innerLayout;
      if (!inner || inner.layout.case === "blobLayout") return corrupt(ctx, inner ? "blob page inside a blob page" : "blob page has no inner layout");
      return decodeLayout(inner, buffers, numRows, shape, fileVersion, ctx, rows, undefined, false, valueCodec);
    }
    default:
      return corrupt(ctx, "page layout is empty");
  }
}
