// Reading INVERTED / FTS segments written by lancets (Arrow token sets,
// fixed-width posting tails) or by Lance 12 (FST token sets, varint posting
// tails): per partition the token dictionary, the documents (row ids and token
// counts) and the document frequencies are read when the segment is opened;
// a posting list is fetched only when a search asks for its token (one row of
// part_N_invert.lance, read through the page's repetition index) and kept per
// segment within POSTING_CACHE_BYTES; from an open's second search on, the
// rest of the posting region is read at once and kept (posting-region.ts). Segments from before metadata.lance
// existed (Lance up to about 0.27) hold one unnamed partition in tokens.lance,
// docs.lance and invert.lance; see openLegacySegment.
//
// A posting list reaches searches as a PostingList (format/index/posting.ts):
// BlockPostingList for 128-document blocks, Block256PostingList
// (format/index/posting-block256.ts) with the token's impact entries for
// Lance 14's 256-document blocks; chosen in postingListOf.

import { makeVector, type Data } from "apache-arrow";
import { CorruptFileError, LanceError } from "../../core/errors.js";
import { SizedPromiseCache } from "../../core/promise-cache.js";
import { ShardedMap } from "../../core/sharded-map.js";
import { openFileReader, type DataFileReader } from "../../file/open-file-reader.js";
import { decodeInvertedDetails, type InvertedDetails } from "../../format/index/details.js";
import { FstMap } from "../../format/index/fst.js";
import { BlockPostingList, DecodedPostingList, type PostingList, type PostingTailCodec } from "../../format/index/posting.js";
import { Block256PostingList, quantizedDocLengths } from "../../format/index/posting-block256.js";
import type { IndexMetadata } from "../../format/table/types.js";
import type { ObjectStore } from "../../io/object-store.js";
import { PostingRegion, type RegionSource } from "./posting-region.js";

export interface Partition {
  /** Token -> token id (the token's row in the posting file). */
  tokens: { get(token: string): number | undefined };
  rowIds: Float64Array;
  /** Document lengths as searches score them (quantized in partitions of 256-document blocks, as Lance scores them). */
  numTokens: Uint32Array;
  totalTokens: number;
  /** The posting list of a token id, fetched on first use. */
  postingList(tokenId: number): Promise<PostingList>;
  /** The posting lists one search needs (a search asks once, for all its tokens: see posting-region.ts). */
  postingLists(tokenIds: number[]): Promise<PostingList[]>;
  /** The posting list of a token id, decoded whole. */
  postings(tokenId: number): Promise<{ docIds: Uint32Array; freqs: Uint32Array }>;
  documentFrequency(tokenId: number): number;
}

/** Bytes of encoded posting lists one opened segment keeps for later searches. */
export const POSTING_CACHE_BYTES = 32 * 1024 * 1024;

/** A posting list's blocks, and how many documents they hold. */
interface EncodedPostings {
  blocks: Uint8Array[];
  length: number;
  /** Impact entries (lists of 256-document blocks). */
  impacts?: Uint8Array[];
}

/** An opened posting list, kept for later searches, and the bytes of its blocks and impact entries. */
interface CachedPostings {
  list: PostingList;
  bytes: number;
}

function decodeWhole(list: PostingList): { docIds: Uint32Array; freqs: Uint32Array } {
  const docIds = new Uint32Array(list.length + list.blockSize);
  const freqs = new Uint32Array(list.length + list.blockSize);
  let at = 0;
  for (let b = 0; b < list.numBlocks; b++) at += list.decodeBlock(b, docIds.subarray(at), freqs.subarray(at));
  return { docIds: docIds.subarray(0, list.length), freqs: freqs.subarray(0, list.length) };
}

export interface InvertedSegment {
  meta: IndexMetadata;
  params: InvertedDetails;
  partitions: Partition[];
  /** The layout before metadata.lance (tokens.lance, docs.lance, invert.lance). */
  legacyLayout: boolean;
}

