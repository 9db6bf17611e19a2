// Removing files no version of a dataset references: data files, transaction
// files and deletion files of failed or abandoned writes, and index segment
// directories of failed or abandoned builds (what Lance's cleanup removes as
// "unreferenced files"; versions themselves are never removed here).
//
// Safety rules:
//   - a file is removed only when no manifest in _versions/ references it (old
//     versions included); any manifest that cannot be read stops the cleanup,
//     since what it references cannot be known;
//   - a file is removed only when it is older than `olderThanMs`, so a write or
//     index build still in progress (its files written, its commit not yet
//     published) keeps them; a segment directory counts as old as its newest file;
//   - files are listed before versions are read, and the latest version is
//     checked again before anything is deleted, so a commit landing meanwhile
//     is taken into account.
//
// On S3 a writer killed mid-upload also leaves a multipart upload that was
// never completed: its parts are invisible but kept (and billed) until the
// upload is aborted. Cleanup aborts those begun under the dataset (under the
// directories of the kinds asked for) longer than `olderThanMs` ago; younger
// ones may belong to a write in progress; on a local disk the same goes for
// a killed writer's temporary file. Azure's uncommitted blocks and GCS
// resumable sessions expire by themselves (the services drop them after
// about a week), so those stores have nothing to abort.

import { LanceError } from "../core/errors.js";
import { decodeManifestFile } from "../format/table/manifest-file.js";
import { fragmentRowIdSource } from "../format/table/row-ids.js";
import { transactionFilePath } from "../format/table/version-names.js";
import type { ObjectMeta, ObjectStore, PendingUpload } from "../io/object-store.js";
import { listVersionLocations, type VersionLocation } from "./versions.js";
import { MAX_MANIFEST_BYTES } from "./file-limits.js";

export const DEFAULT_CLEANUP_AGE_MS = 3_600_000;

export type CleanupKind = "data" | "transaction" | "deletion" | "index";

export interface CleanupOptions {
  /** Only files older than this (default one hour): younger ones may belong to a write or build in progress. */
  olderThanMs?: number;
  /** Report what would be removed without removing anything. */
  dryRun?: boolean;
  /** Kinds of files to consider (default all). */
  kinds?: readonly CleanupKind[];
}

export interface CleanupFile {
  path: string;
  kind: CleanupKind;
  sizeBytes: number;
}

export interface CleanupResult {
  /** Files removed (or, with dryRun, that would be removed), sorted by path. */
  files: CleanupFile[];
  /** Unfinished uploads (S3 multipart uploads, local temporary files) aborted, or that would be, sorted by path. */
  uploads: PendingUpload[];
  /** Uuids of the index segment directories among them. */
  indexSegments: string[];
  bytes: number;
  dryRun: boolean;
}

const DIRS: Record<CleanupKind, string> = { data: "data/", transaction: "_transactions/", deletion: "_deletions/", index: "_indices/" };

interface References {
  paths: Set<string>;
  indexUuids: Set<string>;
}

