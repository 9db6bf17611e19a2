// `--storage-option key=value` takes Lance's storage options on the command
// line: every command that opens a dataset reaches an Azure container on
// Azurite (loopback) with them, and a malformed one is an argument error.
// Index builds on worker threads open the container with the options the
// caller's store was opened with.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Table, vectorFromArray } from "apache-arrow";
import { LocalExecutor } from "../../src/node/local-executor.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { startAzurite, type AzureServer } from "../helpers/azurite.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const run = (args: string[]): Promise<CliRun> => runCli(args);

describe("--storage-option", () => {
  let server: AzureServer;
  let flags: string[];
  before(async () => {
    server = await startAzurite();
    await server.createContainer("cli");
    flags = Object.entries(server.storageOptions).flatMap(([k, v]) => ["--storage-option", `${k}=${v}`]);
  });
  after(async () => server?.stop());

  test("append, inspect, scan, query, index create and list, search and cleanup on az://", async () => {
    const uri = "az://cli/t.lance";
    const input = join(tempDir(), "rows.jsonl");
    writeFileSync(input, Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, text: i % 3 === 0 ? `fox ${i}` : `dog ${i}` })).join("\n") + "\n");
    let r = await run(["append", uri, "--input", input, ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /300 rows/);
    r = await run(["inspect", uri, "--json", ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).version, 1);
    r = await run(["index", "create", uri, "--column", "id", "--type", "btree", "--no-progress", "--workers", "1", ...flags]);
    assert.equal(r.code, 0, r.err + r.out);
    r = await run(["index", "create", uri, "--column", "text", "--type", "fts", "--no-progress", "--workers", "1", ...flags]);
    assert.equal(r.code, 0, r.err + r.out);
    r = await run(["index", "list", uri, "--json", ...flags]);
    assert.deepEqual(JSON.parse(r.out).map((i: { name: string }) => i.name).sort(), ["id_idx", "text_idx"]);
    r = await run(["query", uri, "--filter", "id < 10", "--count", ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^10\b/);
    r = await run(["query", uri, "--filter", "id < 10", "--explain", ...flags]);
    assert.match(r.out, /id_idx/);
    r = await run(["search", uri, "fox", "--limit", "5", "--json", ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.split("\n").length, 5);
    r = await run(["scan", uri, "--limit", "3", "--json", ...flags]);
    assert.deepEqual(r.out.split("\n").map((l) => JSON.parse(l).id), [0, 1, 2]);
    r = await run(["cleanup", uri, "--dry-run", ...flags]);
    assert.equal(r.code, 0, r.err);
    // what the command line wrote is the dataset the API opens with the same options
    const ds = await openDataset(uri, { storageOptions: server.storageOptions });
    assert.equal(ds.countRows(), 300);
  });

  test("worker threads build the segments of an az:// dataset, with the caller's storage options", async () => {
    const uri = "az://cli/threads.lance";
    const n = 4000;
    const ids = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const ds = await writeDataset(uri, new Table({ id: vectorFromArray(Int32Array.from(ids)) }), { storageOptions: server.storageOptions, maxRowsPerFile: 1000 });
    const indexed = await ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ maxConcurrency: 2 }), fragmentGroupSize: 2 });
    assert.equal(indexed.describeIndices()[0]!.segments.length, 2);
    assert.match(await indexed.explain("id < 100"), /id_idx/);
    assert.equal(await indexed.countRows("id < 100"), 100);
    assert.equal(await indexed.countRows("id < 100", { useIndex: false }), 100);
  });

  test("without the options the dataset is not reached; a malformed option is an argument error", async () => {
    const r = await run(["scan", "az://cli/t.lance", "--storage-option", "allow_http"]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /expected key=value/);
    const missing = await run(["scan", "az://cli/t.lance", "--storage-option", `azure_endpoint=${server.endpoint}`, "--storage-option", "allow_http=true"]);
    assert.notEqual(missing.code, 0);
    assert.doesNotMatch(missing.err, /TypeError|at .*\.ts:/);
  });
});
