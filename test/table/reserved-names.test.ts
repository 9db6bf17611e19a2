// Columns with names Lance reserves are refused on write (create, overwrite,
// append, and `lancets append`), with INVALID_INPUT naming the column, and
// nothing is written. A scan's row addresses fed back to writeDataset are the
// usual way to meet this: Lance would fail on every query of such a table.

import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { main } from "../../src/cli/main.js";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

function refused(name: string): (err: unknown) => boolean {
  return (err) => err instanceof LanceError && err.code === "INVALID_INPUT" && err.message.includes(`"${name}"`) && /reserves/.test(err.message);
}

describe("reserved column names", () => {
  test("a scan with row addresses written back is refused, and nothing is written", async () => {
    const dir = tempDir();
    const source = await writeDataset(join(dir, "a.lance"), textTable(20));
    const withAddresses = await source.scan({ withRowAddress: true }).toArrow();
    const target = join(dir, "b.lance");
    await assert.rejects(writeDataset(target, withAddresses), refused("_rowaddr"));
    assert.equal(existsSync(target) && readdirSync(target).length > 0, false, "nothing written");
    const withIds = await source.scan({ withRowId: true }).toArrow();
    await assert.rejects(writeDataset(join(dir, "a.lance"), withIds, { mode: "overwrite" }), refused("_rowid"));
    assert.equal((await openDataset(join(dir, "a.lance"))).version, 1);
  });

  test("every name Lance refuses is refused, as lancedb refuses it; search result names too", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    for (const name of ["_rowid", "_rowaddr", "_rowoffset", "_row_created_at_version", "_row_last_updated_at_version"]) {
      const data = tableFromArrays({ id: new Int32Array([1, 2]), [name]: new Int32Array([5, 6]) });
      await assert.rejects(db.createTable(`t${name}`, data), /reserved name/, `lancedb refuses ${name}`);
      await assert.rejects(writeDataset(join(dir, `x${name}.lance`), data), refused(name));
    }
    for (const name of ["_score", "_distance"]) {
      await assert.rejects(writeDataset(join(dir, `y${name}.lance`), tableFromArrays({ id: new Int32Array([1]), [name]: new Float32Array([1]) })), refused(name));
    }
  });

  test("appends: a reserved extra column is refused; a search-result name the dataset already has is accepted", async () => {
    const dir = tempDir();
    const db = await connect(dir);
    // Lance itself accepts a column named _score: lancets appends to such a table
    await db.createTable("scored", tableFromArrays({ id: new Int32Array([1]), _score: new Float32Array([0.5]) }));
    const scored = await openDataset(join(dir, "scored.lance"));
    const next = await scored.append(tableFromArrays({ id: new Int32Array([2]), _score: new Float32Array([1.5]) }));
    assert.equal(next.countRows(), 2);
    assert.equal(await (await db.openTable("scored")).countRows(), 2);

    const ds = await writeDataset(join(dir, "plain.lance"), textTable(5));
    const extra = (await ds.scan({ withRowAddress: true }).toArrow());
    await assert.rejects(ds.append(extra), refused("_rowaddr"));
    assert.equal((await openDataset(join(dir, "plain.lance"))).version, 1);
  });

  test("lancets append refuses them from Arrow files and JSON lines", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const run = (args: string[]): Promise<number> => main(["node", "lancets", ...args], (t) => lines.push(t), (t) => lines.push(t));
    const path = join(dir, "cli.lance");
    const ipc = join(dir, "in.arrow");
    const ds = await writeDataset(join(dir, "src.lance"), textTable(10));
    writeFileSync(ipc, tableToIPC(await ds.scan({ withRowAddress: true }).toArrow(), "file"));
    assert.equal(await run(["append", path, "--input", ipc]), 1);
    assert.match(lines.join("\n"), /_rowaddr.*reserves/);
    assert.equal(existsSync(join(path, "_versions")), false, "no dataset created");
    const jsonl = join(dir, "in.jsonl");
    writeFileSync(jsonl, JSON.stringify({ id: 1, _rowid: 7 }) + "\n");
    lines.length = 0;
    assert.equal(await run(["append", path, "--input", jsonl]), 1);
    assert.match(lines.join("\n"), /_rowid.*reserves/);
  });
});
