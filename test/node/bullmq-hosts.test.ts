// A distributed index build across "hosts" that share nothing but the bucket
// and Redis: the coordinator (`lancets index create --redis`) and two
// `lancets worker` processes each run in their own network namespace with
// their own temporary directory and HOME, and reach the S3 server (Ceph RGW)
// and Redis only over their veth addresses. Workers take their credentials
// from their own environment; the jobs in Redis hold none. One worker is
// SIGKILLed mid-segment; the index is committed exactly once, covers every
// planned fragment, and Lance uses it with a full scan's results.
// Without root or iproute2 the hosts are plain processes on loopback.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { Redis } from "ioredis";
import { cleanupIndexFiles } from "../../src/index/segments-api.js";
import { parseManifestFileName } from "../../src/format/table/version-names.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { createHostNetwork, type Host, type HostNetwork } from "../helpers/netns.js";
import { rng } from "../helpers/oracle.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

const BIN = join(import.meta.dirname, "..", "..", "bin", "lancets.js");
const BUCKET = "hosts";
const FRAGMENTS = 4;
const ROWS_PER_FRAGMENT = 50_000;

interface HostProcess {
  child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
let network: HostNetwork | undefined;
let unavailable: string | undefined;
let server: S3Server;
let redis: RedisServer;
let workers: HostProcess[];
const PREFIX = "hosts";
const timings: string[] = [];
const t0 = Date.now();
const mark = (what: string): void => void timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

function rows(n: number, start: number): Table {
  const r = rng(start + 11);
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    key: vectorFromArray(Array.from({ length: n }, () => `k-${Math.floor(r() * 1e9).toString(36)}-${Math.floor(r() * 1e9).toString(36)}`), new Utf8()),
  });
}