async function readAll(store: ObjectStore, path: string, size?: number): Promise<{ reader: DataFileReader; columns: Map<string, Data> }> {
  const reader = await openFileReader(store, path, size ? { sizeBytes: size } : {});
  const top = reader.schema.fields.filter((f) => f.parentId === -1);
  const data = await reader.readFields(top.map((f) => f.id));
  const columns = new Map<string, Data>();
  for (const f of top) columns.set(f.name, data.get(f.id)!);
  return { reader, columns };
}

/** The field id of a top-level column of an index file. */
function topField(reader: DataFileReader, name: string, path: string): number {
  const field = reader.schema.fields.find((f) => f.parentId === -1 && f.name === name);
  if (!field) throw new CorruptFileError(path, 0, `has no column ${name}`);
  return field.id;
}

/** The posting list of one token's blocks in the segment's block layout, opened once (block first doc ids and maxima read) for every search. */
function postingListOf(blocks: Uint8Array[], impacts: Uint8Array[] | undefined, length: number, path: string, tail: PostingTailCodec): CachedPostings {
  const bytes = [...blocks, ...(impacts ?? [])].reduce((n, b) => n + b.byteLength + 64, 64 + blocks.length * 16);
  if (impacts) return { list: new Block256PostingList(blocks, impacts, length, path, tail), bytes };
  return { list: new BlockPostingList(blocks, length, path, tail), bytes };
}

function metadataString(reader: DataFileReader, key: string): string | undefined {
  const v = reader.schema.metadata[key];
  return v === undefined ? undefined : new TextDecoder().decode(v);
}

function column(columns: Map<string, Data>, name: string, path: string): Data {
  const c = columns.get(name);
  if (!c) throw new CorruptFileError(path, 0, `has no column ${name}`);
  return c;
}

/** The token set as a map; sharded, since a vocabulary may hold more tokens than one Map takes. */
function arrowTokens(columns: Map<string, Data>, path: string): ShardedMap<string, number> {
  const tokenVec = makeVector(column(columns, "_token", path));
  const idVec = makeVector(column(columns, "_token_id", path));
  const tokens = new ShardedMap<string, number>();
  for (let i = 0; i < tokenVec.length; i++) tokens.set(tokenVec.get(i) as string, idVec.get(i) as number);
  return tokens;
}

function fstTokens(columns: Map<string, Data>, path: string): { get(token: string): number | undefined } {
  const vec = makeVector(column(columns, "_token_fst_bytes", path));
  if (vec.length !== 1) throw new CorruptFileError(path, 0, `holds ${vec.length} token FSTs, expected 1`);
  const fst = new FstMap(vec.get(0) as Uint8Array, path);
  const encoder = new TextEncoder();
  return { get: (token) => fst.get(encoder.encode(token)) };
}

