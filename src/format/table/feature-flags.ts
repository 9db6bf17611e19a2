// Dataset feature flags (Manifest.reader_feature_flags / writer_feature_flags).
// A reader must refuse a dataset that sets a reader flag it does not implement;
// a writer must refuse one with an unknown writer flag.

import { LanceError } from "../../core/errors.js";

export const FLAG_DELETION_FILES = 1n;
export const FLAG_STABLE_ROW_IDS = 2n;
export const FLAG_USE_V2_FORMAT_DEPRECATED = 4n;
export const FLAG_TABLE_CONFIG = 8n;
export const FLAG_BASE_PATHS = 16n;
export const FLAG_DISABLE_TRANSACTION_FILE = 32n;
export const FLAG_DATA_OVERLAY_FILES = 64n;
export const FLAG_COVERED_INDEX_METADATA = 128n;
export const FLAG_MIXED_DATA_FILE_VERSIONS = 256n;
export const FLAG_FRAGMENT_REUSE_STABLE_ROW_IDS = 512n;
export const FLAG_FRAGMENT_REUSE_INDEX = 1024n;
export const FLAG_BLOB_SEMANTIC_TYPES = 2048n;

const FLAG_NAMES = new Map<bigint, string>([
  [FLAG_DELETION_FILES, "DELETION_FILES"],
  [FLAG_STABLE_ROW_IDS, "STABLE_ROW_IDS"],
  [FLAG_USE_V2_FORMAT_DEPRECATED, "USE_V2_FORMAT_DEPRECATED"],
  [FLAG_TABLE_CONFIG, "TABLE_CONFIG"],
  [FLAG_BASE_PATHS, "BASE_PATHS"],
  [FLAG_DISABLE_TRANSACTION_FILE, "DISABLE_TRANSACTION_FILE"],
  [FLAG_DATA_OVERLAY_FILES, "DATA_OVERLAY_FILES"],
  [FLAG_COVERED_INDEX_METADATA, "COVERED_INDEX_METADATA"],
  [FLAG_MIXED_DATA_FILE_VERSIONS, "MIXED_DATA_FILE_VERSIONS"],
  [FLAG_FRAGMENT_REUSE_STABLE_ROW_IDS, "FRAGMENT_REUSE_STABLE_ROW_IDS"],
  [FLAG_FRAGMENT_REUSE_INDEX, "FRAGMENT_REUSE_INDEX"],
  [FLAG_BLOB_SEMANTIC_TYPES, "BLOB_SEMANTIC_TYPES"],
]);

// Where the newest flags come from, for refusals: what each means and which
// Lance first knows it. Checked against pylance 14.0.2, which reads and writes
// tables with 1024 (both bits, as it requires) or 2048 set and refuses 512
// like any unknown flag. None of the three is set by pylance 14 on tables it
// writes with default options, blob columns, stable row ids or compaction with
// deferred index remap.
const FLAG_ORIGINS = new Map<bigint, string>([
  [FLAG_FRAGMENT_REUSE_STABLE_ROW_IDS, "fragment reuse with stable row ids, newer than Lance 14, whose pylance 14.0.2 refuses it too"],
  [FLAG_FRAGMENT_REUSE_INDEX, "a tagged fragment-reuse index history, Lance 14"],
  [FLAG_BLOB_SEMANTIC_TYPES, "blob and semantic column types, Lance 14"],
]);

/** Reader flags lancets implements. */
export const SUPPORTED_READER_FLAGS =
  FLAG_DELETION_FILES |
  FLAG_STABLE_ROW_IDS |
  FLAG_USE_V2_FORMAT_DEPRECATED |
  FLAG_TABLE_CONFIG |
  FLAG_DISABLE_TRANSACTION_FILE |
  FLAG_MIXED_DATA_FILE_VERSIONS;

/** Writer flags lancets honours when it writes a version. */
export const SUPPORTED_WRITER_FLAGS = FLAG_DELETION_FILES | FLAG_STABLE_ROW_IDS | FLAG_USE_V2_FORMAT_DEPRECATED | FLAG_TABLE_CONFIG | FLAG_DISABLE_TRANSACTION_FILE;

export function flagName(bit: bigint): string {
  return FLAG_NAMES.get(bit) ?? `unknown flag ${bit} (bit ${bit.toString(2).length - 1})`;
}

function bitsOf(flags: bigint): bigint[] {
  const bits: bigint[] = [];
  for (let bit = 1n; bit <= flags; bit <<= 1n) if ((flags & bit) !== 0n) bits.push(bit);
  return bits;
}

export function describeFlags(flags: bigint): string[] {
  return bitsOf(flags).map(flagName);
}

/** Throws NOT_SUPPORTED naming the first flag in `flags` outside `supported`. */
export function checkFeatureFlags(flags: bigint, supported: bigint, role: "reader" | "writer", where: string): void {
  const unknown = flags & ~supported;
  if (unknown === 0n) return;
  const names = describeFlags(unknown).map((name, i) => {
    const origin = FLAG_ORIGINS.get(bitsOf(unknown)[i]!);
    return origin ? `${name} (${origin})` : name;
  });
  throw new LanceError(
    "NOT_SUPPORTED",
    `${where} needs ${role} feature flag${names.length > 1 ? "s" : ""} ${names.join(", ")} that lancets does not implement (${role}_feature_flags=${flags})`,
  );
}