/** A lancets command on `host` (or on this machine's loopback), in a fresh directory with its own HOME and TMPDIR. */
function runOnHost(host: Host | undefined, label: string, args: string[], env: Record<string, string>): HostProcess {
  const dir = tempDir(`lancets-${label}-`);
  for (const sub of ["home", "tmp"]) mkdirSync(join(dir, sub));
  const command = [...(host?.exec ?? []), process.execPath, BIN, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: dir,
    // nothing of this process's environment but PATH: the host's own directories and credentials
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: join(dir, "home"), TMPDIR: join(dir, "tmp"), AWS_EC2_METADATA_DISABLED: "true", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, log: () => log, exited };
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether `host` opens a TCP connection to address:port (bash's /dev/tcp, within 3 s). */
function reaches(host: Host, address: string, port: number): boolean {
  return spawnSync(host.exec[0]!, [...host.exec.slice(1), "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`], { stdio: "ignore" }).status === 0;
}

/** Every value of every key in Redis, as text. */
async function dumpRedis(url: string): Promise<{ keys: string[]; text: string }> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await client.keys("*");
    const parts: string[] = [];
    for (const key of keys) {
      const type = await client.type(key);
      if (type === "string") parts.push(String(await client.get(key)));
      else if (type === "hash") parts.push(JSON.stringify(await client.hgetall(key)));
      else if (type === "list") parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else if (type === "set") parts.push(JSON.stringify(await client.smembers(key)));
      else if (type === "zset") parts.push(JSON.stringify(await client.zrange(key, "0", "-1")));
      else if (type === "stream") parts.push(JSON.stringify(await client.xrange(key, "-", "+")));
      else parts.push(`${key}: ${type}`);
    }
    return { keys, text: parts.join("\n") };
  } finally {
    client.disconnect();
  }
}

describe("a BullMQ build across hosts that share only the bucket and Redis", { timeout: 170_000 }, () => {
  before(async () => {
    if (!cephInstalled()) throw new Error(`Ceph is not installed: apt-get install --no-install-recommends ${CEPH_PACKAGES.join(" ")} (.ci/run does this)`);
    // LANCETS_TEST_NO_NETNS=1 runs the fallback where namespaces would work
    const made = process.env["LANCETS_TEST_NO_NETNS"] ? { unavailable: "LANCETS_TEST_NO_NETNS is set" } : createHostNetwork(3);
    if ("unavailable" in made) unavailable = made.unavailable;
    else network = made;
    const address = network?.serverAddress ?? "127.0.0.1";
    redis = await startRedis(address);
    // workers know Redis and their credentials only (endpoint and region come with the jobs), so
    // they start while the S3 server does
    const keys = { accessKeyId: `AK${randomBytes(9).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(20).toString("hex") };
    const s3 = startCephRgw({ host: address, ...keys });
    const credentials = { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey };
    const workerArgs = ["worker", "--redis", redis.url, "--prefix", PREFIX, "--concurrency", "1", "--lock-duration", "3000", "--stalled-interval", "1000"];
    const workerHosts = network?.hosts.slice(1) ?? [undefined, undefined];
    workers = workerHosts.map((h, i) => runOnHost(h, `worker${i}`, workerArgs, credentials));
    void waitFor("workers ready", () => workers.every((w) => /worker ready/.test(w.log())), 120_000, () => "").then(() => mark("workers ready"), () => undefined);
    server = await s3;
    mark("S3 server up");
    await server.createBucket(BUCKET);
    const db = await lancedb.connect(`s3://${BUCKET}/db`, { storageOptions: server.storageOptions });
    const table = await db.createTable("t", rows(ROWS_PER_FRAGMENT, 0));
    for (let k = 1; k < FRAGMENTS; k++) await table.add(rows(ROWS_PER_FRAGMENT, k * ROWS_PER_FRAGMENT));
    mark("dataset written");
  });

  after(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    network?.remove();
    redis?.stop();
    await server?.stop();
  });

  test("coordinator and two workers on separate hosts; a worker killed mid-segment; committed once, used by Lance", async (t) => {
    const [coordinatorHost, ...workerHosts] = network?.hosts ?? [];
    t.after(() => t.diagnostic(`timings: ${timings.join(", ")}`));
    if (network) {
      t.diagnostic(`hosts ${network.hosts.map((h) => `${h.name} (${h.address})`).join(", ")}; S3 and Redis at ${network.serverAddress}`);
      // a host reaches the servers' address, and not this machine's loopback
      const loopbackOnly = createServer();
      await new Promise<void>((r) => loopbackOnly.listen(0, "127.0.0.1", r));
      try {
        const port = (loopbackOnly.address() as { port: number }).port;
        assert.ok(!reaches(workerHosts[0]!, "127.0.0.1", port), "a host does not reach the root namespace's loopback");
        assert.ok(reaches(workerHosts[0]!, network.serverAddress, Number(new URL(redis.url).port)), "a host reaches Redis over its veth");
        assert.ok(reaches(workerHosts[1]!, network.serverAddress, Number(new URL(server.endpoint).port)), "a host reaches the S3 server over its veth");
      } finally {
        loopbackOnly.close();
      }
    } else {
      t.diagnostic(`network namespaces unavailable (${unavailable}); the hosts are processes with separate temporary directories on loopback`);
    }
    const uri = `s3://${BUCKET}/db/t.lance`;
    const prefix = PREFIX;
    const credentials = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    const original = await openDataset(uri, { storageOptions: server.storageOptions });

    const allLogs = (): string => workers.map((w, i) => `--- worker ${i}\n${w.log()}`).join("\n");
    await waitFor("both workers ready", () => workers.every((w) => /worker ready/.test(w.log())), 60_000, allLogs);

    // the coordinator: endpoint on the command line, region and credentials from its environment
    const coordinator = runOnHost(
      coordinatorHost,
      "coordinator",
      ["index", "create", uri, "--column", "key", "--type", "btree", "--redis", redis.url, "--prefix", prefix, "--group-size", "1", "--no-progress", "--timeout", "120", "--storage-option", `aws_endpoint=${server.endpoint}`, "--storage-option", "allow_http=true"],
      { ...credentials, AWS_REGION: server.region },
    );
    const logs = (): string => `${allLogs()}\n--- coordinator\n${coordinator.log()}`;

    // kill whichever worker starts a segment first, while it is building it
    let victim: HostProcess | undefined;
    await waitFor("a segment build", () => (victim = workers.find((w) => /building segment/.test(w.log()))) !== undefined, 60_000, logs);
    mark("first segment started");
    const group = /building segment (\d+)/.exec(victim!.log())![1]!;
    victim!.child.kill("SIGKILL");
    assert.doesNotMatch(victim!.log(), /built segment/, "killed mid-segment");
    const survivor = workers.find((w) => w !== victim)!;

    assert.equal(await coordinator.exited, 0, logs());
    mark("index committed");
    assert.match(coordinator.log(), /created BTREE index "key_idx" on key: 4 segments, 200000 rows/, logs());
    assert.match(coordinator.log(), /credentials \(aws_access_key_id, aws_secret_access_key\) stay on this machine/, logs());
    // the survivor rebuilt the killed worker's segment and committed
    assert.match(survivor.log(), new RegExp(`built segment ${group} of key_idx`), logs());
    assert.match(survivor.log(), /committed 4 segment\(s\) of key_idx/, logs());

    // committed exactly once, covering every planned fragment
    const indexed = await openDataset(uri, { storageOptions: server.storageOptions });
    assert.equal(indexed.version, original.version + 1);
    const versions = (await indexed.store.list("_versions/")).map((m) => parseManifestFileName(m.path.slice("_versions/".length))?.version).filter((v) => v !== undefined);
    assert.deepEqual(versions.sort((a, b) => a! - b!), Array.from({ length: indexed.version }, (_, i) => i + 1));
    const index = indexed.describeIndices().find((i) => i.name === "key_idx")!;
    assert.equal(index.segments.length, 4);
    assert.equal(new Set(index.segments.map((s) => s.uuid)).size, 4);
    assert.deepEqual(index.segments.flatMap((s) => s.fragmentIds).sort(), original.fragments().map((f) => f.id).sort());
    assert.equal(index.numUnindexedRows, 0);
    // what the killed attempt left on the bucket is removable; committed segments are never touched
    await cleanupIndexFiles(indexed, { olderThanMs: 0 });
    const dirs = new Set((await indexed.store.list("_indices/")).map((m) => m.path.split("/")[1]));
    assert.deepEqual([...dirs].sort(), index.segments.map((s) => s.uuid).sort());

    // Lance uses it on the bucket, with a full scan's results
    const db = await lancedb.connect(`s3://${BUCKET}/db`, { storageOptions: server.storageOptions });
    const table = await db.openTable("t");
    const sample = (await indexed.scan({ columns: ["key"], limit: 3 }).toArrow()).getChild("key")!.toArray() as string[];
    for (const filter of [`key = '${sample[0]}'`, `key < '${sample[1]}'`, `key >= 'k-z'`]) {
      assert.match(await table.query().where(filter).explainPlan(true), /@key_idx\(BTree\)/, filter);
      const full = await indexed.scan({ filter, useIndex: false }).toArrow();
      assertSameRows(full, await table.query().where(filter).toArrow(), "id", ["id", "key"], filter);
    }

    // nothing in Redis holds a credential; the jobs hold the URI and the options that say where the store is
    const { keys, text } = await dumpRedis(redis.url);
    assert.ok(keys.some((k) => k.startsWith(`bull:${prefix}-build:`)), keys.join(" "));
    assert.ok(!text.includes(server.secretAccessKey), "the secret key is not in Redis");
    assert.ok(!text.includes(server.accessKeyId), "the access key id is not in Redis");
    const client = new Redis(redis.url);
    try {
      const jobs: { name: string; data: { storageOptions?: Record<string, string> } }[] = [];
      for (const key of await client.keys(`bull:${prefix}-*`)) {
        if ((await client.type(key)) !== "hash") continue;
        const [name, data] = await client.hmget(key, "name", "data");
        if (name && data) jobs.push({ name, data: JSON.parse(data) });
      }
      assert.deepEqual(jobs.map((j) => j.name).sort(), ["build-segment", "build-segment", "build-segment", "build-segment", "commit-index"]);
      for (const job of jobs) assert.deepEqual(job.data.storageOptions, { aws_endpoint: server.endpoint, aws_region: server.region, allow_http: "true" }, job.name);
    } finally {
      client.disconnect();
    }
    survivor.child.kill("SIGKILL");
    mark("checked");
  });
});
