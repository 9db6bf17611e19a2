// A private redis-server on a free loopback port, and lancets worker
// processes, for distributed tests. Everything is stopped when the test
// process exits.

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${seen}`));
    });
  });
}

export interface RedisServer {
  url: string;
  stop(): void;
}

/** A server on 127.0.0.1, or on `host` (an address of this machine other hosts reach it by). */
export async function startRedis(host = "127.0.0.1"): Promise<RedisServer> {
  // a free port can be taken by another process before the server binds it: one more try
  try {
    return await startRedisOnce(host);
  } catch {
    return await startRedisOnce(host);
  }
}

async function startRedisOnce(host: string): Promise<RedisServer> {
  const port = await freePort();
  // protected mode refuses clients from other addresses unless the server has a password
  const open = host === "127.0.0.1" ? [] : ["--protected-mode", "no"];
  const child = spawn("redis-server", ["--port", String(port), "--bind", host, ...open, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  try {
    await waitFor(child, /Ready to accept connections/, 60_000, "redis-server");
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return { url: `redis://${host}:${port}`, stop: () => child.kill("SIGKILL") };
}

export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** A `lancets worker` process; `env` is added to this process's environment. */
export async function startWorker(redisUrl: string, prefix: string, extra: string[] = [], env: Record<string, string> = {}): Promise<WorkerProcess> {
  const bin = join(import.meta.dirname, "..", "..", "bin", "lancets.js");
  const child = spawn(
    process.execPath,
    [bin, "worker", "--redis", redisUrl, "--prefix", prefix, "--concurrency", "1", "--lock-duration", "3000", "--stalled-interval", "1000", ...extra],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
  );
  children.push(child);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${log}`)), 30_000);
    const check = setInterval(() => {
      if (/worker ready/.test(log)) {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    }, 50);
  });
  return { child, log: () => log, kill: (signal = "SIGKILL") => child.kill(signal), exited };
}
