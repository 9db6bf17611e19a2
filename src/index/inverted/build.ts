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
import { GrowableArray } from "../../core/growable-array.js";
import { encodeRoaring32 } from "../../core/roaring.js";
import { ShardedMap } from "../../core/sharded-map.js";
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

/** Byte-wise order of two byte ranges of `bytes`, shorter first on a common prefix. */
function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = bytes[aStart + i]! - bytes[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
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
  // Everything sized by rows, postings or the vocabulary lives in typed arrays
  // and a sharded map: a large table has more documents, and may have more
  // distinct tokens, than JS arrays and Maps hold.
  const docRowIds = new GrowableArray(Float64Array);
  const docLengths = new GrowableArray(Uint32Array);
  const vocabulary = new ShardedMap<string, number>(); // token -> id in order of first use
  const tokenBytes = new GrowableArray(Uint8Array);
  const tokenStarts = new GrowableArray(Float64Array);
  tokenStarts.push(0);
  // postings as (token, doc, count) in document order
  const postingToken = new GrowableArray(Uint32Array);
  const postingDoc = new GrowableArray(Uint32Array);
  const postingCount = new GrowableArray(Uint32Array);
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
      let id = vocabulary.get(t);
      if (id === undefined) {
        id = tokenStarts.length - 1;
        vocabulary.set(t, id);
        tokenBytes.append(encoder.encode(t));
        tokenStarts.push(tokenBytes.length);
      }
      postingToken.push(id);
      postingDoc.push(doc);
      postingCount.push(c);
    }
  }
  const numDocs = docRowIds.length;
  const lengthOf = docLengths.view();
  let totalTokens = 0;
  for (let d = 0; d < numDocs; d++) totalTokens += lengthOf[d]!;
  const avgdl = numDocs === 0 ? 0 : totalTokens / numDocs;
  const numTokens = tokenStarts.length - 1;

  // each token's postings together, still in document order (a counting sort by token)
  const numPostings = postingToken.length;
  const firstPosting = new Float64Array(numTokens + 1);
  const byToken = postingToken.view();
  for (let k = 0; k < numPostings; k++) firstPosting[byToken[k]! + 1]!++;
  for (let t = 0; t < numTokens; t++) firstPosting[t + 1]! += firstPosting[t]!;
  const fill = firstPosting.slice(0, numTokens);
  const docs = new Uint32Array(numPostings);
  const freqs = new Uint32Array(numPostings);
  const docOf = postingDoc.view();
  const countOf = postingCount.view();
  for (let k = 0; k < numPostings; k++) {
    const at = fill[byToken[k]!]!++;
    docs[at] = docOf[k]!;
    freqs[at] = countOf[k]!;
  }

  // token ids in the order of the token set: sorted by token bytes
  const bytes = tokenBytes.view();
  const starts = tokenStarts.view();
  const order = new Int32Array(numTokens);
  for (let t = 0; t < numTokens; t++) order[t] = t;
  order.sort((a, b) => compareBytes(bytes, starts[a]!, starts[a + 1]!, starts[b]!, starts[b + 1]!));

  // posting blocks of every token, one after another
  const blockData = new GrowableArray(Uint8Array);
  const blockEnds = new GrowableArray(Float64Array);
  const listOffsets = new Int32Array(numTokens + 1);
  const maxScores = new Float32Array(numTokens);
  const lengths = new Uint32Array(numTokens);
  for (let id = 0; id < numTokens; id++) {
    const t = order[id]!;
    const from = firstPosting[t]!;
    const df = firstPosting[t + 1]! - from;
    const idf = bm25Idf(df, numDocs);
    const blockScores = new Float32Array(Math.ceil(df / POSTING_BLOCK_SIZE));
    let termMax = 0;
    for (let b = 0; b < blockScores.length; b++) {
      let best = 0;
      for (let k = from + b * POSTING_BLOCK_SIZE; k < from + Math.min(df, (b + 1) * POSTING_BLOCK_SIZE); k++) {
        best = Math.max(best, bm25TermWeight(freqs[k]!, lengthOf[docs[k]!]!, avgdl));
      }
      // stored maxima only prune; they must never fall below a score Lance computes
      const score = Math.fround(idf * best * (1 + 1e-6));
      blockScores[b] = score;
      termMax = Math.max(termMax, score);
    }
    maxScores[id] = termMax;
    lengths[id] = df;
    const blocks = encodePostingBlocks(docs.subarray(from, from + df), freqs.subarray(from, from + df), blockScores);
    for (const block of blocks) {
      blockData.append(block);
      blockEnds.push(blockData.length);
    }
    listOffsets[id + 1] = listOffsets[id]! + blocks.length;
  }

  // token set, sorted by token bytes, ids in that order
  const tokenOffsets = new Int32Array(numTokens + 1);
  for (let id = 0; id < numTokens; id++) tokenOffsets[id + 1] = tokenOffsets[id]! + (starts[order[id]! + 1]! - starts[order[id]!]!);
  const tokenData = new Uint8Array(tokenOffsets[numTokens]!);
  for (let id = 0; id < numTokens; id++) tokenData.set(bytes.subarray(starts[order[id]!]!, starts[order[id]! + 1]!), tokenOffsets[id]!);
  const tokenIds = new Uint32Array(numTokens);
  for (let id = 0; id < numTokens; id++) tokenIds[id] = id;
  const tokensSize = await writeArrowFile(
    store,
    `${dir}/part_0_tokens.lance`,
    tableOf([
      { name: "_token", data: makeData({ type: new Utf8(), length: numTokens, nullCount: 0, valueOffsets: tokenOffsets, data: tokenData }), nullable: false },
      { name: "_token_id", data: uint32Data(tokenIds), nullable: false },
    ]),
  );

  const ends = blockEnds.view();
  const blockOffsets = new BigInt64Array(ends.length + 1);
  for (let b = 0; b < ends.length; b++) blockOffsets[b + 1] = BigInt(ends[b]!);
  const itemField = new Field("item", new LargeBinary(), true);
  const blocksData = makeData({ type: new LargeBinary(), length: ends.length, nullCount: 0, valueOffsets: blockOffsets, data: blockData.view() });
  const postingData = makeData({ type: new List(itemField), length: numTokens, nullCount: 0, valueOffsets: listOffsets, child: blocksData });
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
        { name: "_rowid", data: uint64Data(docRowIds.view()), nullable: false },
        { name: "_num_tokens", data: uint32Data(lengthOf), nullable: false },
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
