// Reading INVERTED / FTS segments written by lancets or by Lance with an Arrow
// token set: per partition the token dictionary, the documents (row ids and
// token counts) and posting lists on demand.

import { makeVector, type Data } from "apache-arrow";
import { LanceError } from "../../core/errors.js";
import { LanceFileReader } from "../../file/file-reader.js";
import { decodeInvertedDetails, type InvertedDetails } from "../../format/index/details.js";
import { decodePostingBlocks } from "../../format/index/posting.js";
import type { IndexMetadata } from "../../format/table/types.js";
import type { ObjectStore } from "../../io/object-store.js";

export interface Partition {
  tokens: Map<string, number>;
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

async function readAll(store: ObjectStore, path: string, size?: number): Promise<{ reader: LanceFileReader; columns: Map<string, Data> }> {
  const reader = await LanceFileReader.open(store, path, size ? { sizeBytes: size } : {});
  const top = reader.schema.fields.filter((f) => f.parentId === -1);
  const data = await reader.readFields(top.map((f) => f.id));
  const columns = new Map<string, Data>();
  for (const f of top) columns.set(f.name, data.get(f.id)!);
  return { reader, columns };
}

function metadataString(reader: LanceFileReader, key: string): string | undefined {
  const v = reader.schema.metadata[key];
  return v === undefined ? undefined : new TextDecoder().decode(v);
}

export async function openInvertedSegment(store: ObjectStore, meta: IndexMetadata): Promise<InvertedSegment> {
  const dir = `_indices/${meta.uuid}`;
  const sizeOf = (name: string): number | undefined => meta.files.find((f) => f.path === name)?.sizeBytes;
  const where = `${dir}/metadata.lance`;
  const metadata = await LanceFileReader.open(store, where, sizeOf("metadata.lance") ? { sizeBytes: sizeOf("metadata.lance")! } : {});
  const partitionsText = metadataString(metadata, "partitions") ?? "[]";
  const format = metadataString(metadata, "token_set_format");
  if (format !== undefined && format !== "" && format !== "arrow") {
    throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} stores its tokens as "${format}"; lancets reads Arrow token sets`);
  }
  const layout = metadataString(metadata, "posting_block_layout") ?? metadataString(metadata, "posting_tail_codec");
  if (layout !== undefined && layout !== "fixed32_v1") {
    throw new LanceError("NOT_SUPPORTED", `full-text segment ${meta.uuid} uses posting format "${layout}"; lancets reads format V1`);
  }
  const partitionIds = JSON.parse(partitionsText) as number[];
  const params = meta.indexDetails ? decodeInvertedDetails(meta.indexDetails.value, where) : decodeInvertedDetails(new Uint8Array(0), where);
  const partitions = await Promise.all(
    partitionIds.map(async (pid): Promise<Partition> => {
      const tokensFile = await readAll(store, `${dir}/part_${pid}_tokens.lance`, sizeOf(`part_${pid}_tokens.lance`));
      const docsFile = await readAll(store, `${dir}/part_${pid}_docs.lance`, sizeOf(`part_${pid}_docs.lance`));
      const invertPath = `${dir}/part_${pid}_invert.lance`;
      const invertFile = await readAll(store, invertPath, sizeOf(`part_${pid}_invert.lance`));
      const tokenVec = makeVector(tokensFile.columns.get("_token")!);
      const idVec = makeVector(tokensFile.columns.get("_token_id")!);
      const tokens = new Map<string, number>();
      for (let i = 0; i < tokenVec.length; i++) tokens.set(tokenVec.get(i) as string, idVec.get(i) as number);
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
          return decodePostingBlocks(blocks, lengths[id] ?? 0, invertPath);
        },
      };
    }),
  );
  return { meta, params, partitions };
}
