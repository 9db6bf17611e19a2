// Committing a new version safely beside other writers (Lance table format,
// commit protocol): write the transaction file, build the next manifest on the
// latest version, publish it with put-if-absent, and when another writer won
// that version re-read, check the conflict rules against every transaction
// committed since our read version, rebuild and retry a bounded number of times.

import { CommitConflictError, LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import { utf8Encode } from "../core/bytes.js";
import { FLAG_DELETION_FILES, FLAG_MIXED_DATA_FILE_VERSIONS, FLAG_STABLE_ROW_IDS, FLAG_TABLE_CONFIG } from "../format/table/feature-flags.js";
import { encodeManifestFile } from "../format/table/manifest-file.js";
import { decodeTransaction, encodeTransaction, transactionFileName, type Transaction } from "../format/table/transaction.js";
import type { IndexMetadata, Manifest } from "../format/table/types.js";
import { manifestPath, transactionFilePath, VERSION_HINT_FILE, type ManifestNamingScheme } from "../format/table/version-names.js";
import type { ObjectStore } from "../io/object-store.js";
import type { Snapshot, OpenOptions } from "./snapshot.js";
import { MAX_TRANSACTION_BYTES } from "./file-limits.js";
import { LANCETS_VERSION } from "./writer-version.js";

export interface CommitOptions {
  /**
   * How long to keep retrying when other writers keep winning the next
   * version, in milliseconds (default 10 minutes). Appends never conflict with
   * appends, so a busy table only delays them.
   */
  timeoutMs?: number;
  /** Attempts before giving up with a retryable CommitConflictError (default: until timeoutMs). */
  maxAttempts?: number;
  /** Fail instead of replacing a dataset that appeared meanwhile (create mode). */
  createOnly?: boolean;
  /**
   * The latest version as the caller has just opened it: the first attempt
   * builds on it instead of opening the latest version again (a stale one only
   * loses the race for the next version, and the next attempt opens afresh).
   */
  latest?: Snapshot;
}

/** What the next manifest holds, built from the latest version (undefined when creating). */
export type ManifestBuilder = (latest: Snapshot | undefined, version: number) => { manifest: Manifest; indices: IndexMetadata[] };

/** Opens a version of a dataset (Snapshot.open), passed in to keep modules acyclic. */
export type OpenSnapshot = (store: ObjectStore, options?: OpenOptions) => Promise<Snapshot>;

const DEFAULT_COMMIT_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_BACKOFF_MS = 250;

export function newTransactionUuid(): string {
  return randomUUID();
}

/** Recomputes feature flags as Lance does for a new manifest. */
export function computeFeatureFlags(manifest: Manifest, previous: Manifest | undefined): { reader: bigint; writer: bigint } {
  let reader = 0n;
  let writer = 0n;
  if (manifest.fragments.some((f) => f.deletionFile)) {
    reader |= FLAG_DELETION_FILES;
    writer |= FLAG_DELETION_FILES;
  }
  if (previous && (previous.readerFeatureFlags & FLAG_STABLE_ROW_IDS) !== 0n) {
    reader |= FLAG_STABLE_ROW_IDS;
    writer |= FLAG_STABLE_ROW_IDS;
  }
  if (Object.keys(manifest.config).length > 0) writer |= FLAG_TABLE_CONFIG;
  // once set, mixed data file versions stay set
  if (previous && (previous.readerFeatureFlags & FLAG_MIXED_DATA_FILE_VERSIONS) !== 0n) {
    reader |= FLAG_MIXED_DATA_FILE_VERSIONS;
    writer |= FLAG_MIXED_DATA_FILE_VERSIONS;
  }
  return { reader, writer };
}

async function transactionOf(ds: Snapshot): Promise<Transaction> {
  if (ds.transactionBytes) return decodeTransaction(ds.transactionBytes, `${ds.uri}/${ds.manifestPath}`);
  const name = ds.manifest.transactionFile;
  if (!name) throw new CommitConflictError(`version ${ds.version} of ${ds.uri} has no transaction; cannot check it for conflicts`, false);
  const path = transactionFilePath(name);
  return decodeTransaction(await ds.store.read(path, { maxBytes: MAX_TRANSACTION_BYTES }), `${ds.uri}/${path}`);
}

/** Throws when `theirs` (committed after our read version) conflicts with `ours`. */
export function checkConflict(ours: Transaction, theirs: Transaction, theirVersion: number): void {
  const a = ours.operation;
  const b = theirs.operation;
  const fail = (retryable: boolean, why: string): never => {
    throw new CommitConflictError(`${a.kind} read at version ${ours.readVersion} conflicts with ${b.kind} committed as version ${theirVersion}: ${why}`, retryable);
  };
  if (a.kind === "overwrite") return;
  if (b.kind === "overwrite" || b.kind === "restore" || b.kind === "updateMemWalState") fail(false, "the dataset was replaced");
  if (b.kind === "unknown" || b.kind === "dataOverlay") fail(false, "an operation lancets does not know");
  if (a.kind === "append") return;
  if (a.kind === "createIndex") {
    const covered = new Set(a.newIndices.flatMap((i) => i.fragmentIds ?? []));
    if (b.kind === "rewrite" && b.oldFragmentIds.some((id) => covered.has(id))) fail(true, "fragments the index covers were rewritten");
    if (b.kind === "createIndex") {
      const names = new Set(a.newIndices.map((i) => i.name));
      if (b.newIndices.some((i) => names.has(i.name))) fail(true, "an index of the same name was committed");
      const removed = new Set(a.removedIndices.map((i) => i.uuid));
      if (b.removedIndices.some((i) => removed.has(i.uuid))) fail(true, "the segments to replace were replaced meanwhile");
    }
    if (b.kind === "dataReplacement") fail(true, "indexed data was replaced");
    if (b.kind === "update") {
      const fields = new Set(a.newIndices.flatMap((i) => i.fields));
      if (b.fieldsModified.some((f) => fields.has(f)) && b.updatedFragmentIds.some((id) => covered.has(id))) fail(true, "indexed values were rewritten in covered fragments");
    }
    return;
  }
  fail(false, "lancets does not commit this operation");
}

/** An overwrite replaces every fragment, so it needs no row counts; every write needs the writer flags. */
export function checkWritableFor(kind: Transaction["operation"]["kind"], ds: Snapshot): void {
  if (kind === "overwrite") ds.checkWriterFlags();
  else ds.checkWritable();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Commits `txn` (read at txn.readVersion, 0 for a new dataset): the manifest
 * of each attempt comes from `build`, applied to the latest version.
 */
export async function commitTransaction(
  open: OpenSnapshot,
  store: ObjectStore,
  txn: Transaction,
  build: ManifestBuilder,
  options: CommitOptions = {},
  /** Files written for this commit (data files), removed with its transaction file when it fails unpublished. */
  ownedPaths: readonly string[] = [],
): Promise<Snapshot> {
  let published = false;
  try {
    return await attemptCommits(open, store, txn, build, options, () => {
      published = true;
    });
  } catch (err) {
    if (!published) await removeQuietly(store, [...ownedPaths, transactionFilePath(transactionFileName(txn))]);
    throw err;
  }
}

/** Deletes what a failed write left behind; a failure to delete must not hide the write's own error. */
export async function removeQuietly(store: ObjectStore, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => store.delete(p).catch(() => undefined)));
}

