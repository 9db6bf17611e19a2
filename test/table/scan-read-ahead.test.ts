// Scan read-ahead: once the first window has measured the rows, a scan reads
// up to READ_AHEAD_WINDOWS windows beyond the one being consumed, and no more
// (the bytes requested and not yet answered stay bounded); a scan stopped early
// starts nothing further and leaves no failure behind; a failed read ahead
// reaches the consumer as the store's error when its window is reached. Reads
// are answered a turn of the event loop later, as a remote store answers.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Float64, Table, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { READ_AHEAD_WINDOWS } from "../../src/table/scan.js";
import { rng } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { ForwardingStore } from "../helpers/forwarding-store.js";

const ROWS = 600_000;
/** Float64 rows per window: the most a window holds (MAX_WINDOW_ROWS), 1 MiB decoded. */
const WINDOW_ROWS = 1 << 17;
/** Chunk metadata, page alignment and a data file's speculative tail read. */
const SLACK_BYTES = 128 * 1024;

const values = (() => {
  const r = rng(31);
  return Float64Array.from({ length: ROWS }, () => r());
})();

let pathPromise: Promise<{ path: string; storedBytes: number }> | undefined;
/** The table, and the bytes of its data file. */
function table(): Promise<{ path: string; storedBytes: number }> {
  pathPromise ??= (async () => {
    const path = `${tempDir()}/t.lance`;
    const ds = await writeDataset(path, new Table({ value: vectorFromArray(values as never, new Float64()) }));
    const files = await new LocalFileStore(path).list("data/");
    assert.equal(files.length, 1);
    assert.equal(ds.manifest.fragments.length, 1);
    return { path, storedBytes: files[0]!.size };
  })();
  return pathPromise;
}

/** Stored bytes of a window of WINDOW_ROWS rows (the values compress a little). */
async function windowBytes(): Promise<number> {
  return Math.ceil(((await table()).storedBytes / ROWS) * WINDOW_ROWS);
}

/** Reads of the data files answered on a later turn, counting the bytes asked for and not yet answered. */
class SlowStore extends ForwardingStore {
  outstanding = 0;
  maxOutstanding = 0;
  requested = 0;
  requests = 0;
  /** When set, data file reads fail with this error. */
  failWith: LanceError | undefined;

  override async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    if (!path.startsWith("data/")) return this.inner.readRange(path, byteOffset, byteLength);
    this.requests++;
    this.requested += byteLength;
    this.outstanding += byteLength;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failWith) throw this.failWith;
      return await this.inner.readRange(path, byteOffset, byteLength);
    } finally {
      this.outstanding -= byteLength;
    }
  }
}

/** Waits (a bounded number of turns) until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 100_000; turn++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`gave up waiting: ${what}`);
}

async function slowDataset(): Promise<{ store: SlowStore; ds: Awaited<ReturnType<typeof openDataset>> }> {
  const store = new SlowStore(new LocalFileStore((await table()).path));
  return { store, ds: await openDataset(store) };
}

test("a full scan returns every value in order with the bytes in flight bounded by the read-ahead", async () => {
  const { store, ds } = await slowDataset();
  const got = new Float64Array(ROWS);
  let at = 0;
  for await (const batch of ds.scan({ columns: ["value"] })) {
    const column = batch.getChild("value")!.toArray() as Float64Array;
    got.set(column, at);
    at += column.length;
  }
  assert.equal(at, ROWS);
  assert.deepEqual(got, values);
  assert.equal(store.outstanding, 0);
  const { storedBytes } = await table();
  assert.ok(store.requested >= storedBytes * 0.9 && store.requested <= storedBytes + SLACK_BYTES, `${store.requested} bytes requested of a ${storedBytes}-byte data file`);
  const bound = (1 + READ_AHEAD_WINDOWS) * (await windowBytes()) + SLACK_BYTES;
  assert.ok(store.maxOutstanding <= bound, `${store.maxOutstanding} bytes were in flight at once (bound ${bound})`);
});

test("while the consumer holds a batch, the next windows are read, and no more than READ_AHEAD_WINDOWS of them", async () => {
  // the bytes of the first window alone: a scan limited to its rows reads nothing ahead
  const probe = await slowDataset();
  let probeRows = 0;
  for await (const batch of probe.ds.scan({ columns: ["value"], limit: 1024 })) probeRows += batch.numRows;
  assert.equal(probeRows, 1024);
  const before = probe.store.requested;
  assert.ok(before > 0 && before < 256 * 1024, `${before} bytes for the first window`);

  const { store, ds } = await slowDataset();
  const batches = ds.scan({ columns: ["value"] })[Symbol.asyncIterator]();
  const first = await batches.next();
  assert.equal(first.done, false);
  assert.equal(first.value!.numRows, 1024);
  // nothing asks for more batches: whatever is read past the first window is read ahead
  const ahead = READ_AHEAD_WINDOWS * (await windowBytes());
  await until(() => store.requested - before >= ahead * 0.9 && store.outstanding === 0, `${ahead} bytes read ahead (${store.requested - before} so far)`);
  for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(store.requested - before <= ahead + SLACK_BYTES, `${store.requested - before} bytes read ahead, at most ${READ_AHEAD_WINDOWS} windows expected`);
  // the rest of the scan still returns every row
  let rows = first.value!.numRows;
  for (let next = await batches.next(); !next.done; next = await batches.next()) rows += next.value.numRows;
  assert.equal(rows, ROWS);
});

test("a scan stopped early starts no further read and leaves no failure behind", async () => {
  const failures: unknown[] = [];
  const onUnhandled = (err: unknown): void => {
    failures.push(err);
  };
  process.on("unhandledRejection", onUnhandled);
  try {
    for (const fail of [false, true]) {
      const { store, ds } = await slowDataset();
      let rows = 0;
      for await (const batch of ds.scan({ columns: ["value"] })) {
        rows += batch.numRows;
        // the windows read ahead fail after the consumer has gone
        if (fail) store.failWith = new LanceError("IO", "read refused by the test store");
        break;
      }
      assert.ok(rows > 0);
      await until(() => store.outstanding === 0, "the reads in flight to settle");
      const requests = store.requests;
      for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(store.requests, requests, "no read started after the scan stopped");
      const bound = (1 + READ_AHEAD_WINDOWS) * (await windowBytes()) + SLACK_BYTES;
      assert.ok(store.requested <= bound, `${store.requested} bytes read by a scan stopped after its first batch (bound ${bound})`);
    }
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  assert.deepEqual(failures, []);
});

test("a window read ahead that fails reaches the consumer as the store's error", async () => {
  const { store, ds } = await slowDataset();
  let rows = 0;
  await assert.rejects(
    (async () => {
      for await (const batch of ds.scan({ columns: ["value"] })) {
        rows += batch.numRows;
        store.failWith = new LanceError("IO", "read refused by the test store");
      }
    })(),
    (e: unknown) => e instanceof LanceError && e.code === "IO" && /refused by the test store/.test(e.message),
  );
  assert.ok(rows > 0 && rows < ROWS, `${rows} rows before the failure`);
  await until(() => store.outstanding === 0, "the reads in flight to settle");
});
