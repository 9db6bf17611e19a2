// Finding versions of a dataset: the latest one from a listing of _versions/
// (on stores without listing, from latest_version_hint.json and upward
// probing), and a specific one under either manifest naming scheme.

import { utf8Decode } from "../core/bytes.js";
import { LanceError } from "../core/errors.js";
import {
  manifestPath,
  parseManifestFileName,
  VERSION_HINT_FILE,
  VERSIONS_DIR,
  type ManifestNamingScheme,
} from "../format/table/version-names.js";
import type { ObjectMeta, ObjectStore } from "../io/object-store.js";
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

/** The linear-history manifests among `objects` of _versions/, in their listed order. */
function manifestLocations(objects: readonly ObjectMeta[]): VersionLocation[] {
  const out: VersionLocation[] = [];
  for (const meta of objects) {
    const name = meta.path.slice(VERSIONS_DIR.length + 1);
    if (name.includes("/")) continue;
    const parsed = parseManifestFileName(name);
    if (parsed) out.push({ ...parsed, path: meta.path, size: meta.size });
  }
  return out;
}

/** Every manifest of the linear history, oldest first. */
export async function listVersionLocations(store: ObjectStore): Promise<VersionLocation[]> {
  const out = manifestLocations(await store.list(`${VERSIONS_DIR}/`));
  out.sort((a, b) => a.version - b.version);
  return out;
}

/**
 * Objects of _versions/ asked for in one listing page: a service sends 1000
 * keys a page (S3, GCS), so this many cost one request.
 */
export const FIRST_LISTING_OBJECTS = 1000;

/**
 * The newest manifest found by listing _versions/, or undefined when it holds
 * none. V2 names sort newest first, so on a store listing in key order the
 * first page answers: when its first manifest is V2, that is the newest (as
 * Lance decides); a page with fewer objects is the whole directory. Only a
 * full page starting with a V1 name (V1 names do not sort by version) needs
 * the whole listing.
 */
async function listLatest(store: ObjectStore): Promise<VersionLocation | undefined> {
  const newest = (all: VersionLocation[]): VersionLocation | undefined =>
    all.reduce<VersionLocation | undefined>((best, l) => (best === undefined || l.version > best.version ? l : best), undefined);
  if (store.listsInKeyOrder === true) {
    const page = await store.list(`${VERSIONS_DIR}/`, { limit: FIRST_LISTING_OBJECTS });
    const found = manifestLocations(page);
    if (page.length < FIRST_LISTING_OBJECTS) return newest(found);
    if (found[0]?.scheme === "v2") return found[0];
  }
  return newest(manifestLocations(await store.list(`${VERSIONS_DIR}/`)));
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

/**
 * The newest version of the dataset in `store`. A store that lists answers
 * from one listing of _versions/ (one request for up to 1000 manifests, as
 * Lance), whatever the version hint says: Lance does not write the hint on
 * object stores, and a listing is never stale. A store that cannot list
 * (plain HTTP) starts from the hint, or without one searches the manifest
 * names, and probes past what it found.
 */
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
  let last: VersionLocation | undefined;
  try {
    last = await listLatest(store);
  } catch (err) {
    if (!(err instanceof LanceError && err.code === "NOT_SUPPORTED")) throw err;
    // a store without listing (plain HTTP): the hint, or a search of the manifest names
    const hint = await readHint(store);
    const found = hint === undefined ? undefined : await locateVersion(store, hint);
    return probeNewer(found ?? (await searchLatest(store)));
  }
  if (last === undefined) {
    const anything = await store.list("", { limit: 1 });
    if (anything.length === 0) throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}: the directory is missing or empty`);
    throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}: ${VERSIONS_DIR}/ holds no manifest`);
  }
  // a listing shows every object; where it hides other names (a directory on a
  // file system), the next version's name is asked for, so that a damaged newest
  // version fails instead of an older one opening
  return store.listOmitsNonObjects === true ? probeNewer(last) : last;
}
