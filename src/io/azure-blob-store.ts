// ObjectStore over Azure Blob Storage (and Azurite), through
// @azure/storage-blob, loaded only when an az:// or abfs[s]:// location is
// opened. Manifests are created with If-None-Match: * as Lance does; the loser
// of a race gets 409 BlobAlreadyExists (or 412), which is a lost race, not a
// failure. Blobs above a threshold are uploaded as blocks.

import type * as Azure from "@azure/storage-blob";
import { LanceError } from "../core/errors.js";
import { checkReadLength, checkStorePath, checkWholeRead, DEFAULT_MAX_READ_BYTES, type ObjectMeta, type ObjectStore, type ReadOptions } from "./object-store.js";
import {
  checkEndpoint,
  checkRangeArgs,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_UPLOAD_CONCURRENCY,
  discardBody,
  first,
  optionCount,
  optionDurationMs,
  optionFlag,
  pastEnd,
  readBody,
  remoteError,
  ShortBodyError,
  withRetries,
  type RemoteFailure,
  type StorageOptions,
  type UploadTuning,
} from "./remote-store.js";

/** The SDK version lancets is tested with; installed by whoever uses az://. */
export const AZURE_SDK = "@azure/storage-blob@12.32.0";
/** Lance's storage options for Azure, each with the other spellings Lance accepts; the first is the canonical one. */
export const AZURE_OPTION_NAMES = {
  account: ["azure_storage_account_name", "account_name"],
  key: ["azure_storage_account_key", "azure_storage_access_key", "azure_storage_master_key", "account_key", "access_key", "master_key"],
  sas: ["azure_storage_sas_token", "azure_storage_sas_key", "sas_token", "sas_key"],
  endpoint: ["azure_endpoint", "azure_storage_endpoint", "endpoint"],
  useEmulator: ["azure_storage_use_emulator", "use_emulator"],
  allowHttp: ["allow_http", "azure_allow_http", "azure_storage_allow_http"],
} as const;
/** The development account every Azure emulator serves, with its published key. */
const EMULATOR_ACCOUNT = "devstoreaccount1";
const EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

async function loadSdk(): Promise<typeof Azure> {
  try {
    return await import("@azure/storage-blob");
  } catch (err) {
    throw new LanceError("NOT_SUPPORTED", `az:// and abfs:// locations need the optional package ${AZURE_SDK}: npm install ${AZURE_SDK}`, { cause: err });
  }
}

function failureOf(err: unknown): RemoteFailure {
  const e = err as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string } };
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  return { status, code: e?.details?.errorCode ?? e?.code, message: e?.message ?? String(err), cause: err };
}

/** Where an Azure dataset lives. */
export interface AzureLocation {
  container: string;
  /** Blob name prefix of the dataset root, without leading or trailing "/"; may be empty. */
  prefix: string;
  /** The account named in the URI (`abfss://container@account.dfs.core.windows.net/...`), if any. */
  account?: string;
}

/**
 * Splits `az://container/prefix` (also `azure://`, `abfs://`, `abfss://`, and
 * the `container@account.dfs.core.windows.net` host form Lance accepts).
 */
export function parseAzureUri(uri: string): AzureLocation {
  const m = /^(?:az|azure|abfss?):\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(uri);
  if (!m) throw new LanceError("INVALID_INPUT", `not an Azure Blob location: ${uri} (expected az://container/path)`);
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  const host = m[1]!;
  const at = host.indexOf("@");
  if (at < 0) return { container: host, prefix };
  const account = host.slice(at + 1).split(".")[0]!;
  return { container: host.slice(0, at), prefix, ...(account ? { account } : {}) };
}

export class AzureBlobStore implements ObjectStore {
  readonly uri: string;
  readonly storageOptions: Readonly<StorageOptions>;
  readonly maxReadBytes = DEFAULT_MAX_READ_BYTES;
  private readonly containerClient: Azure.ContainerClient;
  private readonly location: AzureLocation;
  private readonly endpoint: string;
  private readonly maxAttempts: number;
  private readonly multipartThresholdBytes: number;
  private readonly partBytes: number;
  private readonly uploadConcurrency: number;
  private readonly requestTimeoutMs: number;

