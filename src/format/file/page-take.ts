// Selected rows of a Lance 2.1/2.2 page without repetition (every level is a
// row and every row has a value slot): a mini-block page decodes only the
// chunks holding a selected row, and of each only the selected values
// (compressive-take.ts) and their definition levels; dictionary indices are
// looked up only for the selected rows. Other layouts decode the rows from the
// first to the last selected one and keep the selected (takeDecodedRows).
//
// Mini-block chunk, as page-v21.ts reads it (every part padded to 8 bytes):
//   u16 levels | [u16 rep bytes] | [u16 def bytes] | per value buffer: u16 or u32 size
//   | rep levels | def levels | value buffers

import { LanceError } from "../../core/errors.js";
import type { MiniBlockLayout } from "../pb/encodings_v2_1_pb.js";
import { decodeBlock } from "../encoding/compressive.js";
import { takeLevels, takeMiniBlockValues } from "../encoding/compressive-take.js";
import { blockToU32, checkCount, concatBlocks, corrupt, fixedBlock, takeFromBlock, type DataBlock, type DecodeContext } from "../encoding/data-block.js";
import { decodePageLayout, parseMiniBlockChunks, type DecodedPage, type MiniBlockChunk, type MiniBlockValueCodec } from "./page-v21.js";
import { layerModel, type Levels } from "./repdef.js";

export type { MiniBlockChunk };

