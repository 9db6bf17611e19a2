// Damaged data files: truncation, flipped bytes and overwritten regions of
// real Lance files must give LanceErrors (CORRUPT_FILE for structural damage),
// never a crash, a hang or an unbounded allocation.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, rng, STORAGE_VERSIONS, tablePath, wideTable } from "../helpers/oracle.js";
import { expectCleanOutcome } from "../helpers/clean-outcome.js";
import { tempDir } from "../helpers/tmp.js";

const files: { version: string; bytes: Uint8Array }[] = [];

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  for (const v of STORAGE_VERSIONS) {
    const name = `w${v.replace(".", "")}`;
    await db.createTable(name, wideTable(600), { dataStorageVersion: v } as never);
    const ds = await openDataset(tablePath(dir, name));
    const file = ds.manifest.fragments[0]!.files[0]!;
    // a plain Uint8Array: Buffer.slice would share memory and let mutations accumulate
    files.push({ version: v, bytes: new Uint8Array(readFileSync(join(tablePath(dir, name), "data", file.path))) });
  }
});

async function readAll(bytes: Uint8Array): Promise<void> {
  const store = new MemoryStore();
  await store.put("f.lance", bytes);
  const reader = await LanceFileReader.open(store, "f.lance");
  const top = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
  await reader.readFields(top);
}

describe("damaged data files", () => {
  test("the undamaged files read", async () => {
    for (const f of files) await readAll(f.bytes);
  });

  test("every truncation of the tail is CORRUPT_FILE", async () => {
    for (const f of files) {
      const size = f.bytes.byteLength;
      for (const cut of [1, 4, 39, 40, 41, 100, 1000, size >> 1, size - 1]) {
        try {
          await readAll(f.bytes.subarray(0, size - cut));
          assert.fail(`${f.version}: truncating ${cut} bytes was not detected`);
        } catch (err) {
          assert.ok(err instanceof LanceError, String(err));
          assert.equal(err.code, "CORRUPT_FILE", `${f.version} cut ${cut}: ${err.message}`);
          assert.match(err.message, /f\.lance/);
        }
      }
    }
  });

  test("bad magic and offsets past the end", async () => {
    for (const f of files) {
      const bad = f.bytes.slice();
      bad[bad.byteLength - 1] = 0x58;
      await assert.rejects(readAll(bad), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /bad magic/.test(e.message));
      const far = f.bytes.slice();
      new DataView(far.buffer).setBigUint64(far.byteLength - 40 + 8, BigInt(far.byteLength * 10), true);
      await assert.rejects(readAll(far), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE" && /at byte \d+/.test(e.message));
    }
  });

  test("a few thousand random mutations", async () => {
    const random = rng(1234);
    let errors = 0;
    let ok = 0;
    for (const f of files) {
      const size = f.bytes.byteLength;
      for (let i = 0; i < 1000; i++) {
        const m = f.bytes.slice();
        const kind = i % 4;
        // half the mutations hit the metadata at the end of the file, where damage matters most
        const region = (): number => (random() < 0.5 ? size - 1 - Math.floor(random() * Math.min(size, 4096)) : Math.floor(random() * size));
        if (kind === 0) {
          for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
            const at = region();
            m[at] = m[at]! ^ (1 << Math.floor(random() * 8));
          }
        } else if (kind === 1) {
          const at = region();
          m[at] = Math.floor(random() * 256);
        } else if (kind === 2) {
          const at = region();
          for (let k = 0; k < 8 && at + k < size; k++) m[at + k] = 0xff;
        } else {
          const at = region();
          for (let k = 0; k < 16 && at + k < size; k++) m[at + k] = Math.floor(random() * 256);
        }
        const outcome = await expectCleanOutcome(() => readAll(m), `${f.version} mutation ${i}`);
        if (outcome === "ok") ok++;
        else errors++;
      }
    }
    assert.equal(ok + errors, 3000);
    assert.ok(errors > 300, `${errors} of 3000 mutations were detected`);
    assert.ok(ok > 300, `${ok} of 3000 mutations still decoded`);
  });
});
