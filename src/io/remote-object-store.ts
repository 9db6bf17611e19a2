// The ObjectStore skeleton every store over a vendor's HTTP API shares (S3,
// Azure Blob, GCS; any other service of the same shape): store paths to keys under
// the root prefix, failures mapped to LanceErrors naming the object and the
// operation, whole reads checked against the caller's bound, ranged reads
// with every way a service reports a range past the end, put-if-absent where
// losing the race is `false`, deletes of missing objects that succeed, and
// writes in parts through PartWriter.
//
// A vendor class extends RemoteObjectStore and supplies only its SDK calls
// (the abstract members below); they take keys (the root prefix already
// applied), let the SDK's failures through unchanged, and never map them:
//   failureOf(err)        the status and service code of an SDK failure
//   headObject(key)       the object's size
//   getObject(key, range) a response to a whole or ranged GET, body unread
//   putObject(key, data, ifAbsent)   one PUT; ifAbsent sends If-None-Match: *
//   startUpload(key)      begins an upload in parts (see PartUpload)
//   listObjects(prefix)   every key starting with prefix, in key order, page after
//                         page (a page is requested only when iteration reaches it)
//   deleteObject(key)     removes the object (a 404 is handled here)
// The base decides what the statuses mean: 404 is NOT_FOUND (a missing bucket
// or container, by its service code, too), 416 or a short Content-Range is a
// range past the end, 412 (or 409 not naming a missing container) on a
// conditional PUT is a lost race.

import { LanceError } from "../core/errors.js";
import { checkStorePath, checkWholeRead, DEFAULT_MAX_READ_BYTES, type ListOptions, type ObjectMeta, type ObjectStore, type ObjectWriter, type ReadOptions } from "./object-store.js";
import { PartWriter, type PartTarget, type PartUpload } from "./part-writer.js";
import {
  answerWithoutFetch,
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_PART_BYTES,
  DEFAULT_UPLOAD_CONCURRENCY,
  discardBody,
  isMissingContainer,
  pastEnd,
  readBody,
  remoteError,
  ShortBodyError,
  withRetries,
  type RemoteFailure,
  type StorageOptions,
  type UploadTuning,
} from "./remote-store.js";

/** What a vendor store resolves from its URI and storage options before the base is built. */
export interface RemoteStoreSettings {
  /** The store's location as shown in messages, without a trailing "/". */
  uri: string;
  storageOptions: StorageOptions;
  /** Key prefix of the root, without leading or trailing "/"; may be empty. */
  rootPrefix: string;
  /** What access is denied to in messages: "s3 bucket b", "azure container c". */
  containerLabel: string;
  /** Where requests go, for messages about an unreachable service. */
  endpoint: string;
  /** Tries of a read whose body breaks off (the SDKs retry requests themselves). */
  maxAttempts: number;
  /** Longest wait for more of a response body. */
  requestTimeoutMs: number;
  tuning: UploadTuning;
  /** The most parts the service accepts in one upload. */
  maxParts: number;
}

/** A response to a GET whose body has not been read. */
export interface RemoteObjectBody {
  /** The body in whatever form the SDK gives it (stream, async iterable, Blob). */
  body: unknown;
  /** Content-Length of the response. */
  contentLength: number;
  /** Content-Range of the response, when it has one ("bytes 0-99/5000"). */
  contentRange: string | undefined;
}

/** One object in a listing, by key. */
export interface RemoteListing {
  key: string;
  size: number;
  lastModified?: number;
}

export abstract class RemoteObjectStore implements ObjectStore {
  readonly uri: string;
  readonly storageOptions: Readonly<StorageOptions>;
  readonly maxReadBytes = DEFAULT_MAX_READ_BYTES;
  /** S3, Azure Blob and GCS list keys in ascending UTF-8 byte order. */
  readonly listsInKeyOrder = true;
  protected readonly endpoint: string;
  protected readonly maxAttempts: number;
  protected readonly requestTimeoutMs: number;
  protected readonly multipartThresholdBytes: number;
  protected readonly partBytes: number;
  protected readonly uploadConcurrency: number;
  private readonly rootPrefix: string;
  private readonly containerLabel: string;
  private readonly maxParts: number;