async function attemptCommits(open: OpenSnapshot, store: ObjectStore, txn: Transaction, build: ManifestBuilder, options: CommitOptions, onPublished: () => void): Promise<Snapshot> {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMIT_TIMEOUT_MS;
  const started = Date.now();
  let attempts = 0;
  const txnBytes = encodeTransaction(txn);
  const txnFile = transactionFileName(txn);
  let txnWritten = false;
  let checkedUpTo = txn.readVersion;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    attempts = attempt + 1;
    let latest: Snapshot | undefined;
    try {
      latest = attempt === 0 && options.latest && options.latest.version >= txn.readVersion ? options.latest : await open(store);
    } catch (err) {
      if (!(err instanceof LanceError && err.code === "NOT_FOUND" && txn.readVersion === 0)) throw err;
    }
    if (latest && txn.readVersion === 0 && (options.createOnly || txn.operation.kind !== "overwrite")) {
      throw new CommitConflictError(`a dataset was created at ${store.uri} meanwhile`, false);
    }
    if (latest) {
      // another writer may have set a flag since: never write a version that drops it
      checkWritableFor(txn.operation.kind, latest);
      for (let v = checkedUpTo + 1; v <= latest.version; v++) {
        const theirs = v === latest.version ? latest : await open(store, { version: v });
        checkConflict(txn, await transactionOf(theirs), v);
      }
      checkedUpTo = latest.version;
    }
    const version = (latest?.version ?? 0) + 1;
    const scheme: ManifestNamingScheme = latest?.namingScheme ?? "v2";
    const { manifest, indices } = build(latest, version);
    const flags = computeFeatureFlags(manifest, latest?.manifest);
    const next: Manifest = {
      ...manifest,
      version,
      timestamp: new Date(),
      writerVersion: { library: "lancets", version: LANCETS_VERSION },
      transactionFile: txnFile,
      readerFeatureFlags: flags.reader,
      writerFeatureFlags: flags.writer,
    };
    const bytes = encodeManifestFile({ manifest: next, indices, transactionBytes: txnBytes });
    // written once the checks passed: nothing lands for a dataset lancets may not write to
    if (!txnWritten) {
      await store.put(transactionFilePath(txnFile), txnBytes);
      txnWritten = true;
    }
    const path = manifestPath(version, scheme);
    if (await store.putIfAbsent(path, bytes)) {
      onPublished();
      // The hint only speeds up finding the latest version; losing it is harmless. Lance writes
      // it on local disks (where a copied directory may later be served over plain HTTP, which
      // finds the latest version through it) but not on object stores, which answer from one
      // listing of _versions/: there it would be one more PUT per commit than Lance sends.
      if (store.listsInKeyOrder !== true) {
        await store.put(VERSION_HINT_FILE, utf8Encode(JSON.stringify({ version }))).catch(() => undefined);
      }
      return open(store, { version, location: { version, scheme, path, size: bytes.byteLength } });
    }
    if (Date.now() - started >= timeoutMs) break;
    // jittered backoff, short enough that a writer keeps its turn on a busy table
    await sleep(Math.min(MAX_BACKOFF_MS, 5 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random()));
  }
  throw new CommitConflictError(
    `gave up after ${attempts} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s to commit on ${store.uri}: other writers kept winning (raise timeoutMs to wait longer)`,
    true,
  );
}
