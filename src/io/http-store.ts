// A read-only ObjectStore over plain HTTP(S): a dataset published on a static
// host or behind a CDN. Ranged reads are GETs with `Range: bytes=a-b`, sizes
// come from HEAD (or a 0-0 range's Content-Range when HEAD is refused), and
// the global fetch is used, so it runs in Node 20 and in browsers. HTTP has no
// listing, so list is NOT_SUPPORTED (readers find the latest version from the
// version hint and by probing manifest names); every write is refused before
// any request is sent.

import { CorruptFileError, LanceError } from "../core/errors.js";
import {
  checkStorePath,
  checkWholeRead,
  DEFAULT_MAX_READ_BYTES,
  type ObjectMeta,
  type ObjectStore,
  type ObjectWriter,
  type ReadOptions,
} from "./object-store.js";
import {
  answerWithoutFetch,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  discardBody,
  optionCount,
  optionDurationMs,
  pastEnd,
  readBody,
  remoteError,
  ShortBodyError,
  withRetries,
  type StorageOptions,
} from "./remote-store.js";

/** Statuses tried again after a pause. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/** The fetch function the store calls (the global one unless given). */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpStoreOptions {
  /** Headers sent with every request (an Authorization header for a private host, say). */
  headers?: Record<string, string>;
  fetch?: FetchFunction;
}