function u(data: Uint8Array, at: number, bytes: 2 | 4): number {
  return bytes === 2 ? data[at]! | (data[at + 1]! << 8) : (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** The mini-block layout of a page layout (lance.encodings21.PageLayout bytes) without repetition, if it is one. */
function flatMiniBlock(layoutBytes: Uint8Array, ctx: DecodeContext): MiniBlockLayout | undefined {
  let known = flatLayouts.get(layoutBytes);
  if (known === undefined) {
    const layout = decodePageLayout(layoutBytes, ctx).layout;
    known = layout.case === "miniBlockLayout" && layout.value.repCompression === undefined ? layout.value : null;
    flatLayouts.set(layoutBytes, known);
  }
  return known ?? undefined;
}

/** Decoded layouts by the bytes they came from (a reader keeps a page's layout bytes), null when not a flat mini-block page. */
const flatLayouts = new WeakMap<Uint8Array, MiniBlockLayout | null>();
/** Decoded dictionaries by the buffer they came from (a reader keeps a page's dictionary buffer). */
const dictionaries = new WeakMap<Uint8Array, DataBlock>();

/** Whether rows of a page can be taken by takeMiniBlockRows: a mini-block page without repetition. */
export function isFlatMiniBlock(layoutBytes: Uint8Array, ctx: DecodeContext): boolean {
  return flatMiniBlock(layoutBytes, ctx) !== undefined;
}

/** The chunks of a mini-block page from its chunk metadata (buffer 0), checked against the page's item count. */
export function miniBlockChunks(layoutBytes: Uint8Array, meta: Uint8Array, fileVersion: string, valueBufferBytes: number, ctx: DecodeContext): MiniBlockChunk[] {
  const layout = flatMiniBlock(layoutBytes, ctx);
  if (!layout) throw new LanceError("INTERNAL", `${ctx.path}: chunks asked of a page that is not a mini-block page without repetition`);
  return parseMiniBlockChunks(meta, fileVersion, checkCount(layout.numItems, ctx, "mini-block item count"), valueBufferBytes, ctx);
}

/** Index of the first chunk whose values end after `row` (chunks are in value order). */
export function chunkOfRow(chunks: readonly MiniBlockChunk[], row: number, from = 0): number {
  let lo = from;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = chunks[mid]!;
    if (c.firstValue + c.numValues <= row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows `rows` (sorted, distinct, page-relative) of a mini-block page without
 * repetition. `chunkBytes(c)` gives chunk c's bytes (only chunks holding a
 * selected row are asked for); `dictionaryBuffer` is the page's buffer 2,
 * if it has a dictionary.
 */
export function takeMiniBlockRows(
  layoutBytes: Uint8Array,
  chunks: readonly MiniBlockChunk[],
  chunkBytes: (c: number) => Uint8Array,
  dictionaryBuffer: Uint8Array | undefined,
  fileVersion: string,
  rows: Uint32Array,
  ctx: DecodeContext,
  valueCodec?: MiniBlockValueCodec,
): DecodedPage {
  const layout = flatMiniBlock(layoutBytes, ctx);
  if (!layout) throw new LanceError("INTERNAL", `${ctx.path}: rows of a page that is not a mini-block page without repetition cannot be taken one by one`);
  let dictionary: DataBlock | undefined;
  if (layout.dictionary) {
    if (!dictionaryBuffer) corrupt(ctx, "mini-block page has a dictionary encoding but no dictionary buffer");
    dictionary = dictionaries.get(dictionaryBuffer);
    if (!dictionary) {
      dictionary = decodeBlock(layout.dictionary, dictionaryBuffer, checkCount(layout.numDictionaryItems, ctx, "dictionary size"), ctx);
      dictionaries.set(dictionaryBuffer, dictionary);
    }
  }
  const model = layerModel(layout.layers, ctx);
  const valueEnc = layout.valueCompression;
  if (!valueEnc) corrupt(ctx, "mini-block page has no value encoding");
  const wordBytes = fileVersion !== "2.1" ? 4 : 2;
  const numBuffers = Number(layout.numBuffers);
  if (numBuffers > 16) corrupt(ctx, `mini-block chunks claim ${numBuffers} value buffers`);
  const hasDef = layout.defCompression !== undefined;
  const def = hasDef ? new Uint16Array(rows.length) : undefined;
  const parts: DataBlock[] = [];
  let k = 0;
  let c = 0;
  while (k < rows.length) {
    c = chunkOfRow(chunks, rows[k]!, c);
    const chunk = chunks[c];
    if (!chunk) corrupt(ctx, `row ${rows[k]} is past the page's ${chunks.length > 0 ? chunks[chunks.length - 1]!.firstValue + chunks[chunks.length - 1]!.numValues : 0} rows`);
    let last = k;
    const end = chunk.firstValue + chunk.numValues;
    while (last < rows.length && rows[last]! < end) last++;
    const local = new Uint32Array(last - k);
    for (let i = k; i < last; i++) local[i - k] = rows[i]! - chunk.firstValue;
    const bytes = chunkBytes(c);
    if (bytes.byteLength !== chunk.byteLength) throw new LanceError("INTERNAL", `mini-block chunk ${c} of ${ctx.path} was not fetched whole`);
    const cctx = { path: ctx.path, byteOffset: ctx.byteOffset + chunk.byteStart };
    const headerBytes = 2 + (hasDef ? 2 : 0) + numBuffers * wordBytes;
    if (headerBytes > bytes.byteLength) corrupt(cctx, `mini-block chunk header passes the chunk (${bytes.byteLength} bytes)`);
    const chunkLevels = u(bytes, 0, 2);
    const defBytes = hasDef ? u(bytes, 2, 2) : 0;
    let at = pad8(headerBytes);
    if (hasDef) {
      if (chunkLevels !== chunk.numValues) corrupt(cctx, `mini-block chunk ${c} has ${chunkLevels} levels for ${chunk.numValues} values in a column without repetition`);
      if (at + defBytes > bytes.byteLength) corrupt(cctx, `mini-block chunk definition levels of ${defBytes} bytes at ${at} pass the chunk (${bytes.byteLength} bytes)`);
      def!.set(takeLevels(layout.defCompression!, bytes.subarray(at, at + defBytes), chunkLevels, local, cctx), k);
      at = pad8(at + defBytes);
    }
    const valueBuffers: Uint8Array[] = [];
    for (let b = 0; b < numBuffers; b++) {
      const size = u(bytes, 2 + (hasDef ? 2 : 0) + b * wordBytes, wordBytes);
      if (at + size > bytes.byteLength) corrupt(cctx, `mini-block chunk part of ${size} bytes at ${at} passes the chunk (${bytes.byteLength} bytes)`);
      valueBuffers.push(bytes.subarray(at, at + size));
      at = pad8(at + size);
    }
    parts.push(valueCodec ? takeFromBlock(valueCodec(valueBuffers, chunk.numValues, cctx), local, cctx) : takeMiniBlockValues(valueEnc, valueBuffers, chunk.numValues, local, cctx));
    k = last;
  }
  const levels: Levels = { numLevels: rows.length, rep: undefined, def };
  // dictionary indices are looked up once for the page
  let values = parts.length > 0 ? concatBlocks(parts, ctx) : fixedBlock(dictionary ? 32 : 8, 0, new Uint8Array(0));
  if (dictionary) values = takeFromBlock(dictionary, blockToU32(values, ctx), ctx);
  return { numRows: rows.length, levels, layers: layout.layers, model, values };
}

/**
 * Rows `rows` (relative to the page's first decoded row) of a page decoded
 * without repetition: the selected levels and their values.
 */
export function takeDecodedRows(page: DecodedPage, rows: Uint32Array, ctx: DecodeContext): DecodedPage {
  if (page.levels.rep) throw new LanceError("INTERNAL", `${ctx.path}: rows of a page with repetition cannot be taken one by one`);
  for (let i = 0; i < rows.length; i++) if (rows[i]! >= page.levels.numLevels) corrupt(ctx, `row ${rows[i]} is past the ${page.levels.numLevels} decoded`);
  let values = takeFromBlock(page.values, rows, ctx);
  if (page.dictionary) values = takeFromBlock(page.dictionary, blockToU32(values, ctx), ctx);
  const def = page.levels.def;
  const picked = def ? new Uint16Array(rows.length) : undefined;
  if (def) for (let i = 0; i < rows.length; i++) picked![i] = def[rows[i]!]!;
  return { numRows: rows.length, levels: { numLevels: rows.length, rep: undefined, def: picked }, layers: page.layers, model: page.model, values };
}
