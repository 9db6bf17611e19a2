// Several lancets appenders and a lancedb appender racing in separate
// processes: every row lands exactly once, versions are contiguous, and the
// result opens in both. A writer killed mid-write leaves no visible version.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { parseManifestFileName } from "../../src/format/table/version-names.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const WORKER = join(import.meta.dirname, "..", "helpers", "append-worker.ts");

function rows(first: number, n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => BigInt(first + i));
  return new Table({ id: vectorFromArray(ids, new Int64()), label: vectorFromArray(ids.map((i) => `row ${i} ${"x".repeat(Number(i % 50n))}`), new Utf8()) });
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`worker timed out: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("concurrent writers", () => {
  test("three lancets processes and lancedb append at once", async () => {
    const dir = tempDir();
    const path = join(dir, "race.lance");
    await writeDataset(path, rows(0, 100));
    const db = await connect(dir);
    const table = await db.openTable("race");
    const batches = 6;
    const perBatch = 50;
    const workers = [1, 2, 3].map((w) => run([path, String(w * 100_000), String(batches), String(perBatch)], 120_000));
    const lance = (async () => {
      for (let b = 0; b < batches; b++) await table.add(rows(900_000 + b * perBatch, perBatch));
    })();
    const results = await Promise.all(workers);
    await lance;
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const ds = await openDataset(path);
    const expected = 100 + 4 * batches * perBatch;
    assert.equal(ds.countRows(), expected);
    assert.equal(ds.version, 1 + 4 * batches);
    const versions = readdirSync(join(path, "_versions"))
      .map((n) => parseManifestFileName(n)?.version)
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: ds.version }, (_, i) => i + 1));
    const ids = (await ds.scan({ columns: ["id"] }).toArrow()).getChild("id")!.toArray() as BigInt64Array;
    assert.equal(new Set(ids).size, expected, "every row exactly once");
    await table.checkoutLatest();
    assert.equal(await table.countRows(), expected);
    assert.equal(await table.version(), ds.version);
  });

  test("a writer killed while writing data files leaves no new version", async () => {
    const dir = tempDir();
    const path = join(dir, "killed.lance");
    await writeDataset(path, rows(0, 100));
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, path, "1000", "200", "20000"], { stdio: "ignore" });
    // wait until it has written at least one data file, then kill it
    const deadline = Date.now() + 60_000;
    while (readdirSync(join(path, "data")).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const ds = await openDataset(path);
    // whatever versions it committed are whole; nothing half-written is visible
    const count = ds.countRows();
    assert.equal((count - 100) % 20000, 0);
    const ids = (await ds.scan({ columns: ["id"] }).toArrow()).getChild("id")!.toArray() as BigInt64Array;
    assert.equal(ids.length, count);
    const db = await connect(dir);
    const table = await db.openTable("killed");
    assert.equal(await table.countRows(), count);
    await table.add(rows(5_000_000, 10));
    assert.equal((await openDataset(path)).countRows(), count + 10);
  });
});
