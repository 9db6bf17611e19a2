// ObjectStore over Google Cloud Storage, through @google-cloud/storage (its
// JSON API), loaded only when a gs:// location is opened. Manifests are
// created with the generation precondition 0 (ifGenerationMatch=0): the
// object must not exist, and a 412 is a lost race, as for Lance. Objects above
// a threshold go up as a resumable upload in chunks, which makes nothing
// visible until the last chunk is stored; the same upload backs openWriter.
// The skeleton (keys, failures, range checks, writers) is RemoteObjectStore's;
// this file holds the GCS calls.

import type * as Gcs from "@google-cloud/storage";
import { LanceError } from "../core/errors.js";
import type { PartUpload } from "./part-writer.js";
import { RemoteObjectStore, type RemoteListing, type RemoteObjectBody, type RemoteStoreSettings } from "./remote-object-store.js";
import {
  checkEndpoint,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  first,
  GCS_MISSING_BUCKET,
  optionCount,
  optionDurationMs,
  optionFlag,
  type RemoteFailure,
  type StorageOptions,
  type UploadTuning,
} from "./remote-store.js";

/** The client lancets is tested with; installed by whoever uses gs://. */
export const GCS_SDK = "@google-cloud/storage@7.22.0";
/** The auth library of that client, for a bearer token given as an option. */
export const GCS_AUTH = "google-auth-library@9.15.1";
/** Lance's storage options for GCS, each with the other spellings Lance accepts; the first is the canonical one. */
export const GCS_OPTION_NAMES = {
  serviceAccount: ["google_service_account", "service_account", "google_service_account_path", "service_account_path"],
  serviceAccountKey: ["google_service_account_key", "service_account_key"],
  applicationCredentials: ["google_application_credentials", "application_credentials"],
  storageToken: ["google_storage_token"],
  /** Not one of Lance's: Lance takes the endpoint from the key's gcs_base_url, which is read too. */
  endpoint: ["google_endpoint", "gcs_base_url"],
  projectId: ["google_project_id", "project_id"],
  allowHttp: ["allow_http", "google_allow_http"],
} as const;
/** Resumable upload chunks must be multiples of this (GCS's rule). */
const CHUNK_QUANTUM = 256 * 1024;

type AuthLibrary = typeof import("google-auth-library");

async function loadSdk(): Promise<typeof Gcs> {
  try {
    return await import("@google-cloud/storage");
  } catch (err) {
    throw new LanceError("NOT_SUPPORTED", `gs:// locations need the optional package ${GCS_SDK}: npm install ${GCS_SDK}`, { cause: err });
  }
}

async function loadAuth(): Promise<AuthLibrary> {
  try {
    return await import("google-auth-library");
  } catch (err) {
    throw new LanceError("NOT_SUPPORTED", `a google_storage_token needs the package ${GCS_AUTH} (installed with ${GCS_SDK})`, { cause: err });
  }
}

function failureOf(err: unknown): RemoteFailure {
  type ErrorDoc = { error?: { message?: string; errors?: { reason?: string }[] } };
  // the JSON API's errors carry the status as `code`; those of resumable uploads (gaxios) in `response`
  const e = err as { code?: unknown; status?: unknown; message?: string; errors?: { reason?: string }[]; response?: { status?: number; data?: unknown } };
  const status = typeof e?.code === "number" ? e.code : typeof e?.response?.status === "number" ? e.response.status : typeof e?.status === "number" ? e.status : undefined;
  const doc = (typeof e?.response?.data === "object" ? e.response.data : undefined) as ErrorDoc | undefined;
  let message = doc?.error?.message ?? e?.message ?? String(err);
  let reason = e?.errors?.[0]?.reason ?? doc?.error?.errors?.[0]?.reason;
  // a failed media download carries the service's error document as its message
  if (message.startsWith("{")) {
    try {
      const doc = JSON.parse(message) as { error?: { message?: string; errors?: { reason?: string }[] } };
      message = doc.error?.message ?? message;
      reason ??= doc.error?.errors?.[0]?.reason;
    } catch {
      // not the error document: keep the message as it is
    }
  }
  // the service says "notFound" for a missing bucket as for a missing object; the message tells them apart
  const missingBucket = status === 404 && /bucket does not exist|no such bucket|bucket .*not found/i.test(message);
  return { status, code: status === undefined ? undefined : missingBucket ? GCS_MISSING_BUCKET : reason, message, cause: err };
}

/** Statuses a read is tried again on (the client does not retry a media download that failed this way). */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/** Where a GCS dataset lives: `gs://bucket/prefix`. */
export interface GcsLocation {
  bucket: string;
  /** Object-name prefix of the dataset root, without leading or trailing "/"; may be empty. */
  prefix: string;
}

