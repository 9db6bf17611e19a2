// ObjectStore over Amazon S3 and S3-compatible servers (Ceph RGW, MinIO, R2),
// through @aws-sdk/client-s3, loaded only when an s3:// location is opened.
// Manifests are created with a conditional PUT (If-None-Match: *), as Lance
// does: a 412 (or a 409 for a concurrent conditional write) is a lost race.
// Objects above a threshold are uploaded in parts (a multipart upload), and an
// upload that fails or is abandoned is aborted so no parts are left behind. The
// skeleton (keys, failures, range checks) is RemoteObjectStore's; this file
// holds the S3 calls.

import type * as S3 from "@aws-sdk/client-s3";
import { LanceError } from "../core/errors.js";
import type { PendingUpload } from "./object-store.js";
import type { PartUpload } from "./part-writer.js";
import { RemoteObjectStore, type RemoteListing, type RemoteObjectBody, type RemoteStoreSettings } from "./remote-object-store.js";
import {
  checkEndpoint,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  first,
  isMissingContainer,
  optionCount,
  optionDurationMs,
  optionFlag,
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

/** The base's settings and the SDK client's configuration for one location. */
function resolveS3(location: S3Location, options: StorageOptions, tuning: UploadTuning): { settings: RemoteStoreSettings; config: S3.S3ClientConfig } {
  const uri = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
  const endpoint = first(options, S3_OPTION_NAMES.endpoint);
  if (endpoint !== undefined) checkEndpoint(endpoint, optionFlag(options, S3_OPTION_NAMES.allowHttp, false), "aws_endpoint");
  const region = first(options, S3_OPTION_NAMES.region) ?? "us-east-1";
  const maxAttempts = optionCount(options, "max_retries", DEFAULT_MAX_ATTEMPTS - 1) + 1;
  const requestTimeoutMs = optionDurationMs(options, "timeout", DEFAULT_REQUEST_TIMEOUT_MS);
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
    maxAttempts,
    // Lance sends no flexible checksums; older S3-compatible servers refuse them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: optionDurationMs(options, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_MS),
      socketTimeout: requestTimeoutMs,
    },
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const settings: RemoteStoreSettings = {
    uri,
    storageOptions: options,
    rootPrefix: location.prefix,
    containerLabel: `s3 bucket ${location.bucket}`,
    endpoint: endpoint ?? `https://s3.${region}.amazonaws.com`,
    maxAttempts,
    requestTimeoutMs,
    tuning,
    maxParts: MAX_PARTS,
  };
  return { settings, config };
}

export class S3Store extends RemoteObjectStore {
  private readonly sdk: typeof S3;
  private readonly client: S3.S3Client;
  private readonly bucket: string;

  private constructor(sdk: typeof S3, location: S3Location, resolved: { settings: RemoteStoreSettings; config: S3.S3ClientConfig }) {
    super(resolved.settings);
    this.sdk = sdk;
    this.bucket = location.bucket;
    this.client = new sdk.S3Client(resolved.config);
  }

  /**
   * Opens `s3://bucket/prefix` with Lance's storage options (aws_endpoint,
   * aws_region, aws_access_key_id, aws_secret_access_key, aws_session_token,
   * allow_http, aws_virtual_hosted_style_request, connect_timeout, timeout,
   * max_retries). Without keys the SDK's own credential chain is used.
   */
  static async open(uri: string, options: StorageOptions = {}, tuning: UploadTuning = {}): Promise<S3Store> {
    const location = parseS3Uri(uri);
    const resolved = resolveS3(location, options, tuning);
    return new S3Store(await loadSdk(), location, resolved);
  }

  /** Releases the client's connections. */
  close(): void {
    this.client.destroy();
  }

  protected override failureOf(err: unknown): RemoteFailure {
    return failureOf(err);
  }

  protected override async headObject(Key: string): Promise<number> {
    const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
    return head.ContentLength ?? 0;
  }

  protected override async getObject(Key: string, range?: { byteOffset: number; byteLength: number }): Promise<RemoteObjectBody> {
    const Range = range ? `bytes=${range.byteOffset}-${range.byteOffset + range.byteLength - 1}` : undefined;
    const got = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key, ...(Range ? { Range } : {}) }));
    return { body: got.Body, contentLength: got.ContentLength ?? 0, contentRange: got.ContentRange };
  }

  protected override async putObject(Key: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    await this.client.send(
      new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ContentLength: data.byteLength, ...(ifAbsent ? { IfNoneMatch: "*" } : {}) }),
    );
  }

  protected override async startUpload(Key: string): Promise<PartUpload> {
    const { client, sdk, bucket: Bucket } = this;
    const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key }));
    const UploadId = created.UploadId;
    if (!UploadId) throw new LanceError("IO", `s3://${Bucket}/${Key}: the server started a multipart upload without an upload id`);
    return {
      async uploadPart(PartNumber, body) {
        const part = await client.send(new sdk.UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.byteLength }));
        if (!part.ETag) throw new LanceError("IO", `s3://${Bucket}/${Key}: part ${PartNumber} was stored without an ETag`);
        return part.ETag;
      },
      async complete(etags) {
        await client.send(
          new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
        );
      },
      async abort() {
        try {
          await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
        } catch (err) {
          // NoSuchUpload: already gone
          if (failureOf(err).status !== 404) throw err;
        }
      },
    };
  }

  protected override async *listObjects(Prefix: string): AsyncIterable<RemoteListing> {
    let ContinuationToken: string | undefined;
    do {
      const page: S3.ListObjectsV2CommandOutput = await this.client.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        yield { key: object.Key, size: object.Size ?? 0, ...(object.LastModified ? { lastModified: object.LastModified.getTime() } : {}) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async listPendingUploads(prefix: string): Promise<PendingUpload[]> {
    const Prefix = prefix === "" ? this.key("", true) : this.key(prefix, true);
    const out: PendingUpload[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    try {
      for (;;) {
        const page: S3.ListMultipartUploadsCommandOutput = await this.client.send(
          new this.sdk.ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix, ...(KeyMarker !== undefined ? { KeyMarker } : {}), ...(UploadIdMarker !== undefined ? { UploadIdMarker } : {}) }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId) continue;
          out.push({ path: this.pathOfKey(upload.Key), uploadId: upload.UploadId, startedAt: upload.Initiated?.getTime() ?? 0 });
        }
        if (!page.IsTruncated || (page.NextKeyMarker === undefined && page.NextUploadIdMarker === undefined)) break;
        KeyMarker = page.NextKeyMarker;
        UploadIdMarker = page.NextUploadIdMarker;
      }
    } catch (err) {
      throw this.fail(err, "list uploads", prefix);
    }
    return out;
  }

  async abortPendingUpload(upload: PendingUpload): Promise<void> {
    const Key = this.key(upload.path);
    try {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: upload.uploadId }));
    } catch (err) {
      // NoSuchUpload: completed or aborted meanwhile
      if (this.failureOf(err).status === 404 && !isMissingContainer(this.failureOf(err).code)) return;
      throw this.fail(err, "abort upload", upload.path);
    }
  }

  protected override async deleteObject(Key: string): Promise<void> {
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }
}
