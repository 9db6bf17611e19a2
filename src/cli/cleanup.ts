// `lancets cleanup`: remove files no version references (failed writes and
// index builds) and abort unfinished S3 multipart uploads, older than a
// safety age.

import { InvalidArgumentError } from "commander";
import { openDataset } from "../node/open-dataset.js";
import { formatBytes, formatTable } from "./output.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "7d", "250ms" or a plain number of seconds -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError(`expected a duration such as 30s, 15m, 1h or 7d, got "${text}"`);
  const ms = Number(m[1]) * UNITS[m[2] ?? "s"]!;
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) throw new InvalidArgumentError(`duration "${text}" is too large`);
  return Math.round(ms);
}

export async function runCleanup(uri: string, options: { olderThan?: number; dryRun?: boolean } & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const result = await ds.cleanup({ ...(options.olderThan !== undefined ? { olderThanMs: options.olderThan } : {}), dryRun: options.dryRun ?? false });
  if (result.files.length === 0 && result.uploads.length === 0) {
    print("nothing to remove");
    return;
  }
  if (result.files.length > 0) {
    print(formatTable(["kind", "path", "bytes"], result.files.map((f) => [f.kind, f.path, String(f.sizeBytes)])));
    const verb = result.dryRun ? "would remove" : "removed";
    print(`${verb} ${result.files.length} file${result.files.length === 1 ? "" : "s"} (${formatBytes(result.bytes)})${result.indexSegments.length > 0 ? `, ${result.indexSegments.length} index segment${result.indexSegments.length === 1 ? "" : "s"}` : ""}`);
  }
  if (result.uploads.length > 0) {
    print(formatTable(["unfinished upload", "begun"], result.uploads.map((u) => [u.path, new Date(u.startedAt).toISOString()])));
    print(`${result.dryRun ? "would abort" : "aborted"} ${result.uploads.length} unfinished upload${result.uploads.length === 1 ? "" : "s"}`);
  }
}
