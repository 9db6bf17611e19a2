// The storage abstraction lancets runs on. Paths are relative to the store's
// root and use "/" separators; the store knows nothing about Lance.

import { LanceError } from "../core/errors.js";

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
