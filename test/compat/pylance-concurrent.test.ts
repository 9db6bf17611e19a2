// lancets and Lance 14 (pylance, another process) writing one dataset at the
// same time: appends and index segment commits from both lose nothing, and
// each engine reads every version the other wrote as the other does.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDataset } from "../../src/lancets.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";

const session = pylanceSession("lancets-pylance-concurrent-");
const { skip } = session;

describe("lancets and pylance 14 writing at once", { skip }, () => {
  test("appends and index segment commits from both engines lose nothing; every version reads the same in both", async () => {
    const uri = `${session.dir}/shared`;
    const ROWS = 50;
    await session.py.write(uri, textTable(600), { max_rows_per_file: 200 });
    // the index segments are built first, then committed while the other engine appends
    const ours = await (await openDataset(uri)).createIndexUncommitted("id", "BTREE", { name: "id_idx", fragmentIds: [0, 1] });
    const theirs = await session.py.createIndexUncommitted(uri, "category", "BITMAP", [0, 1, 2], { name: "category_idx" });

    // Each round, lancets opens the dataset, then both engines write at once: whichever commits
    // second finds its version taken and commits on top of the other's.
    let onTop = 0;
    for (let k = 0; k < 8; k++) {
      const stale = await openDataset(uri);
      await Promise.all([
        (async () => {
          const appended = await stale.append(textTable(ROWS, 2000 + k * ROWS));
          if (appended.version > stale.version + 1) onTop++;
          if (k === 4) await stale.commitExistingIndexSegments("id_idx", "id", [ours]);
        })(),
        (async () => {
          await session.py.write(uri, textTable(ROWS, 1000 + k * ROWS), {}, "append");
          if (k === 4) await session.py.commitExistingIndexSegments(uri, "category_idx", "category", [theirs]);
        })(),
      ]);
    }

    const ds = await openDataset(uri);
    assert.equal(ds.version, 1 + 2 * 8 + 2, "one version per commit");
    const ids = ds.scan({ columns: ["id"] });
    const seen = new Set<string>();
    for await (const batch of ids) for (let i = 0; i < batch.numRows; i++) seen.add(String(batch.getChild("id")!.get(i)));
    const expected = [...Array.from({ length: 600 }, (_, i) => i), ...Array.from({ length: 8 * ROWS }, (_, i) => 1000 + i), ...Array.from({ length: 8 * ROWS }, (_, i) => 2000 + i)];
    assert.equal(seen.size, expected.length);
    for (const id of expected) assert.ok(seen.has(String(id)), `row ${id} lost`);
    assert.equal(await session.py.countRows(uri), expected.length);
    assert.deepEqual(ds.describeIndices().map((i) => [i.name, i.segments.length]), [["category_idx", 1], ["id_idx", 1]]);
    assert.deepEqual((await session.py.indices(uri)).map((i) => i.name).sort(), ["category_idx", "id_idx"]);

    // every version, as each engine sees it
    const writers: string[] = [];
    for (let v = 1; v <= ds.version; v++) {
      const ours = await ds.checkout(v);
      writers.push(ours.manifest.writerVersion?.library ?? "?");
      const summary = await session.py.request<{ count_rows: number; fragments: { id: number }[] }>("summary", { uri, version: v });
      assert.equal(ours.countRows(), summary.count_rows, `version ${v}: rows`);
      assert.deepEqual(ours.fragments().map((f) => f.id), summary.fragments.map((f) => f.id), `version ${v}: fragments`);
    }
    // the two engines' commits interleave, and some of lancets' commits landed on top of pylance's
    // version that its stale dataset had not seen
    const switches = writers.slice(1).filter((w, i) => w !== writers[i]).length;
    assert.ok(switches >= 8, `writers by version: ${writers.join(" ")}`);
    assert.ok(onTop > 0, `lancets committed on top of a version pylance wrote during its append in ${onTop} of 8 rounds`);
    for (const filter of ["id < 300", "category = 'c2'", "id >= 2100 AND category = 'c1'"]) {
      assert.equal(await ds.countRows(filter), await session.py.countRows(uri, filter), filter);
    }
  });
});
