// Full-zip pages of Lance 2.1/2.2 (lance.encodings21.FullZipLayout): each
// item is a control word (repetition and definition levels) followed, when
// visible and valid, by its value: fixed-width bytes, or a length and that many
// bytes. Items before a requested row range are stepped over without copying.
// Pages of variable-width values or with repetition carry a repetition index
// (buffer 1): the byte offset in buffer 0 where each row starts, then the end,
// numRows + 1 little-endian integers of 1, 2, 4 or 8 bytes; a reader that has
// it fetches only the bytes of the rows it wants (fullZipByteSpan) and decodes
// them as a part of the page.

import { LanceError } from "../../core/errors.js";
import { CompressionScheme, type CompressiveEncoding, type FullZipLayout } from "../pb/encodings_v2_1_pb.js";
import { checkCount, corrupt, fixedBlock, type DataBlock, type DecodeContext } from "../encoding/data-block.js";
import { fsstDecodeInto, fsstDecompress, parseFsstSymbolTable } from "../encoding/fsst.js";
import { MAX_VARIABLE_BYTES, VariableBuilder } from "../encoding/variable-builder.js";
import { decodeGeneralBuffer } from "../encoding/general.js";
import type { BufferPart, DecodedPage, RowRange } from "./page-v21.js";
import { layerModel, type Levels } from "./repdef.js";

/** A little-endian 4-byte unsigned integer. */
function u32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

function perValueDecoder(enc: CompressiveEncoding | undefined, ctx: DecodeContext): (bytes: Uint8Array) => Uint8Array {
  const c = enc?.compression;
  // a variable packed struct's item is its row's bytes, unpacked by the caller (blob v2 descriptors)
  if (!c || c.case === "variable" || c.case === "flat" || c.case === "variablePackedStruct") return (b) => b;
  if (c.case === "fsst") {
    const table = parseFsstSymbolTable(c.value.symbolTable, ctx.path, ctx.byteOffset);
    return (b) => {
      const out = fsstDecompress(table, Uint32Array.of(0, b.byteLength), b, ctx.path, ctx.byteOffset);
      return out.data.subarray(out.offsets[0]!, out.offsets[1]!);
    };
  }
  if (c.case === "general") {
    const scheme = c.value.compression?.scheme === CompressionScheme.COMPRESSION_ALGORITHM_LZ4 ? "lz4" : "zstd";
    const inner = perValueDecoder(c.value.values, ctx);
    return (b) => inner(decodeGeneralBuffer(b, scheme, ctx.path, ctx.byteOffset));
  }
  if (c.case === "fixedSizeList") return perValueDecoder(c.value.values, ctx);
  throw new LanceError("NOT_SUPPORTED", `full-zip value encoding ${c.case} is not supported by lancets`);
}

/** Appends one value, bytes [start, end) of the page data, decoded, to a builder. */
type ValueAppender = (data: Uint8Array, start: number, end: number, out: VariableBuilder) => void;

/**
 * For variable-width values: writes each straight into the page's builder
 * (FSST codes expanded in place, plain bytes copied once), where
 * perValueDecoder returns a new array per value.
 */
function valueAppender(enc: CompressiveEncoding | undefined, ctx: DecodeContext): ValueAppender {
  const c = enc?.compression;
  if (!c || c.case === "variable" || c.case === "flat" || c.case === "variablePackedStruct") return (data, start, end, out) => out.appendValue(data, start, end);
  if (c.case === "fsst") {
    const table = parseFsstSymbolTable(c.value.symbolTable, ctx.path, ctx.byteOffset);
    const bounds = new Uint32Array(2);
    return (data, start, end, out) => {
      bounds[0] = start;
      bounds[1] = end;
      fsstDecodeInto(table, bounds, data, 1, out, ctx.path, ctx.byteOffset);
    };
  }
  const decode = perValueDecoder(enc, ctx);
  return (data, start, end, out) => {
    const value = decode(data.subarray(start, end));
    out.appendValue(value, 0, value.byteLength);
  };
}

interface ZipCursor {
  at: number;
}

