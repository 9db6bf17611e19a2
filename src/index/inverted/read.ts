// Reading INVERTED / FTS segments written by lancets (Arrow token sets,
// fixed-width posting tails) or by Lance 12 (FST token sets, varint posting
// tails): per partition the token dictionary, the documents (row ids and token
// counts) and posting lists on demand.

import { makeVector, type Data } from "apache-arrow";
import { CorruptFileError, LanceError } from "../../core/errors.js";
import { openFileReader, type DataFileReader } from "../../file/open-file-reader.js";
import { decodeInvertedDetails, type InvertedDetails } from "../../format/index/details.js";
import { FstMap } from "../../format/index/fst.js";
import { decodePostingBlocks } from "../../format/index/posting.js";
import type { IndexMetadata } from "../../format/table/types.js";
import type { ObjectStore } from "../../io/object-store.js";

export interface Partition {
  /** Token -> token id (the token's row in the posting file). */
  tokens: { get(token: string): number | undefined };
  rowIds: Float64Array;
  numTokens: Uint32Array;
  totalTokens: number;
  /** Posting list of a token id. */
  postings(tokenId: number): Promise<{ docIds: Uint32Array; freqs: Uint32Array }>;
  documentFrequency(tokenId: number): number;
}

export interface InvertedSegment {
  meta: IndexMetadata;
  params: InvertedDetails;
  partitions: Partition[];
}

async function readAll(store: ObjectStore, path: string, size?: number): Promise<{ reader: DataFileReader; columns: Map<string, Data> }> {
  const reader = await openFileReader(store, path, size ? { sizeBytes: size } : {});
  const top = reader.schema.fields.filter((f) => f.parentId === -1);
  const data = await reader.readFields(top.map((f) => f.id));
  const columns = new Map<string, Data>();
  for (const f of top) columns.set(f.name, data.get(f.id)!);
  return { reader, columns };
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

function arrowTokens(columns: Map<string, Data>, path: string): Map<string, number> {
  const tokenVec = makeVector(column(columns, "_token", path));
  const idVec = makeVector(column(columns, "_token_id", path));
  const tokens = new Map<string, number>();
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
  if (version !== "1" && version !== "2") throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} has format version ${version}; lancets reads versions 1 and 2`);
  const blockSize = metadataString(metadata, "posting_block_size") ?? "128";
  if (blockSize !== "128") throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} has posting blocks of ${blockSize} documents; lancets reads blocks of 128`);
  const tail = metadataString(metadata, "posting_block_layout") ?? metadataString(metadata, "posting_tail_codec") ?? "fixed32_v1";
  if (tail !== "fixed32_v1" && tail !== "varint_delta_v1") {
    throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} uses posting tail codec "${tail}"; lancets reads fixed32_v1 and varint_delta_v1`);
  }
  const partitionIds = JSON.parse(partitionsText) as number[];
  const params = meta.indexDetails ? decodeInvertedDetails(meta.indexDetails.value, where) : decodeInvertedDetails(new Uint8Array(0), where);
  const partitions = await Promise.all(
    partitionIds.map(async (pid): Promise<Partition> => {
      const tokensFile = await readAll(store, `${dir}/part_${pid}_tokens.lance`, sizeOf(`part_${pid}_tokens.lance`));
      const docsFile = await readAll(store, `${dir}/part_${pid}_docs.lance`, sizeOf(`part_${pid}_docs.lance`));
      const invertPath = `${dir}/part_${pid}_invert.lance`;
      const invertFile = await readAll(store, invertPath, sizeOf(`part_${pid}_invert.lance`));
      const tokens = format === "fst" ? fstTokens(tokensFile.columns, `${dir}/part_${pid}_tokens.lance`) : arrowTokens(tokensFile.columns, `${dir}/part_${pid}_tokens.lance`);
      const rowIdVec = makeVector(docsFile.columns.get("_rowid")!).toArray() as BigUint64Array;
      const rowIds = Float64Array.from(rowIdVec, (v) => Number(v));
      const numTokens = Uint32Array.from(makeVector(docsFile.columns.get("_num_tokens")!).toArray() as Uint32Array);
      let totalTokens = 0;
      for (const t of numTokens) totalTokens += t;
      const postingVec = makeVector(invertFile.columns.get("_posting")!);
      const lengths = makeVector(invertFile.columns.get("_length")!).toArray() as Uint32Array;
      return {
        tokens,
        rowIds,
        numTokens,
        totalTokens,
        documentFrequency: (id) => lengths[id] ?? 0,
        postings: async (id) => {
          const list = postingVec.get(id) as { toArray(): Uint8Array[] } | null;
          const blocks = list ? ([...(list as unknown as Iterable<Uint8Array>)]) : [];
          return decodePostingBlocks(blocks, lengths[id] ?? 0, invertPath, tail);
        },
      };
    }),
  );
  return { meta, params, partitions };
}
