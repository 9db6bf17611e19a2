// The storage abstraction lancets runs on. Paths are relative to the store's
// root and use "/" separators; the store knows nothing about Lance.

import { CorruptFileError, LanceError } from "../core/errors.js";

/**
 * The largest single read a store issues to its backend: a longer range is
 * read in pieces of this size into one buffer (Node's fs.read aborts the
 * process on a length of 2^31 or more).
 */
export const READ_CHUNK_BYTES = 128 * 1024 * 1024;

/**
 * The largest result of one read a store returns by default: V8's limit for a
 * typed array (2^32 bytes); a store can be given a lower cap.
 */
export const DEFAULT_MAX_READ_BYTES = 2 ** 32;

export interface ReadOptions {
  /**
   * The largest object the caller accepts: a larger one is CORRUPT_FILE,
   * refused before anything is allocated or read. Callers set it from what
   * the format allows for the object (a manifest, a deletion file).
   */
  maxBytes?: number;
}

export interface ListOptions {
  /**
   * Enough objects for the caller. A store whose `listsInKeyOrder` is true
   * may then answer with only the first `limit` objects in key order (a
   * service's first page instead of all of them); other stores list
   * everything. Fewer than `limit` objects is always the whole listing.
   */
  limit?: number;
}

export interface ObjectMeta {
  /** Path relative to the store root. */
  path: string;
  size: number;
  /** Milliseconds since the Unix epoch, when the store knows it. */
  lastModified?: number;
}

/** An upload in parts that was begun and neither completed nor aborted (an S3 multipart upload). */
export interface PendingUpload {
  /** The object it would create, relative to the store root. */
  path: string;
  /** The service's id of the upload. */
  uploadId: string;
  /** When it was begun, in milliseconds since the Unix epoch, by the service's clock. */
  startedAt: number;
}

export interface ObjectStore {
  /** Human-readable location of the root, used in messages. */
  readonly uri: string;
  /**
   * For stores reached over the network: the storage options (as resolved when
   * the store was opened, credentials included) with which another thread of
   * this process opens the same location. Never sent to other machines.
   */
  readonly storageOptions?: Readonly<Record<string, string>>;
  /** Size in bytes; NOT_FOUND if the object does not exist. */
  size(path: string): Promise<number>;
  /**
   * Whole object; NOT_FOUND if it does not exist, CORRUPT_FILE (before any
   * allocation) when it is larger than `options.maxBytes`.
   */
  read(path: string, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * Bytes [byteOffset, byteOffset + byteLength); CORRUPT_FILE when the range
   * passes the end of the object, NOT_FOUND when it does not exist. A range
   * longer than the store's cap on one result is NOT_SUPPORTED.
   */
  readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /** Writes the whole object, replacing any previous one atomically. */
  put(path: string, data: Uint8Array): Promise<void>;
  /** Creates the object only if absent; returns false (writing nothing) when it exists. */
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /**
   * True when `list` returns objects in ascending byte order of their paths
   * (S3, Azure Blob and GCS list keys so), which lets a caller ask for only
   * the first objects.
   */
  readonly listsInKeyOrder?: boolean;
  /**
   * True when `list` leaves out names that exist but are not objects (a
   * directory on a file system where a file belongs): a caller that must not
   * skip a damaged entry asks for the name itself.
   */
  readonly listOmitsNonObjects?: boolean;
  /**
   * Objects whose path starts with `prefix` (a directory prefix ends with
   * "/"), in no particular order unless `listsInKeyOrder`.
   */
  list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]>;
  /** Removes the object; succeeds when it is already gone. */
  delete(path: string): Promise<void>;
  /**
   * Starts writing one object piece by piece (S3 multipart, Azure blocks, a
   * temporary file renamed at the end). Stores without it are written through
   * `openObjectWriter`'s buffered fallback.
   */
  openWriter?(path: string): Promise<ObjectWriter>;
  /**
   * Uploads in parts begun under `prefix` and never completed or aborted (a
   * writer killed mid-upload leaves one; S3 keeps its parts, and bills them,
   * until it is aborted). Stores whose unfinished uploads expire by
   * themselves (Azure's uncommitted blocks, GCS resumable sessions) or leave
   * nothing behind do not have it.
   */
  listPendingUploads?(prefix: string): Promise<PendingUpload[]>;
  /** Aborts one upload `listPendingUploads` gave, discarding its parts; succeeds when it is already gone. */
  abortPendingUpload?(upload: PendingUpload): Promise<void>;
  /** Releases what the store holds open (a local store's open files); the store stays usable. */
  close?(): void | Promise<void>;
}

