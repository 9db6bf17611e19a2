// Merging the partitions of a streamed FTS build into one partition, as
// Lance's builder merges its partitions (up to a target size) before it
// commits: a search then reads one token set, one documents file and one
// posting list per token instead of one of each per partition. The merged
// partition is what the one-partition build writes for the same documents:
//   tokens   the partitions' token sets merged in token byte order, ids in that order
//   docs     the partitions' documents one after the other (doc ids shifted)
//   invert   per token the partitions' postings one after the other (each
//            partition's doc ids shifted by the documents before it), in
//            blocks re-encoded with block maxima scored over all documents
// Posting files are read a window of rows at a time, so the merge holds the
// documents' row ids and lengths, the token sets, and one window per partition.

import { makeData, makeVector, Utf8, type Data } from "apache-arrow";
import { CorruptFileError, LanceError } from "../../core/errors.js";
import { GrowableArray } from "../../core/growable-array.js";
import type { DataFileReader } from "../../file/open-file-reader.js";
import { openFileReader } from "../../file/open-file-reader.js";
import { writeArrowFile } from "../../file/file-writer.js";
import { decodePostingBlocks } from "../../format/index/posting.js";
import type { IndexFile } from "../../format/table/types.js";
import type { ObjectStore } from "../../io/object-store.js";
import { tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import { PARTITION_FILE_VERSION, writePostingFile, type TokenPostings } from "./partition.js";

/** Postings a partition's posting file is read in, a window of rows at a time (at least one row). */
const WINDOW_POSTINGS = 1 << 18;

/** The most partitions one merge takes. */
export const MAX_MERGED_PARTITIONS = 32;
/** Bytes a merge holds per document (row id and length, with room to grow, and as read) and per byte of the token sets as read, for the build to decide whether it fits. */
export const MERGE_BYTES_PER_DOC = 2 * (8 + 4) + 8 + 4;
export const MERGE_BYTES_PER_TOKEN_FILE_BYTE = 4;
/** Bytes of one posting window as read (encoded blocks, a few bytes a posting; a token's list is decoded only while it is merged). */
export const MERGE_WINDOW_BYTES = WINDOW_POSTINGS * 4;

/** One partition as the merge reads it. */
interface Source {
  path: string;
  /** Token bytes and offsets, in the partition's token order. */
  tokenBytes: Uint8Array;
  tokenOffsets: Int32Array;
  /** Row of the posting file for each token, in token order. */
  tokenRows: Uint32Array;
  docOffset: number;
  invert: DataFileReader;
  postingField: number;
  lengths: Uint32Array;
}

function column(data: Map<number, Data>, reader: DataFileReader, name: string, path: string): Data {
  const field = reader.schema.fields.find((f) => f.parentId === -1 && f.name === name);
  const got = field && data.get(field.id);
  if (!got) throw new CorruptFileError(path, 0, `has no column ${name}`);
  return got;
}

async function readWhole(store: ObjectStore, path: string): Promise<{ reader: DataFileReader; data: Map<number, Data> }> {
  const reader = await openFileReader(store, path);
  return { reader, data: await reader.readFields(reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id)) };
}

