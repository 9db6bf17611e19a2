// Arguments of the wrong shape are INVALID_INPUT naming the argument, never a
// TypeError; plain arrays of row objects are accepted, as lancedb accepts them.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

function invalid(pattern: RegExp) {
  return (err: unknown): boolean => err instanceof LanceError && err.code === "INVALID_INPUT" && pattern.test(err.message);
}

describe("argument shapes", () => {
  test("data that is not Arrow data or row objects", async () => {
    const dir = tempDir();
    const ds = await writeDataset(join(dir, "t.lance"), textTable(5));
    await assert.rejects(ds.append(null as never), invalid(/data must be .*; got null/));
    await assert.rejects(ds.append(undefined as never), invalid(/got undefined/));
    await assert.rejects(ds.append(42 as never), invalid(/got number/));
    await assert.rejects(ds.append("rows" as never), invalid(/got string/));
    await assert.rejects(ds.append([1, 2] as never), invalid(/item 0 of the data is number, not a RecordBatch/));
    await assert.rejects(ds.append([textTable(1).batches[0]!, { id: 1 }] as never), invalid(/item 1 of the data is an object \(Object\), not a RecordBatch/));
    await assert.rejects(ds.append([] as never), invalid(/no rows/));
    await assert.rejects(writeDataset(join(dir, "x.lance"), null as never), invalid(/got null/));
    assert.equal((await openDataset(join(dir, "t.lance"))).version, 1);
  });

  test("scan options of the wrong shape", async () => {
    const ds = await writeDataset(join(tempDir(), "t.lance"), textTable(5));
    assert.throws(() => ds.scan({ columns: "id" } as never), invalid(/columns must be an array of column names, got "id"/));
    assert.throws(() => ds.scan({ fragmentIds: [0.5] } as never), invalid(/fragmentIds must be an array of fragment ids/));
    assert.throws(() => ds.scan({ filter: 3 } as never), invalid(/filter must be a SQL string/));
    assert.throws(() => ds.scan({ withRowId: "yes" } as never), invalid(/withRowId must be true or false/));
    assert.throws(() => ds.scan({ fullTextSearch: "fox" } as never), invalid(/fullTextSearch must be \{ query/));
    assert.throws(() => ds.scan(null as never), invalid(/object expected, got null/));
  });

  test("arrays of row objects create and append, read back by Lance", async () => {
    const dir = tempDir();
    const path = join(dir, "rows.lance");
    const created = await writeDataset(path, [
      { name: "a", score: 1.5, ok: true },
      { name: "b", score: null, ok: false },
    ]);
    assert.deepEqual(created.schema.fields.map((f) => `${f.name}:${String(f.type)}`), ["name:Utf8", "score:Float64", "ok:Bool"]);
    const next = await created.append([{ name: "c", score: 3, ok: null }]);
    assert.equal(next.countRows(), 3);
    const rows = (await (await connect(dir)).openTable("rows")).query().toArray();
    assert.deepEqual((await rows).map((r) => [r.name, r.score, r.ok]), [
      ["a", 1.5, true],
      ["b", null, false],
      ["c", 3, null],
    ]);
    // appends convert row values to the dataset's types, and name what does not fit
    const typed = await writeDataset(join(dir, "typed.lance"), textTable(2));
    const more = await typed.append([{ id: 7n, category: "c1", text: "seven", score: 7 }]);
    assert.equal(more.countRows(), 3);
    await assert.rejects(typed.append([{ id: 8n, category: "c1", text: "x", score: 1, extra: 1 }]), invalid(/column "extra" is not in the dataset schema/));
    await assert.rejects(more.append([{ id: "not a number", category: "c1", text: "x", score: 1 }]), invalid(/column "id"/));
  });
});
