// ObjectStore over Amazon S3 and S3-compatible servers (Ceph RGW, MinIO, R2),
// through @aws-sdk/client-s3, loaded only when an s3:// location is opened.
// Manifests are created with a conditional PUT (If-None-Match: *), as Lance
// does: a 412 (or a 409 for a concurrent conditional write) is a lost race.
// Objects above a threshold are uploaded in parts, and an upload that fails is
// aborted so no parts are left behind.

import type * as S3 from "@aws-sdk/client-s3";
import { LanceError } from "../core/errors.js";
import { checkReadLength, checkStorePath, checkWholeRead, DEFAULT_MAX_READ_BYTES, type ObjectMeta, type ObjectStore, type ReadOptions } from "./object-store.js";
import {
  checkEndpoint,
  checkRangeArgs,
  DEFAULT_CONNECT_TIMEOUT_MS,
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
  runBounded,
  ShortBodyError,
  withRetries,
  type RemoteFailure,
  type StorageOptions,
  type UploadTuning,
} from "./remote-store.js";

/** The SDK version lancets is tested with; installed by whoever uses s3://. */
export const S3_SDK = "@aws-sdk/client-s3@3.1169.0";
/** Lance's storage options for S3, each with the other spellings Lance accepts; the first is the canonical one. */
export const S3_OPTION_NAMES = {
  endpoint: ["aws_endpoint", "aws_endpoint_url", "endpoint", "endpoint_url"],
  region: ["aws_region", "region", "aws_default_region", "default_region"],
  accessKeyId: ["aws_access_key_id", "access_key_id"],
  secretAccessKey: ["aws_secret_access_key", "secret_access_key"],
  sessionToken: ["aws_session_token", "aws_token", "session_token", "token"],
  virtualHostedStyle: ["aws_virtual_hosted_style_request", "virtual_hosted_style_request"],
  allowHttp: ["allow_http", "aws_allow_http"],
} as const;
/** S3 allows at most this many parts in one upload. */
const MAX_PARTS = 10_000;

async function loadSdk(): Promise<typeof S3> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch (err) {
    throw new LanceError("NOT_SUPPORTED", `s3:// locations need the optional package ${S3_SDK}: npm install ${S3_SDK}`, { cause: err });
  }
}

function failureOf(err: unknown): RemoteFailure {
  const e = err as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
  return { status, code: e?.Code ?? (status === undefined ? undefined : e?.name), message: e?.message ?? String(err), cause: err };
}

/** Where an S3 dataset lives: `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  /** Key prefix of the dataset root, without leading or trailing "/"; may be empty. */
  prefix: string;
}

