// lancets and Lance (12 through lancedb, 14 through pylance) writing one
// dataset at the same time, over the engine interface: lancets' appends and
// index segment commit race that Lance's appends and index build; nothing is
// lost, every version reads the same in both engines, and both use both
// indexes with equal counts. (Lance 14's staged segments committed during
// such a race: pylance-concurrent.test.ts.)

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDataset } from "../../src/lancets.js";
import { lance12, lance14, type OracleEngine } from "../helpers/engines.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";

const session = pylanceSession("lancets-concurrent-");
const engines: [OracleEngine, string | undefined][] = [
  [lance12(), undefined],
  [lance14(() => session.py), session.skip],
];

const ROUNDS = 5;
const ROWS = 40;

for (const [engine, skip] of engines) {
  describe(`lancets and ${engine.label} writing at once`, { skip }, () => {
    test("appends and index commits from both engines lose nothing; every version reads the same in both", async () => {
      const path = `${tempDir("lancets-concurrent-")}/shared.lance`;
      await engine.write(path, [textTable(300), textTable(300, 300)]);
      const ours = await (await openDataset(path)).createIndexUncommitted("id", "BTREE", { name: "id_idx", fragmentIds: [0, 1] });
      // Each round lancets opens the dataset, then both engines write at once: whichever commits
      // second finds its version taken and commits on top of the other's.
      for (let k = 0; k < ROUNDS; k++) {
        const stale = await openDataset(path);
        await Promise.all([
          (async () => {
            await stale.append(textTable(ROWS, 2000 + k * ROWS));
            if (k === 2) await stale.commitExistingIndexSegments("id_idx", "id", [ours]);
          })(),
          (async () => {
            await engine.append(path, textTable(ROWS, 1000 + k * ROWS));
            if (k === 2) await engine.createIndex(path, "category", "BITMAP");
          })(),
        ]);
      }
      const ds = await openDataset(path);
      assert.equal(ds.version, 2 + 2 * ROUNDS + 2, "one version per commit");
      const seen = new Set<string>();
      for await (const batch of ds.scan({ columns: ["id"] })) for (let i = 0; i < batch.numRows; i++) seen.add(String(batch.getChild("id")!.get(i)));
      const expected = [...Array.from({ length: 600 }, (_, i) => i), ...Array.from({ length: ROUNDS * ROWS }, (_, i) => 1000 + i), ...Array.from({ length: ROUNDS * ROWS }, (_, i) => 2000 + i)];
      assert.equal(seen.size, expected.length);
      for (const id of expected) assert.ok(seen.has(String(id)), `row ${id} lost`);
      assert.equal(await engine.countRows(path), expected.length);
      assert.deepEqual(ds.describeIndices().map((i) => i.name), ["category_idx", "id_idx"]);
      // every version, as each engine sees it
      const writers: string[] = [];
      for (let v = 1; v <= ds.version; v++) {
        const old = await ds.checkout(v);
        writers.push(old.manifest.writerVersion?.library ?? "?");
        assert.equal(old.countRows(), await engine.countRows(path, undefined, v), `version ${v}: rows`);
      }
      // each round holds commits of both engines
      const switches = writers.slice(1).filter((w, i) => w !== writers[i]).length;
      assert.ok(switches >= ROUNDS, `writers by version: ${writers.join(" ")}`);
      for (const filter of ["id < 300", "category = 'c2'", "id >= 2100 AND category = 'c1'"]) {
        assert.equal(await ds.countRows(filter), await engine.countRows(path, filter), filter);
      }
      assert.equal(await engine.indexUsed(path, "id = 2001"), "id_idx(BTree)");
      assert.equal(await engine.indexUsed(path, "category = 'c2'"), "category_idx(Bitmap)");
      assert.match(await ds.explain("category = 'c2'"), /BITMAP index category_idx/);
    });
  });
}
