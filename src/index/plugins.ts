// The scalar index kinds as plugins: how each builds a segment, and which
// plant seeds in new data files. The set a Dataset uses is a plain value made
// at the top (dataset/engine.ts) and passed down; nothing registers itself.

import type { Field } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { TYPE_URLS, type ScalarIndexType } from "../format/index/index-type.js";
import type { IndexMetadata, LanceField } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import type { SeedPlugin, SeedWriter } from "../table/seeds.js";
import { buildBitmapStreaming } from "./bitmap/build.js";
import { BTREE_BATCH_SIZE, buildBTreeStreaming, checkMemoryBytes, DEFAULT_MEMORY_BYTES } from "./btree/build.js";
import { buildInvertedStreaming } from "./inverted/build.js";
import { buildLabelList } from "./label-list/build.js";
import { buildBloomFilter, type BloomFilterParams } from "./bloomfilter/build.js";
import { buildNgram } from "./ngram/build.js";
import type { TokenizerParams } from "./inverted/tokenizer.js";
import type { BuiltSegmentFiles } from "./segment.js";
import type { TrainingInput } from "./training.js";
import { buildZoneMap } from "./zonemap/build.js";
import { createZoneMapSeedWriter } from "./zonemap/seed.js";

export interface IndexParams {
  /** ZONEMAP: live rows per zone (default 8192). */
  rowsPerZone?: number;
  /** ZONEMAP: plant and harvest seeds (default: Lance's rule for the column type). */
  useSeeds?: boolean;
  /** BTREE: rows per page (default 4096). */
  batchSize?: number;
  /**
   * BTREE, BITMAP, FTS: memory budget of one segment build in bytes
   * (default 256 MiB, at least 1 MiB; BITMAP at least 4 MiB). BTREE and
   * BITMAP input past a quarter of it is spilled in sorted runs to temporary
   * files under the segment folder and merged; FTS writes a partition each
   * time a quarter of it fills.
   */
  memoryBytes?: number;
  /** INVERTED / FTS tokenizer options (defaults are Lance's). */
  baseTokenizer?: "simple" | "whitespace" | "raw";
  language?: string;
  maxTokenLength?: number | null;
  lowerCase?: boolean;
  stem?: boolean;
  removeStopWords?: boolean;
  asciiFolding?: boolean;
  /** BLOOMFILTER: live rows per zone (default 8192) and false positive probability (default 0.00057), as Lance's number_of_items and probability. */
  numberOfItems?: number;
  probability?: number;
}

/** One kind of scalar index: its segment builder and, when it has them, its seeds. */
export interface ScalarIndexPlugin extends SeedPlugin {
  readonly indexType: ScalarIndexType;
  readonly typeUrl: string;
  /** Writes the files of one segment under `dir` from its training input (loaded whole or streamed, as the kind needs). */
  build(store: ObjectStore, dir: string, training: TrainingInput, params: IndexParams): Promise<BuiltSegmentFiles>;
  createSeedWriter?(index: IndexMetadata, column: LanceField, arrowField: Field): SeedWriter | undefined;
}

function tokenizerParams(params: IndexParams): Partial<TokenizerParams> {
  const out: Partial<TokenizerParams> = {};
  if (params.baseTokenizer !== undefined) out.baseTokenizer = params.baseTokenizer;
  if (params.language !== undefined) out.language = params.language;
  if (params.maxTokenLength !== undefined) out.maxTokenLength = params.maxTokenLength;
  if (params.lowerCase !== undefined) out.lowerCase = params.lowerCase;
  if (params.stem !== undefined) out.stem = params.stem;
  if (params.removeStopWords !== undefined) out.removeStopWords = params.removeStopWords;
  if (params.asciiFolding !== undefined) out.asciiFolding = params.asciiFolding;
  return out;
}

export const BTREE_PLUGIN: ScalarIndexPlugin = {
  indexType: "BTREE",
  typeUrl: TYPE_URLS.BTREE,
  build: (store, dir, training, params) =>
    buildBTreeStreaming(store, dir, training, { batchSize: params.batchSize ?? BTREE_BATCH_SIZE, memoryBytes: checkMemoryBytes(params.memoryBytes ?? DEFAULT_MEMORY_BYTES) }),
};

export const BITMAP_PLUGIN: ScalarIndexPlugin = {
  indexType: "BITMAP",
  typeUrl: TYPE_URLS.BITMAP,
  build: (store, dir, training, params) => buildBitmapStreaming(store, dir, training, { memoryBytes: checkMemoryBytes(params.memoryBytes ?? DEFAULT_MEMORY_BYTES) }),
};

export const ZONEMAP_PLUGIN: ScalarIndexPlugin = {
  indexType: "ZONEMAP",
  typeUrl: TYPE_URLS.ZONEMAP,
  build: (store, dir, training, params) => buildZoneMap(store, dir, training, params),
  createSeedWriter: createZoneMapSeedWriter,
};

export const INVERTED_PLUGIN: ScalarIndexPlugin = {
  indexType: "FTS",
  typeUrl: TYPE_URLS.FTS,
  build: (store, dir, training, params) =>
    buildInvertedStreaming(store, dir, training, tokenizerParams(params), { memoryBytes: checkMemoryBytes(params.memoryBytes ?? DEFAULT_MEMORY_BYTES) }),
};

export const LABEL_LIST_PLUGIN: ScalarIndexPlugin = {
  indexType: "LABEL_LIST",
  typeUrl: TYPE_URLS.LABEL_LIST,
  build: (store, dir, training, params) => buildLabelList(store, dir, training, { memoryBytes: checkMemoryBytes(params.memoryBytes ?? DEFAULT_MEMORY_BYTES) }),
};

export const BLOOMFILTER_PLUGIN: ScalarIndexPlugin = {
  indexType: "BLOOMFILTER",
  typeUrl: TYPE_URLS.BLOOMFILTER,
  build: (store, dir, training, params) => {
    const options: BloomFilterParams = {};
    if (params.numberOfItems !== undefined) options.numberOfItems = params.numberOfItems;
    if (params.probability !== undefined) options.probability = params.probability;
    return buildBloomFilter(store, dir, training, options);
  },
};

export const NGRAM_PLUGIN: ScalarIndexPlugin = {
  indexType: "NGRAM",
  typeUrl: TYPE_URLS.NGRAM,
  build: (store, dir, training) => buildNgram(store, dir, training),
};

/** Every scalar index kind lancets builds. */
export function scalarIndexPlugins(): ScalarIndexPlugin[] {
  return [BTREE_PLUGIN, BITMAP_PLUGIN, ZONEMAP_PLUGIN, INVERTED_PLUGIN, LABEL_LIST_PLUGIN, BLOOMFILTER_PLUGIN, NGRAM_PLUGIN];
}

/** The plugin building `indexType`; NOT_SUPPORTED when the set given lacks it. */
export function pluginFor(plugins: readonly ScalarIndexPlugin[], indexType: ScalarIndexType): ScalarIndexPlugin {
  const plugin = plugins.find((p) => p.indexType === indexType);
  if (!plugin) {
    const known = plugins.map((p) => p.indexType).join(", ") || "none";
    throw new LanceError("NOT_SUPPORTED", `no ${indexType} index plugin in this engine (its index plugins: ${known})`);
  }
  return plugin;
}