  protected constructor(settings: RemoteStoreSettings) {
    this.uri = settings.uri;
    this.storageOptions = Object.freeze({ ...settings.storageOptions });
    this.rootPrefix = settings.rootPrefix;
    this.containerLabel = settings.containerLabel;
    this.endpoint = settings.endpoint;
    this.maxAttempts = settings.maxAttempts;
    this.requestTimeoutMs = settings.requestTimeoutMs;
    this.multipartThresholdBytes = settings.tuning.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    this.partBytes = settings.tuning.partBytes ?? DEFAULT_PART_BYTES;
    this.uploadConcurrency = settings.tuning.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    this.maxParts = settings.maxParts;
  }

  protected abstract failureOf(err: unknown): RemoteFailure;
  protected abstract headObject(key: string): Promise<number>;
  /** A whole object, or `range` of it (the service may ignore the range and send it all). */
  protected abstract getObject(key: string, range?: { byteOffset: number; byteLength: number }): Promise<RemoteObjectBody>;
  protected abstract putObject(key: string, data: Uint8Array, ifAbsent: boolean): Promise<void>;
  protected abstract startUpload(key: string): Promise<PartUpload>;
  protected abstract listObjects(keyPrefix: string): AsyncIterable<RemoteListing>;
  protected abstract deleteObject(key: string): Promise<void>;

  /** The key of a store path (checked to stay inside the root). */
  protected key(path: string, isPrefix = false): string {
    checkStorePath(path, this.uri, isPrefix);
    return this.rootPrefix ? `${this.rootPrefix}/${path}` : path;
  }

  /** The store path of a key under the root. */
  protected pathOfKey(key: string): string {
    return this.rootPrefix ? key.slice(this.rootPrefix.length + 1) : key;
  }

  /** The LanceError for a failed `operation` (read, write, create, list, delete, stat) of `path`. */
  protected fail(err: unknown, operation: string, path: string): LanceError {
    if (err instanceof LanceError) return err;
    return remoteError(this.failureOf(err), {
      container: this.containerLabel,
      location: `${this.uri}/${path}`,
      operation,
      endpoint: this.endpoint,
    });
  }

  /** Whether a failed read is tried again besides a broken body (a status the SDK does not retry itself). */
  protected retryRead(_err: unknown): boolean {
    return false;
  }

  /** Retries what the SDKs do not: a body that breaks off while it is being read. */
  private readonly retryable = (err: unknown): boolean => err instanceof ShortBodyError || this.retryRead(err);