/** Splits `gs://bucket/prefix`; INVALID_INPUT when there is no bucket. */
export function parseGcsUri(uri: string): GcsLocation {
  const m = /^gs:\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(uri);
  if (!m) throw new LanceError("INVALID_INPUT", `not a GCS location: ${uri} (expected gs://bucket/path)`);
  return { bucket: m[1]!, prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

/** The parsed service-account key, INVALID_INPUT when it is not a JSON object. */
function parseKey(json: string, optionName: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new LanceError("INVALID_INPUT", `storage option ${optionName} is not JSON (expected a service-account key)`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new LanceError("INVALID_INPUT", `storage option ${optionName} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

export class GcsStore extends RemoteObjectStore {
  /** Chunks of a resumable upload: the part size rounded up to GCS's quantum. */
  private readonly chunkBytes: number;

  private constructor(
    private readonly bucket: Gcs.Bucket,
    settings: RemoteStoreSettings,
  ) {
    super(settings);
    this.chunkBytes = Math.max(CHUNK_QUANTUM, Math.ceil(this.partBytes / CHUNK_QUANTUM) * CHUNK_QUANTUM);
  }

  /**
   * Opens `gs://bucket/prefix` with Lance's storage options
   * (google_service_account: path of a service-account key;
   * google_service_account_key: the key itself; google_application_credentials;
   * google_storage_token: a bearer token), plus google_endpoint (or the key's
   * gcs_base_url, with disable_oauth: no credentials, as object_store reads
   * such a key) for another server, allow_http, timeout, max_retries.
   * Without credentials the client's own chain (application default
   * credentials) is used.
   */
  static async open(uri: string, options: StorageOptions = {}, tuning: UploadTuning = {}): Promise<GcsStore> {
    const location = parseGcsUri(uri);
    const keyJson = first(options, GCS_OPTION_NAMES.serviceAccountKey);
    const key = keyJson === undefined ? undefined : parseKey(keyJson, "google_service_account_key");
    const keyBaseUrl = typeof key?.["gcs_base_url"] === "string" ? key["gcs_base_url"] : undefined;
    // object_store's convention for emulators: a key naming another server and asking for no OAuth
    const anonymous = key?.["disable_oauth"] === true && keyBaseUrl !== undefined;
    const endpointOption = first(options, GCS_OPTION_NAMES.endpoint) ?? keyBaseUrl;
    if (endpointOption !== undefined) checkEndpoint(endpointOption, optionFlag(options, GCS_OPTION_NAMES.allowHttp, false), "google_endpoint");
    const endpoint = (endpointOption ?? "https://storage.googleapis.com").replace(/\/+$/, "");
    const maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
    const timeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
    const token = first(options, GCS_OPTION_NAMES.storageToken);
    const keyFile = first(options, GCS_OPTION_NAMES.serviceAccount) ?? first(options, GCS_OPTION_NAMES.applicationCredentials);
    const projectId = first(options, GCS_OPTION_NAMES.projectId) ?? (typeof key?.["project_id"] === "string" ? key["project_id"] : undefined);

    const sdk = await loadSdk();
    const config: Gcs.StorageOptions = {
      apiEndpoint: endpoint,
      // send credentials to a custom endpoint too (the client leaves them off by default)
      useAuthWithCustomEndpoint: !anonymous,
      timeout: timeoutMs,
      retryOptions: {
        autoRetry: maxAttempts > 1,
        maxRetries: maxAttempts - 1,
        maxRetryDelay: 2,
        retryDelayMultiplier: 2,
        totalTimeout: Math.ceil((timeoutMs * maxAttempts) / 1000),
      },
      // objects are addressed by bucket: no project lookup (which could ask a metadata server)
      projectId: projectId ?? "lancets",
    };
    // Data files have names of their own, so replacing one is safe to retry; without this the client
    // also turns retries off for the whole client after its first write without a precondition.
    config.retryOptions!.idempotencyStrategy = sdk.IdempotencyStrategy.RetryAlways;
    if (anonymous) {
      // no credentials at all: requests go out without an Authorization header
    } else if (token !== undefined) {
      const auth = await loadAuth();
      const client = new auth.OAuth2Client();
      // no expiry and no refresh token: the token is used as given, never refreshed
      client.setCredentials({ access_token: token });
      config.authClient = client;
    } else if (key !== undefined) {
      config.credentials = key as Gcs.StorageOptions["credentials"] & object;
    } else if (keyFile !== undefined) {
      config.keyFilename = keyFile;
    }
    const storage = new sdk.Storage(config);
    if (!anonymous && token !== undefined && !/(^|\.)googleapis\.com$/i.test(new URL(endpoint).hostname)) {
      // the client's resumable uploads send no credentials to a host outside googleapis.com;
      // this header gives them the token as every other request has it
      storage.interceptors.push({
        request: (reqOpts) => {
          reqOpts.headers = { ...reqOpts.headers, Authorization: `Bearer ${token}` };
          return reqOpts as typeof reqOpts & { uri: string };
        },
      });
    }
    return new GcsStore(storage.bucket(location.bucket), {
      uri: `gs://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`,
      storageOptions: options,
      rootPrefix: location.prefix,
      containerLabel: `gcs bucket ${location.bucket}`,
      endpoint,
      maxAttempts,
      requestTimeoutMs: timeoutMs,
      tuning,
      maxParts: Number.MAX_SAFE_INTEGER,
    });
  }

  protected override failureOf(err: unknown): RemoteFailure {
    return failureOf(err);
  }

  /** The client does not retry a media download that failed with a transient status. */
  protected override retryRead(err: unknown): boolean {
    return TRANSIENT.has(failureOf(err).status ?? 0);
  }

  protected override async headObject(name: string): Promise<number> {
    const [meta] = await this.bucket.file(name).getMetadata();
    return Number(meta.size ?? 0);
  }

  /** A GET of the object's media, whole or `bytes=start-end`, once its headers have come. */
  protected override getObject(name: string, range?: { byteOffset: number; byteLength: number }): Promise<RemoteObjectBody> {
    const stream = this.bucket.file(name).createReadStream({
      validation: false,
      decompress: false,
      ...(range ? { start: range.byteOffset, end: range.byteOffset + range.byteLength - 1 } : {}),
    });
    // the client sends the request once the body is asked for: the first chunk is asked for now
    const chunks = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const firstChunk = chunks.next();
    firstChunk.catch(() => undefined);
    const body = {
      async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
        for (let step = await firstChunk; !step.done; step = await chunks.next()) yield step.value;
      },
      destroy: () => stream.destroy(),
    };
    return new Promise<RemoteObjectBody>((resolve, reject) => {
      // no answer at all within the timeout: the endpoint is unreachable
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new LanceError("IO", `cannot reach ${this.endpoint} to read gs://${this.bucket.name}/${name}: no answer within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      // a failure before the body (a refused connection, an error status) rejects; later ones end the body's reading
      stream.on("error", (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      });
      stream.once("response", (res: { statusCode?: number; headers?: Record<string, string | string[] | undefined> }) => {
        const status = res.statusCode ?? 0;
        // an error status: the client emits the error next
        if (status >= 300) return;
        clearTimeout(timer);
        const header = (key: string): string | undefined => {
          const v = res.headers?.[key];
          return Array.isArray(v) ? v[0] : v;
        };
        const declared = Number(header("content-length"));
        const contentLength = Number.isFinite(declared) ? declared : (range?.byteLength ?? NaN);
        if (!Number.isFinite(contentLength)) {
          stream.destroy();
          reject(new LanceError("IO", `gs://${this.bucket.name}/${name}: the server answered a whole read without a Content-Length`));
          return;
        }
        resolve({ body, contentLength, contentRange: status === 206 ? header("content-range") : undefined });
      });
    });
  }

  protected override async putObject(name: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    await this.bucket.file(name).save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      resumable: false,
      validation: false,
      contentType: "application/octet-stream",
      ...(ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    });
  }

  /**
   * A resumable upload: parts go to one upload stream in order (they are
   * handed over in part order), which sends chunks of `chunkBytes` as they
   * fill; GCS makes the object visible only when the final chunk (the one that
   * states the total size) is stored. Abort stops the stream before that, so
   * nothing appears; the unfinished session expires on the server.
   */
  protected override async startUpload(name: string): Promise<PartUpload> {
    const stream = this.bucket.file(name).createWriteStream({ resumable: true, chunkSize: this.chunkBytes, validation: false, contentType: "application/octet-stream" });
    const where = `gs://${this.bucket.name}/${name}`;
    let failure: { err: unknown } | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      stream.once("finish", () => resolve());
      stream.once("error", (err: unknown) => {
        failure ??= { err };
        reject(err);
      });
    });
    // a failure is reported by the next part or by complete; never unhandled
    finished.catch(() => undefined);
    return {
      uploadPart(partNumber, body) {
        if (failure) return Promise.reject(failure.err);
        // the stream keeps the bytes until their chunk is sent; the caller may reuse `body` once this settles
        const copy = Buffer.from(body);
        return new Promise<string>((resolve, reject) => {
          const onError = (err: unknown): void => reject(err);
          stream.once("error", onError);
          const settle = (): void => {
            stream.removeListener("error", onError);
            resolve(String(partNumber));
          };
          const more = stream.write(copy, (err) => {
            if (!err && more) settle();
          });
          if (!more) stream.once("drain", settle);
        });
      },
      async complete() {
        if (failure) throw failure.err;
        stream.end();
        await finished;
      },
      async abort() {
        if (stream.writableFinished) return;
        stream.destroy(new LanceError("IO", `upload of ${where} aborted`));
        await finished.catch(() => undefined);
      },
    };
  }

  protected override async *listObjects(prefix: string): AsyncIterable<RemoteListing> {
    let pageToken: string | undefined;
    do {
      const [files, next] = await this.bucket.getFiles({ prefix, autoPaginate: false, ...(pageToken ? { pageToken } : {}) });
      for (const file of files) {
        const updated = file.metadata.updated ? Date.parse(file.metadata.updated) : NaN;
        yield { key: file.name, size: Number(file.metadata.size ?? 0), ...(Number.isFinite(updated) ? { lastModified: updated } : {}) };
      }
      pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
    } while (pageToken);
  }

  protected override async deleteObject(name: string): Promise<void> {
    await this.bucket.file(name).delete();
  }
}