/** Bytes per entry of a full-zip repetition index of `byteLength` bytes over `numRows` rows. */
export function fullZipRepIndexWidth(byteLength: number, numRows: number, ctx: DecodeContext): number {
  const width = byteLength / (numRows + 1);
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) corrupt(ctx, `full-zip repetition index of ${byteLength} bytes for ${numRows} rows`);
  return width;
}

/**
 * The bytes of a full-zip page's data buffer (buffer 0) holding rows
 * [rows.start, rows.end), from its repetition index. `entries` holds index
 * entries from entry `firstEntry` on (the whole index, or a slice of it
 * covering entries rows.start and rows.end), each `width` bytes.
 */
export function fullZipByteSpan(entries: Uint8Array, width: number, firstEntry: number, rows: RowRange, dataBytes: number, ctx: DecodeContext): { start: number; end: number } {
  const entry = (k: number): number => {
    const at = (k - firstEntry) * width;
    if (k < firstEntry || at + width > entries.byteLength) corrupt(ctx, `full-zip repetition index entry ${k} is not among the ${entries.byteLength / width} read from entry ${firstEntry}`);
    if (width === 1) return entries[at]!;
    if (width === 2) return entries[at]! | (entries[at + 1]! << 8);
    if (width === 4) return u32(entries, at);
    return u32(entries, at) + u32(entries, at + 4) * 2 ** 32;
  };
  const start = entry(rows.start);
  const end = entry(rows.end);
  if (start > end || end > dataBytes) corrupt(ctx, `full-zip repetition index gives rows ${rows.start}-${rows.end} bytes ${start}-${end} of a ${dataBytes}-byte buffer`);
  return { start, end };
}

/**
 * Decodes a full-zip page: all rows, or rows [rows.start, rows.end). With
 * `part`, buffer 0 holds only the bytes of those rows (see fullZipByteSpan),
 * starting `part.offset` bytes into the page's data buffer.
 */
