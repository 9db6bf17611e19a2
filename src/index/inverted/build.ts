// INVERTED / FTS segment files (Lance's inverted index with an Arrow token set,
// index_version 0, posting format V1, one partition "0"):
//   metadata.lance        deleted_fragments Binary (one empty roaring bitmap);
//                         metadata partitions = [0], params = tokenizer JSON
//   part_0_tokens.lance   _token Utf8, _token_id UInt32 -- sorted by token bytes
//   part_0_invert.lance   _posting List<LargeBinary>, _max_score Float32, _length UInt32
//                         -- row i = token id i
//   part_0_docs.lance     _rowid UInt64, _num_tokens UInt32 -- row i = doc id i

import { Field, Float32, LargeBinary, List, makeData, Utf8 } from "apache-arrow";
import { writeArrowFile } from "../../file/file-writer.js";
import { encodeRoaring32 } from "../../core/roaring.js";
import { invertedDetails } from "../../format/index/details.js";
import { encodePostingBlocks, POSTING_BLOCK_SIZE } from "../../format/index/posting.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingData } from "../training.js";
import { valueAccess } from "../value-order.js";
import { bm25Idf, bm25TermWeight } from "./bm25.js";
import { Tokenizer, type TokenizerParams } from "./tokenizer.js";

const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Lance's tokenizer params as stored in metadata.lance. */
export function paramsJson(p: TokenizerParams): string {
  return JSON.stringify({
    ascii_folding: p.asciiFolding,
    base_tokenizer: p.baseTokenizer,
    block_size: POSTING_BLOCK_SIZE,
    custom_stop_words: null,
    index_operators: false,
    lance_tokenizer: "text",
    language: p.language,
    lower_case: p.lowerCase,
    max_ngram_length: 3,
    max_token_length: p.maxTokenLength,
    min_ngram_length: 3,
    prefix_only: false,
    preserve_original: false,
    remove_stop_words: p.removeStopWords,
    split_identifiers: false,
    split_on_numerics: false,
    stem: p.stem,
    with_position: p.withPosition,
  });
}

function textOf(data: TrainingData["values"]): (i: number) => string {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const decoder = new TextDecoder();
  return (i) => decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)));
}

