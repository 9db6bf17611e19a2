// Writing one object to a service in parts (S3 multipart uploads, Azure
// blocks, any service with the same shape): bytes are staged in a buffer,
// sent as parts of a fixed size as they fill with a bounded number in flight,
// and made visible in one request at the end. An object that stays small is
// sent whole in one request instead. Any failure discards the upload, so a
// failed or abandoned writer leaves nothing visible at the path.
//
// Memory held by one writer: the staging buffer (at most max(partBytes,
// singleShotMaxBytes + 1) bytes) plus the parts in flight (at most
// concurrency x partBytes); with the threshold at or below concurrency x
// partBytes that is about (concurrency + 1) x partBytes, whatever the size of
// the object.

import { LanceError } from "../core/errors.js";
import type { ObjectWriter } from "./object-store.js";

/** One upload in parts as a service runs it. */
export interface PartUpload {
  /**
   * Stores part `partNumber` (numbered from 1; up to `concurrency` parts are
   * sent at once, so they may complete out of order) and returns what
   * `complete` needs to name it (an ETag, a block id).
   */
  uploadPart(partNumber: number, body: Uint8Array): Promise<string>;
  /** Makes the object visible from its parts, given their tags in part order. */
  complete(partTags: readonly string[]): Promise<void>;
  /** Discards the stored parts; succeeds when there is nothing left to discard. */
  abort(): Promise<void>;
}

/** What a PartWriter writes to: one object of one store. */
export interface PartTarget {
  /** The object's path in its store, for messages. */
  path: string;
  /** An object of at most this many bytes is sent whole, in one request, at finish. */
  singleShotMaxBytes: number;
  /** Size of every part but the last. */
  partBytes: number;
  /** Parts in flight at once. */
  concurrency: number;
  /** The most parts the service accepts in one upload. */
  maxParts: number;
  /** Sends a small object whole. */
  putWhole(body: Uint8Array): Promise<void>;
  /** Begins an upload in parts. */
  startUpload(): Promise<PartUpload>;
  /** The LanceError for a failed request of this object (a LanceError passes through). */
  fail(err: unknown, operation: string): LanceError;
}

/** Smallest staging buffer allocated; it doubles up to its limit as bytes arrive. */
const MIN_STAGING_BYTES = 64 * 1024;

export class PartWriter implements ObjectWriter {
  private staging = new Uint8Array(0);
  private fill = 0;
  private upload: PartUpload | undefined;
  private readonly partTags: string[] = [];
  private partsStarted = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Bytes taken out of staging into parts that have not settled yet. */
  private outstandingBytes = 0;
  private failure: { err: unknown } | undefined;
  private state: "open" | "finished" | "aborted" = "open";
  private queue: Promise<unknown> = Promise.resolve();
  private sizeBytes = 0;
  /** The most bytes this writer held at once (staging buffer plus parts not yet stored). */
  peakBufferedBytes = 0;

  constructor(private readonly target: PartTarget) {
    if (!(target.partBytes >= 1) || !(target.concurrency >= 1)) {
      throw new LanceError("INVALID_INPUT", `upload of ${target.path}: part size ${target.partBytes} and concurrency ${target.concurrency} must be at least 1`);
    }
  }

