// Upper bounds on the size of the table files lancets reads whole. Each
// object's size is checked against its bound before anything is allocated,
// so a manifest, transaction or deletion file of gigabytes (damage, or a
// sparse file) is refused as CORRUPT_FILE instead of being read into memory.

/**
 * A manifest: a few hundred bytes per fragment and per index, so even
 * millions of fragments stay far below this.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024 * 1024;

/** A transaction file lists at most what a manifest does. */
export const MAX_TRANSACTION_BYTES = MAX_MANIFEST_BYTES;

/** latest_version_hint.json holds one small JSON object. */
export const MAX_VERSION_HINT_BYTES = 64 * 1024;

/** Fixed room for the Arrow IPC framing or roaring headers of a deletion file. */
const DELETION_FILE_OVERHEAD_BYTES = 1024 * 1024;

/** When the manifest does not record a fragment's row counts (old manifests). */
const UNKNOWN_DELETION_FILE_BYTES = 1024 * 1024 * 1024;

/**
 * A deletion file holds one 32-bit row offset per deleted row (Arrow), or a
 * roaring bitmap of them, whose array containers take 2 bytes a row, bitmap
 * containers 8 KiB per 65,536 rows and headers 8 bytes per container: 8
 * bytes per row of the fragment is generous for both.
 */
export function maxDeletionFileBytes(physicalRows: number, numDeletedRows: number): number {
  const rows = Math.max(physicalRows, numDeletedRows);
  if (rows <= 0) return UNKNOWN_DELETION_FILE_BYTES;
  return Math.min(DELETION_FILE_OVERHEAD_BYTES + 8 * rows, 2 * UNKNOWN_DELETION_FILE_BYTES);
}
