// Damaged and unusual datasets: every failure is a LanceError with a code, the
// path and the numbers; never a crash, a hang or a wrong answer.

import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { manifestFileName } from "../../src/format/table/version-names.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { connect, lancedb, rng, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

let source: string;
let latest: number;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const t = await db.createTable("t", textTable(300));
  await t.add(textTable(300, 300));
  await t.createIndex("id", { config: lancedb.Index.btree() });
  await t.delete("id < 10");
  source = tablePath(dir, "t");
  latest = await t.version();
  assert.equal(latest, 4);
});

function latestManifest(path: string): string {
  const names = readdirSync(join(path, "_versions")).filter((n) => n.endsWith(".manifest")).sort();
  return join(path, "_versions", names[0]!); // V2 names: the newest sorts first
}

async function expectLanceError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<LanceError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LanceError, `expected a LanceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code} matching ${pattern}`);
}

describe("bad input", () => {
  test("missing directory", async () => {
    const missing = join(tempDir(), "nope.lance");
    await expectLanceError(openDataset(missing), "NOT_FOUND", /nope\.lance.*missing or empty/);
  });

  test("empty _versions/", async () => {
    const dir = join(tempDir(), "empty.lance");
    mkdirSync(join(dir, "_versions"), { recursive: true });
    writeFileSync(join(dir, "_versions", "notes.txt"), "x");
    await expectLanceError(openDataset(dir), "NOT_FOUND", /_versions\/ holds no manifest/);
  });

  test("a version that does not exist", async () => {
    await expectLanceError(openDataset(source, { version: 99 }), "NOT_FOUND", /version 99 .* does not exist \(versions 1\.\.4 are present\)/);
    await expectLanceError(openDataset(source, { version: 0 }), "NOT_FOUND", /version 0/);
  });

  test("truncated manifests", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const size = readFileSync(file).byteLength;
    const original = readFileSync(file);
    for (const len of [0, 1, 4, 15, 16, 19, 20, 100, Math.floor(size / 2), size - 17, size - 16, size - 1]) {
      writeFileSync(file, original.subarray(0, len));
      const err = await expectLanceError(openDataset(copy), "CORRUPT_FILE", /corrupt file .*\.manifest/);
      assert.ok(err.message.includes(String(len)) || /at byte \d+/.test(err.message), err.message);
    }
    writeFileSync(file, original);
    assert.equal((await openDataset(copy)).version, latest);
    truncateSync(file, size - 3);
    await expectLanceError(openDataset(copy), "CORRUPT_FILE", /bad magic/);
  });

  test("bad magic", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const bytes = readFileSync(file);
    bytes.write("LANX", bytes.byteLength - 4, "latin1");
    writeFileSync(file, bytes);
    await expectLanceError(openDataset(copy), "CORRUPT_FILE", /at byte \d+: bad magic "LANX"/);
  });

  test("manifest position past the end", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const bytes = readFileSync(file);
    bytes.writeBigInt64LE(BigInt(bytes.byteLength * 4), bytes.byteLength - 16);
    writeFileSync(file, bytes);
    await expectLanceError(openDataset(copy), "CORRUPT_FILE", /manifest position \d+ is outside the file body \(size \d+\)/);
  });

  test("random byte flips never crash", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const original = readFileSync(file);
    const random = rng(7);
    let errors = 0;
    let opened = 0;
    for (let i = 0; i < 300; i++) {
      const mutated = Buffer.from(original);
      const flips = 1 + Math.floor(random() * 3);
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(random() * mutated.byteLength);
        mutated[at] = mutated[at]! ^ (1 << Math.floor(random() * 8));
      }
      writeFileSync(file, mutated);
      try {
        const ds = await openDataset(copy);
        ds.describeIndices();
        ds.fragments();
        opened++;
      } catch (err) {
        assert.ok(err instanceof LanceError, `mutation ${i} threw ${err instanceof Error ? err.stack : String(err)}`);
        errors++;
      }
    }
    assert.equal(errors + opened, 300);
    assert.ok(errors > 0);
  });

  test("manifest whose version does not match its name", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const decoded = decodeManifestFile(readFileSync(file), file);
    decoded.manifest.version = 77;
    writeFileSync(file, encodeManifestFile(decoded));
    await expectLanceError(openDataset(copy), "CORRUPT_FILE", /manifest says version 77, its name says 4/);
  });

  test("schema trees with cycles, forward parents or repeated ids are refused at open, as Lance refuses them", async () => {
    const cases: [string, (fields: { id: number; parentId: number }[]) => void, RegExp][] = [
      ["a field that is its own parent", (f) => (f[1]!.parentId = f[1]!.id), /field 1 \("category"\) references parent id 1, which must appear earlier/],
      ["two fields parenting each other", (f) => ((f[0]!.parentId = f[1]!.id), (f[1]!.parentId = f[0]!.id)), /field 0 \("id"\) references parent id 1, which must appear earlier/],
      ["a parent that does not exist", (f) => (f[2]!.parentId = 99), /references parent id 99/],
      ["a repeated field id", (f) => (f[2]!.id = f[0]!.id), /field id 0 \("text"\) appears twice/],
    ];
    for (const [label, damage, pattern] of cases) {
      const copy = copyDataset(source);
      const file = latestManifest(copy);
      const decoded = decodeManifestFile(readFileSync(file), file);
      damage(decoded.manifest.fields);
      writeFileSync(file, encodeManifestFile(decoded));
      const err = await expectLanceError(openDataset(copy), "CORRUPT_FILE", pattern);
      assert.ok(err.message.includes("_versions"), `${label}: names the manifest`);
    }
  });

  test("unknown reader feature flags are refused, naming the flag", async () => {
    for (const [flag, name] of [
      [4096n, /unknown flag 4096 \(bit 12\)/],
      [512n, /reader feature flag FRAGMENT_REUSE_STABLE_ROW_IDS \(fragment reuse with stable row ids, newer than Lance 14/],
      [1024n, /reader feature flag FRAGMENT_REUSE_INDEX \(a tagged fragment-reuse index history, Lance 14\)/],
      [2048n, /reader feature flag BLOB_SEMANTIC_TYPES \(blob and semantic column types, Lance 14\)/],
      [16n, /BASE_PATHS/],
      [64n, /DATA_OVERLAY_FILES/],
    ] as const) {
      const copy = copyDataset(source);
      const file = latestManifest(copy);
      const decoded = decodeManifestFile(readFileSync(file), file);
      decoded.manifest.version = latest + 1;
      decoded.manifest.readerFeatureFlags |= flag;
      decoded.manifest.writerFeatureFlags |= flag;
      writeFileSync(join(copy, "_versions", manifestFileName(latest + 1, "v2")), encodeManifestFile(decoded));
      await expectLanceError(openDataset(copy), "NOT_SUPPORTED", name);
      // older versions stay readable
      assert.equal((await openDataset(copy, { version: latest })).version, latest);
    }
  });

  test("unknown writer feature flags: every write path refuses before writing anything", async () => {
    const copy = copyDataset(source);
    const before = await openDataset(copy);
    // a segment built while the dataset was still writable, to commit after the flag appears
    const segment = await before.createIndexUncommitted("category", "BITMAP", { fragmentIds: [0] });
    const file = latestManifest(copy);
    const decoded = decodeManifestFile(readFileSync(file), file);
    decoded.manifest.version = latest + 1;
    decoded.manifest.writerFeatureFlags |= 4096n;
    writeFileSync(join(copy, "_versions", manifestFileName(latest + 1, "v2")), encodeManifestFile(decoded));
    const ds = await openDataset(copy);
    assert.equal(ds.version, latest + 1);
    const listing = (): string[] => ["_versions", "_indices", "data", "_transactions"].flatMap((d) => readdirSync(join(copy, d)).map((n) => `${d}/${n}`)).sort();
    const files = listing();
    const attempts: [string, () => Promise<unknown>][] = [
      ["append", () => ds.append(textTable(3, 9000))],
      ["createScalarIndex", () => ds.createScalarIndex("category", "BITMAP", { name: "c2" })],
      ["createIndexUncommitted", () => ds.createIndexUncommitted("category", "BITMAP", { fragmentIds: [0] })],
      ["commitExistingIndexSegments", () => ds.commitExistingIndexSegments("c3", "category", [segment])],
      ["commit through a stale read version", () => before.commitExistingIndexSegments("c4", "category", [segment])],
      ["dropIndex", () => ds.dropIndex("id_idx")],
      ["optimizeIndices", () => ds.optimizeIndices()],
    ];
    for (const [label, attempt] of attempts) {
      const err = await expectLanceError(attempt(), "NOT_SUPPORTED", /writer feature flag unknown flag 4096 \(bit 12\)/);
      assert.ok(err, label);
      assert.deepEqual(listing(), files, `${label} wrote nothing`);
    }
    assert.equal((await openDataset(copy)).manifest.writerFeatureFlags & 4096n, 4096n, "the flag is still set");
  });

  test("paths in a manifest that leave the dataset root are refused, never opened", async () => {
    // a second dataset beside the copy: its rows must never come back
    const copy = copyDataset(source);
    const outside = join(copy, "..", "outside.lance");
    cpSync(source, outside, { recursive: true });
    const outsideFile = readdirSync(join(outside, "data"))[0]!;
    const targets = [`../../outside.lance/data/${outsideFile}`, "../../../../etc/passwd", "../../../../no/such/file", "/etc/passwd", "a/./b.lance", "x\\..\\y"];
    const messages = new Set<string>();
    for (const target of targets) {
      const file = latestManifest(copy);
      const decoded = decodeManifestFile(readFileSync(file), file);
      decoded.manifest.fragments[0]!.files[0]!.path = target;
      writeFileSync(file, encodeManifestFile(decoded));
      const ds = await openDataset(copy);
      const err = await expectLanceError(ds.scan().toArrow(), "CORRUPT_FILE", /leaves the dataset root .* refused/);
      messages.add(err.message.replace(JSON.stringify(`data/${target}`), "<path>"));
      await expectLanceError(ds.take([20n]), "CORRUPT_FILE", /leaves the dataset root/);
    }
    // existing and missing targets get the same answer: no existence oracle
    assert.equal(messages.size, 1, [...messages].join("\n"));
    // every store refuses such paths for every operation, whoever asks
    for (const store of [new LocalFileStore(copy), new MemoryStore()]) {
      for (const path of ["_transactions/../../../etc/hostname", "../x", "/etc/passwd", "a//b", ""]) {
        await expectLanceError(store.read(path), "CORRUPT_FILE", /leaves the dataset root/);
        await expectLanceError(store.size(path), "CORRUPT_FILE", /leaves the dataset root/);
        await expectLanceError(store.readRange(path, 0, 1), "CORRUPT_FILE", /leaves the dataset root/);
        await expectLanceError(store.put(path, new Uint8Array(1)), "CORRUPT_FILE", /leaves the dataset root/);
        await expectLanceError(store.putIfAbsent(path, new Uint8Array(1)), "CORRUPT_FILE", /leaves the dataset root/);
        await expectLanceError(store.delete(path), "CORRUPT_FILE", /leaves the dataset root/);
      }
      await expectLanceError(store.list("../"), "CORRUPT_FILE", /leaves the dataset root/);
    }
  });

  test("a data file the manifest credits with a field it does not hold is CORRUPT_FILE, not an internal error", async () => {
    const copy = copyDataset(source);
    const file = latestManifest(copy);
    const decoded = decodeManifestFile(readFileSync(file), file);
    const last = decoded.manifest.fields.at(-1)!;
    decoded.manifest.fields.push({ ...last, id: 99, name: "ghost" });
    const data = decoded.manifest.fragments[0]!.files[0]!;
    data.fields = [...data.fields.slice(0, -1), 99];
    writeFileSync(file, encodeManifestFile(decoded));
    const ds = await openDataset(copy);
    await expectLanceError(ds.scan({ columns: ["ghost"] }).toArrow(), "CORRUPT_FILE", /holds field 99, but its schema has no such top-level field/);
  });

  test("a manifest whose schema disagrees with a data file is CORRUPT_FILE naming the file, never values of another type", async () => {
    const edit = (change: (m: ReturnType<typeof decodeManifestFile>["manifest"]) => void): string => {
      const copy = copyDataset(source);
      const file = latestManifest(copy);
      const decoded = decodeManifestFile(readFileSync(file), file);
      change(decoded.manifest);
      writeFileSync(file, encodeManifestFile(decoded));
      return copy;
    };
    const dataFile = /corrupt file data\/[0-9a-z_-]+\.lance \(fragment \d+\)/;
    // a column's type changed: Int64 in the schema, strings in the file
    const retyped = edit((m) => {
      m.fields.find((f) => f.name === "category")!.logicalType = "int64";
    });
    const err = await expectLanceError((await openDataset(retyped)).scan({ columns: ["category"] }).toArrow(), "CORRUPT_FILE", /field 1 \("category"\) is int64 in the manifest but string in the file/);
    assert.match(err.message, dataFile);
    // two field ids swapped: each column would read the other's values
    const swapped = edit((m) => {
      const [id, category] = [m.fields.find((f) => f.name === "id")!, m.fields.find((f) => f.name === "category")!];
      [id.id, category.id] = [category.id, id.id];
    });
    for (const column of ["id", "category"]) {
      await expectLanceError((await openDataset(swapped)).scan({ columns: [column] }).toArrow(), "CORRUPT_FILE", /is (int64|string) in the manifest but (string|int64) in the file/);
    }
    // a data file's field list shorter than its column indices: the last column would read as nulls
    const shortened = edit((m) => {
      for (const f of m.fragments) f.files[0]!.fields = f.files[0]!.fields.slice(0, -1);
    });
    const last = (await openDataset(source)).schema.fields.at(-1)!.name;
    for (const columns of [[last], ["id"]]) {
      const e = await expectLanceError((await openDataset(shortened)).scan({ columns }).toArrow(), "CORRUPT_FILE", /gives it 3 field ids but 4 column indices/);
      assert.match(e.message, dataFile);
    }
    // Lance refuses all three too
    for (const [copy, column] of [[retyped, "category"], [swapped, "id"], [swapped, "category"], [shortened, "id"]] as const) {
      // (Lance checks the column index count when the table opens)
      const read = async (): Promise<unknown> => (await (await connect(dirname(copy))).openTable("copy")).query().select([column]).toArrow();
      await assert.rejects(read, `Lance reads ${column} of ${copy}`);
    }
    // the untouched dataset reads
    assert.equal((await (await openDataset(source)).scan().toArrow()).numRows, 590);
  });

  test("a directory in place of the newest manifest fails, as in Lance, instead of opening an older version", async () => {
    for (const withHint of [true, false]) {
      const copy = copyDataset(source);
      mkdirSync(join(copy, "_versions", manifestFileName(latest + 1, "v2")));
      if (!withHint) for (const n of readdirSync(join(copy, "_versions"))) if (n.endsWith(".json")) rmSync(join(copy, "_versions", n));
      await expectLanceError(openDataset(copy), "IO", /is a directory, not an object lancets can read/);
      assert.equal((await openDataset(copy, { version: latest })).version, latest, "older versions stay readable by number");
    }
  });

  test("a stale or garbage version hint still finds the latest version", async () => {
    const copy = copyDataset(source);
    const hint = join(copy, "_versions", "latest_version_hint.json");
    writeFileSync(hint, '{"version":2}');
    assert.equal((await openDataset(copy)).version, latest);
    writeFileSync(hint, "not json");
    assert.equal((await openDataset(copy)).version, latest);
    writeFileSync(hint, '{"version":1000}');
    assert.equal((await openDataset(copy)).version, latest);
  });

  test("unsupported URI schemes", async () => {
    await expectLanceError(openDataset("hdfs://bucket/table.lance"), "NOT_SUPPORTED", /"hdfs:\/\/" is not supported/);
    await expectLanceError(openDataset("ftp://host/table.lance"), "NOT_SUPPORTED", /"ftp:\/\/" is not supported/);
    await expectLanceError(openDataset(""), "INVALID_INPUT", /non-empty/);
  });
});
