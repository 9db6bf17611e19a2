// The storage abstraction lancets runs on. Paths are relative to the store's
// root and use "/" separators; the store knows nothing about Lance.

export interface ObjectMeta {
  /** Path relative to the store root. */
  path: string;
  size: number;
  /** Milliseconds since the Unix epoch, when the store knows it. */
  lastModified?: number;
}

export interface ObjectStore {
  /** Human-readable location of the root, used in messages. */
  readonly uri: string;
  /** Size in bytes; NOT_FOUND if the object does not exist. */
  size(path: string): Promise<number>;
  /** Whole object; NOT_FOUND if it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /**
   * Bytes [byteOffset, byteOffset + byteLength); CORRUPT_FILE when the range
   * passes the end of the object, NOT_FOUND when it does not exist.
   */
  readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /** Writes the whole object, replacing any previous one atomically. */
  put(path: string, data: Uint8Array): Promise<void>;
  /** Creates the object only if absent; returns false (writing nothing) when it exists. */
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Objects whose path starts with `prefix` (a directory prefix ends with "/"), in no particular order. */
  list(prefix: string): Promise<ObjectMeta[]>;
  /** Removes the object; succeeds when it is already gone. */
  delete(path: string): Promise<void>;
}

/** Joins store-relative path segments with "/". */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join("/")
    .replace(/\/{2,}/g, "/");
}