  /** Bytes held now: the staging buffer and the parts not yet stored. */
  get bufferedBytes(): number {
    return this.staging.byteLength + this.outstandingBytes;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.state === "aborted") return Promise.reject(this.closed("write"));
    return this.serial(() => this.append(chunk));
  }

  finish(): Promise<number> {
    return this.serial(() => this.complete());
  }

  abort(): Promise<void> {
    const wasOpen = this.state === "open";
    if (wasOpen) this.state = "aborted";
    // after the write or finish in progress, so no part starts once the upload is discarded
    const run = this.queue.then(async () => {
      if (wasOpen || this.upload !== undefined) await this.discard(true);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends `data` (which the caller keeps unchanged until this settles) as an
   * upload in parts without copying it; the object is visible when it resolves.
   */
  uploadAll(data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      this.checkOpen("write");
      const { partBytes } = this.target;
      try {
        this.upload = await this.target.startUpload();
        for (let at = 0; at < data.byteLength; at += partBytes) {
          const part = data.subarray(at, Math.min(data.byteLength, at + partBytes));
          this.outstandingBytes += part.byteLength;
          await this.ship(part);
        }
        this.sizeBytes = data.byteLength;
        await this.completeUpload();
      } catch (err) {
        throw await this.failed(err);
      }
    });
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private closed(what: string): LanceError {
    return new LanceError("INTERNAL", `${what} to ${this.target.path} after the writer finished or aborted`);
  }

  private checkOpen(what: string): void {
    if (this.state !== "open") throw this.closed(what);
  }

  private async append(chunk: Uint8Array): Promise<void> {
    this.checkOpen("write");
    try {
      if (this.failure) throw this.failure.err;
      let at = 0;
      while (at < chunk.byteLength) {
        // before the upload begins, the staging buffer holds up to one byte past the
        // single-shot size (which decides for an upload in parts); after, one part
        const limit = this.upload ? this.target.partBytes : this.target.singleShotMaxBytes + 1;
        const n = Math.min(limit - this.fill, chunk.byteLength - at);
        this.reserve(this.fill + n, limit);
        this.staging.set(chunk.subarray(at, at + n), this.fill);
        this.fill += n;
        at += n;
        this.sizeBytes += n;
        if (this.fill === limit) await this.flush();
      }
    } catch (err) {
      throw await this.failed(err);
    }
  }

  /** Grows the staging buffer to hold `needed` bytes, doubling, never past `limit`. */
  private reserve(needed: number, limit: number): void {
    if (needed <= this.staging.byteLength) return;
    let capacity = Math.max(MIN_STAGING_BYTES, this.staging.byteLength);
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, limit));
    grown.set(this.staging.subarray(0, this.fill));
    this.staging = grown;
    this.notePeak();
  }

  private notePeak(): void {
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.bufferedBytes);
  }

  /** Sends the whole parts in the staging buffer, keeping the rest. */
  private async flush(): Promise<void> {
    this.upload ??= await this.target.startUpload();
    const { partBytes } = this.target;
    const full = this.staging;
    const whole = this.fill - (this.fill % partBytes);
    const rest = this.fill - whole;
    this.staging = new Uint8Array(0);
    this.fill = 0;
    if (rest > 0) {
      this.reserve(rest, partBytes);
      this.staging.set(full.subarray(whole, whole + rest));
      this.fill = rest;
    }
    this.outstandingBytes += whole;
    this.notePeak();
    for (let at = 0; at < whole; at += partBytes) await this.ship(full.subarray(at, at + partBytes));
  }

  /**
   * Starts uploading one part once fewer than `concurrency` are in flight. Its
   * bytes are already counted in outstandingBytes; they are released when it
   * settles. A failed part is reported by the next write or finish.
   */
  private async ship(part: Uint8Array): Promise<void> {
    const { concurrency, maxParts, partBytes, path } = this.target;
    try {
      while (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
      if (this.failure) throw this.failure.err;
      const upload = this.upload;
      if (upload === undefined || this.state !== "open") throw this.closed("write");
      const partNumber = ++this.partsStarted;
      if (partNumber > maxParts) {
        throw new LanceError("NOT_SUPPORTED", `upload of ${path}: more than ${maxParts} parts of ${partBytes} bytes, the most the service accepts in one upload`);
      }
      const task: Promise<void> = upload
        .uploadPart(partNumber, part)
        .then(
          (tag) => {
            this.partTags[partNumber - 1] = tag;
          },
          (err: unknown) => {
            this.failure ??= { err };
          },
        )
        .finally(() => {
          this.inFlight.delete(task);
          this.outstandingBytes -= part.byteLength;
        });
      this.inFlight.add(task);
    } catch (err) {
      this.outstandingBytes -= part.byteLength;
      throw err;
    }
  }

  private async complete(): Promise<number> {
    this.checkOpen("finish");
    try {
      if (this.failure) throw this.failure.err;
      if (this.upload === undefined) {
        await this.target.putWhole(this.staging.subarray(0, this.fill));
      } else {
        if (this.fill > 0) {
          const last = this.staging.subarray(0, this.fill);
          this.outstandingBytes += last.byteLength;
          this.staging = new Uint8Array(0);
          this.fill = 0;
          await this.ship(last);
        }
        await this.completeUpload();
      }
      this.staging = new Uint8Array(0);
      this.fill = 0;
      this.state = "finished";
      return this.sizeBytes;
    } catch (err) {
      throw await this.failed(err);
    }
  }

  /** Waits for the parts in flight, then makes the object visible from them. */
  private async completeUpload(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure.err;
    await this.upload!.complete(this.partTags.slice(0, this.partsStarted));
    this.upload = undefined;
    this.state = "finished";
  }

  /** Discards the upload after a failure and gives the error to throw. */
  private async failed(err: unknown): Promise<LanceError> {
    const error = this.target.fail(err, "write");
    if (this.state === "finished") return error;
    this.state = "aborted";
    await this.discard(false);
    return error;
  }

  /** Waits for the parts in flight, then aborts the upload; `report`: throw when the abort fails. */
  private async discard(report: boolean): Promise<void> {
    this.staging = new Uint8Array(0);
    this.fill = 0;
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    const upload = this.upload;
    this.upload = undefined;
    if (upload === undefined) return;
    try {
      await upload.abort();
    } catch (err) {
      if (report) throw this.target.fail(err, "abort");
    }
  }
}
