// `lancets worker` stops cleanly on a SIGTERM sent the moment it says it is
// ready: the handler is in place before the line is printed (a signal that
// beat the handler killed the process with the default action).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const BIN = join(resolve(import.meta.dirname, "..", ".."), "bin", "lancets.js");
let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

test("SIGTERM right after 'ready' finishes and exits 0", async () => {
  for (let attempt = 0; attempt < 4; attempt++) {
    const child = spawn(process.execPath, [BIN, "worker", "--redis", redis.url], { stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    await new Promise<void>((ready, fail) => {
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (/lancets worker ready/.test(seen)) ready();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", () => fail(new Error(`worker exited before it was ready: ${seen}`)));
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((done) => {
      child.removeAllListeners("exit");
      child.on("exit", (c, s) => done([c, s]));
      child.kill("SIGTERM");
    });
    assert.deepEqual([code, signal], [0, null], `attempt ${attempt}: ${seen}`);
    assert.match(seen, /SIGTERM: finishing current jobs\n.*lancets worker stopped/s);
  }
});
