// Index kinds as named by their IndexMetadata.index_details type URL. Lance
// compares type URLs case-insensitively; INVERTED and FTS are one kind, which
// Lance reports as "FTS".

export type ScalarIndexType = "BTREE" | "BITMAP" | "ZONEMAP" | "FTS";

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
};

/** Names of Lance's system indices, which are not user-visible indexes. */
export const SYSTEM_INDEX_NAMES: ReadonlySet<string> = new Set(["__lance_frag_reuse", "__lance_mem_wal"]);

/**
 * The index kind for a type URL, or, for indexes written before details
 * existed, from the files in the segment.
 */
export function indexTypeName(typeUrl: string | undefined, fileNames: readonly string[] = []): string {
  if (typeUrl !== undefined && typeUrl.length > 0) {
    const lower = typeUrl.toLowerCase();
    for (const [suffix, name] of KNOWN) if (lower.endsWith(`.${suffix}`) || lower.endsWith(`/${suffix}`)) return name;
    const last = typeUrl.slice(typeUrl.lastIndexOf(".") + 1).replace(/IndexDetails$/, "");
    return last.toUpperCase() || "UNKNOWN";
  }
  if (fileNames.includes("page_lookup.lance")) return "BTREE";
  if (fileNames.includes("bitmap_page_lookup.lance")) return "BITMAP";
  if (fileNames.includes("zonemap.lance")) return "ZONEMAP";
  if (fileNames.includes("metadata.lance")) return "FTS";
  return "UNKNOWN";
}

/** Parses a user-supplied index type; INVERTED is accepted as FTS. */
export function parseScalarIndexType(text: string): ScalarIndexType | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === "INVERTED") return "FTS";
  if (upper === "BTREE" || upper === "BITMAP" || upper === "ZONEMAP" || upper === "FTS") return upper;
  return undefined;
}