export async function openInvertedSegment(store: ObjectStore, meta: IndexMetadata): Promise<InvertedSegment> {
  if (await hasLegacyLayout(store, meta)) return openLegacySegment(store, meta);
  const dir = `_indices/${meta.uuid}`;
  const sizeOf = (name: string): number | undefined => meta.files.find((f) => f.path === name)?.sizeBytes;
  const where = `${dir}/metadata.lance`;
  const metadata = await openFileReader(store, where, sizeOf("metadata.lance") ? { sizeBytes: sizeOf("metadata.lance")! } : {});
  const partitionsText = metadataString(metadata, "partitions") ?? "[]";
  const format = metadataString(metadata, "token_set_format") || "arrow";
  if (format !== "arrow" && format !== "fst") {
    throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} stores its tokens as "${format}"; lancets reads Arrow and FST token sets`);
  }
  const version = metadataString(metadata, "format_version") ?? "1";
  // format 3 stores 128-document blocks as format 2 does, and may have 256-document blocks
  if (version !== "1" && version !== "2" && version !== "3") throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} has format version ${version}; lancets reads versions 1 to 3`);
  const blockSize = metadataString(metadata, "posting_block_size") ?? "128";
  if (blockSize !== "128" && blockSize !== "256") throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} has posting blocks of ${blockSize} documents; lancets reads blocks of 128 and 256`);
  const wide = blockSize === "256";
  const tail = metadataString(metadata, "posting_block_layout") ?? metadataString(metadata, "posting_tail_codec") ?? "fixed32_v1";
  if (tail !== "fixed32_v1" && tail !== "varint_delta_v1") {
    throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} uses posting tail codec "${tail}"; lancets reads fixed32_v1 and varint_delta_v1`);
  }
  const partitionIds = JSON.parse(partitionsText) as number[];
  const cache = new SizedPromiseCache<CachedPostings>(POSTING_CACHE_BYTES, (p) => p.bytes);
  // a segment from before index details were recorded keeps its parameters only in metadata.lance
  const params = meta.indexDetails?.typeUrl ? decodeInvertedDetails(meta.indexDetails.value, where) : paramsFromJson(metadataString(metadata, "params"), where);
  const partitions = await Promise.all(
    partitionIds.map(async (pid): Promise<Partition> => {
      const tokensFile = await readAll(store, `${dir}/part_${pid}_tokens.lance`, sizeOf(`part_${pid}_tokens.lance`));
      const docsFile = await readAll(store, `${dir}/part_${pid}_docs.lance`, sizeOf(`part_${pid}_docs.lance`));
      const invertPath = `${dir}/part_${pid}_invert.lance`;
      let invertBytes = 0;
      const invert = await openFileReader(countingReads(store, (n) => (invertBytes += n)), invertPath, sizeOf(`part_${pid}_invert.lance`) ? { sizeBytes: sizeOf(`part_${pid}_invert.lance`)! } : {});
      const postingField = topField(invert, "_posting", invertPath);
      const impactField = wide ? topField(invert, "_impacts", invertPath) : undefined;
      const lengths = Uint32Array.from(makeVector((await invert.readFields([topField(invert, "_length", invertPath)])).values().next().value!).toArray() as Uint32Array);
      if (lengths.length !== invert.numRows) throw new CorruptFileError(invertPath, 0, `has ${lengths.length} document frequencies for ${invert.numRows} tokens`);
      const tokens = format === "fst" ? fstTokens(tokensFile.columns, `${dir}/part_${pid}_tokens.lance`) : arrowTokens(tokensFile.columns, `${dir}/part_${pid}_tokens.lance`);
      const rowIdVec = makeVector(docsFile.columns.get("_rowid")!).toArray() as BigUint64Array;
      const rowIds = Float64Array.from(rowIdVec, (v) => Number(v));
      const exactTokens = Uint32Array.from(makeVector(docsFile.columns.get("_num_tokens")!).toArray() as Uint32Array);
      let totalTokens = 0;
      for (const t of exactTokens) totalTokens += t;
      // Lance scores 256-document-block partitions with quantized lengths (but the exact average)
      const numTokens = wide ? quantizedDocLengths(exactTokens) : exactTokens;
      // 2.1+ pages are read a row at a time through their repetition index; a 2.0 file
      // (lancets writes them) has no such index, so its posting column is read once, whole
      let whole: Promise<Data> | undefined;
      const rowOf = async (id: number): Promise<Data> => {
        if (invert.fileVersion !== "2.0") return (await invert.readFields([postingField], { start: id, end: id + 1 })).get(postingField)!;
        whole ??= invert.readFields([postingField]).then((m) => m.get(postingField)!);
        whole.catch(() => (whole = undefined));
        return (await whole).slice(id, 1);
      };
      const impactsOf = async (id: number): Promise<Uint8Array[] | undefined> => {
        if (impactField === undefined) return undefined;
        const row = makeVector((await invert.readFields([impactField], { start: id, end: id + 1 })).get(impactField)!).get(0) as Iterable<Uint8Array> | null;
        return row ? [...row] : [];
      };
      const fetchOne = async (id: number): Promise<EncodedPostings> => {
        const [row, impacts] = await Promise.all([rowOf(id), impactsOf(id)]);
        const list = makeVector(row).get(0) as Iterable<Uint8Array> | null;
        return { blocks: list ? [...list] : [], length: lengths[id]!, ...(impacts ? { impacts } : {}) };
      };
      const postingFields = impactField === undefined ? [postingField] : [postingField, impactField];
      const regionBytes = invert.fileVersion === "2.0" ? undefined : invert.fieldBytes?.(postingFields);
      // the rows not fetched yet are read in one pass once that is cheaper (posting-region.ts), when the region fits the cache budget
      const region =
        regionBytes !== undefined && regionBytes <= POSTING_CACHE_BYTES
          ? new PostingRegion<EncodedPostings>(postingRegionSource(invert, postingFields, lengths, regionBytes, () => invertBytes, fetchOne))
          : undefined;
      invertBytes = 0;
      const fetch = (id: number): Promise<CachedPostings> => {
        if (!Number.isInteger(id) || id < 0 || id >= invert.numRows) return Promise.reject(new CorruptFileError(invertPath, 0, `has no posting list for token id ${id} (${invert.numRows} tokens)`));
        return cache.get(`${pid}/${id}`, async () => {
          const encoded = await (region ? region.get(id) : fetchOne(id));
          return postingListOf(encoded.blocks, encoded.impacts, encoded.length, invertPath, tail);
        });
      };
      const partition: Partition = {
        tokens,
        rowIds,
        numTokens,
        totalTokens,
        documentFrequency: (id) => lengths[id] ?? 0,
        postingList: async (id) => (await fetch(id)).list,
        postingLists: async (ids) => {
          region?.beginSearch(ids.filter((id) => Number.isInteger(id) && id >= 0 && id < invert.numRows));
          return (await Promise.all(ids.map(fetch))).map((p) => p.list);
        },
        postings: async (id) => decodeWhole(await partition.postingList(id)),
      };
      return partition;
    }),
  );
  return { meta, params, partitions, legacyLayout: false };
}