  private constructor(sdk: typeof Azure, uri: string, location: AzureLocation, options: StorageOptions, tuning: UploadTuning) {
    this.storageOptions = Object.freeze({ ...options });
    this.location = location;
    this.uri = uri.replace(/\/+$/, "");
    const useEmulator = optionFlag(options, AZURE_OPTION_NAMES.useEmulator, false);
    const account = first(options, AZURE_OPTION_NAMES.account) ?? location.account ?? (useEmulator ? EMULATOR_ACCOUNT : undefined);
    if (account === undefined) {
      throw new LanceError("INVALID_INPUT", `${uri}: no storage account; set the storage option azure_storage_account_name (or AZURE_STORAGE_ACCOUNT_NAME)`);
    }
    const key =
      first(options, AZURE_OPTION_NAMES.key) ??
      (useEmulator && account === EMULATOR_ACCOUNT ? EMULATOR_KEY : undefined);
    const sas = first(options, AZURE_OPTION_NAMES.sas);
    const configured = first(options, AZURE_OPTION_NAMES.endpoint);
    let endpoint: string;
    if (configured !== undefined) {
      checkEndpoint(configured, optionFlag(options, AZURE_OPTION_NAMES.allowHttp, false), "azure_endpoint");
      endpoint = configured.replace(/\/+$/, "");
    } else if (useEmulator) {
      endpoint = `http://127.0.0.1:10000/${account}`;
    } else {
      endpoint = `https://${account}.blob.core.windows.net`;
    }
    this.endpoint = endpoint;
    this.maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
    this.multipartThresholdBytes = tuning.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    this.partBytes = tuning.partBytes ?? DEFAULT_PART_BYTES;
    this.uploadConcurrency = tuning.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    this.requestTimeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
    let serviceUrl = endpoint;
    let credential: Azure.StorageSharedKeyCredential | Azure.AnonymousCredential;
    if (key !== undefined) {
      credential = new sdk.StorageSharedKeyCredential(account, key);
    } else {
      credential = new sdk.AnonymousCredential();
      if (sas !== undefined) serviceUrl = `${endpoint}?${sas.replace(/^\?/, "")}`;
    }
    const pipeline = sdk.newPipeline(credential, { retryOptions: { maxTries: this.maxAttempts, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 } });
    // The SDK's own try timeout is only a hint to the server; this bounds the wait for a
    // response on the client (the body is bounded by the idle timeout of readBody).
    const requestTimeoutMs = this.requestTimeoutMs;
    const timeoutPolicy: Azure.RequestPolicyFactory = {
      create: (next) => ({
        sendRequest: (request) => {
          if (!(request.timeout > 0)) request.timeout = requestTimeoutMs;
          return next.sendRequest(request);
        },
      }),
    };
    pipeline.factories.push(timeoutPolicy);
    const service = new sdk.BlobServiceClient(serviceUrl, pipeline);
    this.containerClient = service.getContainerClient(location.container);
  }

  /**
   * Opens an Azure Blob location with Lance's storage options
   * (azure_storage_account_name, azure_storage_account_key,
   * azure_storage_sas_token, azure_endpoint, azure_storage_use_emulator,
   * allow_http, timeout, max_retries).
   */
  static async open(uri: string, options: StorageOptions = {}, tuning: UploadTuning = {}): Promise<AzureBlobStore> {
    const location = parseAzureUri(uri);
    return new AzureBlobStore(await loadSdk(), uri, location, options, tuning);
  }

  private blobName(path: string): string {
    checkStorePath(path, this.uri);
    return this.location.prefix ? `${this.location.prefix}/${path}` : path;
  }

  private fail(err: unknown, operation: string, path: string): LanceError {
    if (err instanceof LanceError) return err;
    return remoteError(failureOf(err), {
      container: `azure container ${this.location.container}`,
      location: `${this.uri}/${path}`,
      operation,
      endpoint: this.endpoint,
    });
  }

