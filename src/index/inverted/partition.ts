// One partition of an INVERTED / FTS segment (Lance's part_N_* files):
// documents are added batch by batch, then the partition's token set, posting
// lists and documents are written. Doc ids are local to the partition; BM25
// block maxima use the partition's own statistics, as Lance's builder does
// (they only prune each partition's search, which Lance then rescores with
// the statistics of all partitions together).
//   part_N_tokens.lance   _token Utf8, _token_id UInt32 -- sorted by token bytes
//   part_N_invert.lance   _posting List<LargeBinary>, _max_score Float32, _length UInt32
//                         -- row i = token id i; all three files version 2.2
//   part_N_docs.lance     _rowid UInt64, _num_tokens UInt32 -- row i = doc id i

import { Field, Float32, LargeBinary, List, makeData, Schema, Uint32, Utf8, type Data } from "apache-arrow";
import { GrowableArray } from "../../core/growable-array.js";
import { ShardedMap } from "../../core/sharded-map.js";
import { PagedFileWriter, writeArrowFile } from "../../file/file-writer.js";
import { encodePostingBlocks, POSTING_BLOCK_SIZE } from "../../format/index/posting.js";
import type { ObjectStore } from "../../io/object-store.js";
import type { IndexFile } from "../../format/table/types.js";
import { tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import { valueAccess } from "../value-order.js";
import { bm25Idf, bm25TermWeight } from "./bm25.js";
import type { Tokenizer } from "./tokenizer.js";
import { POSTING_CHUNK, PostingBuffer } from "./posting-buffer.js";
import { WordTable } from "./word-table.js";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** 1 for the bytes of ASCII letters and digits. */
const ALPHANUMERIC = Uint8Array.from({ length: 256 }, (_, b) => ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ? 1 : 0));

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Byte-wise order of two byte ranges of `bytes`, shorter first on a common prefix. */
function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = bytes[aStart + i]! - bytes[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

function textOf(data: Data): (i: number) => string {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const decoder = new TextDecoder();
  return (i) => decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)));
}

/**
 * The file version of part_N_tokens, _invert and _docs.lance: 2.2, as Lance 12
 * and 14 write index files (compressed, and with repetition indexes).
 */
export const PARTITION_FILE_VERSION = "2.2";

/** Estimated bytes of a token's vocabulary entry: a string and a Map entry (the arrays are counted as allocated). */
const TOKEN_ENTRY_BYTES = 80;
/** Bytes the write adds per posting: the postings again, grouped by token (doc id and frequency). */
const WRITE_BYTES_PER_POSTING = 8;
/** Encoded posting blocks held before they are written as a page of part_N_invert.lance (by default). */
export const INVERT_PAGE_BYTES = 4 * 1024 * 1024;

export interface PartitionOptions {
  /** Postings per chunk of the posting buffer (postingChunkFor the partition's bytes). */
  postingChunk?: number;
  /** Encoded posting blocks a page of part_N_invert.lance holds (about; a token's list is not cut). */
  invertPageBytes?: number;
}

export class PartitionBuilder {
  // Everything sized by rows, postings or the vocabulary lives in typed arrays
  // and a sharded map: a large partition has more documents, and may have more
  // distinct tokens, than JS arrays and Maps hold.
  private readonly docRowIds = new GrowableArray(Float64Array);
  private readonly docLengths = new GrowableArray(Uint32Array);
  private vocabulary = new ShardedMap<string, number>(); // token -> id in order of first use
  private readonly tokenBytes = new GrowableArray(Uint8Array);
  private readonly tokenStarts = new GrowableArray(Float64Array);
  // postings as (token, doc, count) in document order
  private readonly postings: PostingBuffer;
  // per token id: the documents it occurs in, the last one and its count there
  private readonly tokenDocs = new GrowableArray(Uint32Array);
  private readonly lastDoc = new GrowableArray(Int32Array);
  private readonly docCount = new GrowableArray(Uint32Array);
  // the current document's distinct token ids
  private readonly docTokens: number[] = [];
  private distinct = 0;
  // ASCII words seen -> token id, or -1 for a word the tokenizer drops
  private words = new WordTable();

