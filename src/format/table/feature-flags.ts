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

export function describeFlags(flags: bigint): string[] {
  const names: string[] = [];
  for (let bit = 1n; bit <= flags; bit <<= 1n) if ((flags & bit) !== 0n) names.push(flagName(bit));
  return names;
}

/** Throws NOT_SUPPORTED naming the first flag in `flags` outside `supported`. */
export function checkFeatureFlags(flags: bigint, supported: bigint, role: "reader" | "writer", where: string): void {
  const unknown = flags & ~supported;
  if (unknown === 0n) return;
  const names = describeFlags(unknown);
  throw new LanceError(
    "NOT_SUPPORTED",
    `${where} needs ${role} feature flag${names.length > 1 ? "s" : ""} ${names.join(", ")} that lancets does not implement (${role}_feature_flags=${flags})`,
  );
}