  // The SDK retries requests and resumes broken downloads itself; a body that still comes up short is tried again.
  private retryable = (err: unknown): boolean => err instanceof ShortBodyError;

  async size(path: string): Promise<number> {
    const blob = this.containerClient.getBlobClient(this.blobName(path));
    try {
      return (await blob.getProperties()).contentLength ?? 0;
    } catch (err) {
      throw this.fail(err, "stat", path);
    }
  }

  private async body(response: Azure.BlobDownloadResponseParsed): Promise<unknown> {
    return response.readableStreamBody ?? (response.blobBody ? await response.blobBody : undefined);
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const blob = this.containerClient.getBlobClient(this.blobName(path));
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const got = await blob.download(0);
        const size = got.contentLength ?? 0;
        const body = await this.body(got);
        try {
          checkWholeRead(path, size, options, this.maxReadBytes);
        } catch (err) {
          discardBody(body);
          throw err;
        }
        return readBody(`${this.uri}/${path}`, path, body, size, this.requestTimeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const blob = this.containerClient.getBlobClient(this.blobName(path));
    checkRangeArgs(path, byteOffset, byteLength);
    checkReadLength(path, byteOffset, byteLength, this.maxReadBytes);
    if (byteLength === 0) {
      const size = await this.size(path);
      if (byteOffset > size) throw pastEnd(path, byteOffset, byteLength, size);
      return new Uint8Array(0);
    }
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        let got: Azure.BlobDownloadResponseParsed;
        try {
          got = await blob.download(byteOffset, byteLength);
        } catch (err) {
          // 416: the range starts past the end
          if (failureOf(err).status === 416) throw pastEnd(path, byteOffset, byteLength, await this.size(path));
          throw err;
        }
        const body = await this.body(got);
        // a range that starts at the end comes back as 206 with no bytes (Azurite); a range
        // that runs past it comes back shortened
        if ((got.contentLength ?? 0) < byteLength) {
          discardBody(body);
          const total = /\/(\d+)$/.exec(got.contentRange ?? "");
          throw pastEnd(path, byteOffset, byteLength, total ? Number(total[1]) : await this.size(path));
        }
        return readBody(`${this.uri}/${path}`, path, body, byteLength, this.requestTimeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const blob = this.containerClient.getBlockBlobClient(this.blobName(path));
    try {
      await blob.uploadData(data, {
        maxSingleShotSize: this.multipartThresholdBytes,
        blockSize: this.partBytes,
        concurrency: this.uploadConcurrency,
      });
    } catch (err) {
      throw this.fail(err, "write", path);
    }
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const blob = this.containerClient.getBlockBlobClient(this.blobName(path));
    try {
      await blob.upload(data, data.byteLength, { conditions: { ifNoneMatch: "*" } });
      return true;
    } catch (err) {
      const f = failureOf(err);
      // 409 BlobAlreadyExists (Azurite) or 412 ConditionNotMet: another writer created it first
      if ((f.status === 409 && f.code !== "ContainerNotFound") || f.status === 412) return false;
      throw this.fail(err, "create", path);
    }
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    checkStorePath(prefix, this.uri, true);
    const root = this.location.prefix ? `${this.location.prefix}/` : "";
    const out: ObjectMeta[] = [];
    try {
      for await (const page of this.containerClient.listBlobsFlat({ prefix: root + prefix }).byPage({ maxPageSize: 5000 })) {
        for (const item of page.segment.blobItems) {
          if (item.name.endsWith("/")) continue;
          out.push({
            path: item.name.slice(root.length),
            size: item.properties.contentLength ?? 0,
            ...(item.properties.lastModified ? { lastModified: item.properties.lastModified.getTime() } : {}),
          });
        }
      }
    } catch (err) {
      throw this.fail(err, "list", prefix);
    }
    return out;
  }

  async delete(path: string): Promise<void> {
    const blob = this.containerClient.getBlobClient(this.blobName(path));
    try {
      await blob.delete();
    } catch (err) {
      const f = failureOf(err);
      if (f.status === 404 && f.code !== "ContainerNotFound") return;
      throw this.fail(err, "delete", path);
    }
  }
}