export function decodeFullZipPage(layout: FullZipLayout, buffers: Uint8Array[], numRows: number, ctx: DecodeContext, rows?: RowRange, part?: BufferPart): DecodedPage {
  const model = layerModel(layout.layers, ctx);
  const data = buffers[0];
  if (!data) corrupt(ctx, "full-zip page has no data buffer");
  const pageItems = checkCount(layout.numItems, ctx, "full-zip item count");
  checkCount(layout.numVisibleItems, ctx, "full-zip visible item count");
  if (layout.numVisibleItems > pageItems) corrupt(ctx, `full-zip page has ${layout.numVisibleItems} visible of ${pageItems} items`);
  const bitsRep = layout.bitsRep;
  const bitsDef = layout.bitsDef;
  // The items before a requested row range are stepped over without copying, and decoding
  // stops at its end, so a page whose values expand to gigabytes costs only the rows asked
  // for. Without repetition every item is a row; with it, control words say where rows start.
  const ranged = rows !== undefined && (bitsRep > 0 || pageItems === numRows);
  if (part && !ranged) corrupt(ctx, "full-zip page read in part without a row range");
  const rowStart = ranged ? Math.min(rows.start, numRows) : 0;
  const rowEnd = ranged ? Math.max(rowStart, Math.min(rows.end, numRows)) : numRows;
  let first = rowStart;
  let numItems = rowEnd - rowStart;
  if (!ranged) {
    first = 0;
    numItems = pageItems;
  } else if (part) {
    // the buffer holds exactly the entries of the rows asked for
    first = 0;
    if (bitsRep > 0) numItems = zipPartItems(layout, data, rowEnd - rowStart, model.maxVisibleDef, model.maxRep, ctx);
  } else if (bitsRep > 0) {
    const items = zipRowItems(layout, data, pageItems, rowStart, rowEnd, model.maxVisibleDef, model.maxRep, ctx);
    first = items.first;
    numItems = items.end - items.first;
  }
  const maxVisible = Math.min(layout.numVisibleItems, numItems);
  const cwBits = bitsRep + bitsDef;
  const cwBytes = cwBits === 0 ? 0 : cwBits <= 8 ? 1 : cwBits <= 16 ? 2 : 4;
  const rep = bitsRep > 0 ? new Uint16Array(numItems) : undefined;
  const def = bitsDef > 0 ? new Uint16Array(numItems) : undefined;
  const cur: ZipCursor = { at: 0 };
  let recording = first === 0;
  /** Reads entry i's control word, recording its levels; returns its def. */
  const readCw = (i: number): number => {
    if (cwBytes === 0) return 0;
    const at = cur.at;
    if (at + cwBytes > data.byteLength) corrupt(ctx, `full-zip entry ${i} passes the page data (${data.byteLength} bytes)`);
    const cw = cwBytes === 1 ? data[at]! : cwBytes === 2 ? data[at]! | (data[at + 1]! << 8) : u32(data, at);
    cur.at += cwBytes;
    const d = cw & ((1 << bitsDef) - 1);
    if (recording) {
      if (def) def[i] = d;
      if (rep) rep[i] = cw >>> bitsDef;
    }
    return d;
  };
  const levels: Levels = { numLevels: numItems, rep, def };
  const details = layout.details;
  const compression = layout.valueCompression?.compression;
  if (first > 0) {
    skipZipped(layout, data, cur, readCw, first, model.maxVisibleDef, ctx);
    recording = true;
  }
  let values: DataBlock;
  if (details.case === "bitsPerValue" && compression?.case === "fixedSizeList" && compression.value.hasValidity) {
    values = unzipFsl(layout, data, cur, readCw, model.maxVisibleDef, numItems, maxVisible, ctx);
  } else if (details.case === "bitsPerValue") {
    const decodeValue = perValueDecoder(layout.valueCompression, ctx);
    const width = details.value / 8;
    if (!Number.isInteger(width) || width <= 0) corrupt(ctx, `full-zip value width of ${details.value} bits`);
    const out = new Uint8Array(maxVisible * width);
    let v = 0;
    for (let i = 0; i < numItems; i++) {
      const d = readCw(i);
      if (d <= model.maxVisibleDef) {
        if (cur.at + width > data.byteLength) corrupt(ctx, `full-zip value ${v} passes the page data`);
        if (v >= maxVisible) corrupt(ctx, `full-zip page holds more than ${layout.numVisibleItems} visible values`);
        out.set(decodeValue(data.subarray(cur.at, cur.at + width)), v * width);
        cur.at += width;
        v++;
      }
    }
    values = fixedBlock(details.value, v, out.subarray(0, v * width));
    if (compression?.case === "fixedSizeList") {
      const dim = Number(compression.value.itemsPerValue);
      values = { kind: "fsl", dimension: dim, numValues: v, child: fixedBlock(details.value / dim, v * dim, out.subarray(0, v * width)) };
    }
  } else if (details.case === "bitsPerOffset") {
    const append = valueAppender(layout.valueCompression, ctx);
    const lenBytes = details.value / 8;
    if (lenBytes !== 4 && lenBytes !== 8) corrupt(ctx, `full-zip lengths of ${details.value} bits`);
    // the whole page's bytes bound its plain values; a few rows of a large page start small and grow
    const whole = first === 0 && numItems === pageItems;
    const out = new VariableBuilder(maxVisible, Math.min(data.byteLength, whole ? MAX_VARIABLE_BYTES : 1 << 20));
    for (let i = 0; i < numItems; i++) {
      const d = readCw(i);
      if (d > model.maxVisibleDef) continue;
      if (out.numValues >= maxVisible) corrupt(ctx, `full-zip page holds more than ${layout.numVisibleItems} visible values`);
      if (d !== 0) {
        out.appendEmpty();
        continue;
      }
      const at = cur.at;
      if (at + lenBytes > data.byteLength) corrupt(ctx, `full-zip length ${out.numValues} passes the page data`);
      const len = lenBytes === 4 ? u32(data, at) : u32(data, at) + u32(data, at + 4) * 2 ** 32;
      cur.at += lenBytes;
      if (cur.at + len > data.byteLength) corrupt(ctx, `full-zip value ${out.numValues} of ${len} bytes passes the page data (${data.byteLength} bytes)`);
      append(data, cur.at, cur.at + len, out);
      cur.at += len;
    }
    values = out.finish();
  } else {
    return corrupt(ctx, "full-zip page gives neither bits per value nor bits per offset");
  }
  if (ranged) return { numRows: rowEnd - rowStart, rowOffset: rowStart, levels, layers: layout.layers, model, values };
  return { numRows, levels, layers: layout.layers, model, values };
}

