// The history of a dataset for people: each version's operation (from its
// transaction, inline in the manifest or in _transactions/), time, rows and
// fragments. Stores that cannot list (HTTP) are probed version by version,
// from the latest version down.

import { LanceError } from "../core/errors.js";
import { decodeTransaction, type OperationKind } from "../format/table/transaction.js";
import { transactionFilePath } from "../format/table/version-names.js";
import { Snapshot } from "./snapshot.js";
import { listVersionLocations, locateVersion } from "./versions.js";

/** Transaction files are small; a larger one is not read for a summary. */
const MAX_TRANSACTION_BYTES = 64 * 1024 * 1024;
const CONCURRENCY = 8;

export interface VersionHistoryEntry {
  version: number;
  /** ISO time of the commit, or null when the manifest has none. */
  timestamp: string | null;
  /** The transaction's operation (append, delete, overwrite, createIndex, rewrite, ...); "unknown" when the version has no readable transaction. */
  operation: OperationKind;
  numRows: number;
  numFragments: number;
  numDeletedRows: number;
}

export interface VersionHistoryOptions {
  /** The newest versions to describe (default 100). */
  maxVersions?: number;
}

/** The operation that made this version. */
export async function readVersionOperation(snapshot: Snapshot): Promise<OperationKind> {
  let bytes = snapshot.transactionBytes;
  let path = `${snapshot.uri}/${snapshot.manifestPath}`;
  if (!bytes) {
    const name = snapshot.manifest.transactionFile;
    if (!name) return "unknown";
    path = `${snapshot.uri}/${transactionFilePath(name)}`;
    try {
      bytes = await snapshot.store.read(transactionFilePath(name), { maxBytes: MAX_TRANSACTION_BYTES });
    } catch (err) {
      // cleanup may have removed old transaction files; the version stays readable
      if (err instanceof LanceError && err.code === "NOT_FOUND") return "unknown";
      throw err;
    }
  }
  return decodeTransaction(bytes, path).operation.kind;
}

async function versionNumbers(snapshot: Snapshot, maxVersions: number): Promise<number[]> {
  try {
    const all = (await listVersionLocations(snapshot.store)).map((l) => l.version);
    return all.slice(Math.max(0, all.length - maxVersions));
  } catch (err) {
    if (!(err instanceof LanceError && err.code === "NOT_SUPPORTED")) throw err;
  }
  // probed newest first, CONCURRENCY names at a time, until enough are found
  const latest = await snapshot.latestVersion();
  const out: number[] = [];
  for (let top = latest; top >= 1 && out.length < maxVersions; top -= CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, top) }, (_, i) => top - i);
    const found = await Promise.all(batch.map(async (v) => v === snapshot.version || (await locateVersion(snapshot.store, v)) !== undefined));
    for (const [i, v] of batch.entries()) if (found[i] && out.length < maxVersions) out.push(v);
  }
  return out.reverse();
}

async function describeVersion(snapshot: Snapshot): Promise<VersionHistoryEntry> {
  const fragments = snapshot.fragments();
  let deleted = 0;
  for (const f of fragments) deleted += f.deletedRows;
  return {
    version: snapshot.version,
    timestamp: snapshot.manifest.timestamp?.toISOString() ?? null,
    operation: await readVersionOperation(snapshot),
    numRows: snapshot.countRows(),
    numFragments: fragments.length,
    numDeletedRows: deleted,
  };
}

/** The newest versions of the dataset, oldest first. */
export async function readVersionHistory(snapshot: Snapshot, options: VersionHistoryOptions = {}): Promise<VersionHistoryEntry[]> {
  const maxVersions = options.maxVersions ?? 100;
  if (!Number.isSafeInteger(maxVersions) || maxVersions < 1) throw new LanceError("INVALID_INPUT", `maxVersions must be a positive integer, got ${maxVersions}`);
  const versions = await versionNumbers(snapshot, maxVersions);
  const out = new Array<VersionHistoryEntry>(versions.length);
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < versions.length) {
      const i = next++;
      const v = versions[i]!;
      out[i] = await describeVersion(v === snapshot.version ? snapshot : await Snapshot.open(snapshot.store, { version: v }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, versions.length) }, work));
  return out;
}
