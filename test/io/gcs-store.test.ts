// GcsStore against a local fake of the GCS JSON API (test/helpers/gcs-fake.ts):
// the store contract, the exchanges Lance's commits rely on (put with
// ifGenerationMatch=0 answered 200 then 412, ranged media GETs, list pages,
// deletes), the error mapping, and the resumable writer. Every socket the
// process opens is recorded: the only peer allowed is the fake, and no name is
// looked up (so no metadata server is ever asked for credentials).

import assert from "node:assert/strict";
import { subscribe } from "node:diagnostics_channel";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { GcsStore, parseGcsUri } from "../../src/io/gcs-store.js";
import { openObjectWriter } from "../../src/io/object-store.js";
import { openObjectStore, resolveStorageOptions } from "../../src/node/object-store-uri.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { startGcsFake, type GcsFake } from "../helpers/gcs-fake.js";
import { freePort } from "../helpers/redis.js";
import { expectCode, storeConformance, writerConformance } from "../helpers/store-conformance.js";

const BUCKET = "lancets";
/** The smallest chunk of a resumable upload. */
const PART_BYTES = 256 * 1024;

// Anything that tries a metadata server goes to this address, which must never be reached.
const metadataTrap = { hits: 0 };
const trap = createHttpServer((_req, res) => {
  metadataTrap.hits++;
  res.writeHead(404).end();
});
for (const name of Object.keys(process.env)) if (name.startsWith("GOOGLE_") || name.startsWith("GCE_") || name === "STORAGE_EMULATOR_HOST") delete process.env[name];

/** Every TCP connection attempt ("ip:port") and name lookup made by this process. */
const attempts: string[] = [];
const lookups: string[] = [];
subscribe("net.client.socket", (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.on("connectionAttempt", (ip: string, port: number) => attempts.push(`${ip}:${port}`));
  socket.on("lookup", (_err: unknown, _address: unknown, _family: unknown, host: string) => lookups.push(host));
});

let fake: GcsFake;
let trapPort = 0;
const optionsFor = (extra: Record<string, string> = {}): Record<string, string> => ({
  google_endpoint: fake.endpoint,
  google_storage_token: fake.token,
  allow_http: "true",
  ...extra,
});