  private readonly invertPageBytes: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: PartitionOptions = {},
  ) {
    this.postings = new PostingBuffer(options.postingChunk ?? POSTING_CHUNK);
    this.invertPageBytes = options.invertPageBytes ?? INVERT_PAGE_BYTES;
    this.tokenStarts.push(0);
  }

  get numDocs(): number {
    return this.docRowIds.length;
  }

  /**
   * Bytes the partition allocates, up to the end of its write: the arrays as
   * allocated (with their room to grow), the postings' chunks and their
   * grouped copy the write makes, an estimate of the vocabulary's strings and
   * Map entries, and the ASCII word table.
   */
  get bytes(): number {
    const numTokens = this.tokenStarts.length - 1;
    return (
      this.docRowIds.byteCapacity +
      this.docLengths.byteCapacity +
      this.postings.bytes +
      this.postings.length * WRITE_BYTES_PER_POSTING +
      numTokens * TOKEN_ENTRY_BYTES +
      this.tokenBytes.byteCapacity +
      this.tokenStarts.byteCapacity +
      this.tokenDocs.byteCapacity +
      this.lastDoc.byteCapacity +
      this.docCount.byteCapacity +
      this.words.bytes
    );
  }

  /** Adds the documents of rows [start, end) of `values`; stops early once `stopAtBytes` is reached, returning the row it stopped before. */
  addDocs(values: Data, rowIds: Float64Array, start = 0, end = rowIds.length, stopAtBytes = Infinity): number {
    const access = valueAccess(values);
    const text = textOf(values);
    const offsets = values.valueOffsets as Int32Array | BigInt64Array;
    // ASCII documents are split in place when the base tokenizer splits them on runs of letters and digits
    const inPlace = this.tokenizer.splitsAsciiAlphanumeric && offsets instanceof Int32Array;
    const bytes = values.values as Uint8Array;
    for (let i = start; i < end; i++) {
      if (access.isNull(i)) continue;
      const doc = this.docRowIds.length;
      this.distinct = 0;
      let numTokens = 0;
      if (inPlace && isAscii(bytes, offsets[i]!, offsets[i + 1]!)) numTokens = this.addAsciiWords(bytes, offsets[i]!, offsets[i + 1]!, doc);
      else {
        for (const t of this.tokenizer.tokenize(text(i))) {
          this.count(this.idOf(t), doc);
          numTokens++;
        }
      }
      // Lance indexes only documents that produce tokens (and no token was counted for this one)
      if (numTokens === 0) continue;
      this.docRowIds.push(rowIds[i]!);
      this.docLengths.push(numTokens);
      for (let k = 0; k < this.distinct; k++) {
        const id = this.docTokens[k]!;
        this.postings.push(id, doc, this.docCount.get(id));
        this.tokenDocs.set(id, this.tokenDocs.get(id) + 1);
      }
      if (this.bytes >= stopAtBytes) return i + 1;
    }
    return end;
  }

  /** Counts the tokens of the ASCII words of bytes[start, end) for `doc`; returns how many. */
  private addAsciiWords(bytes: Uint8Array, start: number, end: number, doc: number): number {
    let numTokens = 0;
    for (let j = start; j < end; ) {
      while (j < end && ALPHANUMERIC[bytes[j]!] === 0) j++;
      if (j === end) break;
      const from = j;
      // FNV-1a, as hashBytes, over the word while it is scanned
      let h = 0x811c9dc5;
      while (j < end && ALPHANUMERIC[bytes[j]!] === 1) h = Math.imul(h ^ bytes[j++]!, 0x01000193);
      h >>>= 0;
      let id = this.words.get(bytes, from, j, h);
      if (id === undefined) {
        const token = this.tokenizer.tokenOfWord(latin1.decode(bytes.subarray(from, j)));
        id = token === null ? -1 : this.idOf(token);
        this.words.add(bytes, from, j, h, id);
      }
      if (id < 0) continue;
      this.count(id, doc);
      numTokens++;
    }
    return numTokens;
  }

  /** The partition's id of `token`, given on first use. */
  private idOf(token: string): number {
    let id = this.vocabulary.get(token);
    if (id === undefined) {
      id = this.tokenStarts.length - 1;
      this.vocabulary.set(token, id);
      this.tokenBytes.append(encoder.encode(token));
      this.tokenStarts.push(this.tokenBytes.length);
      this.tokenDocs.push(0);
      this.lastDoc.push(-1);
      this.docCount.push(0);
    }
    return id;
  }

  /** One occurrence of token `id` in `doc`; the document's distinct tokens are kept in order of first occurrence. */
  private count(id: number, doc: number): void {
    if (this.lastDoc.get(id) !== doc) {
      this.lastDoc.set(id, doc);
      this.docCount.set(id, 1);
      this.docTokens[this.distinct++] = id;
    } else this.docCount.set(id, this.docCount.get(id) + 1);
  }

  /**
   * Writes part_{id}_tokens, _invert and _docs; returns the files. The
   * postings are grouped by token as their chunks are released, and the
   * posting file is written a page of blocks at a time.
   */
  async write(store: ObjectStore, dir: string, id: number, onFile?: (path: string) => void): Promise<IndexFile[]> {
    const numDocs = this.docRowIds.length;
    const lengthOf = this.docLengths.view();
    let totalTokens = 0;
    for (let d = 0; d < numDocs; d++) totalTokens += lengthOf[d]!;
    const avgdl = numDocs === 0 ? 0 : totalTokens / numDocs;
    const numTokens = this.tokenStarts.length - 1;
    // only the token bytes are needed from here
    this.vocabulary = new ShardedMap<string, number>();
    this.words = new WordTable();

    // each token's postings together, still in document order (a counting sort by token)
    const numPostings = this.postings.length;
    const firstPosting = new Float64Array(numTokens + 1);
    const dfOf = this.tokenDocs.view();
    for (let t = 0; t < numTokens; t++) firstPosting[t + 1] = firstPosting[t]! + dfOf[t]!;
    const fill = firstPosting.slice(0, numTokens);
    const docs = new Uint32Array(numPostings);
    const freqs = new Uint32Array(numPostings);
    this.postings.drain((tokenOf, docOf, countOf, count) => {
      for (let k = 0; k < count; k++) {
        const at = fill[tokenOf[k]!]!++;
        docs[at] = docOf[k]!;
        freqs[at] = countOf[k]!;
      }
    });

    // token ids in the order of the token set: sorted by token bytes
    const bytes = this.tokenBytes.view();
    const starts = this.tokenStarts.view();
    const order = new Int32Array(numTokens);
    for (let t = 0; t < numTokens; t++) order[t] = t;
    order.sort((a, b) => compareBytes(bytes, starts[a]!, starts[a + 1]!, starts[b]!, starts[b + 1]!));

    const names = { tokens: `part_${id}_tokens.lance`, invert: `part_${id}_invert.lance`, docs: `part_${id}_docs.lance` };
    const put = async (name: string, table: Parameters<typeof writeArrowFile>[2], fileVersion?: string): Promise<IndexFile> => {
      onFile?.(`${dir}/${name}`);
      return { path: name, sizeBytes: await writeArrowFile(store, `${dir}/${name}`, table, fileVersion ? { fileVersion } : {}) };
    };

    // token set, sorted by token bytes, ids in that order
    const tokenOffsets = new Int32Array(numTokens + 1);
    for (let tid = 0; tid < numTokens; tid++) tokenOffsets[tid + 1] = tokenOffsets[tid]! + (starts[order[tid]! + 1]! - starts[order[tid]!]!);
    const tokenData = new Uint8Array(tokenOffsets[numTokens]!);
    for (let tid = 0; tid < numTokens; tid++) tokenData.set(bytes.subarray(starts[order[tid]!]!, starts[order[tid]! + 1]!), tokenOffsets[tid]!);
    const tokenIds = new Uint32Array(numTokens);
    for (let tid = 0; tid < numTokens; tid++) tokenIds[tid] = tid;
    const tokensFile = await put(
      names.tokens,
      tableOf([
        { name: "_token", data: makeData({ type: new Utf8(), length: numTokens, nullCount: 0, valueOffsets: tokenOffsets, data: tokenData }), nullable: false },
        { name: "_token_id", data: uint32Data(tokenIds), nullable: false },
      ]),
      PARTITION_FILE_VERSION,
    );

    // posting blocks of every token in token-set order, a page at a time
    onFile?.(`${dir}/${names.invert}`);
    const invertBytes = await writePostingFile(store, `${dir}/${names.invert}`, numTokens, (tid) => {
      const t = order[tid]!;
      const from = firstPosting[t]!;
      const to = firstPosting[t + 1]!;
      return { docs: docs.subarray(from, to), freqs: freqs.subarray(from, to) };
    }, { numDocs, avgdl, docLengths: lengthOf, pageBytes: this.invertPageBytes });
    const invertFile: IndexFile = { path: names.invert, sizeBytes: invertBytes };

    const docsFile = await put(
      names.docs,
      tableOf(
        [
          { name: "_rowid", data: uint64Data(this.docRowIds.view()), nullable: false },
          { name: "_num_tokens", data: uint32Data(lengthOf), nullable: false },
        ],
        { total_tokens: String(totalTokens) },
      ),
      PARTITION_FILE_VERSION,
    );
    return [docsFile, invertFile, tokensFile];
  }
}

