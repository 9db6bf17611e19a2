// A private S3 server for tests: a single-node Ceph cluster (one monitor, one
// OSD keeping its objects in memory) with a RADOS Gateway, every file under one
// temporary directory, listening on free loopback ports. The daemons run in the
// foreground as children of the test process and are stopped by their own pids.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./redis.js";
import { tempDir } from "./tmp.js";

/** The Debian packages the server needs; .ci/run installs them. */
export const CEPH_PACKAGES = ["radosgw", "ceph-mon", "ceph-osd"];

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Lance's storage options for this server (explicit region and credentials, plain HTTP). */
  storageOptions: Record<string, string>;
  createBucket(name: string): Promise<void>;
  /** Stops the daemons this helper started (by pid) and waits until they are gone. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Whether the Ceph binaries are installed (`.ci/run` installs them). */
export function cephInstalled(): boolean {
  return ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph-authtool", "monmaptool", "ceph"].every(
    (bin) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0,
  );
}

function run(cmd: string, args: string[], conf: string, timeoutMs = 30_000): string {
  const result = spawnSync(cmd, ["-c", conf, ...args], { encoding: "utf8", timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${result.error?.message ?? `status ${result.status}`}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/**
 * A `ceph` client command, tried again while the monitor is still settling: right after
 * it starts, a client can be refused ("problem getting command descriptions from mon",
 * EPERM) before it has the cluster's map.
 */
async function runCeph(args: string[], conf: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return run("ceph", args, conf, 30_000);
    } catch (err) {
      if (Date.now() + 1_000 > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2_000)));
    }
  }
}

function daemon(cmd: string, args: string[], conf: string, logDir: string): ChildProcess {
  // -f: stay in the foreground, so the pid is the child's and nothing is left behind
  const child = spawn(cmd, ["-f", "-c", conf, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  started.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  child.on("exit", () => {
    writeFileSync(join(logDir, `${cmd}.stderr`), stderr);
  });
  return child;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) throw new Error(`${what}: ${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode})`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  // the gateway first, then the OSD, then the monitor
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) {
      started.delete(child);
      continue;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    started.delete(child);
  }
}

export interface CephRgwOptions {
  /** The address the gateway listens on (default 127.0.0.1; the cluster itself stays on loopback). */
  host?: string;
  /** The user's credentials (default: random), for processes started before the server is up. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/**
 * Starts the server; a start that fails is tried once more from scratch (new directory,
 * new ports), since a single-node cluster on a loaded machine sometimes fails to form.
 */
export async function startCephRgw(options: CephRgwOptions = {}): Promise<S3Server> {
  try {
    return await startCephRgwOnce(options);
  } catch (first) {
    try {
      return await startCephRgwOnce(options);
    } catch (second) {
      throw new Error(`${second instanceof Error ? second.message : String(second)}\n(an earlier attempt failed too: ${first instanceof Error ? first.message.split("\n")[0] : String(first)})`);
    }
  }
}

async function startCephRgwOnce(options: CephRgwOptions): Promise<S3Server> {
  const host = options.host ?? "127.0.0.1";
  const dir = tempDir("lancets-ceph-");
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  for (const sub of ["mon", "osd", "run", "log"]) mkdirSync(join(dir, sub));
  const conf = join(dir, "ceph.conf");
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv6 = false
ms bind msgr2 = false
public addr = 127.0.0.1
client mount timeout = 20
rados mon op timeout = 20
rados osd op timeout = 20
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
keyring = ${dir}/keyring
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
osd crush update on start = false
osd class update on start = false
osd objectstore = memstore
memstore device bytes = 1073741824
[client.rgw.a]
rgw frontends = beast endpoint=${host}:${rgwPort}
rgw data = ${dir}/rgw
`,
  );
  const children: ChildProcess[] = [];
  try {
    const keyring = join(dir, "keyring");
    run("ceph-authtool", ["--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"], conf);
    run("ceph-authtool", [keyring, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *"], conf);
    const monmap = join(dir, "monmap");
    run("monmaptool", ["--create", "--addv", "a", `[v1:127.0.0.1:${monPort}]`, "--fsid", fsid, monmap], conf);
    run("ceph-mon", ["--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring], conf);
    children.push(daemon("ceph-mon", ["-i", "a"], conf, join(dir, "log")));
    // with a uuid, a repeated create answers the same id
    const osdUuid = randomUUID();
    const osdId = (await runCeph(["osd", "create", osdUuid], conf)).trim();
    if (!/^\d+$/.test(osdId)) throw new Error(`ceph osd create gave ${JSON.stringify(osdId)}`);
    mkdirSync(join(dir, "osd", `osd.${osdId}`));
    run("ceph-osd", ["-i", osdId, "--mkfs", "--osd-uuid", osdUuid], conf);
    children.push(daemon("ceph-osd", ["-i", osdId], conf, join(dir, "log")));
    await runCeph(["osd", "crush", "add", `osd.${osdId}`, "1.0", "host=localhost", "root=default"], conf);
    children.push(daemon("radosgw", ["-n", "client.rgw.a"], conf, join(dir, "log")));
    const endpoint = `http://${host}:${rgwPort}`;
    await waitUntil(
      "radosgw",
      async () => {
        try {
          return (await fetch(endpoint + "/", { signal: AbortSignal.timeout(2_000) })).status > 0;
        } catch {
          return false;
        }
      },
      60_000,
      children,
    );
    const accessKeyId = options.accessKeyId ?? `AK${randomUUID().replace(/-/g, "").slice(0, 18).toUpperCase()}`;
    const secretAccessKey = options.secretAccessKey ?? randomUUID().replace(/-/g, "") + randomUUID().replace(/-/g, "").slice(0, 8);
    run("radosgw-admin", ["user", "create", "--uid=test", "--display-name=test", `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`], conf);
    const region = "us-east-1";
    const storageOptions = { aws_endpoint: endpoint, aws_region: region, aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey, allow_http: "true" };
    return {
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      storageOptions,
      async createBucket(name: string): Promise<void> {
        const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
        const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
        try {
          await client.send(new CreateBucketCommand({ Bucket: name }));
        } finally {
          client.destroy();
        }
      },
      stop: () => stopChildren(children),
    };
  } catch (err) {
    await stopChildren(children);
    const logs = readdirSync(join(dir, "log"))
      .map((name) => {
        try {
          return `--- ${name}\n${readFileSync(join(dir, "log", name), "utf8").split("\n").slice(-12).join("\n")}`;
        } catch {
          return "";
        }
      })
      .join("\n");
    throw new Error(`cannot start the Ceph S3 server in ${dir}: ${err instanceof Error ? err.message : String(err)}\n${logs}`);
  }
}