describe("GcsStore on a local fake of the GCS JSON API", { timeout: 60_000 }, () => {
  before(async () => {
    await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
    trapPort = (trap.address() as { port: number }).port;
    process.env["GCE_METADATA_HOST"] = `127.0.0.1:${trapPort}`;
    fake = await startGcsFake([BUCKET]);
  });
  after(async () => {
    await fake?.stop();
    trap.close();
  });

  describe("store contract", () => {
    storeConformance((prefix, tuning) => GcsStore.open(`gs://${BUCKET}/${prefix}`, optionsFor(), tuning), { partBytes: PART_BYTES });
  });

  describe("exchanges", () => {
    test("every request carries the bearer token and goes to the fake", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/auth`, optionsFor());
      const before = fake.requests.length;
      await store.put("a.bin", new Uint8Array(3));
      await store.read("a.bin");
      const seen = fake.requests.slice(before);
      assert.ok(seen.length >= 2);
      for (const r of seen) assert.equal(r.authorization, `Bearer ${fake.token}`);
    });

    test("putIfAbsent is a media upload with ifGenerationMatch=0: 200, then 412 (a lost race, nothing written)", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/race`, optionsFor());
      const before = fake.requests.length;
      assert.equal(await store.putIfAbsent("_versions/1.manifest", new Uint8Array([1, 2, 3])), true);
      assert.equal(await store.putIfAbsent("_versions/1.manifest", new Uint8Array([9])), false);
      const uploads = fake.requests.slice(before).filter((r) => r.method === "POST");
      assert.equal(uploads.length, 2, "a 412 is not retried");
      for (const u of uploads) {
        assert.match(u.url, /^\/upload\/storage\/v1\/b\/lancets\/o\?/);
        assert.match(u.url, /[?&]ifGenerationMatch=0(&|$)/);
      }
      assert.deepEqual(
        uploads.map((u) => u.status),
        [200, 412],
      );
      assert.deepEqual([...fake.objects(BUCKET).get("race/_versions/1.manifest")!.data], [1, 2, 3]);
    });

    test("ranged reads send Range: bytes=a-b on a media GET", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/range`, optionsFor());
      await store.put("f.bin", new Uint8Array(100).map((_, i) => i));
      const before = fake.requests.length;
      assert.deepEqual([...(await store.readRange("f.bin", 10, 5))], [10, 11, 12, 13, 14]);
      const [get] = fake.requests.slice(before);
      assert.match(get!.url, /^\/storage\/v1\/b\/lancets\/o\/range%2Ff\.bin\?alt=media/);
      assert.equal(get!.range, "bytes=10-14");
      assert.equal(get!.status, 206);
    });

    test("list follows nextPageToken across pages", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/pages`, optionsFor());
      await Promise.all(Array.from({ length: 7 }, (_, i) => store.put(`_versions/${i + 1}.manifest`, new Uint8Array(i))));
      fake.pageSize = 3;
      try {
        const before = fake.requests.length;
        const listed = await store.list("_versions/");
        assert.deepEqual(listed.map((m) => m.path).sort(), Array.from({ length: 7 }, (_, i) => `_versions/${i + 1}.manifest`).sort());
        assert.deepEqual(listed.map((m) => m.size).sort(), [0, 1, 2, 3, 4, 5, 6]);
        const pages = fake.requests.slice(before);
        assert.equal(pages.length, 3);
        assert.match(pages[0]!.url, /prefix=pages%2F_versions%2F/);
        assert.ok(!pages[0]!.url.includes("pageToken"));
        assert.match(pages[1]!.url, /pageToken=/);
      } finally {
        fake.pageSize = 1000;
      }
    });

    test("delete: 204 for an object, and a 404 for a missing one is success", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/del`, optionsFor());
      await store.put("x.bin", new Uint8Array(1));
      const before = fake.requests.length;
      await store.delete("x.bin");
      await store.delete("x.bin");
      assert.deepEqual(
        fake.requests.slice(before).map((r) => [r.method, r.status]),
        [
          ["DELETE", 204],
          ["DELETE", 404],
        ],
      );
    });

    test("a big put is a resumable upload in 256 KiB-multiple chunks", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/resumable`, optionsFor(), { multipartThresholdBytes: PART_BYTES, partBytes: PART_BYTES });
      const data = new Uint8Array(2 * PART_BYTES + 77).map((_, i) => (i * 7) % 256);
      const before = fake.requests.length;
      await store.put("big.bin", data);
      const seen = fake.requests.slice(before);
      assert.match(seen[0]!.url, /uploadType=resumable/);
      assert.deepEqual(
        seen.slice(1).map((r) => [r.method, r.status]),
        [
          ["PUT", 308],
          ["PUT", 308],
          ["PUT", 200],
        ],
      );
      assert.deepEqual(await store.read("big.bin"), data);
    });

    test("a key with gcs_base_url and disable_oauth (object_store's emulator convention) sends no credentials", async () => {
      const key = JSON.stringify({ gcs_base_url: fake.endpoint, disable_oauth: true, client_email: "", private_key: "" });
      const store = await GcsStore.open(`gs://${BUCKET}/anon`, { google_service_account_key: key, allow_http: "true" }, { multipartThresholdBytes: 10, partBytes: PART_BYTES });
      await expectCode(store.read("a.bin"), "IO", /access denied .*HTTP 401/);
      fake.allowAnonymous = true;
      try {
        const before = fake.requests.length;
        assert.equal(await store.putIfAbsent("_versions/1.manifest", new Uint8Array([1])), true);
        await store.put("big.bin", new Uint8Array(100).fill(7));
        assert.deepEqual(await store.read("big.bin"), new Uint8Array(100).fill(7));
        const seen = fake.requests.slice(before);
        assert.ok(seen.length >= 4 && seen.every((r) => r.authorization === undefined), JSON.stringify(seen));
      } finally {
        fake.allowAnonymous = false;
      }
    });

    test("a 503 is retried and then succeeds", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/retry`, optionsFor());
      await store.put("r.bin", new Uint8Array([5, 6]));
      fake.failNext(503, 1);
      assert.deepEqual([...(await store.read("r.bin"))], [5, 6]);
    });
  });

  describe("broken bodies", () => {
    test("a media download that breaks off mid-body is read again, whole and ranged", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/broken`, optionsFor({ timeout: "1s" }));
      const data = new Uint8Array(4000).map((_, i) => (i * 13) % 256);
      await store.put("b.bin", data);
      const before = fake.requests.length;
      fake.breakNextBodies(1);
      assert.deepEqual(await store.readRange("b.bin", 1000, 2000), data.slice(1000, 3000));
      fake.breakNextBodies(1);
      assert.deepEqual(await store.read("b.bin"), data);
      assert.equal(fake.requests.slice(before).filter((r) => r.method === "GET").length, 4);
    });
  });

  describe("writer", () => {
    // the writer contract every store that writes in parts meets (here a resumable upload fed part by part)
    writerConformance((prefix, tuning) => GcsStore.open(`gs://${BUCKET}/${prefix}`, optionsFor(), tuning), { partBytes: PART_BYTES, boundedMemory: true });

    test("nothing is visible before finish; finish makes the whole object visible", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/writer`, optionsFor(), { partBytes: PART_BYTES });
      const writer = await openObjectWriter(store, "data/w.lance");
      const piece = new Uint8Array(PART_BYTES).map((_, i) => i % 256);
      await writer.write(piece);
      await writer.write(piece);
      await writer.write(piece.subarray(0, 1000));
      await expectCode(store.size("data/w.lance"), "NOT_FOUND");
      assert.equal(await writer.finish(), 2 * PART_BYTES + 1000);
      const back = await store.read("data/w.lance");
      assert.equal(back.byteLength, 2 * PART_BYTES + 1000);
      assert.deepEqual(back.subarray(PART_BYTES, 2 * PART_BYTES), piece);
    });

    test("an empty object, and a writer whose upload is refused fails naming the operation", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/writer-edge`, optionsFor(), { partBytes: PART_BYTES });
      const empty = await openObjectWriter(store, "empty.bin");
      assert.equal(await empty.finish(), 0);
      assert.equal(await store.size("empty.bin"), 0);
      const denied = await GcsStore.open(`gs://${BUCKET}/writer-edge`, optionsFor({ google_storage_token: fake.deniedToken }), { partBytes: PART_BYTES });
      const writer = await openObjectWriter(denied, "data/d.lance");
      const attempt = (async () => {
        await writer.write(new Uint8Array(PART_BYTES + 1));
        await writer.finish();
      })();
      await expectCode(attempt, "IO", /access denied to gcs bucket lancets for write of gs:\/\/lancets\/writer-edge\/data\/d\.lance/);
      await writer.abort();
      await expectCode(store.size("data/d.lance"), "NOT_FOUND");
    });

    test("abort leaves nothing behind", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/writer-abort`, optionsFor(), { partBytes: PART_BYTES });
      const writer = await openObjectWriter(store, "data/a.lance");
      await writer.write(new Uint8Array(PART_BYTES + 5));
      await writer.abort();
      await expectCode(store.size("data/a.lance"), "NOT_FOUND");
      assert.deepEqual(await store.list(""), []);
    });
  });

  describe("errors", () => {
    test("access denied: IO naming the bucket and the operation, quickly", async () => {
      const store = await GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ google_storage_token: fake.deniedToken }));
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", /access denied to gcs bucket lancets for read of gs:\/\/lancets\/x\/a\.bin \(HTTP 403 forbidden\)/);
      await expectCode(store.put("a.bin", new Uint8Array(1)), "IO", /access denied to gcs bucket lancets for write/);
      await expectCode(store.putIfAbsent("a.bin", new Uint8Array(1)), "IO", /access denied to gcs bucket lancets for create/);
      await expectCode(store.list("_versions/"), "IO", /access denied to gcs bucket lancets for list/);
      await expectCode(store.delete("a.bin"), "IO", /access denied to gcs bucket lancets for delete/);
      // a resumable upload's refusal maps the same way
      const big = await GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ google_storage_token: fake.deniedToken }), { multipartThresholdBytes: 10, partBytes: PART_BYTES });
      await expectCode(big.put("big.bin", new Uint8Array(100)), "IO", /access denied to gcs bucket lancets for write of gs:\/\/lancets\/x\/big\.bin \(HTTP 403 forbidden\)/);
      assert.ok(Date.now() - t0 < 5_000, "no retry storm");
    });

    test("a missing bucket is NOT_FOUND naming it; a missing object is NOT_FOUND naming it", async () => {
      const store = await GcsStore.open("gs://no-such-bucket/x", optionsFor());
      await expectCode(store.list("_versions/"), "NOT_FOUND", /gcs bucket no-such-bucket does not exist/);
      await expectCode(store.read("a.bin"), "NOT_FOUND", /no-such-bucket/);
      await expectCode(store.delete("a.bin"), "NOT_FOUND", /gcs bucket no-such-bucket does not exist/);
      const here = await GcsStore.open(`gs://${BUCKET}/x`, optionsFor());
      await expectCode(here.read("missing.bin"), "NOT_FOUND", /gs:\/\/lancets\/x\/missing\.bin does not exist/);
    });

    test("an endpoint nobody listens on: IO within a bounded time", async () => {
      const port = await freePort();
      const store = await GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ google_endpoint: `http://127.0.0.1:${port}`, max_retries: "1" }));
      const t0 = Date.now();
      await expectCode(store.read("a.bin"), "IO", new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} to read gs://lancets/x/a\\.bin`));
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    });

    test("a server that accepts and never answers: IO after the request timeout", async () => {
      const sockets: Socket[] = [];
      const silent = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      const port = (silent.address() as { port: number }).port;
      try {
        const store = await GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ google_endpoint: `http://127.0.0.1:${port}`, timeout: "500ms", max_retries: "1" }));
        const t0 = Date.now();
        await expectCode(store.size("a.bin"), "IO");
        assert.ok(Date.now() - t0 < 8_000, `took ${Date.now() - t0} ms`);
      } finally {
        for (const s of sockets) s.destroy();
        silent.close();
      }
    });

    test("plain HTTP needs allow_http; bad options are INVALID_INPUT", async () => {
      await expectCode(GcsStore.open(`gs://${BUCKET}/x`, { google_endpoint: fake.endpoint, google_storage_token: "t" }), "INVALID_INPUT", /allow_http/);
      await expectCode(GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ timeout: "soon" })), "INVALID_INPUT", /timeout/);
      await expectCode(GcsStore.open(`gs://${BUCKET}/x`, optionsFor({ google_service_account_key: "{not json" })), "INVALID_INPUT", /google_service_account_key is not JSON/);
      assert.throws(() => parseGcsUri("gs:///x"), /expected gs:\/\/bucket\/path/);
    });
  });

  describe("datasets", () => {
    test("write, append, index and query a dataset on gs://: manifests created with the precondition, the BTREE answers exactly", async () => {
      const rows = (from: number, n: number): { id: number; tag: string }[] => Array.from({ length: n }, (_, i) => ({ id: from + i, tag: `t${(from + i) % 7}` }));
      const uri = `gs://${BUCKET}/datasets/t.lance`;
      const storageOptions = optionsFor();
      await writeDataset(uri, rows(0, 500), { storageOptions });
      const appended = await (await openDataset(uri, { storageOptions })).append(rows(500, 300));
      const indexed = await appended.createScalarIndex("id", "BTREE");
      const ds = await openDataset(uri, { storageOptions });
      assert.equal(ds.version, indexed.version);
      assert.equal(ds.countRows(), 800);
      assert.equal(ds.fragments().length, 2);
      const filter = "id >= 490 AND id < 520";
      assert.match(await ds.explain(filter), /BTREE index id_idx/);
      const ids = Array.from((await ds.scan({ filter, columns: ["id"] }).toArrow()).getChild("id")!.toArray(), Number).sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: 30 }, (_, i) => 490 + i));
      // the manifests went up with the generation precondition
      const manifests = fake.requests.filter((r) => r.method === "POST" && r.url.includes("datasets%2Ft.lance%2F_versions%2F") && r.url.includes(".manifest"));
      assert.ok(manifests.length >= 3, `${manifests.length} manifest uploads`);
      for (const m of manifests) assert.match(m.url, /ifGenerationMatch=0/);
    });
  });

  describe("by URI", () => {
    test("openObjectStore opens gs:// with Lance's option names and GOOGLE_* fallbacks", async () => {
      const store = await openObjectStore(`gs://${BUCKET}/uri`, { GOOGLE_ENDPOINT: fake.endpoint, google_storage_token: fake.token, allow_http: "true" });
      assert.ok(store instanceof GcsStore);
      await store.put("a.bin", new Uint8Array([4]));
      assert.deepEqual([...(await store.read("a.bin"))], [4]);
      const env = { GOOGLE_SERVICE_ACCOUNT: "/env/key.json", GOOGLE_STORAGE_TOKEN: "env-token", GOOGLE_APPLICATION_CREDENTIALS: "/env/adc.json", HOME: "/root" };
      assert.deepEqual(resolveStorageOptions("gcs", { service_account_key: "{}", google_storage_token: "explicit" }, env), {
        google_service_account: "/env/key.json",
        google_application_credentials: "/env/adc.json",
        google_service_account_key: "{}",
        google_storage_token: "explicit",
      });
    });
  });

  // runs last (tests run in order): everything above went to loopback servers only
  test("no metadata server was asked, no host name looked up, no connection left loopback", () => {
    assert.ok(attempts.length > 0, "connections were recorded");
    assert.equal(metadataTrap.hits, 0, "a request reached the metadata address");
    assert.deepEqual(lookups.filter((h) => h !== "localhost"), [], "no host name was looked up");
    assert.ok(
      attempts.every((a) => a.startsWith("127.0.0.1:")),
      `connections outside loopback: ${attempts.filter((a) => !a.startsWith("127.0.0.1:")).join(", ")}`,
    );
    assert.ok(!attempts.includes(`127.0.0.1:${trapPort}`), "a connection to the metadata address");
  });
});
