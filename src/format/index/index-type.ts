// Index kinds as named by their IndexMetadata.index_details type URL. Lance
// compares type URLs case-insensitively; INVERTED and FTS are one kind, which
// Lance reports as "FTS".

import { LanceError } from "../../core/errors.js";

export type ScalarIndexType = "BTREE" | "BITMAP" | "ZONEMAP" | "FTS" | "LABEL_LIST" | "BLOOMFILTER" | "NGRAM";

const KNOWN: ReadonlyArray<[suffix: string, name: string]> = [
  ["btreeindexdetails", "BTREE"],
  ["bitmapindexdetails", "BITMAP"],
  ["zonemapindexdetails", "ZONEMAP"],
  ["invertedindexdetails", "FTS"],
  ["labellistindexdetails", "LABEL_LIST"],
  ["ngramindexdetails", "NGRAM"],
  ["bloomfilterindexdetails", "BLOOMFILTER"],
  ["vectorindexdetails", "VECTOR"],
  ["fragmentreuseindexdetails", "FRAG_REUSE"],
  ["memwalindexdetails", "MEM_WAL"],
];

export const TYPE_URLS: Record<ScalarIndexType, string> = {
  BTREE: "/lance.table.BTreeIndexDetails",
  BITMAP: "/lance.table.BitmapIndexDetails",
  ZONEMAP: "/lance.table.ZoneMapIndexDetails",
  FTS: "/lance.table.InvertedIndexDetails",
  LABEL_LIST: "/lance.table.LabelListIndexDetails",
  BLOOMFILTER: "/lance.index.pb.BloomFilterIndexDetails",
  NGRAM: "/lance.table.NGramIndexDetails",
};

/** Names of Lance's system indices, which are not user-visible indexes. */
export const SYSTEM_INDEX_NAMES: ReadonlySet<string> = new Set(["__lance_frag_reuse", "__lance_mem_wal"]);

/**
 * The column an index is on, as far as it decides the kind of an index
 * written before details existed: vector columns hold vector indexes, list
 * columns label-list indexes.
 */
export type IndexedColumnKind = "vector" | "list" | "scalar";

/**
 * The index kind for a type URL, or, for indexes written before details
 * existed, from the indexed column and the files in the segment directory,
 * in Lance's order: a vector or list column decides; then
 * bitmap_page_lookup.lance is a BITMAP, metadata.lance or the older
 * invert.lance a full-text index, anything else a BTREE.
 */
export function indexTypeName(typeUrl: string | undefined, fileNames: readonly string[] = [], column?: IndexedColumnKind): string {
  if (typeUrl !== undefined && typeUrl.length > 0) {
    const lower = typeUrl.toLowerCase();
    for (const [suffix, name] of KNOWN) if (lower.endsWith(`.${suffix}`) || lower.endsWith(`/${suffix}`)) return name;
    const last = typeUrl.slice(typeUrl.lastIndexOf(".") + 1).replace(/IndexDetails$/, "");
    return last.toUpperCase() || "UNKNOWN";
  }
  if (column === "vector") return "VECTOR";
  if (column === "list") return "LABEL_LIST";
  if (fileNames.includes("bitmap_page_lookup.lance")) return "BITMAP";
  if (fileNames.includes("metadata.lance") || fileNames.includes("invert.lance")) return "FTS";
  if (fileNames.includes("zonemap.lance")) return "ZONEMAP";
  if (fileNames.includes("page_lookup.lance")) return "BTREE";
  // Lance takes any other details-less scalar index for a BTREE; with
  // nothing known about the column or the files, say so instead.
  return column === "scalar" ? "BTREE" : "UNKNOWN";
}