async function addReferences(store: ObjectStore, location: VersionLocation, refs: References): Promise<void> {
  const where = `${store.uri}/${location.path}`;
  let bytes: Uint8Array;
  try {
    bytes = await store.read(location.path, { maxBytes: MAX_MANIFEST_BYTES });
  } catch (err) {
    throw new LanceError(err instanceof LanceError ? err.code : "IO", `cleanup stopped: version ${location.version} (${where}) cannot be read, so what it references is unknown: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let file;
  try {
    file = decodeManifestFile(bytes, where);
  } catch (err) {
    throw new LanceError("CORRUPT_FILE", `cleanup stopped: version ${location.version} cannot be decoded, so what it references is unknown: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const m = file.manifest;
  if (m.transactionFile) refs.paths.add(transactionFilePath(m.transactionFile));
  for (const f of m.fragments) {
    for (const d of f.files) refs.paths.add(`data/${d.path}`);
    const del = f.deletionFile;
    if (del) refs.paths.add(`_deletions/${f.id}-${del.readVersion}-${del.id}.${del.fileType === "bitmap" ? "bin" : "arrow"}`);
    const rowIds = fragmentRowIdSource(f);
    if (rowIds && "path" in rowIds) refs.paths.add(rowIds.path);
  }
  for (const i of file.indices) refs.indexUuids.add(i.uuid);
}

/** Removes (or lists, with dryRun) the files of `store` that no version references and that are older than the safety age. */
export async function cleanupUnreferenced(store: ObjectStore, options: CleanupOptions = {}): Promise<CleanupResult> {
  const olderThanMs = options.olderThanMs ?? DEFAULT_CLEANUP_AGE_MS;
  if (typeof olderThanMs !== "number" || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new LanceError("INVALID_INPUT", `olderThanMs must be a non-negative number of milliseconds, got ${String(olderThanMs)}`);
  }
  const kinds = new Set<CleanupKind>(options.kinds ?? ["data", "transaction", "deletion", "index"]);
  for (const k of kinds) if (!(k in DIRS)) throw new LanceError("INVALID_INPUT", `unknown cleanup kind "${String(k)}"; use data, transaction, deletion or index`);
  const dryRun = options.dryRun ?? false;
  const now = Date.now();
  const listed = new Map<CleanupKind, ObjectMeta[]>();
  for (const k of kinds) listed.set(k, await store.list(DIRS[k]));
  // every kind: anything under the dataset; otherwise under the kinds' directories
  const uploadPrefixes = kinds.size === Object.keys(DIRS).length ? [""] : [...kinds].map((k) => DIRS[k]);
  const uploads: PendingUpload[] = [];
  if (store.listPendingUploads && store.abortPendingUpload) {
    for (const prefix of uploadPrefixes) {
      for (const upload of await store.listPendingUploads(prefix)) if (now - upload.startedAt >= olderThanMs) uploads.push(upload);
    }
  }

  const refs: References = { paths: new Set(), indexUuids: new Set() };
  const seen = new Set<number>();
  const readAll = async (): Promise<number> => {
    const locations = await listVersionLocations(store);
    if (locations.length === 0) throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}: nothing to clean up`);
    for (const loc of locations) {
      if (seen.has(loc.version)) continue;
      await addReferences(store, loc, refs);
      seen.add(loc.version);
    }
    return locations.length;
  };
  // versions committed while the references were read are read too
  let count = await readAll();
  for (;;) {
    const again = await readAll();
    if (again === count) break;
    count = again;
  }

  const old = (meta: ObjectMeta): boolean => now - (meta.lastModified ?? now) >= olderThanMs;
  const files: CleanupFile[] = [];
  const indexSegments: string[] = [];
  for (const [kind, metas] of listed) {
    if (kind === "index") {
      const byUuid = new Map<string, ObjectMeta[]>();
      for (const meta of metas) {
        const uuid = meta.path.split("/")[1];
        if (!uuid) continue;
        const list = byUuid.get(uuid);
        if (list) list.push(meta);
        else byUuid.set(uuid, [meta]);
      }
      for (const [uuid, list] of byUuid) {
        if (refs.indexUuids.has(uuid) || !list.every(old)) continue;
        indexSegments.push(uuid);
        for (const meta of list) files.push({ path: meta.path, kind, sizeBytes: meta.size });
      }
    } else {
      for (const meta of metas) {
        if (!refs.paths.has(meta.path) && old(meta)) files.push({ path: meta.path, kind, sizeBytes: meta.size });
      }
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  indexSegments.sort();
  uploads.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  if (!dryRun) {
    for (const f of files) await store.delete(f.path);
    for (const u of uploads) await store.abortPendingUpload!(u);
  }
  return { files, uploads, indexSegments, bytes: files.reduce((n, f) => n + f.sizeBytes, 0), dryRun };
}
