// List columns in Lance 2.1/2.2 files: one leaf column of items with
// repetition and definition levels (list-levels.ts), in the page layouts
// Lance's structural encoder writes for them:
// - mini-block: each chunk holds a power of two of items (the last any) and
//   the levels up to its last item (null and empty lists before an item
//   travel with it; those after the last item go to the last chunk). Chunk
//   header: u16 level count, u16 rep bytes, [u16 def bytes], value buffer
//   sizes; then rep, def and value buffers, each padded to 8 bytes. A
//   repetition index follows the page's buffers: per chunk two u64, the rows
//   that end in the chunk and the levels of a row it leaves unfinished.
// - full-zip, when an item is too large for a chunk: per level a control word
//   (rep << bitsDef | def) and, for a visible valid item, its value; the
//   repetition index holds the byte offset of each row's first level.
// - constant (Lance's "complex all-null"), when no item holds a value: raw
//   u16 rep and def levels only.
// A page whose chunks would pass the format's limits (u16 level counts and
// sizes, 32 KiB chunks in 2.1) is cut in two by rows.

import { create } from "@bufbuild/protobuf";
import type { Data } from "apache-arrow";
import { ByteWriter } from "../../core/bytes.js";
import { LanceError } from "../../core/errors.js";
import { ConstantLayoutSchema, FullZipLayoutSchema, MiniBlockLayoutSchema } from "../pb/encodings_v2_1_pb.js";
import { bitsFor, isUtf8, levelCodec, needsFullZip, pageLayout, writeChunkWord, writeMiniBlockChunk } from "./encode-v21.js";
import { PAGE_LAYOUT_TYPE_URL, type EncodedPage } from "./layout-writer.js";
import { leafValues, type LeafValues } from "./leaf-values.js";
import { listLevels, type ListLevels } from "./list-levels.js";
import { encodeMiniBlockValues, plainEncoding } from "./miniblock-values.js";

const U16_MAX = 0xffff;
/** A 2.1 chunk's size is a 12-bit count of 8-byte words. */
const MAX_CHUNK_BYTES_V21 = 32 * 1024;
/** A 2.2 chunk's size is a 28-bit count of 8-byte words. */
const MAX_CHUNK_BYTES_V22 = 2 ** 28 * 8;

/** Encodes rows of a top-level list column as one or more pages of its item column. */
export function encodeListPagesV21(name: string, data: Data, fileVersion: string): EncodedPage[] {
  const levels = listLevels(name, data);
  const page = encodeListPage(name, levels, fileVersion);
  if (page) return [page];
  const n = data.length;
  if (n <= 1) throw new LanceError("INTERNAL", `column "${name}": a single list row does not fit a page`);
  const half = Math.ceil(n / 2);
  return [...encodeListPagesV21(name, data.slice(0, half), fileVersion), ...encodeListPagesV21(name, data.slice(half, n - half), fileVersion)];
}

function encodeListPage(name: string, levels: ListLevels, fileVersion: string): EncodedPage | undefined {
  const numItems = levels.items.length;
  let validItems = 0;
  for (let i = 0; i < numItems; i++) validItems += levels.itemValid[i]!;
  if (validItems === 0) return allNullListPage(levels);
  const values = leafValues(`${name}.item`, levels.items, levels.itemValid);
  if (needsFullZip(values, numItems)) return fullZipListPage(values, levels);
  return miniBlockListPage(values, levels, fileVersion, isUtf8(levels.items.type)) ?? (levels.numRows === 1 ? fullZipListPage(values, levels) : undefined);
}

function u16Bytes(levels: Uint16Array): Uint8Array {
  return new Uint8Array(levels.buffer, levels.byteOffset, levels.byteLength).slice();
}