/**
 * The newest index_version of each kind lancets reads with the meaning it
 * gives it (Lance 12 reads BTREE, BITMAP and ZONEMAP 0 and full-text up to 3).
 * Full-text version 3, Lance 14's newest posting format, stores its 128-document
 * posting blocks as version 2 does; it may also have 256-document blocks
 * (posting-block256.ts); other block sizes are not used (unreadableFtsBlocks). BTREE version 1, which Lance 14
 * writes on datasets with stable row ids, holds row addresses where version 0
 * holds row ids, in the same files. LABEL_LIST version 1 (Lance 12's, which
 * lancets writes) is version 0's bitmap file plus a bitmap of the null lists. A segment with a newer version, or a
 * details-less one with any version above 0, may mean something else (a newer
 * BITMAP version stores row addresses instead of row ids) and is never used.
 */
const READABLE_VERSIONS: Readonly<Record<string, number>> = { BTREE: 1, BITMAP: 0, ZONEMAP: 0, FTS: 3, LABEL_LIST: 1, BLOOMFILTER: 0, NGRAM: 0 };

/** The posting block sizes lancets decodes. */
export const READABLE_FTS_BLOCK_SIZES: readonly number[] = [128, 256];

/** Why lancets must not use a full-text segment with posting blocks of `blockSize` documents, or undefined when it may. */
export function unreadableFtsBlocks(blockSize: number | undefined): string | undefined {
  if (blockSize === undefined || READABLE_FTS_BLOCK_SIZES.includes(blockSize)) return undefined;
  return `posting blocks of ${blockSize} documents, which lancets does not decode (it reads blocks of ${READABLE_FTS_BLOCK_SIZES.join(" and ")})`;
}

/** Whether a segment of this kind and index_version maps values to row addresses rather than row ids. */
export function holdsRowAddresses(indexType: string, indexVersion: number | undefined): boolean {
  return indexType === "ZONEMAP" || (indexType === "BTREE" && (indexVersion ?? 0) >= 1);
}

/** Why lancets must not use a segment of this kind and index_version, or undefined when it may. */
export function unreadableIndexVersion(indexType: string, indexVersion: number | undefined, hasDetails: boolean): string | undefined {
  const version = indexVersion ?? 0;
  const newest = hasDetails ? READABLE_VERSIONS[indexType] : 0;
  if (newest === undefined) return undefined;
  if (version <= newest) return undefined;
  return `index_version ${version} is newer than the ${indexType} versions lancets reads (up to ${newest})`;
}

/** Parses a user-supplied index type; INVERTED is accepted as FTS. */
export function parseScalarIndexType(text: string): ScalarIndexType | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === "INVERTED") return "FTS";
  if (upper === "LABELLIST") return "LABEL_LIST";
  if (upper === "BLOOM_FILTER") return "BLOOMFILTER";
  if (upper === "BTREE" || upper === "BITMAP" || upper === "ZONEMAP" || upper === "FTS" || upper === "LABEL_LIST" || upper === "BLOOMFILTER" || upper === "NGRAM") return upper;
  return undefined;
}

/**
 * Throws NOT_SUPPORTED when `added` segments would join `kept` segments of the
 * same index that map values to the other kind of row identity (row ids or
 * row addresses): Lance 14 refuses such an index, and lancets writes row ids.
 */
export function checkSameRowIdentity(name: string, indexType: string, kept: readonly { indexVersion?: number | undefined }[], added: readonly { indexVersion?: number | undefined }[]): void {
  const addresses = (s: { indexVersion?: number | undefined }): boolean => holdsRowAddresses(indexType, s.indexVersion);
  const other = kept.find((k) => added.some((a) => addresses(a) !== addresses(k)));
  if (other === undefined) return;
  const versions = [...new Set(added.map((a) => a.indexVersion ?? 0))].join(", ");
  throw new LanceError(
    "NOT_SUPPORTED",
    `index "${name}" has ${indexType} segments of index_version ${other.indexVersion ?? 0} (row ${addresses(other) ? "addresses" : "ids"}); segments of index_version ${versions} (row ${addresses(other) ? "ids" : "addresses"}) cannot join them (Lance 14 refuses an index that mixes the two); rebuild the whole index instead`,
  );
}