  async size(path: string): Promise<number> {
    const key = this.key(path);
    try {
      return await this.headObject(key);
    } catch (err) {
      throw this.fail(err, "stat", path);
    }
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const key = this.key(path);
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const got = await this.getObject(key);
        try {
          checkWholeRead(path, got.contentLength, options, this.maxReadBytes);
        } catch (err) {
          discardBody(got.body);
          throw err;
        }
        return readBody(`${this.uri}/${path}`, path, got.body, got.contentLength, this.requestTimeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const key = this.key(path);
    const empty = await answerWithoutFetch(path, byteOffset, byteLength, this.maxReadBytes, () => this.size(path));
    if (empty) return empty;
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        let got: RemoteObjectBody;
        try {
          got = await this.getObject(key, { byteOffset, byteLength });
        } catch (err) {
          // 416: the range starts at or past the end
          if (this.failureOf(err).status === 416) throw pastEnd(path, byteOffset, byteLength, await this.size(path));
          throw err;
        }
        return await this.rangeBody(path, byteOffset, byteLength, got);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  /** The bytes of a ranged GET's response, or the past-end error it amounts to. */
  private async rangeBody(path: string, byteOffset: number, byteLength: number, got: RemoteObjectBody): Promise<Uint8Array> {
    const location = `${this.uri}/${path}`;
    if (got.contentRange === undefined) {
      // a server that ignored the Range header sent the whole object
      const size = got.contentLength;
      if (byteOffset + byteLength > size) {
        discardBody(got.body);
        throw pastEnd(path, byteOffset, byteLength, size);
      }
      const whole = await readBody(location, path, got.body, size, this.requestTimeoutMs);
      return whole.slice(byteOffset, byteOffset + byteLength);
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(got.contentRange);
    if (range !== null) {
      // a range that runs past the end comes back shortened; one that starts at
      // the end may come back as an empty 206 (Azurite)
      const [start, end] = [Number(range[1]), Number(range[2])];
      if (start !== byteOffset || end - start + 1 < byteLength || got.contentLength < byteLength) {
        discardBody(got.body);
        throw pastEnd(path, byteOffset, byteLength, range[3] === "*" ? end + 1 : Number(range[3]));
      }
    } else if (got.contentLength < byteLength) {
      // a Content-Range without a range ("bytes */5000"): nothing of the range exists
      discardBody(got.body);
      const total = /\/(\d+)$/.exec(got.contentRange);
      throw pastEnd(path, byteOffset, byteLength, total ? Number(total[1]) : await this.size(path));
    }
    return readBody(location, path, got.body, byteLength, this.requestTimeoutMs);
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const key = this.key(path);
    if (data.byteLength <= this.multipartThresholdBytes) {
      try {
        await this.putObject(key, data, false);
      } catch (err) {
        throw this.fail(err, "write", path);
      }
      return;
    }
    // parts large enough that the object fits the service's limit on their number
    const partBytes = Math.max(this.partBytes, Math.ceil(data.byteLength / this.maxParts));
    await new PartWriter(this.partTarget(path, key, partBytes)).uploadAll(data);
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const key = this.key(path);
    try {
      await this.putObject(key, data, true);
      return true;
    } catch (err) {
      const f = this.failureOf(err);
      // 412: the object exists; 409: it exists (Azure) or another conditional write to it is in flight (S3)
      if (f.status === 412 || (f.status === 409 && !isMissingContainer(f.code))) return false;
      throw this.fail(err, "create", path);
    }
  }

  async list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]> {
    checkStorePath(prefix, this.uri, true);
    const root = this.rootPrefix ? `${this.rootPrefix}/` : "";
    const limit = options?.limit ?? Infinity;
    const out: ObjectMeta[] = [];
    try {
      for await (const object of this.listObjects(root + prefix)) {
        // keys ending in "/" are folder markers some tools create, not objects
        if (object.key.endsWith("/")) continue;
        out.push({
          path: object.key.slice(root.length),
          size: object.size,
          ...(object.lastModified !== undefined ? { lastModified: object.lastModified } : {}),
        });
        // leaving the loop at once stops the pages: the next is never requested
        if (out.length >= limit) break;
      }
    } catch (err) {
      throw this.fail(err, "list", prefix);
    }
    return out;
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    try {
      await this.deleteObject(key);
    } catch (err) {
      const f = this.failureOf(err);
      if (f.status === 404 && !isMissingContainer(f.code)) return;
      throw this.fail(err, "delete", path);
    }
  }

  /**
   * A writer that keeps at most max(threshold + 1, concurrency x partBytes) +
   * partBytes bytes at once; an object within the threshold is sent in one
   * PUT at finish, a larger one as an upload in parts begun when the threshold
   * is passed. Nothing is visible before finish; a failure aborts the upload.
   */
  async openWriter(path: string): Promise<ObjectWriter> {
    return new PartWriter(this.partTarget(path, this.key(path), this.partBytes));
  }

  private partTarget(path: string, key: string, partBytes: number): PartTarget {
    return {
      path: `${this.uri}/${path}`,
      singleShotMaxBytes: this.multipartThresholdBytes,
      partBytes,
      concurrency: this.uploadConcurrency,
      maxParts: this.maxParts,
      putWhole: (body) => this.putObject(key, body, false),
      startUpload: () => this.startUpload(key),
      fail: (err, operation) => this.fail(err, operation, path),
    };
  }
}
