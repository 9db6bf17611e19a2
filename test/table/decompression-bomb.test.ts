// Reads stay bounded on files whose pages expand enormously when decoded:
// 40,000 copies of one 4,000-byte string (160 MB decoded) are a few KB on disk.
// Each scan runs in a child process with a small heap so the memory it needs
// is measured alone; `limit: 1` reads one row and a full scan holds a window
// of rows at a time, never the whole fragment; filtered reads do the same.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { promisify } from "node:util";
import { tempDir } from "../helpers/tmp.js";

const run = promisify(execFile);
const HELPERS = join(import.meta.dirname, "..", "helpers");
const ROWS = 40_000;
const LENGTH = 4_000;
const MiB = 1024 * 1024;

interface ScanReport {
  rows: number;
  batches: number;
  maxBatchRows: number;
  wrongValues: number;
  firstValue: string;
  firstLength: number;
  addedBytes: number;
}

async function scanInChild(path: string, mode: "limit" | "all" | "filter" | "count", batchSize = 1024): Promise<ScanReport> {
  const { stdout } = await run(process.execPath, ["--expose-gc", "--max-old-space-size=512", "--import", "tsx", join(HELPERS, "scan-memory.ts"), path, mode, String(batchSize)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as ScanReport;
}

describe("decompression bombs", () => {
  const dir = tempDir();
  const versions = ["2.2", "2.1"] as const;
  const path = (v: string): string => join(dir, `bomb${v.replace(".", "")}.lance`);

  before(async () => {
    await Promise.all(
      versions.map((v) => run(process.execPath, ["--import", "tsx", join(HELPERS, "bomb-writer.ts"), dir, `bomb${v.replace(".", "")}`, v, String(ROWS), String(LENGTH)], { maxBuffer: 1 << 20 })),
    );
  });

  for (const version of versions) {
    test(`${version}: a few KB on disk that decode to 160 MB; limit 1 reads one row`, async () => {
      const dataDir = join(path(version), "data");
      const onDisk = readdirSync(dataDir).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
      assert.ok(onDisk < 64 * 1024, `the data files hold ${onDisk} bytes`);
      const report = await scanInChild(path(version), "limit");
      assert.equal(report.rows, 1);
      assert.equal(report.firstLength, LENGTH);
      assert.equal(report.firstValue, "xxxxxxxx");
      assert.ok(report.addedBytes < 32 * MiB, `limit 1 added ${(report.addedBytes / MiB).toFixed(0)} MiB`);
    });

    test(`${version}: a full scan in batches holds a window of rows, not the fragment`, async () => {
      const report = await scanInChild(path(version), "all", 1024);
      assert.equal(report.rows, ROWS);
      assert.equal(report.wrongValues, 0);
      assert.equal(report.maxBatchRows, 1024);
      assert.equal(report.batches, Math.ceil(ROWS / 1024));
      // garbage is collected after each batch (scan-memory.ts), so this is what the scan holds
      assert.ok(report.addedBytes < 64 * MiB, `the scan added ${(report.addedBytes / MiB).toFixed(0)} MiB for ${(ROWS * LENGTH) / MiB} MiB of values`);
    });

    test(`${version}: a filter reads in windows too: its first match under limit 1, and a count`, async () => {
      const first = await scanInChild(path(version), "filter");
      assert.equal(first.rows, 1);
      assert.equal(first.firstLength, LENGTH);
      assert.ok(first.addedBytes < 64 * MiB, `filter with limit 1 added ${(first.addedBytes / MiB).toFixed(0)} MiB`);
      const count = await scanInChild(path(version), "count");
      assert.equal(count.rows, ROWS);
      // this file fits the reader's speculative tail read, so a count's 16 MiB windows are
      // decoded without one turn of the event loop between them and the collector runs late:
      // the peak includes the garbage of several windows (about 100-130 MiB here; 55-85 MiB
      // when each window waits for the disk). Holding the fragment's 152 MiB of values at
      // once still fails
      assert.ok(count.addedBytes < 144 * MiB, `counting added ${(count.addedBytes / MiB).toFixed(0)} MiB`);
    });
  }
});

// A list column of 4,000 rows, each holding ten copies of one 4,000-byte string: 160 MB of
// items decoded, a few hundred KB on disk (2.0 dictionary pages, 2.1 a dictionary-encoded
// mini-block page, 2.2 a constant page with repetition levels).
describe("decompression bombs in list columns", () => {
  const dir = tempDir();
  const LIST_ROWS = 4_000;
  const PER_ROW = 10;
  const versions = ["2.0", "2.1", "2.2"] as const;
  const path = (v: string): string => join(dir, `list${v.replace(".", "")}.lance`);
  const rowText = `[${Array.from({ length: PER_ROW }, () => "x".repeat(LENGTH)).join(",")}]`;

  before(async () => {
    await Promise.all(
      versions.map((v) =>
        run(process.execPath, ["--import", "tsx", join(HELPERS, "bomb-writer.ts"), dir, `list${v.replace(".", "")}`, v, String(LIST_ROWS), String(LENGTH), String(PER_ROW)], { maxBuffer: 1 << 20 }),
      ),
    );
  });

  for (const version of versions) {
    test(`${version}: limit 1 decodes one row's items, not the list column`, async () => {
      const dataDir = join(path(version), "data");
      const onDisk = readdirSync(dataDir).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
      assert.ok(onDisk < 1024 * 1024, `the data files hold ${onDisk} bytes`);
      const report = await scanInChild(path(version), "limit");
      assert.equal(report.rows, 1);
      assert.equal(report.firstLength, rowText.length);
      assert.equal(report.firstValue, rowText.slice(0, 8));
      assert.ok(report.addedBytes < 32 * MiB, `limit 1 added ${(report.addedBytes / MiB).toFixed(0)} MiB`);
    });

    test(`${version}: a full scan of the list column holds a window of rows`, async () => {
      const report = await scanInChild(path(version), "all", 256);
      assert.equal(report.rows, LIST_ROWS);
      assert.equal(report.wrongValues, 0);
      assert.equal(report.maxBatchRows, 256);
      assert.equal(report.batches, Math.ceil(LIST_ROWS / 256));
      // garbage is collected after each batch (scan-memory.ts), so this is what the scan holds
      assert.ok(report.addedBytes < 64 * MiB, `the scan added ${(report.addedBytes / MiB).toFixed(0)} MiB for ${(LIST_ROWS * PER_ROW * LENGTH) / MiB} MiB of items`);
    });
  }
});