/**
 * Steps over the value bytes of one full-zip entry whose control word gave `def`: returns
 * the position after it. Visible entries hold a fixed-width value, or (when valid) a length
 * and that many bytes; null and invisible entries hold none.
 */
function zippedValueSkipper(layout: FullZipLayout, data: Uint8Array, maxVisibleDef: number, ctx: DecodeContext): (at: number, def: number, i: number) => number {
  const details = layout.details;
  const compression = layout.valueCompression?.compression;
  if (details.case === "bitsPerValue") {
    let width = details.value / 8;
    if (compression?.case === "fixedSizeList" && compression.value.hasValidity) {
      const inner = compression.value.values?.compression;
      const dim = Number(compression.value.itemsPerValue);
      const itemBits = inner?.case === "flat" ? Number(inner.value.bitsPerValue) : 0;
      width = ((dim + 7) >> 3) + (dim * itemBits) / 8;
    }
    if (!Number.isInteger(width) || width <= 0) corrupt(ctx, `full-zip value width of ${details.value} bits`);
    return (at, def) => {
      if (def > maxVisibleDef) return at;
      if (at + width > data.byteLength) corrupt(ctx, `full-zip entries pass the page data (${data.byteLength} bytes)`);
      return at + width;
    };
  }
  if (details.case === "bitsPerOffset") {
    const lenBytes = details.value / 8;
    if (lenBytes !== 4 && lenBytes !== 8) corrupt(ctx, `full-zip lengths of ${details.value} bits`);
    return (at, def, i) => {
      if (def !== 0) return at;
      if (at + lenBytes > data.byteLength) corrupt(ctx, `full-zip length of entry ${i} passes the page data`);
      const len = lenBytes === 4 ? u32(data, at) : u32(data, at) + u32(data, at + 4) * 2 ** 32;
      const next = at + lenBytes + len;
      if (next > data.byteLength) corrupt(ctx, `full-zip value of entry ${i} (${len} bytes) passes the page data (${data.byteLength} bytes)`);
      return next;
    };
  }
  return corrupt(ctx, "full-zip page gives neither bits per value nor bits per offset");
}

/** Steps the cursor over the first `count` items of a full-zip page without decoding their values. */
function skipZipped(layout: FullZipLayout, data: Uint8Array, cur: ZipCursor, readCw: (i: number) => number, count: number, maxVisibleDef: number, ctx: DecodeContext): void {
  const skip = zippedValueSkipper(layout, data, maxVisibleDef, ctx);
  for (let i = 0; i < count; i++) {
    const def = readCw(i); // advances the cursor past the control word first
    cur.at = skip(cur.at, def, i);
  }
}

/**
 * The entries of a full-zip page with repetition that hold rows [rowStart, rowEnd): from the
 * entry starting row rowStart to the one starting row rowEnd (or the page's end), found by
 * walking the control words and stepping over values without reading them.
 */
function zipRowItems(layout: FullZipLayout, data: Uint8Array, pageItems: number, rowStart: number, rowEnd: number, maxVisibleDef: number, maxRep: number, ctx: DecodeContext): { first: number; end: number } {
  const bitsDef = layout.bitsDef;
  const cwBits = layout.bitsRep + bitsDef;
  const cwBytes = cwBits <= 8 ? 1 : cwBits <= 16 ? 2 : 4;
  const skip = zippedValueSkipper(layout, data, maxVisibleDef, ctx);
  let first = pageItems;
  let row = -1;
  let at = 0;
  for (let i = 0; i < pageItems; i++) {
    if (at + cwBytes > data.byteLength) corrupt(ctx, `full-zip entry ${i} passes the page data (${data.byteLength} bytes)`);
    const cw = cwBytes === 1 ? data[at]! : cwBytes === 2 ? data[at]! | (data[at + 1]! << 8) : u32(data, at);
    at += cwBytes;
    if (cw >>> bitsDef >= maxRep) {
      row++;
      if (row === rowStart) first = i;
      if (row === rowEnd) return { first, end: i };
    } else if (row < 0) corrupt(ctx, "full-zip repetition levels do not start with a new row");
    at = skip(at, cw & ((1 << bitsDef) - 1), i);
  }
  return { first, end: pageItems };
}