/** Byte-wise order of token i of a and token j of b, shorter first on a common prefix. */
function compareTokens(a: Source, i: number, b: Source, j: number): number {
  const aStart = a.tokenOffsets[i]!;
  const aEnd = a.tokenOffsets[i + 1]!;
  const bStart = b.tokenOffsets[j]!;
  const bEnd = b.tokenOffsets[j + 1]!;
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    const d = a.tokenBytes[aStart + k]! - b.tokenBytes[bStart + k]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/**
 * Merges partitions `partitionIds` of the segment in `dir` (written by
 * PartitionBuilder, in document order) into partition `id`, and removes
 * theirs. Returns the merged partition's files.
 */
export async function mergePartitions(store: ObjectStore, dir: string, partitionIds: number[], id: number, pageBytes: number, onFile?: (path: string) => void): Promise<IndexFile[]> {
  const sources: Source[] = [];
  const rowIds = new GrowableArray(Float64Array);
  const docLengths = new GrowableArray(Uint32Array);
  let totalTokens = 0;
  for (const pid of partitionIds) {
    const tokensPath = `${dir}/part_${pid}_tokens.lance`;
    const tokens = await readWhole(store, tokensPath);
    const tokenData = column(tokens.data, tokens.reader, "_token", tokensPath);
    const tokenRows = Uint32Array.from(makeVector(column(tokens.data, tokens.reader, "_token_id", tokensPath)).toArray() as Uint32Array);
    const docsPath = `${dir}/part_${pid}_docs.lance`;
    const docs = await readWhole(store, docsPath);
    const docOffset = rowIds.length;
    for (const v of makeVector(column(docs.data, docs.reader, "_rowid", docsPath)).toArray() as BigUint64Array) rowIds.push(Number(v));
    for (const n of makeVector(column(docs.data, docs.reader, "_num_tokens", docsPath)).toArray() as Uint32Array) {
      docLengths.push(n);
      totalTokens += n;
    }
    const invertPath = `${dir}/part_${pid}_invert.lance`;
    const invert = await openFileReader(store, invertPath);
    const lengthField = invert.schema.fields.find((f) => f.parentId === -1 && f.name === "_length");
    const postingField = invert.schema.fields.find((f) => f.parentId === -1 && f.name === "_posting");
    if (!lengthField || !postingField) throw new CorruptFileError(invertPath, 0, "has no _posting or _length column");
    const lengths = Uint32Array.from(makeVector((await invert.readFields([lengthField.id])).get(lengthField.id)!).toArray() as Uint32Array);
    const offsets = tokenData.valueOffsets as Int32Array;
    const base = offsets[0]!;
    sources.push({
      path: invertPath,
      tokenBytes: (tokenData.values as Uint8Array).subarray(base, offsets[tokenData.length]!),
      tokenOffsets: offsets.subarray(0, tokenData.length + 1).map((o) => o - base),
      tokenRows,
      docOffset,
      invert,
      postingField: postingField.id,
      lengths,
    });
  }
  const numDocs = rowIds.length;

  if (sources.length > MAX_MERGED_PARTITIONS) throw new LanceError("INTERNAL", `a merge takes at most ${MAX_MERGED_PARTITIONS} partitions, got ${sources.length}`);
  // the merged token order: for each merged token, which partitions hold it (bit p for partition p)
  const mergedBytes = new GrowableArray(Uint8Array);
  const mergedOffsets = new GrowableArray(Int32Array);
  mergedOffsets.push(0);
  const holders = new GrowableArray(Uint32Array);
  const cursor = sources.map(() => 0);
  for (;;) {
    let least = -1;
    for (let p = 0; p < sources.length; p++) {
      if (cursor[p]! >= sources[p]!.tokenRows.length) continue;
      if (least < 0 || compareTokens(sources[p]!, cursor[p]!, sources[least]!, cursor[least]!) < 0) least = p;
    }
    if (least < 0) break;
    const s = sources[least]!;
    const at = cursor[least]!;
    mergedBytes.append(s.tokenBytes.subarray(s.tokenOffsets[at]!, s.tokenOffsets[at + 1]!));
    mergedOffsets.push(mergedBytes.length);
    let holding = 0;
    for (let p = 0; p < sources.length; p++) {
      if (cursor[p]! < sources[p]!.tokenRows.length && (p === least || compareTokens(sources[p]!, cursor[p]!, s, at) === 0)) holding |= 1 << p;
    }
    holders.push(holding >>> 0);
    for (let p = 0; p < sources.length; p++) if (holding & (1 << p)) cursor[p]!++;
  }
  const numTokens = holders.length;

  // each partition's posting rows, a window at a time, in its token order
  const windows = sources.map(() => ({ start: 0, end: 0, lists: undefined as ReturnType<typeof makeVector> | undefined }));
  const order = cursor.fill(0);
  const rowPostings = async (p: number, row: number): Promise<TokenPostings> => {
    const s = sources[p]!;
    const w = windows[p]!;
    if (row < w.start || row >= w.end) {
      let end = row + 1;
      let postings = s.lengths[row] ?? 0;
      while (end < s.lengths.length && postings + s.lengths[end]! <= WINDOW_POSTINGS) postings += s.lengths[end++]!;
      w.lists = undefined;
      w.lists = makeVector((await s.invert.readFields([s.postingField], { start: row, end })).get(s.postingField)!);
      w.start = row;
      w.end = end;
    }
    const blocks = w.lists!.get(row - w.start) as Iterable<Uint8Array> | null;
    const decoded = decodePostingBlocks(blocks ? [...blocks] : [], s.lengths[row]!, s.path);
    return { docs: decoded.docIds, freqs: decoded.freqs };
  };
  const postingsOf = async (tid: number): Promise<TokenPostings> => {
    const parts: TokenPostings[] = [];
    const holding = holders.get(tid);
    for (let p = 0; p < sources.length; p++) {
      if (!(holding & (1 << p))) continue;
      const s = sources[p]!;
      const row = s.tokenRows[order[p]!++]!;
      if (row >= s.lengths.length) throw new CorruptFileError(s.path, 0, `has no posting list for token id ${row} (${s.lengths.length} tokens)`);
      const got = await rowPostings(p, row);
      if (s.docOffset > 0) for (let k = 0; k < got.docs.length; k++) got.docs[k]! += s.docOffset;
      parts.push(got);
    }
    if (parts.length === 1) return parts[0]!;
    let n = 0;
    for (const part of parts) n += part.docs.length;
    const docs = new Uint32Array(n);
    const freqs = new Uint32Array(n);
    let at = 0;
    for (const part of parts) {
      docs.set(part.docs, at);
      freqs.set(part.freqs, at);
      at += part.docs.length;
    }
    return { docs, freqs };
  };

  const names = { tokens: `part_${id}_tokens.lance`, invert: `part_${id}_invert.lance`, docs: `part_${id}_docs.lance` };
  const put = async (name: string, table: Parameters<typeof writeArrowFile>[2]): Promise<IndexFile> => {
    onFile?.(`${dir}/${name}`);
    return { path: name, sizeBytes: await writeArrowFile(store, `${dir}/${name}`, table, { fileVersion: PARTITION_FILE_VERSION }) };
  };
  const tokenIds = new Uint32Array(numTokens);
  for (let t = 0; t < numTokens; t++) tokenIds[t] = t;
  const tokensFile = await put(
    names.tokens,
    tableOf([
      { name: "_token", data: makeData({ type: new Utf8(), length: numTokens, nullCount: 0, valueOffsets: mergedOffsets.view(), data: mergedBytes.view() }), nullable: false },
      { name: "_token_id", data: uint32Data(tokenIds), nullable: false },
    ]),
  );
  onFile?.(`${dir}/${names.invert}`);
  const invertBytes = await writePostingFile(store, `${dir}/${names.invert}`, numTokens, postingsOf, {
    numDocs,
    avgdl: numDocs === 0 ? 0 : totalTokens / numDocs,
    docLengths: docLengths.view(),
    pageBytes,
  });
  const docsFile = await put(
    names.docs,
    tableOf(
      [
        { name: "_rowid", data: uint64Data(rowIds.view()), nullable: false },
        { name: "_num_tokens", data: uint32Data(docLengths.view()), nullable: false },
      ],
      { total_tokens: String(totalTokens) },
    ),
  );
  for (const pid of partitionIds) {
    for (const kind of ["tokens", "invert", "docs"]) await store.delete(`${dir}/part_${pid}_${kind}.lance`);
  }
  return [docsFile, { path: names.invert, sizeBytes: invertBytes }, tokensFile];
}
