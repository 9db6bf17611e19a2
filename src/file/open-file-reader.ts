// Opens any Lance data file: the footer's magic and version words are read
// first, then the file goes to the 2.x reader or the legacy (v1) reader.
// Both present the same reading interface to tables and indexes.

import type { Data } from "apache-arrow";
import { CachePerOwner } from "../core/promise-cache.js";
import type { FileSchema } from "../format/file/column-metadata.js";
import { decodeFileVersion, type BufferRange } from "../format/file/footer.js";
import type { ObjectStore } from "../io/object-store.js";
import { LanceFileReader, readFileTail, type OpenFileOptions } from "./file-reader.js";
import { LegacyFileReader, type LegacyOpenOptions } from "./legacy-file-reader.js";

/** What readers of Lance files of every version offer. */
export interface DataFileReader {
  readonly path: string;
  readonly fileSize: number;
  /** "legacy", "2.0", "2.1", "2.2" or "2.3". */
  readonly fileVersion: string;
  readonly schema: FileSchema;
  readonly numRows: number;
  readonly globalBuffers: BufferRange[];
  hasField(fieldId: number): boolean;
  /** Bytes of every page buffer of these top-level fields (2.x files). */
  fieldBytes?(fieldIds: number[]): number;
  readGlobalBuffer(index: number): Promise<Uint8Array>;
  readFields(fieldIds: number[], range?: { start: number; end: number }): Promise<Map<number, Data>>;
  readFieldRanges(fieldIds: number[], ranges: { start: number; end: number }[] | undefined): Promise<Map<number, Data>>;
  /** Selected rows (sorted, distinct) of top-level fields. */
  readFieldRows(fieldIds: number[], rows: Uint32Array): Promise<Map<number, Data>>;
}

export type OpenDataFileOptions = OpenFileOptions & LegacyOpenOptions;

/** Readers remembered per store by openFileReaderCached. */
const OPEN_READERS = 256;
const openReaders = new CachePerOwner<ObjectStore, DataFileReader>(OPEN_READERS);

/** Opens a Lance file of any version; legacy data files take their fields from `options.fields`. */
export async function openFileReader(store: ObjectStore, path: string, options: OpenDataFileOptions = {}): Promise<DataFileReader> {
  const { fileSize, tailStart, tailBytes } = await readFileTail(store, path, options);
  const { fileVersion } = decodeFileVersion(tailBytes, fileSize, path);
  if (fileVersion === "legacy") return LegacyFileReader.fromTail(store, path, fileSize, tailStart, tailBytes, options);
  return LanceFileReader.fromTail(store, path, fileSize, tailStart, tailBytes);
}

function cacheKey(path: string, options: OpenDataFileOptions): string {
  // a legacy data file reads through the fields it is given, so they are part of its identity
  const fields = options.fields ? options.fields.map((f) => `${f.id}:${f.parentId}:${f.logicalType}:${f.nullable ? 1 : 0}`).join(",") : "";
  const ids = options.fieldIds ? options.fieldIds.join(",") : "";
  return `${path}\u0000${options.sizeBytes}\u0000${fields}\u0000${ids}`;
}

/**
 * Like openFileReader, remembering the last files opened through this store
 * (Lance files never change once written, and a known size pins the
 * version). Without a known size, or with dictionaries, the file is simply opened.
 */
export async function openFileReaderCached(store: ObjectStore, path: string, options: OpenDataFileOptions = {}): Promise<DataFileReader> {
  if (!options.sizeBytes || options.sizeBytes <= 0 || (options.dictionaries && options.dictionaries.size > 0)) return openFileReader(store, path, options);
  return openReaders.of(store).get(cacheKey(path, options), () => openFileReader(store, path, options));
}