export async function buildInverted(store: ObjectStore, dir: string, training: TrainingData, params: Partial<TokenizerParams> = {}): Promise<BuiltSegmentFiles> {
  const tokenizer = new Tokenizer(params);
  const access = valueAccess(training.values);
  const text = textOf(training.values);
  const n = training.rowIds.length;
  const docRowIds: number[] = [];
  const docLengths: number[] = [];
  const postings = new Map<string, { docs: number[]; freqs: number[] }>();
  for (let i = 0; i < n; i++) {
    if (access.isNull(i)) continue;
    const tokens = tokenizer.tokenize(text(i));
    // Lance indexes only documents that produce tokens
    if (tokens.length === 0) continue;
    const doc = docRowIds.length;
    docRowIds.push(training.rowIds[i]!);
    docLengths.push(tokens.length);
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, c] of counts) {
      let p = postings.get(t);
      if (!p) {
        p = { docs: [], freqs: [] };
        postings.set(t, p);
      }
      p.docs.push(doc);
      p.freqs.push(c);
    }
  }
  const numDocs = docRowIds.length;
  let totalTokens = 0;
  for (const l of docLengths) totalTokens += l;
  const avgdl = numDocs === 0 ? 0 : totalTokens / numDocs;
  const tokens = [...postings.keys()].map((t) => ({ t, bytes: encoder.encode(t) })).sort((a, b) => compareBytes(a.bytes, b.bytes));

  const postingBlocks: Uint8Array[][] = [];
  const maxScores = new Float32Array(tokens.length);
  const lengths: number[] = [];
  tokens.forEach(({ t }, id) => {
    const p = postings.get(t)!;
    const df = p.docs.length;
    const idf = bm25Idf(df, numDocs);
    const blockScores = new Float32Array(Math.ceil(df / POSTING_BLOCK_SIZE));
    let termMax = 0;
    for (let b = 0; b < blockScores.length; b++) {
      let best = 0;
      for (let k = b * POSTING_BLOCK_SIZE; k < Math.min(df, (b + 1) * POSTING_BLOCK_SIZE); k++) {
        best = Math.max(best, bm25TermWeight(p.freqs[k]!, docLengths[p.docs[k]!]!, avgdl));
      }
      // stored maxima only prune; they must never fall below a score Lance computes
      const score = Math.fround(idf * best * (1 + 1e-6));
      blockScores[b] = score;
      termMax = Math.max(termMax, score);
    }
    maxScores[id] = termMax;
    lengths.push(df);
    postingBlocks.push(encodePostingBlocks(Uint32Array.from(p.docs), Uint32Array.from(p.freqs), blockScores));
  });

  // token set, sorted by token bytes, ids in that order
  const tokenOffsets = new Int32Array(tokens.length + 1);
  let tokenBytes = 0;
  tokens.forEach(({ bytes }, i) => {
    tokenBytes += bytes.byteLength;
    tokenOffsets[i + 1] = tokenBytes;
  });
  const tokenData = new Uint8Array(tokenBytes);
  tokens.forEach(({ bytes }, i) => tokenData.set(bytes, tokenOffsets[i]!));
  const tokensSize = await writeArrowFile(
    store,
    `${dir}/part_0_tokens.lance`,
    tableOf([
      { name: "_token", data: makeData({ type: new Utf8(), length: tokens.length, nullCount: 0, valueOffsets: tokenOffsets, data: tokenData }), nullable: false },
      { name: "_token_id", data: uint32Data(tokens.map((_, i) => i)), nullable: false },
    ]),
  );

  const blockList = postingBlocks.flat();
  const blockOffsets = new BigInt64Array(blockList.length + 1);
  let blockBytes = 0;
  blockList.forEach((b, i) => {
    blockBytes += b.byteLength;
    blockOffsets[i + 1] = BigInt(blockBytes);
  });
  const blockData = new Uint8Array(blockBytes);
  blockList.forEach((b, i) => blockData.set(b, Number(blockOffsets[i]!)));
  const listOffsets = new Int32Array(postingBlocks.length + 1);
  postingBlocks.forEach((blocks, i) => (listOffsets[i + 1] = listOffsets[i]! + blocks.length));
  const itemField = new Field("item", new LargeBinary(), true);
  const blocksData = makeData({ type: new LargeBinary(), length: blockList.length, nullCount: 0, valueOffsets: blockOffsets, data: blockData });
  const postingData = makeData({ type: new List(itemField), length: postingBlocks.length, nullCount: 0, valueOffsets: listOffsets, child: blocksData });
  const invertSize = await writeArrowFile(
    store,
    `${dir}/part_0_invert.lance`,
    tableOf([
      { name: "_posting", data: postingData, nullable: false },
      { name: "_max_score", data: makeData({ type: new Float32(), length: maxScores.length, nullCount: 0, data: maxScores }), nullable: false },
      { name: "_length", data: uint32Data(lengths), nullable: false },
    ]),
  );

  const docsSize = await writeArrowFile(
    store,
    `${dir}/part_0_docs.lance`,
    tableOf(
      [
        { name: "_rowid", data: uint64Data(docRowIds), nullable: false },
        { name: "_num_tokens", data: uint32Data(docLengths), nullable: false },
      ],
      { total_tokens: String(totalTokens) },
    ),
  );

  const metadataSize = await writeArrowFile(
    store,
    `${dir}/metadata.lance`,
    tableOf([{ name: "deleted_fragments", data: binaryData([encodeRoaring32([])]), nullable: false }], { partitions: "[0]", params: paramsJson(tokenizer.params) }),
  );

  return {
    files: [
      { path: "metadata.lance", sizeBytes: metadataSize },
      { path: "part_0_docs.lance", sizeBytes: docsSize },
      { path: "part_0_invert.lance", sizeBytes: invertSize },
      { path: "part_0_tokens.lance", sizeBytes: tokensSize },
    ],
    details: invertedDetails(tokenizer.params),
    indexVersion: 0,
  };
}
