// A writer killed while a data file is being uploaded: the dataset stays at
// its previous version, whole, for lancets and for Lance, and no data file
// appears (on local disk, and on S3 where the upload is a multipart upload
// never completed). Lance then appends on top. Cleanup aborts the multipart
// upload a killed writer left on S3 (on local disk, its temporary file) once
// it is older than the cleanup's age, and keeps a younger one in progress.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Table } from "apache-arrow";
import { openObjectWriter, type ObjectStore, type PendingUpload } from "../../src/io/object-store.js";
import { S3Store } from "../../src/io/s3-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { streamBatch } from "../helpers/stream-batches.js";
import { tempDir } from "../helpers/tmp.js";
import { killWriterMidUpload } from "../helpers/killed-writer.js";

const WORKER = join(import.meta.dirname, "..", "helpers", "stream-append-worker.ts");
const DATA_FILE_NAME = /^data\/[01]{24}[0-9a-f]{26}\.lance$/;
/** Ceph refuses parts under 5 MiB (except the last). */
const PART_BYTES = 5 * 1024 * 1024;

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

  test("on local disk: cleanup removes a killed writer's partial file once older than its age, and keeps a younger one", async () => {
    const dir = tempDir();
    const path = join(dir, "partial.lance");
    await writeDataset(path, [streamBatch(0, 1000, 1)]);
    const store = new LocalFileStore(path);
    assert.match(await killWhileUploading(path), /uploading/);
    const [killed, ...others] = await store.listPendingUploads("");
    assert.equal(others.length, 0);
    assert.match(killed!.path, DATA_FILE_NAME, "the data file being written");
    assert.ok(existsSync(join(path, killed!.uploadId)), killed!.uploadId);
    // last written two hours ago; a writer in progress beside it
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(path, killed!.uploadId), twoHoursAgo, twoHoursAgo);
    const fresh = await openObjectWriter(store, "data/fresh.lance");
    await fresh.write(new Uint8Array(1000).fill(7));

    const result = await (await openDataset(path)).cleanup();
    assert.deepEqual(result.uploads.map((u) => u.uploadId), [killed!.uploadId]);
    assert.ok(!existsSync(join(path, killed!.uploadId)), "the partial file is gone");
    assert.deepEqual((await store.listPendingUploads("")).map((u) => u.path), ["data/fresh.lance"]);
    assert.equal(await fresh.finish(), 1000);
    assert.equal(await store.size("data/fresh.lance"), 1000);
    const ds = await openDataset(path);
    assert.deepEqual([ds.version, ds.countRows()], [1, 1000]);
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

    test("cleanup aborts the multipart upload a killed writer left, and keeps a younger one in progress", { timeout: 90_000 }, async () => {
      const uri = "s3://killed/db/stale.lance";
      const options = { storageOptions: server.storageOptions };
      await writeDataset(uri, [streamBatch(0, 100, 1)], options);
      const store = (await S3Store.open(uri, server.storageOptions, { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES })) as S3Store;
      const pending = async (): Promise<PendingUpload[]> => (await store.listPendingUploads("")).sort((a, b) => a.startedAt - b.startedAt);

      // a writer killed mid-upload: with two parts in flight at most, 4 parts accepted means the upload exists
      await killWriterMidUpload(uri, "data/killed.lance", PART_BYTES, 4 * PART_BYTES, server.storageOptions);
      const [killed, ...others] = await pending();
      assert.deepEqual([killed?.path, others.length], ["data/killed.lance", 0], "the killed writer's upload is pending");

      // ages count on the service's clock (to the second on some servers): the
      // younger upload begins at least 3 s after the killed one
      const deadline = Date.now() + 30_000;
      while (Date.now() - killed!.startedAt < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const fresh = await openObjectWriter(store, "data/fresh.lance");
      const bytes = new Uint8Array(PART_BYTES + 1).map((_, i) => i % 251);
      await fresh.write(bytes);
      await fresh.write(bytes);
      let listed = await pending();
      while (listed.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        listed = await pending();
      }
      assert.deepEqual(listed.map((u) => u.path), ["data/killed.lance", "data/fresh.lance"], "both uploads pending");
      assert.ok(listed[1]!.startedAt - killed!.startedAt >= 2000, `${listed[1]!.startedAt - killed!.startedAt} ms apart`);

      // an age between the two: the killed upload is older, the fresh one younger
      const olderThanMs = Date.now() - killed!.startedAt - 1000;
      const ds = await openDataset(uri, options);
      const dry = await ds.cleanup({ olderThanMs, dryRun: true });
      assert.deepEqual(dry.uploads.map((u) => [u.path, u.uploadId]), [[killed!.path, killed!.uploadId]]);
      assert.equal((await pending()).length, 2, "a dry run aborts nothing");
      const done = await (await openDataset(uri, options)).cleanup({ olderThanMs: Date.now() - killed!.startedAt - 1000 });
      assert.deepEqual(done.uploads.map((u) => [u.path, u.uploadId]), [[killed!.path, killed!.uploadId]]);
      assert.deepEqual((await pending()).map((u) => u.path), ["data/fresh.lance"], "the killed upload is gone, the fresh one kept");

      // the upload in progress was left whole: it completes
      assert.equal(await fresh.finish(), 2 * bytes.byteLength);
      assert.deepEqual(await pending(), []);
      assert.equal(await store.size("data/fresh.lance"), 2 * bytes.byteLength);
      // cleanup with the default age keeps the fresh data file (young) and the dataset whole
      assert.equal((await openDataset(uri, options)).countRows(), 100);
      store.close();
    });
  });
});
