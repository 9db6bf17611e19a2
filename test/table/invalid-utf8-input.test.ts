// Strings that are not valid UTF-8 are refused by a write, as Lance refuses them
// (Arrow validates what Lance imports): INVALID_INPUT naming the column and the
// row, before a data file of the batch is written, and no version is made.
// Valid multi-byte strings, cut anywhere between values, are written as given.

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Field, Int32, List, makeData, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

const encoder = new TextEncoder();

/** A Utf8 column from raw bytes and value boundaries. */
function strings(bytes: number[], offsets: number[]) {
  return makeData({ type: new Utf8(), length: offsets.length - 1, nullCount: 0, valueOffsets: Int32Array.from(offsets), data: Uint8Array.from(bytes) });
}

function batchOf(columns: Record<string, ReturnType<typeof makeData>>): RecordBatch {
  const schema = new Schema(Object.entries(columns).map(([name, d]) => new Field(name, d.type, true)));
  const length = Object.values(columns)[0]!.length;
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: Object.values(columns) }));
}

const ids = (start: number, n: number) => vectorFromArray(Array.from({ length: n }, (_, i) => start + i), new Int32()).data[0]!;

function refused(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof LanceError && err.code === "INVALID_INPUT" && pattern.test(err.message);
}

describe("strings that are not valid UTF-8", () => {
  const dir = tempDir();
  // "ab", "\xff" + "c", "é": the second value holds a byte no UTF-8 sequence starts with
  const invalid = () => strings([0x61, 0x62, 0xff, 0x63, 0xc3, 0xa9], [0, 2, 4, 6]);
  // "ab", "\xc3", "\xa9": a valid buffer ("abé") cut inside its last character
  const cut = () => strings([0x61, 0x62, 0xc3, 0xa9], [0, 2, 3, 4]);

  test("Lance refuses them too", async () => {
    const db = await connect(dir);
    for (const column of [invalid(), cut()]) {
      await assert.rejects(db.createTable(`lance_${column.valueOffsets[2]}`, new Table([batchOf({ id: ids(0, 3), s: column })])), /utf-?8/i);
    }
  });

  for (const version of ["2.0", "2.1", "2.2"]) {
    test(`a create is refused naming the column and row, and writes nothing, ${version}`, async () => {
      const path = tablePath(dir, `create_${version.replace(".", "")}`);
      await assert.rejects(writeDataset(path, new Table([batchOf({ id: ids(0, 3), s: invalid() })]), { dataStorageVersion: version } as never), refused(/column "s", row 1: the string is not valid UTF-8/));
      await assert.rejects(writeDataset(path, new Table([batchOf({ id: ids(0, 3), s: cut() })]), { dataStorageVersion: version } as never), refused(/column "s", row 1:/));
      assert.ok(!existsSync(join(path, "data")) || readdirSync(join(path, "data")).length === 0, "no data file is left");
      await assert.rejects(openDataset(path), (err: unknown) => err instanceof LanceError && err.code === "NOT_FOUND");
    });
  }

  test("an append whose later batch holds one is refused with the row counted over the input; the version is unchanged", async () => {
    const path = tablePath(dir, "append");
    const ds = await writeDataset(path, new Table([batchOf({ id: ids(0, 3), s: strings([...encoder.encode("abc")], [0, 1, 2, 3]) })]));
    const before = readdirSync(join(path, "data")).sort();
    const first = batchOf({ id: ids(3, 3), s: strings([...encoder.encode("déf")], [0, 1, 3, 4]) });
    const second = batchOf({ id: ids(6, 3), s: invalid() });
    // a one-row file budget makes the first batch's rows be written before the second is seen
    await assert.rejects(ds.append([first, second], { maxRowsPerFile: 1 }), refused(/column "s", row 4:/));
    assert.deepEqual(readdirSync(join(path, "data")).sort(), before);
    assert.equal((await openDataset(path)).version, ds.version);
  });

  test("inside a struct, the path of the child is named", async () => {
    const meta = makeData({
      type: new Struct([new Field("n", new Int32(), true), new Field("name", new Utf8(), true)]),
      length: 3,
      nullCount: 0,
      children: [ids(0, 3), invalid()],
    });
    await assert.rejects(writeDataset(tablePath(dir, "nested"), new Table([batchOf({ id: ids(0, 3), meta })])), refused(/column "meta.name", row 1:/));
  });

  test("inside a list (written in 2.0 files), the row holding the item is named", async () => {
    // rows: ["ab"], [], ["\xffc", "é"]
    const tags = makeData({ type: new List(new Field("item", new Utf8(), true)), length: 3, nullCount: 0, valueOffsets: Int32Array.from([0, 1, 1, 3]), child: invalid() });
    await assert.rejects(writeDataset(tablePath(dir, "list"), new Table([batchOf({ id: ids(0, 3), tags })]), { dataStorageVersion: "2.0" } as never), refused(/column "tags.item", row 2:/));
  });

  test("valid multi-byte strings cut between characters are written as given, and Lance reads them", async () => {
    const values = ["é", "", "€uro", "😀", "naïve", "ÿ"];
    const path = tablePath(dir, "valid");
    await writeDataset(path, new Table({ id: vectorFromArray(values.map((_, i) => i), new Int32()), s: vectorFromArray(values, new Utf8()) }));
    const theirs = await (await (await connect(dir)).openTable("valid")).query().toArrow();
    assert.deepEqual(theirs.getChild("s")!.toArray(), values);
  });
});