/** The store, counting the bytes of every read through it. */
function countingReads(store: ObjectStore, count: (bytes: number) => void): ObjectStore {
  const counted: ObjectStore = {
    uri: store.uri,
    size: (path) => store.size(path),
    read: async (path, options) => {
      const bytes = await store.read(path, options);
      count(bytes.byteLength);
      return bytes;
    },
    readRange: async (path, byteOffset, byteLength) => {
      const bytes = await store.readRange(path, byteOffset, byteLength);
      count(bytes.byteLength);
      return bytes;
    },
    put: (path, data) => store.put(path, data),
    putIfAbsent: (path, data) => store.putIfAbsent(path, data),
    list: (prefix, options) => store.list(prefix, options),
    delete: (path) => store.delete(path),
  };
  return counted;
}

/**
 * How a partition's posting region reads rows: one token's list alone, or
 * ranges of rows in one pass (a row's expected cost is its share of the
 * region's bytes by document frequency).
 */
function postingRegionSource(
  invert: DataFileReader,
  fields: number[],
  lengths: Uint32Array,
  regionBytes: number,
  fetchedBytes: () => number,
  fetchOne: (id: number) => Promise<EncodedPostings>,
): RegionSource<EncodedPostings> {
  let postings = 0;
  for (const n of lengths) postings += n;
  const bytesPerPosting = postings > 0 ? regionBytes / postings : 0;
  return {
    regionBytes,
    numRows: invert.numRows,
    estimateBytes: (id) => lengths[id]! * bytesPerPosting,
    fetchedBytes,
    fetchRow: fetchOne,
    fetchRanges: async (ranges) => {
      // one read per range: the reader would otherwise bridge the lists between them, fetching them again
      const parts = await Promise.all(
        ranges.map(async (range) => {
          const data = await invert.readFields(fields, range);
          return { lists: makeVector(data.get(fields[0]!)!), impacts: fields.length > 1 ? makeVector(data.get(fields[1]!)!) : undefined };
        }),
      );
      return (id) => {
        let lo = 0;
        let hi = ranges.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (ranges[mid]!.start <= id) lo = mid;
          else hi = mid - 1;
        }
        const { lists, impacts } = parts[lo]!;
        const k = id - ranges[lo]!.start;
        const list = lists.get(k) as Iterable<Uint8Array> | null;
        const impactRow = impacts ? (impacts.get(k) as Iterable<Uint8Array> | null) : undefined;
        return {
          blocks: list ? [...list] : [],
          length: lengths[id]!,
          ...(impacts ? { impacts: impactRow ? [...impactRow] : [] } : {}),
        };
      };
    },
  };
}

