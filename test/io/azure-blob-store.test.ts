// AzureBlobStore against a real Azure Blob server (Azurite in memory on
// loopback, started once for this file): the store contract, the error
// mapping, and lancets and Lance sharing one container.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { openObjectWriter } from "../../src/io/object-store.js";
import { AzureBlobStore, parseAzureUri } from "../../src/io/azure-blob-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { resolveStorageOptions } from "../../src/node/object-store-uri.js";
import { startAzurite, type AzureServer } from "../helpers/azurite.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { lanceOnStore } from "../helpers/lance-on-store.js";
import { expectCode, remoteStoreErrors, storeConformance, writeInChunks, writerConformance } from "../helpers/store-conformance.js";

const CONTAINER = "lancets";
const PART_BYTES = 1024 * 1024;
let server: AzureServer;

function container(): ContainerClient {
  return new BlobServiceClient(server.endpoint, new StorageSharedKeyCredential(server.account, server.key)).getContainerClient(CONTAINER);
}

/** Blocks of the blob, committed and not (a blob with only uncommitted blocks is invisible to reads and listings). */
async function blocksOf(name: string): Promise<{ committed: number; uncommitted: number }> {
  const list = await container().getBlockBlobClient(name).getBlockList("all");
  return { committed: list.committedBlocks?.length ?? 0, uncommitted: list.uncommittedBlocks?.length ?? 0 };
}

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

  describe("writer", () => {
    writerConformance((prefix, tuning) => AzureBlobStore.open(`az://${CONTAINER}/${prefix}`, server.storageOptions, tuning), {
      partBytes: PART_BYTES,
      boundedMemory: true,
      afterAbort: async (prefix, path) => {
        const blocks = await blocksOf(`${prefix}/${path}`);
        assert.equal(blocks.committed, 0, "no committed blob");
        assert.ok(blocks.uncommitted >= 2, `the aborted writer had staged blocks (${blocks.uncommitted})`);
      },
    });

    test("a writer stages blocks as parts fill and commits them on finish", async () => {
      const store = await AzureBlobStore.open(`az://${CONTAINER}/wblocks`, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      const writer = await openObjectWriter(store, "big.bin");
      await writer.write(new Uint8Array(PART_BYTES + 1).fill(3));
      await writer.write(new Uint8Array(PART_BYTES).fill(4));
      // write resolves once a full part is on its way, not once it is stored:
      // wait (boundedly) for both parts to be staged, all before finish
      let staged = await blocksOf("wblocks/big.bin");
      for (let i = 0; i < 100 && staged.uncommitted < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        staged = await blocksOf("wblocks/big.bin");
      }
      assert.deepEqual(staged, { committed: 0, uncommitted: 2 });
      await writer.finish();
      assert.deepEqual(await blocksOf("wblocks/big.bin"), { committed: 3, uncommitted: 0 });
      assert.equal(await store.size("big.bin"), 2 * PART_BYTES + 1);
    });

    test("a block the server fails: the writer rejects with a LanceError and nothing is committed", async () => {
      // every request passes but the staging of the second block (and its retries), which gets a 500
      const seen = new Set<string>();
      let doomed: string | undefined;
      const proxy = await startFaultProxy(server.endpoint.replace(/\/[^/]*$/, ""), (req) => {
        const id = /[?&]blockid=([^&]+)/.exec(req.url ?? "")?.[1];
        if (req.method !== "PUT" || id === undefined) return false;
        seen.add(id);
        if (doomed === undefined && seen.size === 2) doomed = id;
        return id === doomed;
      });
      try {
        const store = await AzureBlobStore.open(
          `az://${CONTAINER}/wfail`,
          { ...server.storageOptions, azure_endpoint: `${proxy.endpoint}/${server.account}`, max_retries: "1" },
          { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES, uploadConcurrency: 2 },
        );
        const writer = await openObjectWriter(store, "data/f.lance");
        const failure = (async () => {
          await writeInChunks(writer, new Uint8Array(5 * PART_BYTES), [Math.floor(PART_BYTES / 3) + 1]);
          await writer.finish();
        })();
        await expectCode(failure, "IO", /write of az:\/\/lancets\/wfail\/data\/f\.lance failed \(HTTP 500 InternalError\)/);
        assert.ok(proxy.refused >= 1);
        await writer.abort();
        await expectCode(store.size("data/f.lance"), "NOT_FOUND");
        assert.deepEqual(await store.list(""), []);
        assert.equal((await blocksOf("wfail/data/f.lance")).committed, 0);
      } finally {
        await proxy.close();
      }
    });

    test("the container deleted mid-write: the writer rejects with NOT_FOUND naming it", async () => {
      const name = "doomed";
      const service = new BlobServiceClient(server.endpoint, new StorageSharedKeyCredential(server.account, server.key));
      await service.getContainerClient(name).create();
      const store = await AzureBlobStore.open(`az://${name}/x`, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      const writer = await openObjectWriter(store, "data/d.lance");
      await writer.write(new Uint8Array(PART_BYTES + 1));
      await service.getContainerClient(name).delete();
      const failure = (async () => {
        await writeInChunks(writer, new Uint8Array(3 * PART_BYTES), [PART_BYTES / 2]);
        await writer.finish();
      })();
      await expectCode(failure, "NOT_FOUND", /azure container doomed does not exist \(write of az:\/\/doomed\/x\/data\/d\.lance\)/);
      await writer.abort();
    });
  });

  describe("errors", () => {
    remoteStoreErrors({
      scheme: "az",
      containerKind: "azure container",
      container: CONTAINER,
      open: (uri, overrides = {}, tuning = {}) => AzureBlobStore.open(uri, { ...server.storageOptions, ...overrides }, tuning),
      storageOptions: () => server.storageOptions,
      wrongCredentials: () => ({ azure_storage_account_key: Buffer.from("wrong key").toString("base64") }),
      endpointAt: (port) => ({
        overrides: { azure_endpoint: `http://127.0.0.1:${port}/${server.account}` },
        shown: `http://127.0.0.1:${port}/${server.account}`,
      }),
      partBytes: PART_BYTES,
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
