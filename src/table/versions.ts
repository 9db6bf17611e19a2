// Finding versions of a dataset: the latest one from latest_version_hint.json
// and upward probing (falling back to a listing of _versions/), and a specific
// one under either manifest naming scheme.

import { utf8Decode } from "../core/bytes.js";
import { LanceError } from "../core/errors.js";
import {
  manifestPath,
  parseManifestFileName,
  VERSION_HINT_FILE,
  VERSIONS_DIR,
  type ManifestNamingScheme,
} from "../format/table/version-names.js";
import type { ObjectStore } from "../io/object-store.js";
import { MAX_VERSION_HINT_BYTES } from "./file-limits.js";

export interface VersionLocation {
  version: number;
  scheme: ManifestNamingScheme;
  path: string;
  size: number;
}

async function sizeIfExists(store: ObjectStore, path: string): Promise<number | undefined> {
  try {
    return await store.size(path);
  } catch (err) {
    if (err instanceof LanceError && err.code === "NOT_FOUND") return undefined;
    throw err;
  }
}

async function locate(store: ObjectStore, version: number, scheme: ManifestNamingScheme): Promise<VersionLocation | undefined> {
  const path = manifestPath(version, scheme);
  const size = await sizeIfExists(store, path);
  return size === undefined ? undefined : { version, scheme, path, size };
}

/** Locates one version's manifest, trying the V2 name first. */
export async function locateVersion(store: ObjectStore, version: number): Promise<VersionLocation | undefined> {
  if (!Number.isSafeInteger(version) || version < 1) return undefined;
  return (await locate(store, version, "v2")) ?? (await locate(store, version, "v1"));
}

/** Every manifest of the linear history, oldest first. */
export async function listVersionLocations(store: ObjectStore): Promise<VersionLocation[]> {
  const out: VersionLocation[] = [];
  for (const meta of await store.list(`${VERSIONS_DIR}/`)) {
    const name = meta.path.slice(VERSIONS_DIR.length + 1);
    if (name.includes("/")) continue;
    const parsed = parseManifestFileName(name);
    if (parsed) out.push({ ...parsed, path: meta.path, size: meta.size });
  }
  out.sort((a, b) => a.version - b.version);
  return out;
}

async function readHint(store: ObjectStore): Promise<number | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await store.read(VERSION_HINT_FILE, { maxBytes: MAX_VERSION_HINT_BYTES });
  } catch (err) {
    // an oversized hint is as useless as a garbled one
    if (err instanceof LanceError && (err.code === "NOT_FOUND" || err.code === "CORRUPT_FILE")) return undefined;
    throw err;
  }
  // The hint is only an optimisation: anything unreadable is ignored.
  try {
    const parsed: unknown = JSON.parse(utf8Decode(bytes));
    const version = (parsed as { version?: unknown } | null)?.version;
    return typeof version === "number" && Number.isSafeInteger(version) && version >= 1 ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest version found without listing: version 1 must exist (under
 * either naming scheme), then the versions 2, 4, 8, ... are probed until one
 * is missing, and the last present one is found by bisection between them.
 * This assumes the linear history has no gaps, which holds until cleanup
 * removes old versions; then only the version hint finds the dataset.
 */
async function searchLatest(store: ObjectStore): Promise<VersionLocation> {
  const first = await locateVersion(store, 1);
  if (first === undefined) {
    throw new LanceError(
      "NOT_FOUND",
      `no dataset found at ${store.uri}: the store cannot list ${VERSIONS_DIR}/, and neither ${VERSION_HINT_FILE} nor a manifest of version 1 exists (a dataset whose old versions were cleaned up is found over such a store only through its version hint)`,
    );
  }
  let present = first;
  let absent: number | undefined;
  for (let v = 2; absent === undefined; v *= 2) {
    const found = await locate(store, v, first.scheme);
    if (found) present = found;
    else absent = v;
  }
  while (absent - present.version > 1) {
    const mid = Math.floor((present.version + absent) / 2);
    const found = await locate(store, mid, first.scheme);
    if (found) present = found;
    else absent = mid;
  }
  return present;
}

/** The newest version of the dataset in `store`. */
export async function latestVersion(store: ObjectStore): Promise<VersionLocation> {
  // newer versions than the one found are probed for: a hint may be stale, and a
  // version in _versions/ that is not a readable object must fail, not be skipped
  const probeNewer = async (start: VersionLocation): Promise<VersionLocation> => {
    let found = start;
    for (;;) {
      const next = await locate(store, found.version + 1, found.scheme);
      if (!next) return found;
      found = next;
    }
  };
  const hint = await readHint(store);
  if (hint !== undefined) {
    const found = await locateVersion(store, hint);
    if (found) return probeNewer(found);
  }
  let all: VersionLocation[];
  try {
    all = await listVersionLocations(store);
  } catch (err) {
    // a store without listing (plain HTTP): search the manifest names instead
    if (err instanceof LanceError && err.code === "NOT_SUPPORTED") return probeNewer(await searchLatest(store));
    throw err;
  }
  const last = all[all.length - 1];
  if (last === undefined) {
    const anything = await store.list("");
    if (anything.length === 0) throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}: the directory is missing or empty`);
    throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}: ${VERSIONS_DIR}/ holds no manifest`);
  }
  return probeNewer(last);
}
