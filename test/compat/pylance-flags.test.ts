// The newest dataset feature flags against Lance 14 (pylance 14.0.2): which
// ones pylance sets on the tables it writes, which ones it reads, and that
// lancets refuses each by name and Lance version rather than misreading it.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Field, Int64, LargeBinary, RecordBatch, Schema, Table, vectorFromArray } from "apache-arrow";
import { isLanceError, openDataset } from "../../src/lancets.js";
import { describeFlags } from "../../src/format/table/feature-flags.js";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import { manifestFileName } from "../../src/format/table/version-names.js";
import { copyDataset } from "../helpers/fixture-copy.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-pylance-flags-");
const { skip } = session;

function blobTable(n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => BigInt(i));
  const plain = new Table({ id: vectorFromArray(ids, new Int64()), blob: vectorFromArray(ids.map((i) => new Uint8Array(10 + Number(i)).fill(Number(i))), new LargeBinary()) });
  const schema = new Schema([plain.schema.fields[0]!, new Field("blob", new LargeBinary(), true, new Map([["lance-encoding:blob", "true"]]))]);
  return new Table(schema, plain.batches.map((b) => new RecordBatch(schema, b.data)));
}

/** A copy of `path` with one more version whose manifest also sets `reader` and `writer` flags. */
async function withFlags(path: string, reader: bigint, writer: bigint): Promise<string> {
  const copy = copyDataset(path);
  const latest = (await openDataset(copy)).version;
  const names = readdirSync(join(copy, "_versions")).filter((n) => n.endsWith(".manifest")).sort();
  const file = join(copy, "_versions", names[0]!);
  const decoded = decodeManifestFile(readFileSync(file), file);
  decoded.manifest.version = latest + 1;
  decoded.manifest.readerFeatureFlags |= reader;
  decoded.manifest.writerFeatureFlags |= writer;
  writeFileSync(join(copy, "_versions", manifestFileName(latest + 1, "v2")), encodeManifestFile(decoded));
  return copy;
}

describe("feature flags 512, 1024 and 2048 with Lance 14", { skip }, () => {
  test("pylance 14 sets none of them on tables it writes with blob columns, stable row ids or compaction with deferred index remap", async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ["blob v1 (2.1)", () => session.py.write(`${session.dir}/blob21`, blobTable(30), { data_storage_version: "2.1", max_rows_per_file: 20 })],
      ["blob v2 (2.2)", () => session.py.write(`${session.dir}/blob22`, blobTable(30), { data_storage_version: "2.2", max_rows_per_file: 20 })],
      ["stable row ids", async () => {
        await session.py.write(`${session.dir}/stable`, textTable(300), { enable_stable_row_ids: true, max_rows_per_file: 100 });
        await session.py.delete(`${session.dir}/stable`, "id % 3 = 0");
        await session.py.compact(`${session.dir}/stable`, { target_rows_per_fragment: 1000 });
      }],
      ["deferred index remap", async () => {
        await session.py.write(`${session.dir}/remap`, textTable(300), { max_rows_per_file: 100 });
        await session.py.createScalarIndex(`${session.dir}/remap`, "id", "BTREE");
        await session.py.delete(`${session.dir}/remap`, "id % 3 = 0");
        await session.py.compact(`${session.dir}/remap`, { defer_index_remap: true, target_rows_per_fragment: 1000 });
        const kinds = (await session.py.indices(`${session.dir}/remap`)).map((i) => i.type).sort();
        assert.deepEqual(kinds, ["BTree", "FragmentReuse"], "compaction left a fragment reuse index");
      }],
    ];
    const expected: Record<string, string[]> = {
      "blob v1 (2.1)": [],
      "blob v2 (2.2)": [],
      "stable row ids": ["STABLE_ROW_IDS"],
      "deferred index remap": [],
    };
    const dirs: Record<string, string> = { "blob v1 (2.1)": "blob21", "blob v2 (2.2)": "blob22", "stable row ids": "stable", "deferred index remap": "remap" };
    for (const [label, write] of cases) {
      await write();
      const ds = await openDataset(`${session.dir}/${dirs[label]}`);
      assert.deepEqual(describeFlags(ds.manifest.readerFeatureFlags), expected[label], `${label}: reader flags`);
      assert.deepEqual(describeFlags(ds.manifest.writerFeatureFlags), expected[label], `${label}: writer flags`);
    }
  });

  test("each is refused by lancets with its name and Lance version; pylance 14 reads 1024 and 2048 and refuses 512", async () => {
    const base = `${session.dir}/plain`;
    await session.py.write(base, textTable(50));
    const cases: [bigint, RegExp, boolean][] = [
      [512n, /reader feature flag FRAGMENT_REUSE_STABLE_ROW_IDS \(fragment reuse with stable row ids, newer than Lance 14/, false],
      [1024n, /reader feature flag FRAGMENT_REUSE_INDEX \(a tagged fragment-reuse index history, Lance 14\)/, true],
      [2048n, /reader feature flag BLOB_SEMANTIC_TYPES \(blob and semantic column types, Lance 14\)/, true],
    ];
    for (const [flag, message, lance14Reads] of cases) {
      const copy = await withFlags(base, flag, flag);
      await assert.rejects(openDataset(copy), (e: unknown) => isLanceError(e) && e.code === "NOT_SUPPORTED" && message.test(e.message), `flag ${flag}`);
      assert.equal((await openDataset(copy, { version: 1 })).countRows(), 50, `flag ${flag}: the version before it still reads`);
      if (lance14Reads) assert.equal((await session.py.summary(copy)).count_rows, 50, `pylance reads flag ${flag}`);
      else await assert.rejects(session.py.summary(copy), /cannot be read by this version of Lance.*Flags: 512/, `pylance refuses flag ${flag}`);
    }
  });
});
