// S3Store against a real S3 server (Ceph RADOS Gateway on loopback, started
// once for this file): the store contract, the error mapping, and lancets and
// Lance sharing one bucket.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { S3Store } from "../../src/io/s3-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { openObjectStore, resolveStorageOptions } from "../../src/node/object-store-uri.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { freePort } from "../helpers/redis.js";
import { lanceOnStore } from "../helpers/lance-on-store.js";
import { expectCode, storeConformance } from "../helpers/store-conformance.js";

const BUCKET = "lancets";
/** Ceph refuses parts under 5 MiB (except the last). */
const PART_BYTES = 5 * 1024 * 1024;
let server: S3Server;

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

  describe("errors", () => {
    test("wrong credentials: IO naming the bucket and the operation, quickly", async () => {
      const store = await S3Store.open(`s3://${BUCKET}/x`, { ...server.storageOptions, aws_secret_access_key: "wrong" });
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", /access denied to s3 bucket lancets for read of s3:\/\/lancets\/x\/a\.bin \(HTTP 403/);
      await expectCode(store.put("a.bin", new Uint8Array(1)), "IO", /access denied to s3 bucket lancets for write/);
      await expectCode(store.list("_versions/"), "IO", /access denied to s3 bucket lancets for list/);
      assert.ok(Date.now() - t0 < 5_000, "no retry storm");
    });

    test("a missing bucket is NOT_FOUND; so is opening a dataset there", async () => {
      const store = await S3Store.open("s3://no-such-bucket/x", server.storageOptions);
      await expectCode(store.list("_versions/"), "NOT_FOUND", /s3 bucket no-such-bucket does not exist/);
      await expectCode(store.read("a.bin"), "NOT_FOUND");
      await expectCode(openDataset("s3://no-such-bucket/t.lance", { storageOptions: server.storageOptions }), "NOT_FOUND");
      await expectCode(openDataset(`s3://${BUCKET}/nothing-here.lance`, { storageOptions: server.storageOptions }), "NOT_FOUND", /no dataset at s3:\/\/lancets\/nothing-here\.lance/);
    });

    test("an endpoint nobody listens on: IO within a bounded time", async () => {
      const port = await freePort();
      const store = await S3Store.open(`s3://${BUCKET}/x`, { ...server.storageOptions, aws_endpoint: `http://127.0.0.1:${port}` });
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} to read s3://lancets/x/a\\.bin`));
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    });

    test("a server that accepts and never answers: IO after the request timeout", async () => {
      const sockets: Socket[] = [];
      const silent = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      const port = (silent.address() as { port: number }).port;
      try {
        const store = await S3Store.open(`s3://${BUCKET}/x`, { ...server.storageOptions, aws_endpoint: `http://127.0.0.1:${port}`, timeout: "500ms", max_retries: "1" });
        const t0 = Date.now();
        await expectCode(store.size("a.bin"), "IO", /cannot reach/);
        assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
      } finally {
        for (const s of sockets) s.destroy();
        silent.close();
      }
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
      const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server });
      try {
        const open = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "refused/" }));
        assert.deepEqual(open.Uploads ?? [], [], "no upload left open");
      } finally {
        client.destroy();
      }
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