/** A failed response, kept apart from failures to connect. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class HttpStore implements ObjectStore {
  readonly uri: string;
  readonly storageOptions: Readonly<StorageOptions>;
  readonly maxReadBytes = DEFAULT_MAX_READ_BYTES;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: FetchFunction;

  /**
   * Opens the dataset at `uri` (http:// or https://, no query or fragment),
   * with the storage options timeout (per request) and max_retries.
   */
  constructor(uri: string, options: StorageOptions = {}, http: HttpStoreOptions = {}) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new LanceError("INVALID_INPUT", `not an HTTP location: ${uri}`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      throw new LanceError("INVALID_INPUT", `not an HTTP location: ${uri} (expected http(s)://host/path without query, fragment or credentials)`);
    }
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    this.uri = this.base;
    this.storageOptions = Object.freeze({ ...options });
    this.timeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
    this.maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
    this.headers = { ...(http.headers ?? {}) };
    const globalFetch = (globalThis as { fetch?: FetchFunction }).fetch;
    const fetchFn = http.fetch ?? globalFetch?.bind(globalThis);
    if (fetchFn === undefined) throw new LanceError("NOT_SUPPORTED", `http(s):// locations need a global fetch (Node 20 or a browser)`);
    this.fetchFn = fetchFn;
  }

  private url(path: string): string {
    checkStorePath(path, this.uri);
    return `${this.base}/${path.split("/").map(encodeURIComponent).join("/")}`;
  }

  private refuse(operation: string, path: string): LanceError {
    return new LanceError("NOT_SUPPORTED", `cannot ${operation} ${this.uri}/${path}: the store is read-only over HTTP; write through s3://, az://, gs:// or a local path`);
  }

  private fail(err: unknown, operation: string, path: string): LanceError {
    if (err instanceof LanceError) return err;
    const status = err instanceof HttpStatusError ? err.status : undefined;
    const message = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}` : String(err);
    return remoteError(
      { status, code: undefined, message, cause: err },
      { container: `http server ${new URL(this.base).host}`, location: `${this.uri}/${path}`, operation, endpoint: new URL(this.base).origin },
    );
  }

  private retryable = (err: unknown): boolean =>
    err instanceof ShortBodyError || (err instanceof HttpStatusError ? TRANSIENT.has(err.status) : !(err instanceof LanceError));

  /** One request with the store's headers and timeout; a failed status becomes an HttpStatusError (its body discarded). */
  private async request(method: "GET" | "HEAD", path: string, headers: Record<string, string> = {}, okStatuses: readonly number[] = []): Promise<Response> {
    // the timeout bounds the wait for the answer's headers; a body that stalls is caught by readBody's idle timeout
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchFn(this.url(path), { method, headers: { ...this.headers, ...headers }, signal: controller.signal, redirect: "follow" });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok && !okStatuses.includes(response.status)) {
      discardBody(response.body);
      throw new HttpStatusError(response.status, `${method} ${this.uri}/${path} answered ${response.status} ${response.statusText}`.trim());
    }
    return response;
  }

  async size(path: string): Promise<number> {
    this.url(path);
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const head = await this.request("HEAD", path, {}, [405, 501]);
        const length = head.headers.get("content-length");
        if (head.ok && length !== null && /^\d+$/.test(length)) return Number(length);
        // no HEAD, or no length in its answer: the total of a one-byte range
        const probe = await this.request("GET", path, { Range: "bytes=0-0" }, [416]);
        discardBody(probe.body);
        const total = /\/(\d+)$/.exec(probe.headers.get("content-range") ?? "")?.[1];
        if (total !== undefined) return Number(total);
        const whole = probe.status === 200 ? probe.headers.get("content-length") : null;
        if (whole !== null && /^\d+$/.test(whole)) return Number(whole);
        throw new LanceError("IO", `${this.uri}/${path}: the server tells neither the size (Content-Length) nor the total of a range (Content-Range)`);
      });
    } catch (err) {
      throw this.fail(err, "stat", path);
    }
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    this.url(path);
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const response = await this.request("GET", path, { "Accept-Encoding": "identity" });
        const length = response.headers.get("content-length");
        if (length === null || !/^\d+$/.test(length)) {
          // a body of unknown length: its size is learned with HEAD first
          discardBody(response.body);
          const size = await this.size(path);
          checkWholeRead(path, size, options, this.maxReadBytes);
          return this.readRange(path, 0, size);
        }
        const size = Number(length);
        try {
          checkWholeRead(path, size, options, this.maxReadBytes);
        } catch (err) {
          discardBody(response.body);
          throw err;
        }
        return readBody(`${this.uri}/${path}`, path, response.body, size, this.timeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.url(path);
    const empty = await answerWithoutFetch(path, byteOffset, byteLength, this.maxReadBytes, () => this.size(path));
    if (empty) return empty;
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const end = byteOffset + byteLength - 1;
        const response = await this.request("GET", path, { Range: `bytes=${byteOffset}-${end}`, "Accept-Encoding": "identity" }, [416]);
        if (response.status === 416) {
          discardBody(response.body);
          const total = /^bytes \*\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
          throw pastEnd(path, byteOffset, byteLength, total !== undefined ? Number(total) : await this.size(path));
        }
        const length = Number(response.headers.get("content-length") ?? NaN);
        if (response.status !== 206) {
          discardBody(response.body);
          // the whole object, when that is what was asked for, is fine
          if (byteOffset === 0 && length === byteLength) return this.read(path);
          throw new LanceError(
            "NOT_SUPPORTED",
            `${this.uri}/${path}: the server ignores Range requests (answered ${response.status} with ${Number.isFinite(length) ? `${length} bytes` : "the whole object"} to a request for bytes ${byteOffset}-${end}); datasets are read over HTTP only from servers that support ranges`,
          );
        }
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
        if (range === null) {
          discardBody(response.body);
          throw new CorruptFileError(path, byteOffset, `${this.uri}/${path}: a 206 answer without a valid Content-Range`);
        }
        const [start, last] = [Number(range[1]), Number(range[2])];
        if (start !== byteOffset || last - start + 1 < byteLength) {
          discardBody(response.body);
          throw pastEnd(path, byteOffset, byteLength, range[3] === "*" ? last + 1 : Number(range[3]));
        }
        return readBody(`${this.uri}/${path}`, path, response.body, byteLength, this.timeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async put(path: string, _data: Uint8Array): Promise<void> {
    checkStorePath(path, this.uri);
    throw this.refuse("write", path);
  }

  async putIfAbsent(path: string, _data: Uint8Array): Promise<boolean> {
    checkStorePath(path, this.uri);
    throw this.refuse("create", path);
  }

  async openWriter(path: string): Promise<ObjectWriter> {
    checkStorePath(path, this.uri);
    throw this.refuse("write", path);
  }

  async delete(path: string): Promise<void> {
    checkStorePath(path, this.uri);
    throw this.refuse("delete", path);
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    checkStorePath(prefix, this.uri, true);
    throw new LanceError("NOT_SUPPORTED", `cannot list ${this.uri}/${prefix}: plain HTTP has no listing (a dataset is found over HTTP through its version hint or by probing manifest names)`);
  }
}
