// What the object stores over HTTP (S3, Azure Blob) share: reading Lance's
// storage options, draining a response body into one buffer of known length,
// retrying transient failures a bounded number of times, and turning a
// service's failure into a LanceError that names the object and operation.

import { CorruptFileError, LanceError } from "../core/errors.js";
import { allocateReadBuffer, checkReadLength } from "./object-store.js";

/** Lance's storage options: string keys and string values, as lancedb takes them. */
export type StorageOptions = Record<string, string>;

/** Bounds every store over HTTP applies unless the storage options say otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Objects larger than this are uploaded in parts (S3 multipart, Azure blocks). */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

/** Sizes of uploads; tests lower them to exercise multipart uploads on small objects. */
export interface UploadTuning {
  multipartThresholdBytes?: number;
  partBytes?: number;
  uploadConcurrency?: number;
}

/** The value of the first of `keys` that is set and not empty (Lance accepts several spellings of each option). */
export function first(options: StorageOptions, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = options[key];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

/** "true"/"false" (any case), "1"/"0", "yes"/"no"; INVALID_INPUT otherwise. `keys`: the option's spellings. */
export function optionFlag(options: StorageOptions, keys: string | readonly string[], fallback: boolean): boolean {
  const names = typeof keys === "string" ? [keys] : keys;
  const key = names.find((k) => options[k] !== undefined && options[k] !== "") ?? names[0]!;
  const raw = options[key];
  if (raw === undefined || raw === "") return fallback;
  const value = String(raw).trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new LanceError("INVALID_INPUT", `storage option ${key} must be true or false, not ${JSON.stringify(raw)}`);
}

/** A duration such as "30s", "500ms", "2m" or a number of seconds, in milliseconds. */
export function optionDurationMs(options: StorageOptions, key: string, fallbackMs: number): number {
  const raw = options[key];
  if (raw === undefined || raw === "") return fallbackMs;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/i.exec(String(raw));
  if (!m) throw new LanceError("INVALID_INPUT", `storage option ${key} must be a duration such as "30s" or "500ms", not ${JSON.stringify(raw)}`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  return Math.round(unit === "ms" ? n : unit === "s" ? n * 1000 : n * 60_000);
}

/** A positive whole number; INVALID_INPUT otherwise. */
export function optionCount(options: StorageOptions, key: string, fallback: number): number {
  const raw = options[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new LanceError("INVALID_INPUT", `storage option ${key} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return n;
}

/** Refuses a plain-HTTP endpoint unless allow_http is set, as Lance does. */
export function checkEndpoint(endpoint: string, allowHttp: boolean, optionName: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new LanceError("INVALID_INPUT", `storage option ${optionName} is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol === "http:" && !allowHttp) {
    throw new LanceError("INVALID_INPUT", `endpoint ${endpoint} uses plain HTTP; set the storage option allow_http to "true" to allow it`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LanceError("INVALID_INPUT", `endpoint ${endpoint} must be an http:// or https:// URL`);
  }
}

/** A failure reported by a service client, reduced to what the mapping needs. */
export interface RemoteFailure {
  /** HTTP status; undefined when no response arrived (refused, reset, timed out). */
  status: number | undefined;
  /** The service's error code (NoSuchKey, BlobNotFound, AccessDenied...). */
  code: string | undefined;
  message: string;
  cause: unknown;
}

export interface FailureContext {
  /** "s3 bucket b" or "azure container c": what access was denied to. */
  container: string;
  /** Full location of the object, for messages. */
  location: string;
  /** read, write, create, list, delete, stat */
  operation: string;
  /** Where requests went, for unreachable endpoints. */
  endpoint: string;
}

/** The code a GCS failure is given when its message says the bucket is missing (the service's reason is "notFound" either way). */
export const GCS_MISSING_BUCKET = "bucketNotFound";
const MISSING_CONTAINER = new Set(["NoSuchBucket", "ContainerNotFound", GCS_MISSING_BUCKET]);
const DENIED = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AuthenticationFailed",
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "InvalidAuthenticationInfo",
  "ExpiredToken",
  "InvalidToken",
  "Forbidden",
]);

/** Whether a service's error code says the bucket or container itself is missing (not just the object). */
export function isMissingContainer(code: string | undefined): boolean {
  return code !== undefined && MISSING_CONTAINER.has(code);
}

/** The LanceError for a failed request (see the mapping in the README's storage section). */
export function remoteError(f: RemoteFailure, ctx: FailureContext): LanceError {
  const detail = f.message.split("\n")[0]!.slice(0, 300);
  const http = f.status === undefined ? "" : ` (HTTP ${f.status}${f.code ? ` ${f.code}` : ""})`;
  if (isMissingContainer(f.code)) {
    return new LanceError("NOT_FOUND", `${ctx.container} does not exist (${ctx.operation} of ${ctx.location})${http}`, { cause: f.cause });
  }
  if (f.status === 404) return new LanceError("NOT_FOUND", `${ctx.location} does not exist${http}`, { cause: f.cause });
  if (f.status === 401 || f.status === 403 || (f.code !== undefined && DENIED.has(f.code))) {
    return new LanceError("IO", `access denied to ${ctx.container} for ${ctx.operation} of ${ctx.location}${http}: ${detail}`, { cause: f.cause });
  }
  if (f.status === undefined) {
    return new LanceError("IO", `cannot reach ${ctx.endpoint} to ${ctx.operation} ${ctx.location}: ${detail}`, { cause: f.cause });
  }
  return new LanceError("IO", `${ctx.operation} of ${ctx.location} failed${http}: ${detail}`, { cause: f.cause });
}

/** The body chunks of a response, whatever shape the client returned it in. */
async function* chunksOf(body: unknown): AsyncGenerator<Uint8Array> {
  if (body === null || body === undefined) return;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    }
    return;
  }
  if (typeof (body as ReadableStream<Uint8Array>).getReader === "function") {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (typeof (body as Blob).arrayBuffer === "function") {
    yield new Uint8Array(await (body as Blob).arrayBuffer());
    return;
  }
  throw new LanceError("INTERNAL", `unexpected response body of type ${typeof body}`);
}

/** Stops a response body that will not be read (a refused whole read). */
export function discardBody(body: unknown): void {
  try {
    if (body && typeof (body as { destroy?: () => void }).destroy === "function") (body as { destroy: () => void }).destroy();
    else if (body && typeof (body as ReadableStream).cancel === "function") void (body as ReadableStream).cancel().catch(() => undefined);
  } catch {
    // nothing more to release
  }
}

/** A body that ended early or ran long: the connection broke, or the object changed under the read. */
export class ShortBodyError extends LanceError {
  constructor(location: string, got: number, expected: number, why = "the connection ended") {
    super("IO", `${location}: response body stopped after ${got} of ${expected} bytes (${why})`);
  }
}

/**
 * Drains `body` into one buffer of exactly `byteLength` bytes. A body that
 * breaks off, or sends nothing for `idleTimeoutMs`, is a ShortBodyError,
 * which the stores retry (the clients retry requests, not bodies).
 */
export async function readBody(location: string, path: string, body: unknown, byteLength: number, idleTimeoutMs = 0): Promise<Uint8Array> {
  const out = allocateReadBuffer(path, byteLength);
  let done = 0;
  const chunks = chunksOf(body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (;;) {
      const next = chunks.next();
      const step =
        idleTimeoutMs > 0
          ? await Promise.race([
              next,
              new Promise<"idle">((resolve) => {
                timer = setTimeout(() => resolve("idle"), idleTimeoutMs);
              }),
            ])
          : await next;
      clearTimeout(timer);
      if (step === "idle") {
        next.catch(() => undefined);
        throw new ShortBodyError(location, done, byteLength, `no data for ${idleTimeoutMs} ms`);
      }
      if (step.done) break;
      const chunk = step.value;
      if (done + chunk.byteLength > byteLength) throw new CorruptFileError(path, undefined, `${location} returned more than the ${byteLength} bytes asked for`);
      out.set(chunk, done);
      done += chunk.byteLength;
    }
  } catch (err) {
    clearTimeout(timer);
    discardBody(body);
    if (err instanceof LanceError) throw err;
    // the connection broke while the body was arriving (a reset, a socket timeout)
    throw new ShortBodyError(location, done, byteLength, err instanceof Error ? err.message : String(err));
  }
  if (done !== byteLength) throw new ShortBodyError(location, done, byteLength);
  return out;
}

/** Runs `attempt` up to `maxAttempts` times while `retryable` says so, with exponential backoff and jitter. */
export async function withRetries<T>(maxAttempts: number, retryable: (err: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= maxAttempts || !retryable(err)) throw err;
      const delayMs = Math.min(2_000, 100 * 2 ** (i - 1)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Checks a requested byte range the way every store does (CORRUPT_FILE for non-integers and negatives). */
export function checkRangeArgs(path: string, byteOffset: number, byteLength: number): void {
  if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > Number.MAX_SAFE_INTEGER) {
    throw new CorruptFileError(path, Number.isSafeInteger(byteOffset) ? byteOffset : undefined, `read of ${byteLength} bytes at byte ${byteOffset} is not a valid range`);
  }
}

/**
 * What every remote ranged read does before asking for bytes: checks the
 * range and the store's cap on one result, and answers an empty range itself
 * (a request cannot carry one), after checking that the object exists and
 * reaches the offset. Undefined when the bytes must be fetched.
 */
export async function answerWithoutFetch(path: string, byteOffset: number, byteLength: number, maxReadBytes: number, size: () => Promise<number>): Promise<Uint8Array | undefined> {
  checkRangeArgs(path, byteOffset, byteLength);
  checkReadLength(path, byteOffset, byteLength, maxReadBytes);
  if (byteLength > 0) return undefined;
  const objectSize = await size();
  if (byteOffset > objectSize) throw pastEnd(path, byteOffset, byteLength, objectSize);
  return new Uint8Array(0);
}

/** The range reaches past the end of an object of `size` bytes. */
export function pastEnd(path: string, byteOffset: number, byteLength: number, size: number): CorruptFileError {
  return new CorruptFileError(path, byteOffset, `read of ${byteLength} bytes passes the end of the file (size ${size})`);
}
