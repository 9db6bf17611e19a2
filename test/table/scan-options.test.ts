// Scan options and take, against Lance: projection, fragment selection, limit,
// batch size, row addresses, multi-file fragments, and bad arguments.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { main } from "../../src/cli/main.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, tablePath, textTable } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;
let table: LanceTable;
let ds: Dataset;
let path: string;

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  table = await db.createTable("t", textTable(3000));
  await table.add(textTable(2000, 3000));
  await table.add(textTable(1000, 5000));
  await table.delete("id % 4 = 1");
  // a second data file per fragment
  await table.addColumns([{ name: "twice", valueSql: "id * 2" }]);
  path = tablePath(dir, "t");
  ds = await openDataset(path);
});

describe("scan options", () => {
  test("fragments hold two data files and the added column matches Lance", async () => {
    assert.ok(ds.manifest.fragments.every((f) => f.files.length === 2));
    const ours = await ds.scan({ withRowId: true }).toArrow();
    const theirs = await table.query().withRowId().toArrow();
    assertSameRows(ours, theirs, "_rowid", ["id", "category", "text", "score", "twice"], "all columns");
  });

  test("projection keeps the requested order", async () => {
    const t = await ds.scan({ columns: ["twice", "id"] }).toArrow();
    assert.deepEqual(t.schema.fields.map((f) => f.name), ["twice", "id"]);
    assert.equal(t.getChild("twice")!.get(10), t.getChild("id")!.get(10)! * 2n);
  });

  test("fragmentIds, limit and batchSize", async () => {
    const batches = [];
    for await (const b of ds.scan({ fragmentIds: [2, 0], batchSize: 333, limit: 1000, withRowAddress: true })) batches.push(b);
    assert.ok(batches.every((b) => b.numRows <= 333));
    const total = batches.reduce((n, b) => n + b.numRows, 0);
    assert.equal(total, 1000);
    // fragment 2 has 750 live rows and comes first, then 250 rows of fragment 0
    const addrs = batches.flatMap((b) => Array.from(b.getChild("_rowaddr")!.toArray() as BigUint64Array));
    assert.ok(addrs.slice(0, 750).every((a) => a >> 32n === 2n));
    assert.ok(addrs.slice(750).every((a) => a >> 32n === 0n));
    const more = await ds.scan({ fragmentIds: [2, 0], limit: 1000 }).toArrow();
    assert.equal(more.numRows, 1000);
    assert.equal((await ds.scan({ limit: 0 }).toArrow()).numRows, 0);
  });

  test("row addresses equal Lance's row ids on a table without stable row ids", async () => {
    const ours = await ds.scan({ withRowAddress: true, withRowId: true, columns: ["id"] }).toArrow();
    assert.deepEqual(ours.getChild("_rowaddr")!.toArray(), ours.getChild("_rowid")!.toArray());
    const theirs = await table.query().select(["id"]).withRowId().toArrow();
    assertSameRows(ours, theirs, "_rowid", ["id"], "row ids");
  });

  test("take returns rows in the order asked and skips deleted rows", async () => {
    const addrs = [6n, (2n << 32n) + 3n, 0n, 5n /* deleted: id 5 */, (1n << 32n) + 10n];
    const t = await ds.take(addrs, { columns: ["id", "text"], withRowAddress: true });
    assert.deepEqual(Array.from(t.getChild("id")!.toArray() as BigInt64Array), [6n, 5003n, 0n, 3010n]);
    const theirs = await table.query().where("id IN (6, 5003, 0, 3010)").select(["id", "text"]).toArray();
    const byId = new Map(theirs.map((r) => [String(r.id), r.text]));
    for (let i = 0; i < t.numRows; i++) assert.equal(t.getChild("text")!.get(i), byId.get(String(t.getChild("id")!.get(i))));
  });

  test("bad arguments", async () => {
    assert.throws(() => ds.scan({ columns: ["nope"] }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /column "nope" does not exist/.test(e.message));
    assert.throws(() => ds.scan({ fragmentIds: [99] }), (e: unknown) => e instanceof LanceError && e.code === "NOT_FOUND" && /fragment 99/.test(e.message));
    assert.throws(() => ds.scan({ batchSize: 0 }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT");
    await assert.rejects(ds.take([99n << 32n]), (e: unknown) => e instanceof LanceError && e.code === "NOT_FOUND" && /fragment 99/.test(e.message));
    await assert.rejects(ds.take([1_000_000n]), (e: unknown) => e instanceof LanceError && e.code === "NOT_FOUND" && /past the end/.test(e.message));
  });

  test("lancets scan prints rows", async () => {
    const lines: string[] = [];
    assert.equal(await main(["node", "lancets", "scan", path, "--columns", "id,twice", "--limit", "3", "--json"], (t) => lines.push(t)), 0);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      [
        { id: 0, twice: 0 },
        { id: 2, twice: 4 },
        { id: 3, twice: 6 },
      ],
    );
    const text: string[] = [];
    assert.equal(await main(["node", "lancets", "scan", path, "--limit", "2"], (t) => text.push(t)), 0);
    assert.match(text.join("\n"), /id\s+category\s+text\s+score\s+twice/);
    assert.match(text.join("\n"), /\(2 of 4,500 rows; --limit to see more\)/);
  });
});