/**
 * One object being written in pieces. Nothing is visible at `path` until
 * `finish` succeeds, and then the whole object is (replacing any previous
 * one); `abort` discards what was written. After a failed `write` or
 * `finish` the caller calls `abort`.
 */
export interface ObjectWriter {
  /** Appends bytes. The writer may upload as it goes; the caller may reuse `chunk` once the promise settles. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the object visible whole; returns its size in bytes. */
  finish(): Promise<number>;
  /** Discards the partial object (and any upload begun); succeeds when there is nothing to discard. */
  abort(): Promise<void>;
}

/**
 * A writer for `path`: the store's own when it has one, otherwise one that
 * collects the pieces and puts the whole object on `finish`.
 */
export async function openObjectWriter(store: ObjectStore, path: string): Promise<ObjectWriter> {
  if (store.openWriter) return await store.openWriter(path);
  return new BufferedObjectWriter(store, path);
}

class BufferedObjectWriter implements ObjectWriter {
  private pieces: Uint8Array[] = [];
  private size = 0;
  private done = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly path: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new LanceError("INTERNAL", `write to ${this.path} after the writer finished or aborted`);
    this.pieces.push(chunk.slice());
    this.size += chunk.byteLength;
  }

  async finish(): Promise<number> {
    if (this.done) throw new LanceError("INTERNAL", `finish of ${this.path} after the writer finished or aborted`);
    const whole = allocateReadBuffer(this.path, this.size);
    let at = 0;
    for (const piece of this.pieces) {
      whole.set(piece, at);
      at += piece.byteLength;
    }
    this.pieces = [];
    await this.store.put(this.path, whole);
    this.done = true;
    return this.size;
  }

  async abort(): Promise<void> {
    this.pieces = [];
    this.done = true;
  }
}

/** Joins store-relative path segments with "/". */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join("/")
    .replace(/\/{2,}/g, "/");
}

/**
 * Checks that a store-relative path stays inside the store's root: no
 * absolute paths, no "." or ".." segments, no empty segments, no backslashes
 * or NUL bytes. Paths come from manifests, transactions and index metadata,
 * which are untrusted, so every store checks every path it is given. A
 * prefix for `list` may end with "/".
 */
export function checkStorePath(path: string, uri: string, isPrefix = false): string {
  const body = isPrefix && path.endsWith("/") ? path.slice(0, -1) : path;
  const bad =
    typeof path !== "string" ||
    (body.length === 0 && !(isPrefix && path.length === 0)) ||
    body.includes("\\") ||
    body.includes("\u0000") ||
    (body.length > 0 && body.split("/").some((s) => s === "" || s === "." || s === ".."));
  if (bad) throw new LanceError("CORRUPT_FILE", `path ${JSON.stringify(path)} leaves the dataset root ${uri} or is not a plain relative path; refused`);
  return path;
}

/**
 * Checks, before allocating, that a whole-object read of `size` bytes fits
 * the caller's limit (CORRUPT_FILE) and the store's own cap (NOT_SUPPORTED).
 */
export function checkWholeRead(path: string, size: number, options: ReadOptions | undefined, storeMaxBytes: number): void {
  const maxBytes = options?.maxBytes;
  if (maxBytes !== undefined && size > maxBytes) {
    throw new CorruptFileError(path, undefined, `object of ${size} bytes is larger than such a file can be (at most ${maxBytes} bytes); refused without reading it`);
  }
  checkReadLength(path, 0, size, storeMaxBytes);
}

/** Refuses (NOT_SUPPORTED) one read whose result would exceed `storeMaxBytes`. */
export function checkReadLength(path: string, byteOffset: number, byteLength: number, storeMaxBytes: number): void {
  if (byteLength > storeMaxBytes) {
    throw new LanceError(
      "NOT_SUPPORTED",
      `cannot read ${byteLength} bytes at byte ${byteOffset} of ${path} in one piece: more than the ${storeMaxBytes}-byte limit of a single read`,
    );
  }
}

/** A zeroed buffer of `byteLength` bytes; an allocation failure becomes a LanceError, never an uncaught RangeError. */
export function allocateReadBuffer(path: string, byteLength: number): Uint8Array {
  try {
    return new Uint8Array(byteLength);
  } catch (err) {
    throw new LanceError("NOT_SUPPORTED", `cannot allocate ${byteLength} bytes to read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
