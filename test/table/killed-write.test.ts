// A writer killed while a data file is being uploaded: the dataset stays at
// its previous version, whole, for lancets and for Lance, and no data file
// appears (on local disk, and on S3 where the upload is a multipart upload
// never completed). Lance then appends on top.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Table } from "apache-arrow";
import type { ObjectStore } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { streamBatch } from "../helpers/stream-batches.js";
import { tempDir } from "../helpers/tmp.js";

const WORKER = join(import.meta.dirname, "..", "helpers", "stream-append-worker.ts");
const DATA_FILE_NAME = /^data\/[01]{24}[0-9a-f]{26}\.lance$/;

/** Starts the worker and SIGKILLs it once it has begun uploading a data file; resolves with what it printed. */
function killWhileUploading(uri: string, storageOptions?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", WORKER, uri, "400", "50000", ...(storageOptions ? [JSON.stringify(storageOptions)] : [])];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the worker never started uploading: ${err}`));
    }, 120_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("uploading")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`the worker ended by itself (code ${code}): ${out}${err}`));
      else resolve(out);
    });
  });
}

async function dataFiles(store: ObjectStore): Promise<string[]> {
  return (await store.list("data/")).map((m) => m.path).filter((p) => DATA_FILE_NAME.test(p)).sort();
}

async function checkUnchanged(uri: string, store: ObjectStore, before: string[], lanceDb: string, name: string, storageOptions?: Record<string, string>): Promise<void> {
  assert.deepEqual(await dataFiles(store), before, "no new data file");
  const ds = await openDataset(uri, storageOptions ? { storageOptions } : {});
  assert.equal(ds.version, 1);
  assert.equal(ds.countRows(), 1000);
  const ids = (await ds.scan({ columns: ["id"] }).toArrow()).getChild("id")!.toArray() as BigInt64Array;
  assert.deepEqual(Array.from(ids, Number), Array.from({ length: 1000 }, (_, i) => i));
  const db = await (await import("@lancedb/lancedb")).connect(lanceDb, storageOptions ? { storageOptions } : {});
  const table = await db.openTable(name);
  assert.equal(await table.version(), 1);
  assert.equal(await table.countRows(), 1000);
  await table.add(new Table([streamBatch(5000, 10, 3)]));
  assert.equal((await openDataset(uri, storageOptions ? { storageOptions } : {})).countRows(), 1010);
}

describe("a writer killed mid-upload", () => {
  test("on local disk: the previous version stays, for lancets and Lance", async () => {
    const dir = tempDir();
    const path = join(dir, "killed.lance");
    await writeDataset(path, [streamBatch(0, 1000, 1)]);
    const store = new LocalFileStore(path);
    const before = await dataFiles(store);
    assert.match(await killWhileUploading(path), /uploading/);
    await checkUnchanged(path, store, before, dir, "killed");
  });

  describe("on S3 (Ceph RADOS Gateway)", () => {
    let server: S3Server;
    before(async () => {
      if (!cephInstalled()) throw new Error(`Ceph is not installed: apt-get install --no-install-recommends ${CEPH_PACKAGES.join(" ")} (.ci/run does this)`);
      server = await startCephRgw();
      await server.createBucket("killed");
    });
    after(async () => {
      await server?.stop();
    });

    test("the previous version stays and the multipart upload is never completed", async () => {
      const uri = "s3://killed/db/killed.lance";
      await writeDataset(uri, [streamBatch(0, 1000, 1)], { storageOptions: server.storageOptions });
      const store = (await openObjectStore(uri, server.storageOptions))!;
      const before = await dataFiles(store);
      assert.match(await killWhileUploading(uri, server.storageOptions), /uploading/);
      await checkUnchanged(uri, store, before, "s3://killed/db", "killed", server.storageOptions);
    });
  });
});