function allNullListPage(levels: ListLevels): EncodedPage {
  const encoding = pageLayout({ layout: { case: "constantLayout", value: create(ConstantLayoutSchema, { layers: levels.layers }) } });
  const buffers = [u16Bytes(levels.rep), levels.def ? u16Bytes(levels.def) : new Uint8Array(0)];
  return { buffers, numRows: levels.numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

/** Level positions [start, end) of each chunk, given the chunks' item counts. */
function chunkLevelRanges(levels: ListLevels, itemCounts: number[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const def = levels.def;
  let at = 0;
  itemCounts.forEach((count, c) => {
    const start = at;
    if (c === itemCounts.length - 1) at = levels.numLevels;
    else if (!def) at += count;
    else {
      let taken = 0;
      while (taken < count) {
        if (def[at]! <= levels.maxVisibleDef) taken++;
        at++;
      }
    }
    out.push({ start, end: at });
  });
  return out;
}

/** The repetition index: per chunk, rows ending in it and the levels of a row left unfinished (Lance's reckoning). */
function repetitionIndex(rep: Uint16Array, ranges: { start: number; end: number }[]): Uint8Array {
  const words: number[] = [];
  ranges.forEach(({ start, end }, c) => {
    const last = c === ranges.length - 1;
    let rows = 0;
    let lastStart = -1;
    for (let i = start; i < end; i++) {
      if (rep[i]! === 0) continue;
      if (i > start) rows++;
      lastStart = i;
    }
    const leftovers = last ? 0 : lastStart < 0 ? end - start : end - lastStart;
    if (c > 0 && end > start && rep[start]! > 0 && words[words.length - 1] !== 0) {
      // the row left unfinished by the chunk before ended with it
      words[words.length - 2]! += 1;
      words[words.length - 1] = 0;
    }
    if (last) rows++;
    words.push(rows, leftovers);
  });
  const w = new ByteWriter(words.length * 8);
  for (const v of words) w.u64(v);
  return w.finish();
}

function miniBlockListPage(values: LeafValues, levels: ListLevels, fileVersion: string, utf8: boolean): EncodedPage | undefined {
  const large = fileVersion !== "2.1";
  const numItems = levels.items.length;
  const compressed = encodeMiniBlockValues(values, numItems, { utf8, fileVersion });
  const chunks = compressed.chunks;
  const ranges = chunkLevelRanges(
    levels,
    chunks.map((c) => c.numValues),
  );
  const repCodec = levelCodec(levels.rep);
  const defCodec = levels.def ? levelCodec(levels.def) : undefined;
  const maxChunkBytes = large ? MAX_CHUNK_BYTES_V22 : MAX_CHUNK_BYTES_V21;
  const meta = new ByteWriter(chunks.length * 4);
  const data = new ByteWriter(1 << 16);
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    const { start, end } = ranges[c]!;
    const count = end - start;
    if (count > U16_MAX) return undefined;
    const rep = repCodec.encode(levels.rep.subarray(start, end));
    const def = defCodec && levels.def ? defCodec.encode(levels.def.subarray(start, end)) : undefined;
    if (rep.byteLength > U16_MAX || (def && def.byteLength > U16_MAX)) return undefined;
    if (!large && chunk.buffers.some((b) => b.byteLength > U16_MAX)) return undefined;
    const chunkBytes = writeMiniBlockChunk(data, count, def ? [rep, def] : [rep], chunk.buffers, large);
    if (chunkBytes > maxChunkBytes) return undefined;
    writeChunkWord(meta, chunkBytes, c === chunks.length - 1 ? 0 : Math.log2(chunk.numValues), large);
  }
  const encoding = pageLayout({
    layout: {
      case: "miniBlockLayout",
      value: create(MiniBlockLayoutSchema, {
        repCompression: repCodec.encoding,
        ...(defCodec ? { defCompression: defCodec.encoding } : {}),
        valueCompression: compressed.encoding,
        ...(compressed.dictionary ? { dictionary: compressed.dictionary.encoding, numDictionaryItems: BigInt(compressed.dictionary.numItems) } : {}),
        repetitionIndexDepth: 1,
        layers: levels.layers,
        numBuffers: BigInt(chunks[0]?.buffers.length ?? 1),
        numItems: BigInt(numItems),
        hasLargeChunk: large,
      }),
    },
  });
  const buffers = [meta.finish(), data.finish()];
  if (compressed.dictionary) buffers.push(compressed.dictionary.buffer);
  buffers.push(repetitionIndex(levels.rep, ranges));
  return { buffers, numRows: levels.numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}

function fullZipListPage(values: LeafValues, levels: ListLevels): EncodedPage {
  const bitsRep = 1;
  const bitsDef = bitsFor(levels.maxDefPresent);
  const cwBits = bitsRep + bitsDef;
  const cwBytes = cwBits <= 8 ? 1 : cwBits <= 16 ? 2 : 4;
  const w = new ByteWriter(1 << 16);
  const rowStarts = new Float64Array(levels.numRows + 1);
  let row = 0;
  let item = 0;
  for (let i = 0; i < levels.numLevels; i++) {
    const r = levels.rep[i]!;
    if (r > 0) rowStarts[row++] = w.length;
    const d = levels.def ? levels.def[i]! : 0;
    const cw = (r << bitsDef) | d;
    if (cwBytes === 1) w.u8(cw);
    else if (cwBytes === 2) w.u16(cw);
    else w.u32(cw);
    if (d > levels.maxVisibleDef) continue;
    if (values.kind === "variable") {
      if (d === 0) {
        const s = values.offsets[item]!;
        const e = values.offsets[item + 1]!;
        w.u32(e - s);
        w.bytes(values.data.subarray(s, e));
      }
    } else {
      const width = values.bitsPerValue / 8;
      w.bytes(values.data.subarray(item * width, (item + 1) * width));
    }
    item++;
  }
  rowStarts[levels.numRows] = w.length;
  const max = w.length;
  const width = max < 256 ? 1 : max < 65536 ? 2 : max < 2 ** 32 ? 4 : 8;
  const index = new ByteWriter((levels.numRows + 1) * width);
  for (const v of rowStarts) {
    if (width === 1) index.u8(v);
    else if (width === 2) index.u16(v);
    else if (width === 4) index.u32(v);
    else index.u64(v);
  }
  const encoding = pageLayout({
    layout: {
      case: "fullZipLayout",
      value: create(FullZipLayoutSchema, {
        bitsRep,
        bitsDef,
        details: values.kind === "variable" ? { case: "bitsPerOffset", value: 32 } : { case: "bitsPerValue", value: values.bitsPerValue },
        numItems: levels.numLevels,
        numVisibleItems: levels.items.length,
        valueCompression: plainEncoding(values.kind === "variable" ? { ...values, offsetBits: 32 } : values),
        layers: levels.layers,
      }),
    },
  });
  return { buffers: [w.finish(), index.finish()], numRows: levels.numRows, encoding, typeUrl: PAGE_LAYOUT_TYPE_URL };
}
