// AzureBlobStore against a real Azure Blob server (Azurite in memory on
// loopback, started once for this file): the store contract, the error
// mapping, and lancets and Lance sharing one container.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";

import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { AzureBlobStore, parseAzureUri } from "../../src/io/azure-blob-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { resolveStorageOptions } from "../../src/node/object-store-uri.js";
import { startAzurite, type AzureServer } from "../helpers/azurite.js";
import { freePort } from "../helpers/redis.js";
import { lanceOnStore } from "../helpers/lance-on-store.js";
import { expectCode, storeConformance } from "../helpers/store-conformance.js";

const CONTAINER = "lancets";
const PART_BYTES = 1024 * 1024;
let server: AzureServer;

describe("AzureBlobStore on Azurite", { timeout: 180_000 }, () => {
  before(async () => {
    server = await startAzurite();
    await server.createContainer(CONTAINER);
  });
  after(async () => {
    await server?.stop();
  });

  describe("store contract", () => {
    storeConformance((prefix, tuning) => AzureBlobStore.open(`az://${CONTAINER}/${prefix}`, server.storageOptions, tuning), { partBytes: PART_BYTES });

    test("a big object is stored as blocks; abfss:// names the same blobs", async () => {
      const store = await AzureBlobStore.open(`az://${CONTAINER}/blocks`, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      await store.put("big.bin", new Uint8Array(2 * PART_BYTES + 1).fill(7));
      await store.put("small.bin", new Uint8Array(100));
      const service = new BlobServiceClient(server.endpoint, new StorageSharedKeyCredential(server.account, server.key));
      const container = service.getContainerClient(CONTAINER);
      const big = await container.getBlockBlobClient("blocks/big.bin").getBlockList("committed");
      assert.equal(big.committedBlocks?.length, 3);
      const small = await container.getBlockBlobClient("blocks/small.bin").getBlockList("committed");
      assert.equal(small.committedBlocks?.length ?? 0, 0);
      const viaAbfs = await AzureBlobStore.open(`abfss://${CONTAINER}@${server.account}.dfs.core.windows.net/blocks`, server.storageOptions);
      assert.equal(await viaAbfs.size("big.bin"), 2 * PART_BYTES + 1);
      assert.deepEqual(parseAzureUri("abfs://c/p/q/"), { container: "c", prefix: "p/q" });
      assert.deepEqual(parseAzureUri("abfss://c@acct.dfs.core.windows.net/p"), { container: "c", prefix: "p", account: "acct" });
    });
  });

  describe("errors", () => {
    test("a wrong key: IO naming the container and the operation, quickly", async () => {
      const store = await AzureBlobStore.open(`az://${CONTAINER}/x`, { ...server.storageOptions, azure_storage_account_key: Buffer.from("wrong key").toString("base64") });
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", /access denied to azure container lancets for read of az:\/\/lancets\/x\/a\.bin \(HTTP 403/);
      await expectCode(store.put("a.bin", new Uint8Array(1)), "IO", /access denied to azure container lancets for write/);
      await expectCode(store.list("_versions/"), "IO", /access denied to azure container lancets for list/);
      assert.ok(Date.now() - t0 < 5_000, "no retry storm");
    });

    test("a missing container is NOT_FOUND; so is opening a dataset there", async () => {
      const store = await AzureBlobStore.open("az://no-such-container/x", server.storageOptions);
      await expectCode(store.list("_versions/"), "NOT_FOUND", /azure container no-such-container does not exist/);
      await expectCode(store.read("a.bin"), "NOT_FOUND");
      await expectCode(openDataset("az://no-such-container/t.lance", { storageOptions: server.storageOptions }), "NOT_FOUND");
      await expectCode(openDataset(`az://${CONTAINER}/nothing-here.lance`, { storageOptions: server.storageOptions }), "NOT_FOUND", /no dataset at az:\/\/lancets\/nothing-here\.lance/);
    });

    test("an endpoint nobody listens on: IO within a bounded time", async () => {
      const port = await freePort();
      const store = await AzureBlobStore.open(`az://${CONTAINER}/x`, { ...server.storageOptions, azure_endpoint: `http://127.0.0.1:${port}/${server.account}` });
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/devstoreaccount1 to read az://lancets/x/a\\.bin`));
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    });

    test("a server that accepts and never answers: IO after the request timeout", async () => {
      const sockets: Socket[] = [];
      const silent = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      const port = (silent.address() as { port: number }).port;
      try {
        const store = await AzureBlobStore.open(`az://${CONTAINER}/x`, {
          ...server.storageOptions,
          azure_endpoint: `http://127.0.0.1:${port}/${server.account}`,
          timeout: "500ms",
          max_retries: "1",
        });
        const t0 = Date.now();
        await expectCode(store.size("a.bin"), "IO", /cannot reach/);
        assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
      } finally {
        for (const s of sockets) s.destroy();
        silent.close();
      }
    });

    test("plain HTTP needs allow_http; an account is required", async () => {
      const { allow_http: _, ...noHttp } = server.storageOptions;
      await expectCode(AzureBlobStore.open(`az://${CONTAINER}/x`, noHttp), "INVALID_INPUT", /allow_http/);
      await expectCode(AzureBlobStore.open(`az://${CONTAINER}/x`, {}), "INVALID_INPUT", /azure_storage_account_name/);
    });

    test("options fall back to AZURE_STORAGE_* variables; explicit options win", () => {
      const env = { AZURE_STORAGE_ACCOUNT_NAME: "envacct", AZURE_STORAGE_ACCOUNT_KEY: "envkey", AWS_REGION: "x" };
      assert.deepEqual(resolveStorageOptions("azure", { account_key: "explicit" }, env), {
        azure_storage_account_name: "envacct",
        azure_storage_account_key: "explicit",
      });
    });
  });

  describe("lancets and Lance on one container", () => {
    lanceOnStore(() => ({ dbUri: `az://${CONTAINER}/db`, storageOptions: server.storageOptions }));
  });
});