/**
 * Whether a segment has the layout from before metadata.lance: as Lance
 * decides, by the absence of metadata.lance (looked up when the manifest does
 * not list the segment's files).
 */
async function hasLegacyLayout(store: ObjectStore, meta: IndexMetadata): Promise<boolean> {
  const names = meta.files.map((f) => f.path);
  if (names.length > 0) return !names.includes("metadata.lance") && names.includes("invert.lance");
  try {
    await store.size(`_indices/${meta.uuid}/metadata.lance`);
    return false;
  } catch (err) {
    if (err instanceof LanceError && err.code === "NOT_FOUND") return true;
    throw err;
  }
}

/**
 * Tokenizer parameters stored as JSON in a segment file's schema metadata
 * (Lance's InvertedIndexParams: absent flags default to true, an absent or
 * null max_token_length means no limit), or Lance's defaults when there are
 * none.
 */
function paramsFromJson(text: string | undefined, path: string): InvertedDetails {
  const params: InvertedDetails = {
    baseTokenizer: "simple",
    language: "English",
    withPosition: false,
    maxTokenLength: 40,
    lowerCase: true,
    stem: true,
    removeStopWords: true,
    asciiFolding: true,
  };
  if (text === undefined) return params;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new CorruptFileError(path, 0, `has tokenizer parameters that are not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof json !== "object" || json === null) throw new CorruptFileError(path, 0, `has tokenizer parameters that are not a JSON object: ${text.slice(0, 100)}`);
  const bool = (key: string, fallback: boolean): boolean => {
    const v = json[key];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") throw new CorruptFileError(path, 0, `has tokenizer parameter ${key} = ${JSON.stringify(v)}, expected true or false`);
    return v;
  };
  if (typeof json.base_tokenizer !== "string") throw new CorruptFileError(path, 0, "has tokenizer parameters without base_tokenizer");
  params.baseTokenizer = json.base_tokenizer;
  if (typeof json.language === "string") params.language = json.language;
  const max = json.max_token_length;
  if (max === undefined || max === null) params.maxTokenLength = null;
  else if (typeof max === "number" && Number.isSafeInteger(max) && max >= 0) params.maxTokenLength = max;
  else throw new CorruptFileError(path, 0, `has tokenizer parameter max_token_length = ${JSON.stringify(max)}`);
  params.withPosition = bool("with_position", false);
  params.lowerCase = bool("lower_case", true);
  params.stem = bool("stem", true);
  params.removeStopWords = bool("remove_stop_words", true);
  params.asciiFolding = bool("ascii_folding", true);
  const custom = json.custom_stop_words;
  if (Array.isArray(custom)) throw new LanceError("NOT_SUPPORTED", `${path}: full-text segments with custom stop words are not supported`);
  return params;
}

/**
 * The layout before metadata.lance (one partition, no file per partition):
 *
 *   tokens.lance  _token Utf8, _token_id UInt32; schema metadata `tokenizer`
 *   docs.lance    _rowid UInt64, _num_tokens UInt32 (any order)
 *   invert.lance  _rowid UInt64, _frequency Float32 [, _position List<Int32>]:
 *                 one row per (token, document), the rows of token id t
 *                 starting at offsets[t] of the schema metadata `offsets`
 *                 (a JSON array; the last list ends at the last row)
 *
 * Postings name documents by row id, not by position in docs.lance. BM25
 * statistics are those of any partition: documents and tokens of docs.lance,
 * a token's document frequency the length of its posting list.
 */
async function openLegacySegment(store: ObjectStore, meta: IndexMetadata): Promise<InvertedSegment> {
  const dir = `_indices/${meta.uuid}`;
  const sizeOf = (name: string): number | undefined => meta.files.find((f) => f.path === name)?.sizeBytes;
  const tokensPath = `${dir}/tokens.lance`;
  const docsPath = `${dir}/docs.lance`;
  const invertPath = `${dir}/invert.lance`;
  // read whole, as the partitioned layout's files are
  const [tokensFile, docsFile, invertFile] = await Promise.all([
    readAll(store, tokensPath, sizeOf("tokens.lance")),
    readAll(store, docsPath, sizeOf("docs.lance")),
    readAll(store, invertPath, sizeOf("invert.lance")),
  ]);
  const params = paramsFromJson(metadataString(tokensFile.reader, "tokenizer"), tokensPath);
  const tokens = arrowTokens(tokensFile.columns, tokensPath);
  const rowIdVec = makeVector(column(docsFile.columns, "_rowid", docsPath)).toArray() as BigUint64Array;
  const rowIds = Float64Array.from(rowIdVec, (v) => Number(v));
  const numTokens = Uint32Array.from(makeVector(column(docsFile.columns, "_num_tokens", docsPath)).toArray() as Uint32Array);
  if (numTokens.length !== rowIds.length) throw new CorruptFileError(docsPath, 0, `has ${rowIds.length} row ids but ${numTokens.length} token counts`);
  let totalTokens = 0;
  for (const t of numTokens) totalTokens += t;
  const docOf = new ShardedMap<number, number>();
  rowIds.forEach((id, doc) => docOf.set(id, doc));

  const offsetsText = metadataString(invertFile.reader, "offsets");
  if (offsetsText === undefined) throw new CorruptFileError(invertPath, 0, "has no posting list offsets (schema metadata \"offsets\")");
  let offsets: number[];
  try {
    offsets = JSON.parse(offsetsText) as number[];
  } catch (err) {
    throw new CorruptFileError(invertPath, 0, `has posting list offsets that are not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rows = makeVector(column(invertFile.columns, "_rowid", invertPath)).toArray() as BigUint64Array;
  const freqs = makeVector(column(invertFile.columns, "_frequency", invertPath)).toArray() as Float32Array;
  const numRows = rows.length;
  if (!Array.isArray(offsets) || offsets.some((o, i) => !Number.isSafeInteger(o) || o < (i > 0 ? offsets[i - 1]! : 0) || o > numRows)) {
    throw new CorruptFileError(invertPath, 0, `has posting list offsets that do not rise within its ${numRows} rows`);
  }
  const lengthOf = (id: number): number => (id < offsets.length ? (offsets[id + 1] ?? numRows) - offsets[id]! : 0);
  const partition: Partition = {
    tokens,
    rowIds,
    numTokens,
    totalTokens,
    documentFrequency: lengthOf,
    postingList: async (id) => {
      const { docIds, freqs } = await partition.postings(id);
      return new DecodedPostingList(docIds, freqs);
    },
    postingLists: (ids) => Promise.all(ids.map((id) => partition.postingList(id))),
    postings: async (id) => {
      const n = lengthOf(id);
      const docIds = new Uint32Array(n);
      const counts = new Uint32Array(n);
      const start = offsets[id]!;
      for (let k = 0; k < n; k++) {
        const doc = docOf.get(Number(rows[start + k]!));
        if (doc === undefined) throw new CorruptFileError(invertPath, 0, `posting list of token ${id} names row ${rows[start + k]}, which docs.lance does not hold`);
        docIds[k] = doc;
        // frequencies are stored as floats; Lance counts them as integers
        counts[k] = Math.trunc(freqs[start + k]!);
      }
      return { docIds, freqs: counts };
    },
  };
  return { meta, params, partitions: [partition], legacyLayout: true };
}
