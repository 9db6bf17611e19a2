// `lancets explore` as a process: it serves the page and the JSON API on
// loopback, answers bad requests with the engine's error codes, refuses
// another Host, and stops on SIGTERM. A dataset it cannot open fails at once.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { openDataset, readDatasetOverview } from "../../src/lancets.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { writeExploreDataset } from "./fixture.js";

const BIN = resolve(import.meta.dirname, "..", "..", "bin", "lancets.js");

let path: string;
let child: ChildProcess;
let url: string;
let output = "";

before(async () => {
  ({ path } = await writeExploreDataset());
  child = spawn(process.execPath, [BIN, "explore", path, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`lancets explore did not start: ${output}`)), 60_000);
    const check = setInterval(() => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) {
        clearTimeout(timer);
        clearInterval(check);
        resolveUrl(m[1]!);
      }
    }, 50);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`lancets explore exited with ${code}: ${output}`));
    });
  });
});

after(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

test("serves the page with its API base, and the overview the engine computes", async () => {
  const page = await fetch(url);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<body [^>]*data-api="api"/);
  assert.match(html, /<script type="module" src="explore\.js">/);
  const script = await fetch(new URL("explore.js", url));
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /javascript/);
  assert.ok((await script.text()).length > 10_000);
  const overview = await (await fetch(new URL("api/overview", url))).json();
  assert.deepEqual(overview, JSON.parse(JSON.stringify(await readDatasetOverview(await openDataset(path)))));
  const v2 = (await (await fetch(new URL("api/overview?version=2", url))).json()) as { version: number; indices: unknown[] };
  assert.equal(v2.version, 2);
  assert.equal(v2.indices.length, 1);
});

test("answers bad requests with the engine's error codes", async () => {
  const ask = async (path: string, init?: RequestInit): Promise<[number, unknown]> => {
    const r = await fetch(new URL(path, url), init);
    return [r.status, await r.json()];
  };
  const [badFilter, body] = await ask("api/query?filter=id%20%3E");
  assert.equal(badFilter, 400);
  assert.equal((body as { error: { code: string } }).error.code, "INVALID_INPUT");
  assert.equal((await ask("api/query"))[0], 400);
  assert.equal((await ask("api/query?filter=id%3E1&limit=0"))[0], 400);
  assert.equal((await ask("api/overview?version=abc"))[0], 400);
  const [missing, missingBody] = await ask("api/overview?version=99");
  assert.equal(missing, 404);
  assert.match((missingBody as { error: { message: string } }).error.message, /version 99/);
  assert.equal((await ask("api/build"))[0], 404);
  assert.equal((await ask("api/nothing"))[0], 404);
  assert.equal((await ask("api/overview", { method: "POST" }))[0], 405);
  // a page under another name (DNS rebinding) is refused
  const status = await new Promise<number>((ok, fail) => {
    const req = request(new URL("api/overview", url), { headers: { host: "evil.example" } }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end();
  });
  assert.equal(status, 403);
});

test("stops on SIGTERM", async () => {
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});

test("a dataset that cannot be opened fails before serving", async () => {
  const r = await runCli(["explore", join(tempDir(), "missing.lance"), "--port", "0"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^lancets: NOT_FOUND: /);
});
