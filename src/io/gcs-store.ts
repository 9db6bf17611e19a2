// ObjectStore over Google Cloud Storage, through @google-cloud/storage (its
// JSON API), loaded only when a gs:// location is opened. Manifests are
// created with the generation precondition 0 (ifGenerationMatch=0): the
// object must not exist, and a 412 is a lost race, as for Lance. Objects above
// a threshold go up as a resumable upload in chunks, which makes nothing
// visible until the last chunk is stored; the same upload backs openWriter.

import type * as Gcs from "@google-cloud/storage";
import { LanceError } from "../core/errors.js";
import {
  checkStorePath,
  checkWholeRead,
  DEFAULT_MAX_READ_BYTES,
  type ListOptions,
  type ObjectMeta,
  type ObjectStore,
  type ObjectWriter,
  type ReadOptions,
} from "./object-store.js";
import {
  checkEndpoint,
  answerWithoutFetch,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  first,
  optionCount,
  optionDurationMs,
  optionFlag,
  pastEnd,
  remoteError,
  ShortBodyError,
  withRetries,
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
  return { status, code: status === undefined ? undefined : reason, message, cause: err };
}

/** Statuses a read is tried again on (the client does not retry a media download that failed this way). */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/** A 404 that speaks of the bucket, not the object. */
function missingBucket(f: RemoteFailure): boolean {
  return f.status === 404 && /bucket does not exist|no such bucket|bucket .*not found/i.test(f.message);
}

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

export class GcsStore implements ObjectStore {
  readonly uri: string;
  readonly storageOptions: Readonly<StorageOptions>;
  readonly maxReadBytes = DEFAULT_MAX_READ_BYTES;
  /** GCS lists object names in ascending UTF-8 byte order. */
  readonly listsInKeyOrder = true;
  private readonly bucket: Gcs.Bucket;
  private readonly location: GcsLocation;
  private readonly endpoint: string;
  private readonly maxAttempts: number;
  private readonly multipartThresholdBytes: number;
  private readonly chunkBytes: number;
  private readonly timeoutMs: number;

