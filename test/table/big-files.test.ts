// Table files of gigabytes (sparse, so they take no disk): a manifest,
// transaction or deletion file that large is CORRUPT_FILE before anything is
// allocated, an oversized version hint is ignored like any unreadable hint,
// and a data file grown past 2 GiB gives an answer or a LanceError, never a
// process abort.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { openFileReader } from "../../src/file/open-file-reader.js";
import type { ObjectWriter } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, STORAGE_VERSIONS, tablePath, textTable } from "../helpers/oracle.js";
import { shiftDataFile } from "../helpers/shifted-file.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

const GiB = 1024 * 1024 * 1024;
const COLUMNS = ["id", "category", "text", "score"];
const MiB = 1024 * 1024;

/** Runs `hook` once, before the first data file is written. */
class HookStore extends LocalFileStore {
  constructor(
    root: string,
    public hook: (() => Promise<void>) | undefined,
  ) {
    super(root);
  }

  private async runHook(path: string): Promise<void> {
    const hook = this.hook;
    if (hook && path.startsWith("data/")) {
      this.hook = undefined;
      await hook();
    }
  }

  override async put(path: string, data: Uint8Array): Promise<void> {
    await this.runHook(path);
    return super.put(path, data);
  }

  /** Data files are written through a writer. */
  override async openWriter(path: string): Promise<ObjectWriter> {
    await this.runHook(path);
    return super.openWriter(path);
  }
}

let source: string;
let latest: number;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", textTable(300));
  await t.add(textTable(300, 300));
  await t.delete("id < 10");
  source = tablePath(dir, "t");
  latest = await t.version();
});

function filesIn(root: string, dir: string, suffix: string): string[] {
  return readdirSync(join(root, dir))
    .filter((n) => n.endsWith(suffix))
    .sort()
    .map((n) => join(root, dir, n));
}

/** Runs `run`, expecting a LanceError with `code`; checks it came quickly and allocated no large buffer. */
async function expectBoundedError(run: () => Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = Date.now();
  await assert.rejects(run(), (err: unknown) => {
    assert.ok(err instanceof LanceError, `expected a LanceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 256 * MiB, `allocated ${grown} bytes`);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
}

describe("table files of gigabytes", () => {
  test("a 3 GiB manifest is CORRUPT_FILE; older versions still open", async () => {
    const copy = copyDataset(source);
    truncateSync(filesIn(copy, "_versions", ".manifest")[0]!, 3 * GiB); // V2 names: the newest sorts first
    await expectBoundedError(() => openDataset(copy), "CORRUPT_FILE", /\.manifest: object of 3221225472 bytes is larger than such a file can be/);
    assert.equal((await openDataset(copy, { version: latest - 1 })).countRows(), 600);
  });

  test("a 3 GiB version hint is ignored like a garbled one", async () => {
    const copy = copyDataset(source);
    truncateSync(join(copy, "_versions", "latest_version_hint.json"), 3 * GiB);
    const before = process.memoryUsage().arrayBuffers;
    const ds = await openDataset(copy);
    assert.ok(process.memoryUsage().arrayBuffers - before < 256 * MiB);
    assert.equal(ds.version, latest);
    assert.equal(ds.countRows(), 590);
  });

  test("a 3 GiB deletion file is CORRUPT_FILE", async () => {
    const copy = copyDataset(source);
    const [deletion] = [...filesIn(copy, "_deletions", ".arrow"), ...filesIn(copy, "_deletions", ".bin")];
    truncateSync(deletion!, 3 * GiB);
    const ds = await openDataset(copy);
    await expectBoundedError(() => ds.scan({ columns: ["id"] }).toArrow(), "CORRUPT_FILE", /_deletions\/.*object of 3221225472 bytes/);
  });

  test("a 3 GiB transaction file of a concurrent commit is CORRUPT_FILE when a commit must check it", async () => {
    const copy = copyDataset(source);
    // another writer commits while lancets writes its data file
    const store = new HookStore(copy, async () => {
      const before = new Set(filesIn(copy, "_transactions", ".txn"));
      await (await (await connect(join(copy, ".."))).openTable(basename(copy, ".lance"))).add(textTable(5, 600));
      const added = filesIn(copy, "_transactions", ".txn").filter((f) => !before.has(f));
      assert.equal(added.length, 1);
      truncateSync(added[0]!, 3 * GiB);
      // as in manifests before inline transactions: the conflict check must read the transaction file
      const manifest = filesIn(copy, "_versions", ".manifest")[0]!;
      const decoded = decodeManifestFile(readFileSync(manifest), manifest);
      assert.ok(decoded.manifest.transactionFile && added[0]!.endsWith(decoded.manifest.transactionFile));
      writeFileSync(manifest, encodeManifestFile({ ...decoded, transactionBytes: undefined }));
    });
    const ds = await openDataset(store);
    await expectBoundedError(() => ds.append(textTable(5, 700)), "CORRUPT_FILE", /_transactions\/.*object of 3221225472 bytes/);
    assert.equal(store.hook, undefined, "the concurrent commit happened");
  });

  test("data files grown to 2.5 GiB: the recorded size still finds the footer (as in Lance); the real size gives CORRUPT_FILE, never an abort", async () => {
    const copy = copyDataset(source);
    const files = filesIn(copy, "data", ".lance");
    for (const file of files) truncateSync(file, 2.5 * GiB);
    const before = process.memoryUsage().arrayBuffers;
    const table = await (await openDataset(copy)).scan({ columns: ["id", "text"], limit: 1 }).toArrow();
    assert.equal(table.numRows, 1);
    assert.equal(table.getChild("id")!.get(0), 10n);
    assert.ok(process.memoryUsage().arrayBuffers - before < 256 * MiB);
    const name = basename(files[0]!);
    await expectBoundedError(() => openFileReader(new LocalFileStore(copy), `data/${name}`), "CORRUPT_FILE", /at byte 2684354556: bad magic/);
  });
});

describe("data files with pages past 2^32", () => {
  for (const version of STORAGE_VERSIONS) {
    test(`a lancedb-written file moved past a 4.25 GiB hole: lancets and Lance read the same rows, ${version}`, async () => {
      const dir = tempDir();
      const table = await (await connect(dir)).createTable("t", textTable(3000), { dataStorageVersion: version } as never);
      const path = tablePath(dir, "t");
      const expected = await table.query().toArrow();
      const [file] = filesIn(path, "data", ".lance");
      const size = shiftDataFile(file!, 4.25 * GiB);
      assert.ok(size > 4.25 * GiB);
      const manifest = filesIn(path, "_versions", ".manifest")[0]!;
      const decoded = decodeManifestFile(readFileSync(manifest), manifest);
      decoded.manifest.fragments[0]!.files[0]!.fileSizeBytes = size;
      writeFileSync(manifest, encodeManifestFile(decoded));

      const before = process.memoryUsage().arrayBuffers;
      const ds = await openDataset(path);
      assertSameRows(await ds.scan().toArrow(), expected, "id", COLUMNS, `${version} lancets`);
      assertSameRows((await ds.take([0n, 1500n, 2999n])).slice(1, 2), expected.slice(1500, 1501), "id", COLUMNS, `${version} take`);
      assert.ok(process.memoryUsage().arrayBuffers - before < 256 * MiB);
      // the rewritten file is a valid Lance file: Lance reads it too
      const reopened = await (await connect(dir)).openTable("t");
      assertSameRows(await reopened.query().toArrow(), expected, "id", COLUMNS, `${version} Lance`);
    });
  }
});
