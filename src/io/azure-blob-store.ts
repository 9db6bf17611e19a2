// ObjectStore over Azure Blob Storage (and Azurite), through
// @azure/storage-blob, loaded only when an az:// or abfs[s]:// location is
// opened. Manifests are created with If-None-Match: * as Lance does; the loser
// of a race gets 409 BlobAlreadyExists (or 412), which is a lost race, not a
// failure. Blobs above a threshold are uploaded as blocks, staged as they fill
// and committed at the end: uncommitted blocks are never visible, and the
// service discards them. The skeleton (keys, failures, range checks) is
// RemoteObjectStore's; this file holds the Azure calls.

import type * as Azure from "@azure/storage-blob";
import { LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import type { PartUpload } from "./part-writer.js";
import { RemoteObjectStore, type RemoteListing, type RemoteObjectBody } from "./remote-object-store.js";
import {
  checkEndpoint,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  first,
  optionCount,
  optionDurationMs,
  optionFlag,
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
/** Azure allows at most this many blocks in one blob. */
const MAX_BLOCKS = 50_000;

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

export class AzureBlobStore extends RemoteObjectStore {
  private readonly containerClient: Azure.ContainerClient;

  private constructor(sdk: typeof Azure, uri: string, location: AzureLocation, options: StorageOptions, tuning: UploadTuning) {
    const useEmulator = optionFlag(options, AZURE_OPTION_NAMES.useEmulator, false);
    const account = first(options, AZURE_OPTION_NAMES.account) ?? location.account ?? (useEmulator ? EMULATOR_ACCOUNT : undefined);
    if (account === undefined) {
      throw new LanceError("INVALID_INPUT", `${uri}: no storage account; set the storage option azure_storage_account_name (or AZURE_STORAGE_ACCOUNT_NAME)`);
    }
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
    super({
      uri: uri.replace(/\/+$/, ""),
      storageOptions: options,
      rootPrefix: location.prefix,
      containerLabel: `azure container ${location.container}`,
      endpoint,
      maxAttempts: optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1,
      requestTimeoutMs: optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS),
      tuning,
      maxParts: MAX_BLOCKS,
    });
    const key =
      first(options, AZURE_OPTION_NAMES.key) ??
      (useEmulator && account === EMULATOR_ACCOUNT ? EMULATOR_KEY : undefined);
    const sas = first(options, AZURE_OPTION_NAMES.sas);
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

  protected override failureOf(err: unknown): RemoteFailure {
    return failureOf(err);
  }

  protected override async headObject(name: string): Promise<number> {
    return (await this.containerClient.getBlobClient(name).getProperties()).contentLength ?? 0;
  }

  // The SDK retries requests and resumes broken downloads itself; a body that still comes up short is tried again by the base.
  protected override async getObject(name: string, range?: { byteOffset: number; byteLength: number }): Promise<RemoteObjectBody> {
    const blob = this.containerClient.getBlobClient(name);
    const got = range ? await blob.download(range.byteOffset, range.byteLength) : await blob.download(0);
    const body = got.readableStreamBody ?? (got.blobBody ? await got.blobBody : undefined);
    return { body, contentLength: got.contentLength ?? 0, contentRange: got.contentRange };
  }

  protected override async putObject(name: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    await this.containerClient.getBlockBlobClient(name).upload(data, data.byteLength, ifAbsent ? { conditions: { ifNoneMatch: "*" } } : {});
  }

  protected override async startUpload(name: string): Promise<PartUpload> {
    const blob = this.containerClient.getBlockBlobClient(name);
    // Block ids are per blob and must all have one length; a prefix of this upload's own
    // keeps a concurrent writer of the same blob from replacing its blocks.
    const upload = randomUUID();
    const blockId = (partNumber: number): string => btoa(`${upload}-${String(partNumber).padStart(6, "0")}`);
    return {
      async uploadPart(partNumber, body) {
        const id = blockId(partNumber);
        await blob.stageBlock(id, body, body.byteLength);
        return id;
      },
      async complete(ids) {
        await blob.commitBlockList([...ids]);
      },
      // Uncommitted blocks are invisible and the service drops them; there is no request to discard them sooner.
      async abort() {},
    };
  }

  protected override async *listObjects(prefix: string): AsyncIterable<RemoteListing> {
    for await (const page of this.containerClient.listBlobsFlat({ prefix }).byPage({ maxPageSize: 5000 })) {
      for (const item of page.segment.blobItems) {
        yield {
          key: item.name,
          size: item.properties.contentLength ?? 0,
          ...(item.properties.lastModified ? { lastModified: item.properties.lastModified.getTime() } : {}),
        };
      }
    }
  }

  protected override async deleteObject(name: string): Promise<void> {
    await this.containerClient.getBlobClient(name).delete();
  }
}
