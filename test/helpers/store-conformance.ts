// The ObjectStore contract, as tests every store over a real server must
// pass: whole and ranged reads with the same error codes as the local store,
// put-if-absent with exactly one winner among concurrent creators, listing by
// prefix, deletes, refused paths and uploads in parts; the ObjectWriter
// contract (same bytes whatever the chunks, nothing visible before finish,
// nothing left by an abort); and the error cases of stores over HTTP.

import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { openObjectWriter, type ObjectStore, type ObjectWriter } from "../../src/io/object-store.js";
import type { UploadTuning } from "../../src/io/remote-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { freePort } from "./redis.js";

/** Opens a store rooted at a fresh prefix of the server's bucket or container. */
export type OpenAt = (prefix: string, tuning?: UploadTuning) => Promise<ObjectStore>;

export async function expectCode(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<LanceError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof LanceError, `expected a LanceError ${code}, got ${caught === undefined ? "success" : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

let counter = 0;
function fresh(): string {
  return `conf-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

/** Registers the contract tests; `open` gives a store at a new prefix each time. */
export function storeConformance(open: OpenAt, options: { partBytes: number }): void {
  test("put, read, size, and put replacing an object", async () => {
    const store = await open(fresh());
    const data = bytes(1000);
    await store.put("data/a.lance", data);
    assert.equal(await store.size("data/a.lance"), 1000);
    assert.deepEqual(await store.read("data/a.lance"), data);
    await store.put("data/a.lance", bytes(10, 7));
    assert.deepEqual(await store.read("data/a.lance"), bytes(10, 7));
    await store.put("empty.bin", new Uint8Array(0));
    assert.equal(await store.size("empty.bin"), 0);
    assert.equal((await store.read("empty.bin")).byteLength, 0);
    assert.equal((await store.readRange("empty.bin", 0, 0)).byteLength, 0);
  });

  test("ranged reads: middle, tail, empty, and past the end", async () => {
    const store = await open(fresh());
    const data = bytes(5000, 3);
    await store.put("f.bin", data);
    assert.deepEqual(await store.readRange("f.bin", 100, 200), data.slice(100, 300));
    assert.deepEqual(await store.readRange("f.bin", 4990, 10), data.slice(4990));
    assert.deepEqual(await store.readRange("f.bin", 0, 5000), data);
    assert.equal((await store.readRange("f.bin", 5000, 0)).byteLength, 0);
    // one byte past, starting exactly at the end, and starting beyond it
    await expectCode(store.readRange("f.bin", 4990, 11), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 5000, 1), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 6000, 5), "CORRUPT_FILE", /passes the end of the file \(size 5000\)/);
    await expectCode(store.readRange("f.bin", 5001, 0), "CORRUPT_FILE", /size 5000/);
    await expectCode(store.readRange("f.bin", -1, 5), "CORRUPT_FILE");
    await expectCode(store.readRange("f.bin", 0.5, 5), "CORRUPT_FILE");
    // a whole read beyond the caller's bound is refused
    await expectCode(store.read("f.bin", { maxBytes: 4999 }), "CORRUPT_FILE", /5000 bytes.*at most 4999/);
    assert.equal((await store.read("f.bin", { maxBytes: 5000 })).byteLength, 5000);
  });

  test("a missing object is NOT_FOUND for size, read and readRange; deleting it succeeds", async () => {
    const store = await open(fresh());
    await expectCode(store.size("nope.bin"), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.read("nope.bin"), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.readRange("nope.bin", 0, 10), "NOT_FOUND", /nope\.bin/);
    await expectCode(store.readRange("nope.bin", 0, 0), "NOT_FOUND", /nope\.bin/);
    await store.delete("nope.bin");
    assert.deepEqual(await store.list("_versions/"), []);
  });

  test("putIfAbsent creates once and never overwrites", async () => {
    const store = await open(fresh());
    assert.equal(await store.putIfAbsent("_versions/1.manifest", bytes(50, 1)), true);
    assert.equal(await store.putIfAbsent("_versions/1.manifest", bytes(60, 2)), false);
    assert.deepEqual(await store.read("_versions/1.manifest"), bytes(50, 1));
  });

  test("10 concurrent creates of one name: exactly one winner, whose bytes are stored (5 rounds)", async () => {
    const store = await open(fresh());
    for (let round = 0; round < 5; round++) {
      const name = `_versions/${round + 2}.manifest`;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.putIfAbsent(name, bytes(100 + i, i + 1))));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: winners ${winners.join(",")}`);
      assert.deepEqual(await store.read(name), bytes(100 + winners[0]!, winners[0]! + 1));
    }
  });

  test("list by directory and by name prefix stays inside the root", async () => {
    const prefix = fresh();
    const store = await open(prefix);
    const sibling = await open(`${prefix}x`);
    await sibling.put("_versions/9.manifest", bytes(3));
    await Promise.all([
      store.put("_versions/1.manifest", bytes(11)),
      store.put("_versions/2.manifest", bytes(12)),
      store.put("_versions/10.txn", bytes(13)),
      store.put("data/a.lance", bytes(14)),
      store.put("_indices/u1/page_data.lance", bytes(15)),
    ]);
    const sorted = (metas: { path: string; size: number }[]): [string, number][] => metas.map((m) => [m.path, m.size] as [string, number]).sort();
    assert.deepEqual(sorted(await store.list("_versions/")), [
      ["_versions/1.manifest", 11],
      ["_versions/10.txn", 13],
      ["_versions/2.manifest", 12],
    ]);
    assert.deepEqual(sorted(await store.list("_versions/1")), [
      ["_versions/1.manifest", 11],
      ["_versions/10.txn", 13],
    ]);
    assert.deepEqual(sorted(await store.list("_indices/")), [["_indices/u1/page_data.lance", 15]]);
    assert.equal((await store.list("")).length, 5);
    const withTimes = await store.list("data/");
    assert.ok(withTimes[0]!.lastModified === undefined || withTimes[0]!.lastModified > Date.now() - 3_600_000);
    assert.deepEqual(sorted(await sibling.list("")), [["_versions/9.manifest", 3]]);
  });

  test("a listing in key order: paths ascending by byte, and a limit gives the first of them", async () => {
    const store = await open(fresh());
    // V2 manifest names of versions 3, 2 and 1, a V1 name, the hint, and a name that sorts by its byte
    const names = ["18446744073709551612.manifest", "18446744073709551613.manifest", "18446744073709551614.manifest", "7.manifest", "latest_version_hint.json", "Z.manifest"];
    await Promise.all(names.map((n, i) => store.put(`_versions/${n}`, bytes(i + 1))));
    const inOrder = names.map((n) => `_versions/${n}`).sort((a, b) => (a < b ? -1 : 1));
    const all = (await store.list("_versions/")).map((m) => m.path);
    assert.deepEqual([...all].sort((a, b) => (a < b ? -1 : 1)), inOrder);
    if (store.listsInKeyOrder === true) {
      assert.deepEqual(all, inOrder, "listed in key order");
      const first = (await store.list("_versions/", { limit: 2 })).map((m) => m.path);
      // a store may answer with more than the limit (a whole page), always from the start
      assert.ok(first.length >= 2, first.join());
      assert.deepEqual(first, inOrder.slice(0, first.length));
    } else {
      // stores that do not list in order list everything whatever the limit
      assert.deepEqual((await store.list("_versions/", { limit: 2 })).map((m) => m.path).sort((a, b) => (a < b ? -1 : 1)), inOrder);
    }
  });

  test("delete removes an object from reads and listings", async () => {
    const store = await open(fresh());
    await store.put("data/x.lance", bytes(20));
    await store.put("data/y.lance", bytes(21));
    await store.delete("data/x.lance");
    await expectCode(store.size("data/x.lance"), "NOT_FOUND");
    assert.deepEqual(
      (await store.list("data/")).map((m) => m.path),
      ["data/y.lance"],
    );
  });

  test("paths that leave the root are refused before any request", async () => {
    const store = await open(fresh());
    for (const bad of ["../x", "/abs", "a//b", "a/./b", "a\\b", "", "a/../../b"]) {
      await expectCode(store.read(bad), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.put(bad, bytes(1)), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.putIfAbsent(bad, bytes(1)), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.delete(bad), "CORRUPT_FILE", /leaves the dataset root/);
      await expectCode(store.readRange(bad, 0, 1), "CORRUPT_FILE", /leaves the dataset root/);
    }
    await expectCode(store.list("../"), "CORRUPT_FILE", /leaves the dataset root/);
  });

  test("an object above the upload threshold goes up in parts and reads back whole", async () => {
    const partBytes = options.partBytes;
    const store = await open(fresh(), { multipartThresholdBytes: partBytes + 1, partBytes, uploadConcurrency: 3 });
    const data = bytes(2 * partBytes + 12345, 9);
    await store.put("data/big.lance", data);
    assert.equal(await store.size("data/big.lance"), data.byteLength);
    // across both part boundaries
    assert.deepEqual(await store.readRange("data/big.lance", partBytes - 10, partBytes + 20), data.slice(partBytes - 10, 2 * partBytes + 10));
    assert.deepEqual(await store.read("data/big.lance"), data);
  });
}

/** Writes `data` through `writer` in chunks whose sizes cycle through `sizes`, reusing one buffer as a caller would. */
export async function writeInChunks(writer: ObjectWriter, data: Uint8Array, sizes: number[]): Promise<void> {
  const scratch = new Uint8Array(Math.max(...sizes));
  for (let at = 0, i = 0; at < data.byteLength; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.byteLength - at);
    scratch.set(data.subarray(at, at + n));
    await writer.write(scratch.subarray(0, n));
    scratch.fill(0xee); // the writer must have copied what it keeps
    at += n;
  }
}

export interface WriterConformanceOptions {
  /** Part size the store is opened with (at or above the service's minimum). */
  partBytes: number;
  /** Checks after an abort that the service holds nothing of the upload (no pending multipart upload, no committed blob). */
  afterAbort?: (prefix: string, path: string) => Promise<void>;
  /** Whether the store's writer reports the bytes it buffers (stores that upload in parts). */
  boundedMemory?: boolean;
}

/** Registers the ObjectWriter contract tests; `open` gives a store at a new prefix each time. */
export function writerConformance(open: OpenAt, options: WriterConformanceOptions): void {
  const { partBytes } = options;
  const tuning: UploadTuning = { multipartThresholdBytes: partBytes, partBytes, uploadConcurrency: 2 };

  test("writer: odd-sized chunks across part boundaries give the same bytes, visible only after finish", async () => {
    const store = await open(fresh(), tuning);
    const data = bytes(3 * partBytes + 777, 11);
    const writer = await openObjectWriter(store, "data/w.lance");
    await writeInChunks(writer, data, [1, 7777, partBytes - 3, 65_537, 2 * partBytes + 5]);
    await expectCode(store.size("data/w.lance"), "NOT_FOUND");
    assert.deepEqual(await store.list("data/"), []);
    assert.deepEqual(await store.list(""), []);
    assert.equal(await writer.finish(), data.byteLength);
    assert.equal(await store.size("data/w.lance"), data.byteLength);
    assert.deepEqual(await store.read("data/w.lance"), data);
    assert.deepEqual(await store.readRange("data/w.lance", partBytes - 5, 10), data.slice(partBytes - 5, partBytes + 5));
    assert.deepEqual((await store.list("data/")).map((m) => [m.path, m.size]), [["data/w.lance", data.byteLength]]);
    await expectCode(writer.write(bytes(1)), "INTERNAL", /after the writer finished/);
  });

  test("writer: writes issued without waiting for each other land in order", async () => {
    const store = await open(fresh(), tuning);
    const data = bytes(2 * partBytes + 3, 13);
    const writer = await openObjectWriter(store, "data/o.lance");
    const cuts = [0, 5, partBytes - 1, partBytes + 7, 2 * partBytes, data.byteLength];
    await Promise.all(cuts.slice(1).map((end, i) => writer.write(data.slice(cuts[i], end))));
    assert.equal(await writer.finish(), data.byteLength);
    assert.deepEqual(await store.read("data/o.lance"), data);
  });

  test("writer: a small object and an empty one", async () => {
    const store = await open(fresh(), tuning);
    const small = await openObjectWriter(store, "a/small.bin");
    await small.write(bytes(10, 2));
    await small.write(bytes(5, 3));
    assert.equal(await small.finish(), 15);
    assert.deepEqual(await store.read("a/small.bin"), new Uint8Array([...bytes(10, 2), ...bytes(5, 3)]));
    const empty = await openObjectWriter(store, "a/empty.bin");
    assert.equal(await empty.finish(), 0);
    assert.equal(await store.size("a/empty.bin"), 0);
  });

  test("writer: replacing an object keeps the old bytes visible until finish", async () => {
    const store = await open(fresh(), tuning);
    await store.put("data/r.lance", bytes(100, 4));
    const writer = await openObjectWriter(store, "data/r.lance");
    const data = bytes(2 * partBytes + 1, 5);
    await writeInChunks(writer, data, [partBytes / 4 + 1]);
    assert.deepEqual(await store.read("data/r.lance"), bytes(100, 4));
    await writer.finish();
    assert.deepEqual(await store.read("data/r.lance"), data);
  });

  test("writer: an abort leaves nothing behind", async () => {
    const prefix = fresh();
    const store = await open(prefix, tuning);
    const writer = await openObjectWriter(store, "data/gone.lance");
    await writeInChunks(writer, bytes(2 * partBytes + 99, 6), [partBytes / 2 + 3]);
    await writer.abort();
    await expectCode(store.size("data/gone.lance"), "NOT_FOUND");
    assert.deepEqual(await store.list(""), []);
    await options.afterAbort?.(prefix, "data/gone.lance");
    await writer.abort();
    await expectCode(writer.write(bytes(1)), "INTERNAL", /after the writer finished or aborted/);
    await expectCode(writer.finish(), "INTERNAL", /after the writer finished or aborted/);
  });

  test("writer: a path that leaves the root is refused when the writer is opened", async () => {
    const store = await open(fresh(), tuning);
    for (const bad of ["../x", "/abs", "a//b", ""]) await expectCode(openObjectWriter(store, bad), "CORRUPT_FILE", /leaves the dataset root/);
  });

  if (options.boundedMemory) {
    test("writer: memory held stays within (concurrency + 1) parts for an object of 6 parts", async () => {
      const store = await open(fresh(), { multipartThresholdBytes: partBytes, partBytes, uploadConcurrency: 2 });
      const writer = await openObjectWriter(store, "data/m.lance");
      const data = bytes(6 * partBytes + 3, 12);
      await writeInChunks(writer, data, [partBytes / 2 + 7, 3 * partBytes]);
      await writer.finish();
      const peak = (writer as ObjectWriter & { peakBufferedBytes: number }).peakBufferedBytes;
      assert.ok(peak <= 3 * partBytes && peak >= partBytes, `peak ${peak} bytes for parts of ${partBytes}`);
      assert.deepEqual(await store.read("data/m.lance"), data);
    });
  }
}

/** How one vendor's store is reached, for the error cases every remote store shares. */
export interface RemoteErrorSetup {
  /** "s3" or "az": the scheme of the store's URIs. */
  scheme: string;
  /** "s3 bucket" or "azure container", as messages name it. */
  containerKind: string;
  /** The bucket or container the server has. */
  container: string;
  /** Opens `uri` with the server's storage options overridden by `overrides`. */
  open(uri: string, overrides?: Record<string, string>, tuning?: UploadTuning): Promise<ObjectStore>;
  /** Storage options to open datasets on the server with. */
  storageOptions(): Record<string, string>;
  /** Overrides that make the credentials wrong. */
  wrongCredentials(): Record<string, string>;
  /** Overrides that send requests to `port` on loopback, and the endpoint as messages show it. */
  endpointAt(port: number): { overrides: Record<string, string>; shown: string };
  /** The smallest part the service accepts. */
  partBytes: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Registers the error cases every store over a vendor's HTTP API must map the same way. */
export function remoteStoreErrors(s: RemoteErrorSetup): void {
  const at = (path: string): string => `${s.scheme}://${s.container}/${path}`;

  test("wrong credentials: IO naming the container and the operation, quickly", async () => {
    const store = await s.open(at("x"), s.wrongCredentials());
    const t0 = Date.now();
    const denied = `access denied to ${s.containerKind} ${s.container} for`;
    await expectCode(store.read("a.bin"), "IO", new RegExp(`${escapeRegExp(`${denied} read of ${at("x/a.bin")}`)} \\(HTTP 403`));
    await expectCode(store.put("a.bin", new Uint8Array(1)), "IO", new RegExp(escapeRegExp(`${denied} write`)));
    await expectCode(store.list("_versions/"), "IO", new RegExp(escapeRegExp(`${denied} list`)));
    assert.ok(Date.now() - t0 < 5_000, "no retry storm");
  });

  test("a missing container is NOT_FOUND; so is opening a dataset there", async () => {
    const missing = `no-such-${s.containerKind.split(" ")[1]}`;
    const store = await s.open(`${s.scheme}://${missing}/x`);
    await expectCode(store.list("_versions/"), "NOT_FOUND", new RegExp(escapeRegExp(`${s.containerKind} ${missing} does not exist`)));
    await expectCode(store.read("a.bin"), "NOT_FOUND");
    await expectCode(openDataset(`${s.scheme}://${missing}/t.lance`, { storageOptions: s.storageOptions() }), "NOT_FOUND");
    await expectCode(
      openDataset(at("nothing-here.lance"), { storageOptions: s.storageOptions() }),
      "NOT_FOUND",
      new RegExp(escapeRegExp(`no dataset at ${at("nothing-here.lance")}`)),
    );
  });

  test("an endpoint nobody listens on: IO within a bounded time, for reads and for a writer, whose abort then succeeds", async () => {
    const port = await freePort();
    const { overrides, shown } = s.endpointAt(port);
    const store = await s.open(at("x"), overrides, { multipartThresholdBytes: s.partBytes, partBytes: s.partBytes });
    const t0 = Date.now();
    await expectCode(store.read("a.bin"), "IO", new RegExp(escapeRegExp(`cannot reach ${shown} to read ${at("x/a.bin")}`)));
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    const writer = await openObjectWriter(store, "data/w.lance");
    // the failure surfaces at the write that begins the upload or, when parts go up in the background, a later one
    const writing = (async () => {
      for (let i = 0; i < 4; i++) await writer.write(new Uint8Array(s.partBytes));
      await writer.finish();
    })();
    await expectCode(writing, "IO", new RegExp(escapeRegExp(`cannot reach ${shown} to write ${at("x/data/w.lance")}`)));
    await writer.abort();
    const small = await openObjectWriter(store, "data/s.lance");
    await small.write(new Uint8Array(10));
    await expectCode(small.finish(), "IO", /cannot reach/);
    await small.abort();
  });

  test("a server that accepts and never answers: IO after the request timeout", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const store = await s.open(at("x"), { ...s.endpointAt(port).overrides, timeout: "500ms", max_retries: "1" });
      const t0 = Date.now();
      await expectCode(store.size("a.bin"), "IO", /cannot reach/);
      assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
    } finally {
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  });
}