/** The documents' statistics block maxima are scored with, and the page size of the posting file. */
export interface PostingFileOptions {
  numDocs: number;
  avgdl: number;
  /** Token count of each document, by doc id. */
  docLengths: Uint32Array;
  /** Encoded posting blocks a page holds (about; a token's list is not cut). */
  pageBytes: number;
}

/** A token's postings: doc ids ascending, and the token's count in each. */
export interface TokenPostings {
  docs: Uint32Array;
  freqs: Uint32Array;
}

/**
 * Writes part_N_invert.lance: token `tid`'s posting blocks in row `tid`, with
 * its BM25 block maxima, greatest block maximum and document frequency, a page
 * of blocks at a time; the posting column's 2.2 pages carry a repetition
 * index, so a search fetches only its tokens' rows. Returns the file's size.
 */
export async function writePostingFile(
  store: ObjectStore,
  path: string,
  numTokens: number,
  postingsOf: (tid: number) => TokenPostings | Promise<TokenPostings>,
  options: PostingFileOptions,
): Promise<number> {
  const { numDocs, avgdl, docLengths: lengthOf, pageBytes } = options;
  const itemField = new Field("item", new LargeBinary(), true);
  const invertSchema = new Schema([new Field("_posting", new List(itemField), false), new Field("_max_score", new Float32(), false), new Field("_length", new Uint32(), false)]);
  const invert = await PagedFileWriter.open(store, path, invertSchema, { fileVersion: PARTITION_FILE_VERSION });
  try {
    const maxScores = new Float32Array(numTokens);
    const lengths = new Uint32Array(numTokens);
    const blockData = new GrowableArray(Uint8Array, Math.min(pageBytes, 1 << 20));
    const blockEnds = new GrowableArray(Float64Array);
    const listOffsets = new GrowableArray(Int32Array);
    let pageStart = 0;
    const addPage = async (pageEnd: number): Promise<void> => {
      const ends = blockEnds.view();
      const blockOffsets = new BigInt64Array(ends.length + 1);
      for (let b = 0; b < ends.length; b++) blockOffsets[b + 1] = BigInt(ends[b]!);
      const blocksData = makeData({ type: new LargeBinary(), length: ends.length, nullCount: 0, valueOffsets: blockOffsets, data: blockData.view() });
      const offsets = new Int32Array(pageEnd - pageStart + 1);
      offsets.set(listOffsets.view().subarray(0, pageEnd - pageStart), 1);
      await invert.addPage([
        makeData({ type: new List(itemField), length: pageEnd - pageStart, nullCount: 0, valueOffsets: offsets, child: blocksData }),
        makeData({ type: new Float32(), length: pageEnd - pageStart, nullCount: 0, data: maxScores.subarray(pageStart, pageEnd) }),
        makeData({ type: new Uint32(), length: pageEnd - pageStart, nullCount: 0, data: lengths.subarray(pageStart, pageEnd) }),
      ]);
      blockData.length = 0;
      blockEnds.length = 0;
      listOffsets.length = 0;
      pageStart = pageEnd;
    };
    for (let tid = 0; tid < numTokens; tid++) {
      const got = postingsOf(tid);
      const { docs, freqs } = got instanceof Promise ? await got : got;
      const df = docs.length;
      const idf = bm25Idf(df, numDocs);
      const blockScores = new Float32Array(Math.ceil(df / POSTING_BLOCK_SIZE));
      let termMax = 0;
      for (let b = 0; b < blockScores.length; b++) {
        let best = 0;
        for (let k = b * POSTING_BLOCK_SIZE; k < Math.min(df, (b + 1) * POSTING_BLOCK_SIZE); k++) {
          best = Math.max(best, bm25TermWeight(freqs[k]!, lengthOf[docs[k]!]!, avgdl));
        }
        // stored maxima only prune; they must never fall below a score Lance computes
        const score = Math.fround(idf * best * (1 + 1e-6));
        blockScores[b] = score;
        termMax = Math.max(termMax, score);
      }
      maxScores[tid] = termMax;
      lengths[tid] = df;
      for (const block of encodePostingBlocks(docs, freqs, blockScores)) {
        blockData.append(block);
        blockEnds.push(blockData.length);
      }
      listOffsets.push(blockEnds.length);
      if (blockData.length >= pageBytes) await addPage(tid + 1);
    }
    if (pageStart < numTokens || numTokens === 0) await addPage(numTokens);
    return await invert.finish();
  } catch (err) {
    await invert.abort().catch(() => undefined);
    throw err;
  }
}
