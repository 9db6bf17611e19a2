// S3Store against a real S3 server (Ceph RADOS Gateway on loopback, started
// once for this file): the store contract, the error mapping, and lancets and
// Lance sharing one bucket.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { AbortMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { openObjectWriter } from "../../src/io/object-store.js";
import { S3Store } from "../../src/io/s3-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { openObjectStore, resolveStorageOptions } from "../../src/node/object-store-uri.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { lanceOnStore } from "../helpers/lance-on-store.js";
import { expectCode, remoteStoreErrors, storeConformance, writeInChunks, writerConformance } from "../helpers/store-conformance.js";
import { killWriterMidUpload } from "../helpers/killed-writer.js";

const BUCKET = "lancets";
/** Ceph refuses parts under 5 MiB (except the last). */
const PART_BYTES = 5 * 1024 * 1024;
let server: S3Server;

function adminClient(): S3Client {
  return new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server });
}

/** The multipart uploads left open under `prefix` of the bucket. */
async function pendingUploads(prefix: string): Promise<{ Key?: string | undefined; UploadId?: string | undefined }[]> {
  const client = adminClient();
  try {
    return (await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))).Uploads ?? [];
  } finally {
    client.destroy();
  }
}

describe("S3Store on Ceph RGW", { timeout: 180_000 }, () => {
  before(async () => {
    if (!cephInstalled()) throw new Error(`Ceph is not installed: apt-get install --no-install-recommends ${CEPH_PACKAGES.join(" ")} (.ci/run does this)`);
    server = await startCephRgw();
    await server.createBucket(BUCKET);
  });
  after(async () => {
    await server?.stop();
  });

  describe("store contract", () => {
    storeConformance((prefix, tuning) => S3Store.open(`s3://${BUCKET}/${prefix}`, server.storageOptions, tuning), { partBytes: PART_BYTES });

    test("a big object is stored as a multipart upload (its ETag counts the parts)", async () => {
      const store = await S3Store.open(`s3://${BUCKET}/multipart`, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      await store.put("big.bin", new Uint8Array(2 * PART_BYTES + 1));
      await store.put("small.bin", new Uint8Array(PART_BYTES));
      const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server });
      try {
        const big = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "multipart/big.bin" }));
        assert.match(big.ETag ?? "", /-3"?$/);
        const small = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "multipart/small.bin" }));
        assert.doesNotMatch(small.ETag ?? "", /-\d+"?$/);
      } finally {
        client.destroy();
      }
    });
  });

  describe("writer", () => {
    writerConformance((prefix, tuning) => S3Store.open(`s3://${BUCKET}/${prefix}`, server.storageOptions, tuning), {
      partBytes: PART_BYTES,
      boundedMemory: true,
      afterAbort: async (prefix) => assert.deepEqual(await pendingUploads(`${prefix}/`), [], "no multipart upload left open"),
    });

    test("a writer is a multipart upload once past the threshold; before finish only a pending upload exists", async () => {
      const store = await S3Store.open(`s3://${BUCKET}/wmp`, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      const writer = await openObjectWriter(store, "big.bin");
      await writer.write(new Uint8Array(PART_BYTES + 1));
      await writer.write(new Uint8Array(PART_BYTES));
      assert.deepEqual((await pendingUploads("wmp/")).map((u) => u.Key), ["wmp/big.bin"]);
      await writer.finish();
      assert.deepEqual(await pendingUploads("wmp/"), []);
      const client = adminClient();
      try {
        const big = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "wmp/big.bin" }));
        assert.match(big.ETag ?? "", /-3"?$/);
      } finally {
        client.destroy();
      }
    });

    test("a part the server fails: the writer rejects with a LanceError and its upload is aborted", async () => {
      // every request passes but the upload of part 2, which gets a 500
      const proxy = await startFaultProxy(server.endpoint, (req) => req.method === "PUT" && /[?&]partNumber=2(&|$)/.test(req.url ?? ""));
      try {
        const store = await S3Store.open(
          `s3://${BUCKET}/wfail`,
          { ...server.storageOptions, aws_endpoint: proxy.endpoint, max_retries: "1" },
          { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES, uploadConcurrency: 2 },
        );
        const writer = await openObjectWriter(store, "data/f.lance");
        const failure = (async () => {
          await writeInChunks(writer, new Uint8Array(5 * PART_BYTES), [1024 * 1024 + 1]);
          await writer.finish();
        })();
        await expectCode(failure, "IO", /write of s3:\/\/lancets\/wfail\/data\/f\.lance failed \(HTTP 500 InternalError\)/);
        assert.ok(proxy.refused >= 1);
        await writer.abort();
        await expectCode(store.size("data/f.lance"), "NOT_FOUND");
        assert.deepEqual(await pendingUploads("wfail/"), [], "the failed upload was aborted");
      } finally {
        await proxy.close();
      }
    });

    test("a writer killed mid-upload leaves no object at its path (only a pending upload, never completed)", { timeout: 60_000 }, async () => {
      // with two parts in flight at most, 4 parts accepted means part 1 was stored
      await killWriterMidUpload(`s3://${BUCKET}/killed`, "data/k.lance", PART_BYTES, 4 * PART_BYTES, server.storageOptions);
      const store = await S3Store.open(`s3://${BUCKET}/killed`, server.storageOptions);
      await expectCode(store.size("data/k.lance"), "NOT_FOUND");
      assert.deepEqual(await store.list(""), []);
      const pending = await pendingUploads("killed/");
      assert.deepEqual(pending.map((u) => u.Key), ["killed/data/k.lance"], "the kill came in the middle of a multipart upload");
      const client = adminClient();
      try {
        for (const u of pending) await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key, UploadId: u.UploadId }));
      } finally {
        client.destroy();
      }
    });
  });

  describe("errors", () => {
    remoteStoreErrors({
      scheme: "s3",
      containerKind: "s3 bucket",
      container: BUCKET,
      open: (uri, overrides = {}, tuning = {}) => S3Store.open(uri, { ...server.storageOptions, ...overrides }, tuning),
      storageOptions: () => server.storageOptions,
      wrongCredentials: () => ({ aws_secret_access_key: "wrong" }),
      endpointAt: (port) => ({ overrides: { aws_endpoint: `http://127.0.0.1:${port}` }, shown: `http://127.0.0.1:${port}` }),
      partBytes: PART_BYTES,
    });

    test("a body that breaks off mid-transfer is read again", async () => {
      const body = new Uint8Array(1000).map((_, i) => i % 251);
      let requests = 0;
      const flaky = createHttpServer((req, res) => {
        requests++;
        const [, from, to] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "") ?? [];
        const part = body.subarray(Number(from), Number(to) + 1);
        res.writeHead(206, { "content-length": String(part.byteLength), "content-range": `bytes ${from}-${to}/${body.byteLength}`, "content-type": "application/octet-stream" });
        if (requests === 1) {
          // half the bytes, then the connection drops
          res.write(part.subarray(0, part.byteLength >> 1), () => res.destroy());
        } else {
          res.end(part);
        }
      });
      await new Promise<void>((r) => flaky.listen(0, "127.0.0.1", r));
      try {
        const port = (flaky.address() as { port: number }).port;
        const store = await S3Store.open(`s3://${BUCKET}/x`, { ...server.storageOptions, aws_endpoint: `http://127.0.0.1:${port}` });
        assert.deepEqual(await store.readRange("a.bin", 100, 400), body.slice(100, 500));
        assert.equal(requests, 2);
      } finally {
        flaky.close();
      }
    });

    test("a multipart upload the server refuses is an IO error with its status, and is aborted", async () => {
      // parts under Ceph's 5 MiB minimum: the server refuses to complete the upload
      const store = await S3Store.open(`s3://${BUCKET}/refused`, server.storageOptions, { multipartThresholdBytes: 1024 * 1024, partBytes: 1024 * 1024 });
      await expectCode(store.put("data/big.lance", new Uint8Array(3 * 1024 * 1024 + 5)), "IO", /write of s3:\/\/lancets\/refused\/data\/big\.lance failed \(HTTP 400 EntityTooSmall\)/);
      await expectCode(store.size("data/big.lance"), "NOT_FOUND");
      assert.deepEqual(await pendingUploads("refused/"), [], "no upload left open");
    });

    test("plain HTTP needs allow_http; bad option values are INVALID_INPUT", async () => {
      const { allow_http: _, ...noHttp } = server.storageOptions;
      await expectCode(S3Store.open(`s3://${BUCKET}/x`, noHttp), "INVALID_INPUT", /allow_http/);
      await expectCode(S3Store.open(`s3://${BUCKET}/x`, { ...server.storageOptions, timeout: "soon" }), "INVALID_INPUT", /timeout/);
      await expectCode(S3Store.open("s3:///x", server.storageOptions), "INVALID_INPUT", /expected s3:\/\/bucket\/path/);
      await expectCode(openDataset(`s3://${BUCKET}/t.lance`, { storageOptions: { ...server.storageOptions, aws_access_key_id: 5 as unknown as string } }), "INVALID_INPUT");
    });

    test("options fall back to AWS_* variables; explicit options win", () => {
      const env = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "env-key", AWS_ENDPOINT_URL: "http://e", AWS_SESSION_TOKEN: "env-token", HOME: "/root" };
      assert.deepEqual(resolveStorageOptions("s3", { AWS_ACCESS_KEY_ID: "explicit", allow_http: "true", endpoint: "http://explicit" }, env), {
        aws_region: "eu-west-1",
        aws_access_key_id: "explicit",
        aws_endpoint: "http://explicit",
        aws_session_token: "env-token",
        allow_http: "true",
      });
    });
  });

  describe("lancets and Lance on one bucket", () => {
    lanceOnStore(() => ({ dbUri: `s3://${BUCKET}/db`, storageOptions: server.storageOptions }));

    test("openObjectStore gives no store for other schemes", async () => {
      assert.equal(await openObjectStore("/tmp/x.lance"), undefined);
      assert.equal(await openObjectStore("file:///tmp/x.lance"), undefined);
      assert.equal(await openObjectStore("hdfs://b/x.lance"), undefined);
    });
  });
});
