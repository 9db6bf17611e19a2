// The command line on gs:// (a local fake of the GCS JSON API, reached with
// --storage-option) and on http:// (a dataset served read-only by a local
// static server): commands that read work, commands that write say why not.

import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import { startGcsFake, type GcsFake } from "../helpers/gcs-fake.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

describe("the command line on gs:// and http://", { timeout: 120_000 }, () => {
  let fake: GcsFake;
  let flags: string[];
  let input: string;
  before(async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith("GOOGLE_") || name.startsWith("GCE_")) delete process.env[name];
    fake = await startGcsFake(["cli"]);
    flags = ["--storage-option", `google_endpoint=${fake.endpoint}`, "--storage-option", `google_storage_token=${fake.token}`, "--storage-option", "allow_http=true"];
    input = join(tempDir(), "rows.jsonl");
    writeFileSync(input, Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: i, text: i % 4 === 0 ? `fox ${i}` : `dog ${i}` })).join("\n") + "\n");
  });
  after(async () => fake?.stop());

  test("append, index create (on a worker thread), query and search on gs://", async () => {
    const uri = "gs://cli/t.lance";
    let r = await runCli(["append", uri, "--input", input, ...flags]);
    assert.equal(r.code, 0, r.err);
    r = await runCli(["index", "create", uri, "--column", "id", "--type", "btree", "--no-progress", "--workers", "1", ...flags]);
    assert.equal(r.code, 0, r.err + r.out);
    r = await runCli(["index", "create", uri, "--column", "text", "--type", "fts", "--no-progress", "--workers", "1", ...flags]);
    assert.equal(r.code, 0, r.err + r.out);
    r = await runCli(["query", uri, "--filter", "id < 10", "--explain", ...flags]);
    assert.match(r.out, /id_idx/);
    r = await runCli(["query", uri, "--filter", "id < 10", "--count", ...flags]);
    assert.match(r.out, /^10\b/);
    r = await runCli(["search", uri, "fox", "--limit", "5", "--json", ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.split("\n").length, 5);
    // without the token the fake refuses, and the message says so
    r = await runCli(["scan", uri, "--storage-option", `google_endpoint=${fake.endpoint}`, "--storage-option", "google_storage_token=wrong", "--storage-option", "allow_http=true"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /access denied to gcs bucket cli/);
  });

  test("scan and query over http://; append is refused naming the alternatives", async () => {
    const root = tempDir();
    let r = await runCli(["append", join(root, "t.lance"), "--input", input]);
    assert.equal(r.code, 0, r.err);
    const methods: string[] = [];
    const server: Server = createServer((req, res) => {
      methods.push(req.method ?? "");
      const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
      let data: Buffer;
      try {
        if (!path.startsWith(root) || !statSync(path).isFile()) throw new Error("missing");
        data = readFileSync(path);
      } catch {
        return void res.writeHead(404).end();
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (range) {
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), data.byteLength - 1)];
        res.writeHead(206, { "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${data.byteLength}` });
        return void res.end(req.method === "HEAD" ? undefined : data.subarray(start, end + 1));
      }
      res.writeHead(200, { "content-length": data.byteLength });
      res.end(req.method === "HEAD" ? undefined : data);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const uri = `http://127.0.0.1:${(server.address() as { port: number }).port}/t.lance`;
    try {
      r = await runCli(["scan", uri, "--limit", "3", "--json"]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(
        r.out.split("\n").map((l) => JSON.parse(l).id),
        [0, 1, 2],
      );
      r = await runCli(["query", uri, "--filter", "id >= 150", "--count"]);
      assert.match(r.out, /^50\b/);
      r = await runCli(["append", uri, "--input", input]);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /read-only over HTTP; write through s3:\/\/, az:\/\/, gs:\/\/ or a local path/);
      assert.ok(methods.every((m) => m === "GET" || m === "HEAD"), methods.join(","));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
