// Manifest file naming in _versions/ (Lance table format, layout):
//   V1: "<version>.manifest"
//   V2: "<u64::MAX - version, zero-padded to 20 digits>.manifest", so that a
//       lexicographic listing yields the newest version first.
// Detached versions ("d<version>.manifest") and staging files are not part of
// the linear history.

export type ManifestNamingScheme = "v1" | "v2";

const U64_MAX = (1n << 64n) - 1n;
export const VERSIONS_DIR = "_versions";
export const VERSION_HINT_FILE = `${VERSIONS_DIR}/latest_version_hint.json`;

export function manifestFileName(version: number, scheme: ManifestNamingScheme): string {
  if (scheme === "v1") return `${version}.manifest`;
  return `${(U64_MAX - BigInt(version)).toString().padStart(20, "0")}.manifest`;
}

export function manifestPath(version: number, scheme: ManifestNamingScheme): string {
  return `${VERSIONS_DIR}/${manifestFileName(version, scheme)}`;
}

export interface ParsedManifestName {
  version: number;
  scheme: ManifestNamingScheme;
}

/** Parses a file name in _versions/; undefined for anything that is not a linear-history manifest. */
export function parseManifestFileName(name: string): ParsedManifestName | undefined {
  if (!name.endsWith(".manifest")) return undefined;
  const stem = name.slice(0, -".manifest".length);
  if (!/^\d+$/.test(stem)) return undefined;
  if (stem.length === 20) {
    const inverted = BigInt(stem);
    if (inverted > U64_MAX) return undefined;
    const version = U64_MAX - inverted;
    if (version > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return { version: Number(version), scheme: "v2" };
  }
  const version = Number(stem);
  if (!Number.isSafeInteger(version)) return undefined;
  return { version, scheme: "v1" };
}

export function transactionFilePath(name: string): string {
  return `_transactions/${name}`;
}