  private constructor(bucket: Gcs.Bucket, location: GcsLocation, endpoint: string, options: StorageOptions, tuning: UploadTuning) {
    this.storageOptions = Object.freeze({ ...options });
    this.bucket = bucket;
    this.location = location;
    this.endpoint = endpoint;
    this.uri = `gs://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
    this.maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
    this.multipartThresholdBytes = tuning.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    const partBytes = tuning.partBytes ?? DEFAULT_PART_BYTES;
    this.chunkBytes = Math.max(CHUNK_QUANTUM, Math.ceil(partBytes / CHUNK_QUANTUM) * CHUNK_QUANTUM);
    this.timeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
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
    return new GcsStore(storage.bucket(location.bucket), location, endpoint, options, tuning);
  }

  private name(path: string, isPrefix = false): string {
    checkStorePath(path, this.uri, isPrefix);
    return this.location.prefix ? `${this.location.prefix}/${path}` : path;
  }

  private fail(err: unknown, operation: string, path: string): LanceError {
    if (err instanceof LanceError) return err;
    const f = failureOf(err);
    const container = `gcs bucket ${this.location.bucket}`;
    if (missingBucket(f)) {
      return new LanceError("NOT_FOUND", `${container} does not exist (${operation} of ${this.uri}/${path}) (HTTP 404)`, { cause: err });
    }
    return remoteError(f, { container, location: `${this.uri}/${path}`, operation, endpoint: this.endpoint });
  }

  /** Retries what the client does not: a body that breaks off while it is being read. */
  private retryable = (err: unknown): boolean => err instanceof ShortBodyError || TRANSIENT.has(failureOf(err).status ?? 0);

  async size(path: string): Promise<number> {
    const file = this.bucket.file(this.name(path));
    try {
      const [meta] = await file.getMetadata();
      return Number(meta.size ?? 0);
    } catch (err) {
      throw this.fail(err, "stat", path);
    }
  }

  /**
   * One GET of the object's media, whole or `bytes=start-end`. `accept` sees
   * the response's declared length before any byte is kept and may refuse it.
   */
  private async download(name: string, range: [number, number] | undefined, accept: (declaredBytes: number, status: number) => void): Promise<Uint8Array> {
    const file = this.bucket.file(name);
    const stream = file.createReadStream({ validation: false, decompress: false, ...(range ? { start: range[0], end: range[1] } : {}) });
    let refused: unknown;
    let answered = false;
    let declared = NaN;
    stream.once("response", (res: { statusCode?: number; headers?: Record<string, string | string[] | undefined> }) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 300) return;
      declared = Number(res.headers?.["content-length"]);
      try {
        if (Number.isFinite(declared)) accept(declared, status);
      } catch (err) {
        refused = err;
        stream.destroy(err as Error);
      }
    });
    const pieces: Uint8Array[] = [];
    let total = 0;
    const location = `${this.uri}/${name.slice(this.location.prefix ? this.location.prefix.length + 1 : 0)}`;
    const chunks = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        // a connection that goes quiet (or breaks without the client noticing) ends the read after the timeout
        const next = chunks.next();
        const step = await Promise.race([
          next,
          new Promise<"idle">((resolve) => {
            timer = setTimeout(() => resolve("idle"), this.timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (step === "idle") {
          next.catch(() => undefined);
          stream.destroy();
          if (!answered) throw new LanceError("IO", `cannot reach ${this.endpoint} to read ${location}: no answer within ${this.timeoutMs} ms`);
          throw new ShortBodyError(location, total, Number.isFinite(declared) ? declared : total, `no data for ${this.timeoutMs} ms`);
        }
        if (step.done) break;
        pieces.push(step.value);
        total += step.value.byteLength;
      }
    } catch (err) {
      clearTimeout(timer);
      if (refused !== undefined) throw refused;
      // no answer at all (refused, unreachable) or an answer of the service: the caller maps it
      if (!answered || err instanceof LanceError || typeof (err as { code?: unknown }).code === "number") throw err;
      throw new ShortBodyError(location, total, Number.isFinite(declared) ? declared : total, err instanceof Error ? err.message : String(err));
    }
    if (refused !== undefined) throw refused;
    if (Number.isFinite(declared) && total !== declared) throw new ShortBodyError(location, total, declared);
    // one plain Uint8Array (the client's Buffers may be views of a shared pool)
    const out = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.byteLength;
    }
    return out;
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const name = this.name(path);
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        let declared: number | undefined;
        const data = await this.download(name, undefined, (bytes) => {
          declared = bytes;
          checkWholeRead(path, bytes, options, this.maxReadBytes);
        });
        if (declared !== undefined && data.byteLength !== declared) throw new ShortBodyError(`${this.uri}/${path}`, data.byteLength, declared);
        return data;
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const name = this.name(path);
    const empty = await answerWithoutFetch(path, byteOffset, byteLength, this.maxReadBytes, () => this.size(path));
    if (empty) return empty;
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        let data: Uint8Array;
        let wholeObject = false;
        try {
          data = await this.download(name, [byteOffset, byteOffset + byteLength - 1], (bytes, status) => {
            // 200 instead of 206: the server sent the whole object
            wholeObject = status === 200;
            if (!wholeObject && bytes > byteLength) throw new LanceError("IO", `${this.uri}/${path}: the server answered a ${byteLength}-byte range with ${bytes} bytes`);
          });
        } catch (err) {
          // 416: the range starts at or past the end
          if (failureOf(err).status === 416) throw pastEnd(path, byteOffset, byteLength, await this.size(path));
          throw err;
        }
        if (wholeObject) {
          if (byteOffset + byteLength > data.byteLength) throw pastEnd(path, byteOffset, byteLength, data.byteLength);
          return data.slice(byteOffset, byteOffset + byteLength);
        }
        // a short range: the object ends inside it
        if (data.byteLength < byteLength) throw pastEnd(path, byteOffset, byteLength, byteOffset + data.byteLength);
        return data;
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  /** Stores `data` in one request (a multipart media upload) or, above the threshold, a resumable upload in chunks. */
  private async save(name: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    const file = this.bucket.file(name);
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const resumable = data.byteLength > this.multipartThresholdBytes;
    await file.save(body, {
      resumable,
      ...(resumable ? { chunkSize: this.chunkBytes } : {}),
      validation: false,
      contentType: "application/octet-stream",
      ...(ifAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    });
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const name = this.name(path);
    try {
      await this.save(name, data, false);
    } catch (err) {
      throw this.fail(err, "write", path);
    }
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const name = this.name(path);
    try {
      await this.save(name, data, true);
      return true;
    } catch (err) {
      // 412: an object of that name exists (its generation is not 0)
      if (failureOf(err).status === 412) return false;
      throw this.fail(err, "create", path);
    }
  }

  async openWriter(path: string): Promise<ObjectWriter> {
    return new GcsResumableWriter(this.bucket.file(this.name(path)), path, this.chunkBytes, (err, operation) => this.fail(err, operation, path));
  }

  async list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    const limit = options?.limit ?? Infinity;
    const namePrefix = prefix === "" ? (this.location.prefix ? `${this.location.prefix}/` : "") : this.name(prefix, true);
    const rootLength = this.location.prefix ? this.location.prefix.length + 1 : 0;
    const out: ObjectMeta[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const [files, next] = await this.bucket.getFiles({ prefix: namePrefix, autoPaginate: false, ...(pageToken ? { pageToken } : {}) });
        for (const file of files) {
          // names ending in "/" are folder placeholders some tools create, not objects
          if (file.name.endsWith("/")) continue;
          const updated = file.metadata.updated ? Date.parse(file.metadata.updated) : NaN;
          out.push({ path: file.name.slice(rootLength), size: Number(file.metadata.size ?? 0), ...(Number.isFinite(updated) ? { lastModified: updated } : {}) });
        }
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken && out.length < limit);
    } catch (err) {
      throw this.fail(err, "list", prefix);
    }
    return out;
  }

  async delete(path: string): Promise<void> {
    const file = this.bucket.file(this.name(path));
    try {
      await file.delete();
    } catch (err) {
      const f = failureOf(err);
      if (f.status === 404 && !missingBucket(f)) return;
      throw this.fail(err, "delete", path);
    }
  }
}

/**
 * One resumable upload: chunks of `chunkBytes` go up as they fill, and GCS
 * makes the object visible only when the final chunk (the one that states the
 * total size) is stored. Abort stops the stream before that, so nothing
 * appears; the unfinished session expires on the server.
 */
class GcsResumableWriter implements ObjectWriter {
  private readonly stream: NodeJS.WritableStream & { destroy(err?: Error): void; writableFinished?: boolean };
  private failure: unknown;
  private size = 0;
  private done = false;
  private readonly finished: Promise<void>;

  constructor(
    file: Gcs.File,
    private readonly path: string,
    chunkBytes: number,
    private readonly fail: (err: unknown, operation: string) => LanceError,
  ) {
    this.stream = file.createWriteStream({ resumable: true, chunkSize: chunkBytes, validation: false, contentType: "application/octet-stream" }) as typeof this.stream;
    this.finished = new Promise<void>((resolve, reject) => {
      this.stream.once("finish", () => resolve());
      this.stream.once("error", (err: unknown) => {
        this.failure ??= err;
        reject(err);
      });
    });
    // a failure is reported by the next write or finish; never unhandled
    this.finished.catch(() => undefined);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new LanceError("INTERNAL", `write to ${this.path} after the writer finished or aborted`);
    if (this.failure !== undefined) throw this.fail(this.failure, "write");
    // the stream keeps the buffer until its chunk is uploaded; the caller may reuse `chunk`
    const copy = Buffer.from(chunk);
    this.size += copy.byteLength;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: unknown): void => reject(this.fail(err, "write"));
      this.stream.once("error", onError);
      const more = this.stream.write(copy, (err) => {
        if (err) return;
        if (more) {
          this.stream.removeListener("error", onError);
          resolve();
        }
      });
      if (!more) {
        this.stream.once("drain", () => {
          this.stream.removeListener("error", onError);
          resolve();
        });
      }
    });
  }

  async finish(): Promise<number> {
    if (this.done) throw new LanceError("INTERNAL", `finish of ${this.path} after the writer finished or aborted`);
    if (this.failure !== undefined) throw this.fail(this.failure, "write");
    this.stream.end();
    try {
      await this.finished;
    } catch (err) {
      throw this.fail(err, "write");
    }
    this.done = true;
    return this.size;
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.stream.writableFinished) return;
    this.stream.destroy(new LanceError("IO", `upload of ${this.path} aborted`));
    await this.finished.catch(() => undefined);
  }
}
