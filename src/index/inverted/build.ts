// INVERTED / FTS segment files (Lance's inverted index with an Arrow token set,
// index_version 0, posting format V1):
//   metadata.lance        deleted_fragments Binary (one empty roaring bitmap);
//                         metadata partitions = [0, 1, ...], params = tokenizer JSON
//   part_N_*.lance        the files of partition N (partition.ts)
// Held in memory, a segment is one partition. Within a memory budget the input
// is streamed and a partition written whenever the documents held fill a
// quarter of the budget, as Lance's builder flushes a partition when its
// posting lists reach a size; Lance and lancets search all partitions and
// score with their statistics together, so results and scores are those of
// one partition. When the partitions' documents and token sets fit half the
// budget, they are then merged into one (merge.ts), as Lance's builder merges
// its partitions: a search reads each file and posting list once, not once
// per partition.

import { encodeRoaring32 } from "../../core/roaring.js";
import { invertedDetails } from "../../format/index/details.js";
import { POSTING_BLOCK_SIZE } from "../../format/index/posting.js";
import type { IndexFile } from "../../format/table/types.js";
import { writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf } from "../arrow-columns.js";
import { checkMemoryBytes } from "../btree/build.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingData, TrainingInput, TrainingStreamOptions } from "../training.js";
import { MAX_MERGED_PARTITIONS, MERGE_BYTES_PER_DOC, MERGE_BYTES_PER_TOKEN_FILE_BYTE, MERGE_WINDOW_BYTES, mergePartitions } from "./merge.js";
import { INVERT_PAGE_BYTES, PartitionBuilder, type PartitionOptions } from "./partition.js";
import { postingChunkFor } from "./posting-buffer.js";
import { Tokenizer, type TokenizerParams } from "./tokenizer.js";

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



async function finishSegment(store: ObjectStore, dir: string, tokenizer: Tokenizer, partitionIds: number[], partitionFiles: IndexFile[]): Promise<BuiltSegmentFiles> {
  const metadataSize = await writeArrowFile(
    store,
    `${dir}/metadata.lance`,
    tableOf([{ name: "deleted_fragments", data: binaryData([encodeRoaring32([])]), nullable: false }], { partitions: JSON.stringify(partitionIds), params: paramsJson(tokenizer.params) }),
  );
  return {
    files: [{ path: "metadata.lance", sizeBytes: metadataSize }, ...partitionFiles],
    details: invertedDetails(tokenizer.params),
    indexVersion: 0,
  };
}

/** An FTS segment of one partition from training data held in memory. */
export async function buildInverted(store: ObjectStore, dir: string, training: TrainingData, params: Partial<TokenizerParams> = {}): Promise<BuiltSegmentFiles> {
  const tokenizer = new Tokenizer(params);
  const partition = new PartitionBuilder(tokenizer);
  partition.addDocs(training.values, training.rowIds);
  return finishSegment(store, dir, tokenizer, [0], await partition.write(store, dir, 0));
}

/**
 * How a full-text build reads its text, from its budget: in batches of few
 * rows (text costs far more per row than the partition keeps of it), and in
 * scan windows of up to a quarter of the budget however many rows that is. A
 * window is held twice while the next one is read, and a data file page that
 * holds many rows (a Lance 2.0 page often holds a whole fragment's column) is
 * fetched whole for every window that reads from it: windows of 4 MiB fetched
 * a 500,000-row page of text six times (and larger windows, cut at the scan's
 * usual 131,072 rows, four times), and the garbage of fetched pages, not the
 * partition, made most of a thread's peak.
 */
export function textStreamOptions(memoryBytes: number): TrainingStreamOptions {
  return { batchRows: 8192, windowBytes: Math.max(1024 * 1024, Math.floor(memoryBytes / 4)), readAheadWindows: 1, maxWindowRows: TEXT_WINDOW_MAX_ROWS };
}