/**
 * The number of entries in the bytes of `numRows` whole rows of a full-zip
 * page with repetition (a part read through the repetition index): the
 * entries must start a row, hold exactly that many rows and end at the
 * buffer's end.
 */
function zipPartItems(layout: FullZipLayout, data: Uint8Array, numRows: number, maxVisibleDef: number, maxRep: number, ctx: DecodeContext): number {
  const bitsDef = layout.bitsDef;
  const cwBits = layout.bitsRep + bitsDef;
  const cwBytes = cwBits <= 8 ? 1 : cwBits <= 16 ? 2 : 4;
  const skip = zippedValueSkipper(layout, data, maxVisibleDef, ctx);
  let rowsSeen = 0;
  let i = 0;
  for (let at = 0; at < data.byteLength; i++) {
    if (at + cwBytes > data.byteLength) corrupt(ctx, `full-zip entry ${i} of a row range passes its ${data.byteLength} bytes`);
    const cw = cwBytes === 1 ? data[at]! : cwBytes === 2 ? data[at]! | (data[at + 1]! << 8) : u32(data, at);
    at += cwBytes;
    if (cw >>> bitsDef >= maxRep) rowsSeen++;
    else if (i === 0) corrupt(ctx, "full-zip repetition index points inside a row");
    at = skip(at, cw & ((1 << bitsDef) - 1), i);
  }
  if (rowsSeen !== numRows) corrupt(ctx, `full-zip bytes of ${numRows} rows (by the repetition index) hold ${rowsSeen}`);
  return i;
}

/**
 * Full-zip fixed-size lists whose items can be null: each value is the item
 * validity bitmap (ceil(dim / 8) bytes) followed by the item values.
 */
function unzipFsl(layout: FullZipLayout, data: Uint8Array, cur: ZipCursor, readCw: (i: number) => number, maxVisibleDef: number, numItems: number, maxVisible: number, ctx: DecodeContext): DataBlock {
  const fsl = layout.valueCompression!.compression;
  if (fsl.case !== "fixedSizeList") return corrupt(ctx, "expected a fixed-size list");
  const dim = Number(fsl.value.itemsPerValue);
  const inner = fsl.value.values?.compression;
  if (inner?.case !== "flat") throw new LanceError("NOT_SUPPORTED", "nested fixed-size lists with item validity are not supported by lancets");
  const itemBits = Number(inner.value.bitsPerValue);
  const validityBytes = (dim + 7) >> 3;
  const valueBytes = (dim * itemBits) / 8;
  const width = validityBytes + valueBytes;
  const n = maxVisible;
  const out = new Uint8Array(n * valueBytes);
  const validity = new Uint8Array((n * dim + 7) >> 3);
  let v = 0;
  for (let i = 0; i < numItems; i++) {
    if (readCw(i) > maxVisibleDef) continue;
    const at = cur.at;
    if (at + width > data.byteLength) corrupt(ctx, `full-zip value ${v} passes the page data`);
    if (v >= n) corrupt(ctx, `full-zip page holds more than ${n} visible values`);
    for (let d = 0; d < dim; d++) {
      if ((data[at + (d >> 3)]! >> (d & 7)) & 1) {
        const bit = v * dim + d;
        validity[bit >> 3] = validity[bit >> 3]! | (1 << (bit & 7));
      }
    }
    out.set(data.subarray(at + validityBytes, at + width), v * valueBytes);
    cur.at += width;
    v++;
  }
  return { kind: "fsl", dimension: dim, numValues: v, child: fixedBlock(itemBits, v * dim, out.subarray(0, v * valueBytes)), itemValidity: validity };
}