/** Splits `s3://bucket/prefix` (also `s3a://`); INVALID_INPUT when there is no bucket. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3a?:\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(uri);
  if (!m) throw new LanceError("INVALID_INPUT", `not an S3 location: ${uri} (expected s3://bucket/path)`);
  return { bucket: m[1]!, prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

export class S3Store implements ObjectStore {
  readonly uri: string;
  readonly storageOptions: Readonly<StorageOptions>;
  readonly maxReadBytes = DEFAULT_MAX_READ_BYTES;
  private readonly sdk: typeof S3;
  private readonly client: S3.S3Client;
  private readonly location: S3Location;
  private readonly endpoint: string;
  private readonly maxAttempts: number;
  private readonly multipartThresholdBytes: number;
  private readonly partBytes: number;
  private readonly uploadConcurrency: number;
  private readonly requestTimeoutMs: number;

  private constructor(sdk: typeof S3, location: S3Location, options: StorageOptions, tuning: UploadTuning) {
    this.storageOptions = Object.freeze({ ...options });
    this.sdk = sdk;
    this.location = location;
    this.uri = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
    const endpoint = first(options, S3_OPTION_NAMES.endpoint);
    if (endpoint !== undefined) checkEndpoint(endpoint, optionFlag(options, S3_OPTION_NAMES.allowHttp, false), "aws_endpoint");
    const region = first(options, S3_OPTION_NAMES.region) ?? "us-east-1";
    this.endpoint = endpoint ?? `https://s3.${region}.amazonaws.com`;
    this.maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
    this.requestTimeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
    this.multipartThresholdBytes = tuning.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    this.partBytes = tuning.partBytes ?? DEFAULT_PART_BYTES;
    this.uploadConcurrency = tuning.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    const accessKeyId = first(options, S3_OPTION_NAMES.accessKeyId);
    const secretAccessKey = first(options, S3_OPTION_NAMES.secretAccessKey);
    const sessionToken = first(options, S3_OPTION_NAMES.sessionToken);
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw new LanceError("INVALID_INPUT", "storage options aws_access_key_id and aws_secret_access_key must be given together");
    }
    const config: S3.S3ClientConfig = {
      region,
      // Path-style (http://host/bucket/key) unless asked otherwise: what S3-compatible servers expect.
      forcePathStyle: endpoint !== undefined && !optionFlag(options, S3_OPTION_NAMES.virtualHostedStyle, false),
      followRegionRedirects: true,
      maxAttempts: this.maxAttempts,
      // Lance sends no flexible checksums; older S3-compatible servers refuse them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: optionDurationMs(options, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_MS),
        socketTimeout: this.requestTimeoutMs,
      },
    };
    if (endpoint !== undefined) config.endpoint = endpoint;
    if (accessKeyId !== undefined && secretAccessKey !== undefined) {
      config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    }
    this.client = new sdk.S3Client(config);
  }

  /**
   * Opens `s3://bucket/prefix` with Lance's storage options (aws_endpoint,
   * aws_region, aws_access_key_id, aws_secret_access_key, aws_session_token,
   * allow_http, aws_virtual_hosted_style_request, connect_timeout, timeout,
   * max_retries). Without keys the SDK's own credential chain is used.
   */
  static async open(uri: string, options: StorageOptions = {}, tuning: UploadTuning = {}): Promise<S3Store> {
    const location = parseS3Uri(uri);
    return new S3Store(await loadSdk(), location, options, tuning);
  }

  /** Releases the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private key(path: string, isPrefix = false): string {
    checkStorePath(path, this.uri, isPrefix);
    return this.location.prefix ? `${this.location.prefix}/${path}` : path;
  }

  private fail(err: unknown, operation: string, path: string): LanceError {
    if (err instanceof LanceError) return err;
    return remoteError(failureOf(err), {
      container: `s3 bucket ${this.location.bucket}`,
      location: `${this.uri}/${path}`,
      operation,
      endpoint: this.endpoint,
    });
  }

  /** Retries what the SDK does not: a body that breaks off while it is being read. */
  private retryable = (err: unknown): boolean => err instanceof ShortBodyError;

  async size(path: string): Promise<number> {
    const Key = this.key(path);
    try {
      const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      throw this.fail(err, "stat", path);
    }
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const Key = this.key(path);
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        const got = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key }));
        const size = got.ContentLength ?? 0;
        try {
          checkWholeRead(path, size, options, this.maxReadBytes);
        } catch (err) {
          discardBody(got.Body);
          throw err;
        }
        return readBody(`${this.uri}/${path}`, path, got.Body, size, this.requestTimeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const Key = this.key(path);
    checkRangeArgs(path, byteOffset, byteLength);
    checkReadLength(path, byteOffset, byteLength, this.maxReadBytes);
    if (byteLength === 0) {
      // an empty range has no Range header; the object must exist and reach the offset
      const size = await this.size(path);
      if (byteOffset > size) throw pastEnd(path, byteOffset, byteLength, size);
      return new Uint8Array(0);
    }
    try {
      return await withRetries(this.maxAttempts, this.retryable, async () => {
        let got: S3.GetObjectCommandOutput;
        try {
          got = await this.client.send(
            new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key, Range: `bytes=${byteOffset}-${byteOffset + byteLength - 1}` }),
          );
        } catch (err) {
          // 416: the range starts at or past the end
          if (failureOf(err).status === 416) throw pastEnd(path, byteOffset, byteLength, await this.size(path));
          throw err;
        }
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(got.ContentRange ?? "");
        if (range === null) {
          // a server that ignored the Range header sent the whole object
          const size = got.ContentLength ?? 0;
          if (byteOffset + byteLength > size) {
            discardBody(got.Body);
            throw pastEnd(path, byteOffset, byteLength, size);
          }
          const whole = await readBody(`${this.uri}/${path}`, path, got.Body, size, this.requestTimeoutMs);
          return whole.slice(byteOffset, byteOffset + byteLength);
        }
        const [start, end] = [Number(range[1]), Number(range[2])];
        if (start !== byteOffset || end - start + 1 < byteLength) {
          discardBody(got.Body);
          throw pastEnd(path, byteOffset, byteLength, range[3] === "*" ? end + 1 : Number(range[3]));
        }
        return readBody(`${this.uri}/${path}`, path, got.Body, byteLength, this.requestTimeoutMs);
      });
    } catch (err) {
      throw this.fail(err, "read", path);
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const Key = this.key(path);
    try {
      if (data.byteLength <= this.multipartThresholdBytes) {
        await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.location.bucket, Key, Body: data, ContentLength: data.byteLength }));
      } else {
        await this.putMultipart(Key, data);
      }
    } catch (err) {
      throw this.fail(err, "write", path);
    }
  }

  private async putMultipart(Key: string, data: Uint8Array): Promise<void> {
    const Bucket = this.location.bucket;
    const partBytes = Math.max(this.partBytes, Math.ceil(data.byteLength / MAX_PARTS));
    const created = await this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket, Key }));
    const UploadId = created.UploadId;
    if (!UploadId) throw new LanceError("IO", `s3://${Bucket}/${Key}: the server started a multipart upload without an upload id`);
    try {
      const numParts = Math.ceil(data.byteLength / partBytes);
      const etags: string[] = new Array<string>(numParts);
      await runBounded(
        Array.from({ length: numParts }, (_, i) => async () => {
          const body = data.subarray(i * partBytes, Math.min(data.byteLength, (i + 1) * partBytes));
          const part = await this.client.send(new this.sdk.UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: body, ContentLength: body.byteLength }));
          if (!part.ETag) throw new LanceError("IO", `s3://${Bucket}/${Key}: part ${i + 1} was stored without an ETag`);
          etags[i] = part.ETag;
        }),
        this.uploadConcurrency,
      );
      await this.client.send(
        new this.sdk.CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (err) {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const Key = this.key(path);
    try {
      await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.location.bucket, Key, Body: data, ContentLength: data.byteLength, IfNoneMatch: "*" }));
      return true;
    } catch (err) {
      const status = failureOf(err).status;
      // 412: the object exists; 409: another conditional write to it is in flight
      if (status === 412 || status === 409) return false;
      throw this.fail(err, "create", path);
    }
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    const keyPrefix = prefix === "" ? (this.location.prefix ? `${this.location.prefix}/` : "") : this.key(prefix, true);
    const rootLength = this.location.prefix ? this.location.prefix.length + 1 : 0;
    const out: ObjectMeta[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page: S3.ListObjectsV2CommandOutput = await this.client.send(
          new this.sdk.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: keyPrefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
        );
        for (const object of page.Contents ?? []) {
          // keys ending in "/" are folder markers some tools create, not objects
          if (!object.Key || object.Key.endsWith("/")) continue;
          out.push({
            path: object.Key.slice(rootLength),
            size: object.Size ?? 0,
            ...(object.LastModified ? { lastModified: object.LastModified.getTime() } : {}),
          });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    } catch (err) {
      throw this.fail(err, "list", prefix);
    }
    return out;
  }

  async delete(path: string): Promise<void> {
    const Key = this.key(path);
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key }));
    } catch (err) {
      const f = failureOf(err);
      if (f.status === 404 && f.code !== "NoSuchBucket") return;
      throw this.fail(err, "delete", path);
    }
  }
}
