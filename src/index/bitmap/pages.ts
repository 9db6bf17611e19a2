// The BITMAP lookup file written page by page: entries (key, RowAddrTreeMap
// bytes) arrive in key order and a page ends once its keys and bitmaps reach
// a byte limit, so only one page of entries is held before it is encoded and
// sent to the store.
// The in-memory and the spilled build both write through this, so the page
// cuts, and with them the files, are the same for the same entries.

import type { Data, DataType } from "apache-arrow";
import { nullData } from "../../core/arrow-data.js";
import { fixedWidthBits } from "../../format/file/arrow-build.js";
import { PagedFileWriter, writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf } from "../arrow-columns.js";
import type { EntrySink } from "./groups.js";

/** Bytes of keys and bitmaps a page of the lookup file holds at most (unless one entry is larger). */
export const BITMAP_PAGE_BYTES = 1024 * 1024;

/** Bytes of key `i` as the page limit counts them: string and binary bytes, or the fixed width. */
export function keyByteLength(data: Data, i: number): number {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (offsets) return Number(offsets[i + 1]!) - Number(offsets[i]!);
  return Math.max(1, (fixedWidthBits(data.type) ?? 8) >> 3);
}

function lookupSchemaOf(valueType: DataType) {
  return tableOf([
    { name: "keys", data: nullData(valueType, 0), nullable: true },
    { name: "bitmaps", data: binaryData([]), nullable: false },
  ]).schema;
}

/** Collects entries into pages and writes each page to the store as it closes. */
export class BitmapFileWriter implements EntrySink {
  private readonly metadata: Record<string, string> = {};
  private file: PagedFileWriter | undefined;
  private pageBitmaps: Uint8Array[] = [];
  private pageBytes = 0;
  entries = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly path: string,
    private readonly valueType: DataType,
    private readonly maxPageBytes = BITMAP_PAGE_BYTES,
    /** Further schema metadata of the file (LABEL_LIST names its null-list bitmap here). */
    extraMetadata: Record<string, string> = {},
    /** Extra global buffers (from index 1); the caller may fill the array until `finish`. */
    private readonly globalBuffers: Uint8Array[] = [],
  ) {
    Object.assign(this.metadata, extraMetadata);
  }

  /**
   * Adds one entry's size and bitmap; true when the page is now full, and
   * the caller hands its keys to closePage.
   */
  add(keyBytes: number, bitmap: Uint8Array): boolean {
    this.pageBitmaps.push(bitmap);
    this.pageBytes += keyBytes + bitmap.byteLength;
    this.entries++;
    return this.pageBytes >= this.maxPageBytes;
  }

  /** Rows of the open page. */
  get pageRows(): number {
    return this.pageBitmaps.length;
  }

  /** Writes the open page with its keys (one per entry added since the last page). */
  async closePage(keys: Data): Promise<void> {
    if (this.pageBitmaps.length === 0) return;
    this.file ??= await PagedFileWriter.open(this.store, this.path, lookupSchemaOf(this.valueType), { metadata: this.metadata, globalBuffers: this.globalBuffers });
    const bitmaps = this.pageBitmaps;
    this.pageBitmaps = [];
    this.pageBytes = 0;
    await this.file.addPage([keys, binaryData(bitmaps)]);
  }

  /** Writes the rest of the file (the open page must be closed) and makes it visible; returns its size in bytes. */
  async finish(): Promise<number> {
    const stats = JSON.stringify({ num_bitmaps: this.entries });
    if (!this.file) {
      const empty = tableOf(
        [
          { name: "keys", data: nullData(this.valueType, 0), nullable: true },
          { name: "bitmaps", data: binaryData([]), nullable: false },
        ],
        { ...this.metadata, "lance:index_stats": stats },
      );
      return writeArrowFile(this.store, this.path, empty, { globalBuffers: this.globalBuffers });
    }
    this.metadata["lance:index_stats"] = stats;
    return await this.file.finish();
  }

  /** Discards a file begun (after a failure). */
  async abort(): Promise<void> {
    await this.file?.abort();
  }
}
