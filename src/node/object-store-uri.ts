// Object stores by URI: s3:// (and s3a://) to S3Store, az://, azure:// and
// abfs[s]:// to AzureBlobStore, gs:// to GcsStore, http(s):// to the
// read-only HttpStore, memory:// to the process's MemoryStoreRegistry.
// Storage options use Lance's names; keys are matched case-insensitively and
// the process environment fills in what the options leave out (AWS_* for S3,
// AZURE_* for Azure, GOOGLE_* for GCS), as Lance does, so one options object
// serves lancets and lancedb alike.

import { LanceError } from "../core/errors.js";
import { AZURE_OPTION_NAMES, AzureBlobStore } from "../io/azure-blob-store.js";
import { GCS_OPTION_NAMES, GcsStore } from "../io/gcs-store.js";
import { HttpStore } from "../io/http-store.js";
import type { ObjectStore } from "../io/object-store.js";
import type { StorageOptions, UploadTuning } from "../io/remote-store.js";
import { S3_OPTION_NAMES, S3Store } from "../io/s3-store.js";
import { memoryStores, type MemoryStoreRegistry } from "./memory-stores.js";

export type Kind = "s3" | "azure" | "gcs" | "http";

/** Which object store a URI names; undefined for local paths and other schemes. */
export function kindOf(uri: string): Kind | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "s3" || scheme === "s3a") return "s3";
  if (scheme === "az" || scheme === "azure" || scheme === "abfs" || scheme === "abfss") return "azure";
  if (scheme === "gs") return "gcs";
  return undefined;
}

/** Environment variables that name an option differently from its lower-cased spelling. */
const ENV_ALIASES: Record<Kind, Record<string, string>> = {
  s3: { AWS_ENDPOINT_URL: "aws_endpoint", AWS_ENDPOINT_URL_S3: "aws_endpoint", AWS_DEFAULT_REGION: "aws_region", AWS_ALLOW_HTTP: "allow_http" },
  azure: { AZURE_STORAGE_ACCOUNT: "azure_storage_account_name", AZURE_STORAGE_KEY: "azure_storage_account_key", AZURE_ALLOW_HTTP: "allow_http", AZURE_STORAGE_ALLOW_HTTP: "allow_http" },
  gcs: {},
  http: {},
};
/** Environment variables that fill in options; http(s):// takes none (a static host needs no credentials). */
const ENV_PREFIX: Record<Kind, string | undefined> = { s3: "AWS_", azure: "AZURE_", gcs: "GOOGLE_", http: undefined };

/** Every spelling of an option to its canonical name, so an explicit alias overrides the environment's canonical key. */
function canonicalNames(groups: Record<string, readonly string[]>): Map<string, string> {
  return new Map(Object.values(groups).flatMap((names) => names.map((name) => [name, names[0]!] as const)));
}
const CANONICAL: Record<Kind, Map<string, string>> = { s3: canonicalNames(S3_OPTION_NAMES), azure: canonicalNames(AZURE_OPTION_NAMES), gcs: canonicalNames(GCS_OPTION_NAMES), http: new Map() };

/**
 * The options a store of `kind` gets: explicit options (keys lower-cased)
 * first, then environment variables. A value from the environment never
 * overrides an explicit one.
 */
export function resolveStorageOptions(kind: Kind, storageOptions: StorageOptions = {}, env: Record<string, string | undefined> = process.env): StorageOptions {
  if (storageOptions === null || typeof storageOptions !== "object" || Array.isArray(storageOptions)) {
    throw new LanceError("INVALID_INPUT", "storageOptions must be an object of string keys and string values");
  }
  const canonical = (key: string): string => CANONICAL[kind].get(key) ?? key;
  const fromEnv: StorageOptions = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "") continue;
    const alias = ENV_ALIASES[kind][name];
    if (alias !== undefined) fromEnv[canonical(alias)] ??= value;
    else if (ENV_PREFIX[kind] !== undefined && name.startsWith(ENV_PREFIX[kind])) fromEnv[canonical(name.toLowerCase())] = value;
  }
  const explicit: StorageOptions = {};
  for (const [key, value] of Object.entries(storageOptions)) {
    if (typeof value !== "string") throw new LanceError("INVALID_INPUT", `storage option ${key} must be a string, not ${typeof value}`);
    explicit[canonical(key.toLowerCase())] = value;
  }
  return { ...fromEnv, ...explicit };
}

/**
 * A store for an s3://, az://, abfs[s]://, gs://, http(s):// or memory:// URI,
 * or undefined for any other scheme (local paths are the caller's). The vendor
 * SDK is loaded by the store, only when such a URI is opened. memory:// URIs
 * name stores of `memory` (the process's registry unless given).
 */
export async function openObjectStore(
  uri: string,
  storageOptions?: StorageOptions,
  tuning: UploadTuning = {},
  memory: MemoryStoreRegistry = memoryStores,
): Promise<ObjectStore | undefined> {
  if (typeof uri !== "string") return undefined;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "memory") return memory.open(uri);
  if (scheme === "http" || scheme === "https") return new HttpStore(uri, resolveStorageOptions("http", storageOptions));
  const kind = kindOf(uri);
  if (kind === "s3") return S3Store.open(uri, resolveStorageOptions(kind, storageOptions), tuning);
  if (kind === "azure") return AzureBlobStore.open(uri, resolveStorageOptions(kind, storageOptions), tuning);
  if (kind === "gcs") return GcsStore.open(uri, resolveStorageOptions(kind, storageOptions), tuning);
  return undefined;
}
