// HttpStore: a dataset written by Lance (lancedb) served from a local static
// HTTP server with Range support reads equal to the same dataset read from
// disk: every row, a filter answered by its BTREE index, a full-text search;
// the latest version is found through the version hint or, without it, by
// probing manifest names. A server that ignores Range is a clear error, and
// writes are refused without sending anything but reads.

import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { HttpStore } from "../../src/io/http-store.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { textTable } from "../helpers/oracle.js";
import { expectCode } from "../helpers/store-conformance.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

interface Seen {
  method: string;
  url: string;
  range: string | undefined;
}

interface StaticServer {
  base: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** Serves `root` read-only: GET (with single ranges unless `noRange`) and HEAD (unless `noHead`). */
async function serveStatic(root: string, options: { noRange?: boolean; noHead?: boolean } = {}): Promise<StaticServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", range: req.headers.range });
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (!path.startsWith(root)) return void res.writeHead(403).end();
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405).end();
    if (req.method === "HEAD" && options.noHead) return void res.writeHead(405).end();
    if (!existsSync(path) || !statSync(path).isFile()) return void res.writeHead(404).end("not found");
    const data = readFileSync(path);
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (range && !options.noRange) {
      const start = Number(range[1]);
      if (start >= data.byteLength) return void res.writeHead(416, { "content-range": `bytes */${data.byteLength}` }).end();
      const end = Math.min(Number(range[2]), data.byteLength - 1);
      res.writeHead(206, { "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${data.byteLength}`, "accept-ranges": "bytes" });
      return void res.end(req.method === "HEAD" ? undefined : data.subarray(start, end + 1));
    }
    res.writeHead(200, { "content-length": data.byteLength, ...(options.noRange ? {} : { "accept-ranges": "bytes" }) });
    res.end(req.method === "HEAD" ? undefined : data);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const COLUMNS = ["id", "category", "text", "score"];
let root: string;
let local: string;
let server: StaticServer;

describe("HttpStore on a local static server", { timeout: 120_000 }, () => {
  before(async () => {
    root = tempDir();
    const db = await lancedb.connect(root);
    const table = await db.createTable("t", textTable(400));
    await table.add(textTable(300, 400));
    await table.delete("id % 9 = 4");
    await table.createIndex("id", { config: lancedb.Index.btree() });
    await table.createIndex("text", { config: lancedb.Index.fts() });
    local = join(root, "t.lance");
    // a copy without the version hint, found by probing
    cpSync(local, join(root, "nohint.lance"), { recursive: true });
    rmSync(join(root, "nohint.lance", "_versions", "latest_version_hint.json"), { force: true });
    server = await serveStatic(root);
  });
  after(async () => {
    await server?.close();
  });

  test("a Lance dataset reads equal to the local read: rows, BTREE filter, full-text search", async () => {
    const mine = await openDataset(local);
    const remote = await openDataset(`${server.base}/t.lance`);
    assert.equal(remote.version, mine.version);
    assert.equal(remote.countRows(), mine.countRows());
    assert.equal(remote.fragments().length, 2);
    assertSameRows(await remote.scan().toArrow(), await mine.scan().toArrow(), "id", COLUMNS, "full scan");

    const filter = "id >= 100 AND id < 180";
    assert.match(await remote.explain(filter), /BTREE index id_idx/);
    const filtered = await remote.scan({ filter }).toArrow();
    assert.equal(filtered.numRows, 80 - Array.from({ length: 80 }, (_, i) => 100 + i).filter((i) => i % 9 === 4).length);
    assertSameRows(filtered, await mine.scan({ filter }).toArrow(), "id", COLUMNS, "filtered");

    const search = { fullTextSearch: { query: "charlie" }, columns: ["id", "text"], limit: 20 };
    const found = await remote.scan(search).toArrow();
    assert.ok(found.numRows > 0);
    assertSameRows(found, await mine.scan(search).toArrow(), "id", ["id", "text"], "full-text search");
    // only reads, and ranged ones for the data
    assert.ok(server.seen.every((s) => s.method === "GET" || s.method === "HEAD"));
    assert.ok(server.seen.some((s) => s.range !== undefined));
  });

  test("without a version hint the latest version is found by probing manifest names", async () => {
    const mine = await openDataset(local);
    const before = server.seen.length;
    const remote = await openDataset(`${server.base}/nohint.lance`);
    assert.equal(remote.version, mine.version);
    assert.ok(mine.version >= 4, `version ${mine.version}`);
    assert.equal(remote.countRows(), mine.countRows());
    // never a listing: every request named one object
    assert.ok(server.seen.slice(before).every((s) => !s.url.endsWith("/")));
  });

  test("writes are NOT_SUPPORTED naming the alternatives, and send nothing but reads", async () => {
    const remote = await openDataset(`${server.base}/t.lance`);
    const before = server.seen.length;
    await expectCode(remote.append(textTable(5, 9000)), "NOT_SUPPORTED", /read-only over HTTP; write through s3:\/\/, az:\/\/, gs:\/\/ or a local path/);
    await expectCode(remote.createScalarIndex("score", "BTREE"), "NOT_SUPPORTED", /read-only over HTTP/);
    const store = new HttpStore(`${server.base}/t.lance`);
    await expectCode(store.put("x.bin", new Uint8Array(1)), "NOT_SUPPORTED", /cannot write .*x\.bin: the store is read-only over HTTP/);
    await expectCode(store.putIfAbsent("_versions/99.manifest", new Uint8Array(1)), "NOT_SUPPORTED");
    await expectCode(store.delete("x.bin"), "NOT_SUPPORTED");
    await expectCode(store.list("_versions/"), "NOT_SUPPORTED", /plain HTTP has no listing/);
    assert.ok(server.seen.slice(before).every((s) => s.method === "GET" || s.method === "HEAD"));
  });

  test("store reads: size, whole, ranges, past the end, missing objects", async () => {
    const store = await openObjectStore(`${server.base}/t.lance`);
    assert.ok(store instanceof HttpStore);
    const hint = readFileSync(join(local, "_versions", "latest_version_hint.json"));
    assert.equal(await store.size("_versions/latest_version_hint.json"), hint.byteLength);
    assert.deepEqual(await store.read("_versions/latest_version_hint.json"), new Uint8Array(hint));
    assert.deepEqual(await store.readRange("_versions/latest_version_hint.json", 2, 5), new Uint8Array(hint.subarray(2, 7)));
    await expectCode(store.readRange("_versions/latest_version_hint.json", hint.byteLength - 1, 5), "CORRUPT_FILE", new RegExp(`size ${hint.byteLength}`));
    await expectCode(store.readRange("_versions/latest_version_hint.json", hint.byteLength + 3, 5), "CORRUPT_FILE", new RegExp(`size ${hint.byteLength}`));
    await expectCode(store.read("_versions/latest_version_hint.json", { maxBytes: 1 }), "CORRUPT_FILE");
    await expectCode(store.read("nope.bin"), "NOT_FOUND", /t\.lance\/nope\.bin does not exist/);
    await expectCode(store.size("nope.bin"), "NOT_FOUND");
    await expectCode(store.read("../x"), "CORRUPT_FILE", /leaves the dataset root/);
    await expectCode(openDataset(`${server.base}/missing.lance`), "NOT_FOUND", /no dataset found at http/);
  });

  test("a server without HEAD: sizes come from a one-byte range", async () => {
    const noHead = await serveStatic(root, { noHead: true });
    try {
      const store = new HttpStore(`${noHead.base}/t.lance`);
      const hint = readFileSync(join(local, "_versions", "latest_version_hint.json"));
      assert.equal(await store.size("_versions/latest_version_hint.json"), hint.byteLength);
      assert.equal((await openDataset(`${noHead.base}/t.lance`)).countRows(), (await openDataset(local)).countRows());
    } finally {
      await noHead.close();
    }
  });

  test("a server that ignores Range: a clear NOT_SUPPORTED for a part of an object, never a silent whole download", async () => {
    const noRange = await serveStatic(root, { noRange: true });
    try {
      const store = new HttpStore(`${noRange.base}/t.lance`);
      await expectCode(store.readRange("_versions/latest_version_hint.json", 1, 3), "NOT_SUPPORTED", /the server ignores Range requests \(answered 200 with \d+ bytes to a request for bytes 1-3\)/);
      // This dataset's files are smaller than the reader's speculative tail read, so each is read
      // in one request covering the whole object, which such a server answers correctly.
      const remote = await openDataset(`${noRange.base}/t.lance`);
      assertSameRows(await remote.scan().toArrow(), await (await openDataset(local)).scan().toArrow(), "id", COLUMNS, "whole-object reads");
    } finally {
      await noRange.close();
    }
  });

  test("a 503 and a body that breaks off are read again; a silent server is IO after the timeout", async () => {
    const body = new Uint8Array(1000).map((_, i) => i % 251);
    let requests = 0;
    const flaky = createServer((req, res) => {
      requests++;
      if (requests === 1) return void res.writeHead(503).end("busy");
      const [, from, to] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "") ?? [];
      const part = body.subarray(Number(from), Number(to) + 1);
      res.writeHead(206, { "content-length": part.byteLength, "content-range": `bytes ${from}-${to}/${body.byteLength}` });
      // the second request gets half the bytes, then the connection drops
      if (requests === 2) res.write(part.subarray(0, part.byteLength >> 1), () => res.destroy());
      else res.end(part);
    });
    await new Promise<void>((r) => flaky.listen(0, "127.0.0.1", r));
    const silentSockets: import("node:net").Socket[] = [];
    const silent = createServer(() => undefined);
    silent.on("connection", (s) => silentSockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const store = new HttpStore(`http://127.0.0.1:${(flaky.address() as { port: number }).port}/d`);
      assert.deepEqual(await store.readRange("a.bin", 100, 400), body.slice(100, 500));
      assert.equal(requests, 3);
      const quiet = new HttpStore(`http://127.0.0.1:${(silent.address() as { port: number }).port}/d`, { timeout: "300ms", max_retries: "1" });
      const t0 = Date.now();
      await expectCode(quiet.readRange("a.bin", 0, 10), "IO", /cannot reach http:\/\/127\.0\.0\.1:\d+ to read .*no answer within 300 ms/);
      assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    } finally {
      for (const s of silentSockets) s.destroy();
      flaky.closeAllConnections();
      flaky.close();
      silent.close();
    }
  });

  test("an unreachable host is IO within a bounded time; bad URIs are INVALID_INPUT", async () => {
    const gone = await serveStatic(root);
    const base = gone.base;
    await gone.close();
    const t0 = Date.now();
    await expectCode(new HttpStore(`${base}/t.lance`, { max_retries: "1" }).size("x.bin"), "IO", /cannot reach http:\/\/127\.0\.0\.1:\d+ to stat/);
    assert.ok(Date.now() - t0 < 5_000);
    assert.throws(() => new HttpStore(`${base}/t.lance?sig=1`), /without query/);
    assert.throws(() => new HttpStore("ftp://x/y"), /not an HTTP location/);
  });
});