/** Most rows of a full-text build's scan window (its bytes bound it first for all but short text). */
const TEXT_WINDOW_MAX_ROWS = 1 << 21;

/** Encoded posting blocks a page of a merged partition's posting file holds at most (Lance flushes its posting lists every 16 MiB). */
const MERGED_INVERT_PAGE_BYTES = 16 * 1024 * 1024;

export interface InvertedBuildOptions {
  /** Memory budget in bytes of the documents, postings and tokens held. */
  memoryBytes: number;
}

/**
 * An FTS segment from streamed input within `memoryBytes`: a partition is
 * written each time the one being built holds a quarter of the budget
 * (writing it takes about as much again), and the text is read in windows of
 * up to a quarter (textStreamOptions). Files written before a failure are
 * removed.
 */
export async function buildInvertedStreaming(store: ObjectStore, dir: string, input: TrainingInput, params: Partial<TokenizerParams>, options: InvertedBuildOptions): Promise<BuiltSegmentFiles> {
  const memoryBytes = checkMemoryBytes(options.memoryBytes);
  const partitionBytes = Math.floor(memoryBytes / 4);
  const tokenizer = new Tokenizer(params);
  const written: string[] = [];
  const files: IndexFile[] = [];
  const partitionIds: number[] = [];
  // a page of posting blocks is held while it is written: 1/16 of a partition, 16 KiB to 4 MiB
  const partitionOptions: PartitionOptions = {
    postingChunk: postingChunkFor(partitionBytes),
    invertPageBytes: Math.max(16 * 1024, Math.min(INVERT_PAGE_BYTES, Math.floor(partitionBytes / 16))),
  };
  let partition = new PartitionBuilder(tokenizer, partitionOptions);
  // what merging the partitions written would hold (see merge.ts)
  let mergeBytes = 0;
  const flush = async (): Promise<void> => {
    const id = partitionIds.length;
    mergeBytes += partition.numDocs * MERGE_BYTES_PER_DOC;
    const partFiles = await partition.write(store, dir, id, (path) => written.push(path));
    for (const f of partFiles) {
      if (f.path.endsWith("_tokens.lance")) mergeBytes += f.sizeBytes * MERGE_BYTES_PER_TOKEN_FILE_BYTE;
      // a window of the posting file as read
      if (f.path.endsWith("_invert.lance")) mergeBytes += Math.min(MERGE_WINDOW_BYTES, f.sizeBytes);
    }
    files.push(...partFiles);
    partitionIds.push(id);
    partition = new PartitionBuilder(tokenizer, partitionOptions);
  };
  try {
    for await (const batch of input.batches(textStreamOptions(memoryBytes))) {
      const n = batch.rowIds.length;
      for (let at = 0; at < n; ) {
        at = partition.addDocs(batch.values, batch.rowIds, at, n, partitionBytes);
        if (partition.bytes >= partitionBytes) await flush();
      }
    }
    if (partition.numDocs > 0 || partitionIds.length === 0) await flush();
    // the merged posting file in pages of up to 16 MiB of blocks, as Lance writes them, within a quarter of a partition's share
    const mergedPageBytes = Math.max(partitionOptions.invertPageBytes!, Math.min(MERGED_INVERT_PAGE_BYTES, Math.floor(partitionBytes / 4)));
    if (partitionIds.length > 1 && partitionIds.length <= MAX_MERGED_PARTITIONS && mergeBytes + mergedPageBytes <= 2 * partitionBytes) {
      const merged = partitionIds.length;
      const mergedFiles = await mergePartitions(store, dir, partitionIds, merged, mergedPageBytes, (path) => written.push(path));
      written.push(`${dir}/metadata.lance`);
      return await finishSegment(store, dir, tokenizer, [merged], mergedFiles);
    }
    written.push(`${dir}/metadata.lance`);
    return await finishSegment(store, dir, tokenizer, partitionIds, files);
  } catch (err) {
    for (const path of written) await store.delete(path).catch(() => undefined);
    throw err;
  }
}
