// Index details messages (IndexMetadata.index_details) as plain values:
// BTREE, BITMAP and LABEL_LIST details are empty; ZONEMAP carries rows_per_zone, use_seeds
// and has_null_bitmap.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CorruptFileError } from "../../core/errors.js";
import { BitmapIndexDetailsSchema, BTreeIndexDetailsSchema, InvertedIndexDetailsSchema, ZoneMapIndexDetailsSchema } from "../pb/index_details_pb.js";
import type { IndexDetails } from "../table/types.js";
import { TYPE_URLS } from "./index-type.js";

export function btreeDetails(): IndexDetails {
  return { typeUrl: TYPE_URLS.BTREE, value: toBinary(BTreeIndexDetailsSchema, create(BTreeIndexDetailsSchema)) };
}

export function bitmapDetails(): IndexDetails {
  return { typeUrl: TYPE_URLS.BITMAP, value: toBinary(BitmapIndexDetailsSchema, create(BitmapIndexDetailsSchema)) };
}

/** LABEL_LIST details: an empty LabelListIndexDetails message. */
export function labelListDetails(): IndexDetails {
  return { typeUrl: TYPE_URLS.LABEL_LIST, value: new Uint8Array(0) };
}

export interface ZoneMapDetails {
  rowsPerZone?: number;
  useSeeds?: boolean;
  hasNullBitmap?: boolean;
}

export function zoneMapDetails(d: ZoneMapDetails): IndexDetails {
  const pb = create(ZoneMapIndexDetailsSchema, {
    ...(d.rowsPerZone !== undefined ? { rowsPerZone: BigInt(d.rowsPerZone) } : {}),
    ...(d.useSeeds !== undefined ? { useSeeds: d.useSeeds } : {}),
    ...(d.hasNullBitmap !== undefined ? { hasNullBitmap: d.hasNullBitmap } : {}),
  });
  return { typeUrl: TYPE_URLS.ZONEMAP, value: toBinary(ZoneMapIndexDetailsSchema, pb) };
}

export function decodeZoneMapDetails(bytes: Uint8Array, where: string): ZoneMapDetails {
  let pb;
  try {
    pb = fromBinary(ZoneMapIndexDetailsSchema, bytes);
  } catch (err) {
    throw new CorruptFileError(where, undefined, `cannot decode zone map details: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: ZoneMapDetails = {};
  if (pb.rowsPerZone !== undefined) out.rowsPerZone = Number(pb.rowsPerZone);
  if (pb.useSeeds !== undefined) out.useSeeds = pb.useSeeds;
  if (pb.hasNullBitmap !== undefined) out.hasNullBitmap = pb.hasNullBitmap;
  return out;
}

export interface InvertedDetails {
  baseTokenizer: string;
  language: string;
  withPosition: boolean;
  maxTokenLength: number | null;
  lowerCase: boolean;
  stem: boolean;
  removeStopWords: boolean;
  asciiFolding: boolean;
}

export function invertedDetails(d: InvertedDetails): IndexDetails {
  const pb = create(InvertedIndexDetailsSchema, {
    baseTokenizer: d.baseTokenizer,
    // the language is stored JSON-encoded, quotes included
    language: JSON.stringify(d.language),
    withPosition: d.withPosition,
    ...(d.maxTokenLength !== null ? { maxTokenLength: d.maxTokenLength } : {}),
    lowerCase: d.lowerCase,
    stem: d.stem,
    removeStopWords: d.removeStopWords,
    asciiFolding: d.asciiFolding,
    minNgramLength: 3,
    maxNgramLength: 3,
    prefixOnly: false,
    blockSize: 128,
  });
  return { typeUrl: TYPE_URLS.FTS, value: toBinary(InvertedIndexDetailsSchema, pb) };
}

/**
 * Documents per posting block of a full-text segment, from its details
 * (block_size; Lance 14 writes 128 or, when asked, 256), or undefined when
 * the details do not say (128) or cannot be decoded.
 */
export function invertedBlockSize(bytes: Uint8Array): number | undefined {
  try {
    return fromBinary(InvertedIndexDetailsSchema, bytes).blockSize;
  } catch {
    return undefined;
  }
}

export function decodeInvertedDetails(bytes: Uint8Array, where: string): InvertedDetails {
  let pb;
  try {
    pb = fromBinary(InvertedIndexDetailsSchema, bytes);
  } catch (err) {
    throw new CorruptFileError(where, undefined, `cannot decode inverted index details: ${err instanceof Error ? err.message : String(err)}`);
  }
  let language = "English";
  try {
    language = pb.language ? (JSON.parse(pb.language) as string) : "English";
  } catch {
    language = pb.language;
  }
  return {
    baseTokenizer: pb.baseTokenizer ?? "simple",
    language,
    withPosition: pb.withPosition,
    maxTokenLength: pb.maxTokenLength ?? null,
    lowerCase: pb.lowerCase,
    stem: pb.stem,
    removeStopWords: pb.removeStopWords,
    asciiFolding: pb.asciiFolding,
  };
}
