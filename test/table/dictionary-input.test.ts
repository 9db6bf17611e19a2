// Dictionary-encoded Arrow input (what tableFromArrays makes of strings) is
// written as plain columns of the dictionary's value type, which Lance reads
// back value for value; appends accept it for plain columns too.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Dictionary, Field, Int16, Int32, Int8, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableFromArrays, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

function dictionaryVector(values: (string | null)[], dictionary: (string | null)[], indexType: Int8 | Int16 | Int32 = new Int32()) {
  const dict = vectorFromArray(dictionary, new Utf8());
  const type = new Dictionary(new Utf8(), indexType);
  const keys = values.map((v) => (v === null ? 0 : dictionary.indexOf(v)));
  const IndexArray = indexType instanceof Int8 ? Int8Array : indexType instanceof Int16 ? Int16Array : Int32Array;
  const validity = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) validity[i >> 3]! |= 1 << (i & 7);
  });
  const nulls = values.filter((v) => v === null).length;
  return makeData({ type, length: values.length, nullCount: nulls, nullBitmap: nulls ? validity : null, data: IndexArray.from(keys), dictionary: dict } as never);
}

async function lanceRows(dir: string, name: string): Promise<Record<string, unknown>[]> {
  const t = await (await connect(dir)).openTable(name);
  return (await t.query().toArray()).map((r) => ({ ...r })).sort((a, b) => Number(a.id) - Number(b.id));
}

describe("dictionary-encoded input", () => {
  test("tableFromArrays strings: created as a plain string column, read back by Lance", async () => {
    const dir = tempDir();
    const data = tableFromArrays({ id: new Int32Array([1, 2, 3, 4]), s: ["a", "b", "a", "c"] });
    assert.equal(String(data.schema.fields[1]!.type), "Dictionary<Int32, Utf8>");
    const ds = await writeDataset(join(dir, "t.lance"), data);
    assert.equal(String(ds.schema.fields[1]!.type), "Utf8");
    assert.deepEqual(await lanceRows(dir, "t"), [
      { id: 1, s: "a" },
      { id: 2, s: "b" },
      { id: 3, s: "a" },
      { id: 4, s: "c" },
    ]);
  });

  test("nulls in the keys and in the dictionary, narrow index types, slices, struct children, appends", async () => {
    const dir = tempDir();
    const values = ["x", null, "y", "z", null, "x", "nil"];
    const dictionary = ["z", "nil", "x", "y"];
    // a null dictionary entry: rows pointing at it are null
    const s = dictionaryVector(values, dictionary, new Int8());
    const dictWithNull = makeData({ type: new Dictionary(new Utf8(), new Int16()), length: 3, nullCount: 0, data: Int16Array.from([0, 1, 0]), dictionary: vectorFromArray(["q", null], new Utf8()) } as never);
    const inner = dictionaryVector(["u", "v", "u", "v", "u", "v", "u"], ["v", "u"]);
    const structType = new Struct([new Field("tag", inner.type, true)]);
    const st = makeData({ type: structType, length: 7, nullCount: 0, children: [inner] });
    const schema = new Schema([new Field("id", new Int32(), false), new Field("s", s.type, true), new Field("st", structType, true)]);
    const ids = makeData({ type: new Int32(), length: 7, nullCount: 0, data: Int32Array.from([0, 1, 2, 3, 4, 5, 6]) });
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 7, nullCount: 0, children: [ids, s, st] }));
    // two slices of one batch: keys and validity of a slice start at its offset
    const ds = await writeDataset(join(dir, "t.lance"), [batch.slice(0, 3), batch.slice(3, 7)]);
    assert.deepEqual(ds.schema.fields.map((f) => String(f.type)), ["Int32", "Utf8", "Struct<{tag:Utf8}>"]);
    const expected = values.map((v, i) => ({ id: i, s: v, st: { tag: ["u", "v"][i % 2] } }));
    const rows = (await lanceRows(dir, "t")).map((r) => ({ ...r, st: { ...(r.st as object) } }));
    assert.deepEqual(rows, expected);

    // appending dictionary data to a plain column, with a null dictionary entry
    const more = new Table(
      new RecordBatch(
        new Schema([new Field("id", new Int32(), false), new Field("s", dictWithNull.type, true), new Field("st", structType, true)]),
        makeData({
          type: new Struct([new Field("id", new Int32(), false), new Field("s", dictWithNull.type, true), new Field("st", structType, true)]),
          length: 3,
          nullCount: 0,
          children: [makeData({ type: new Int32(), length: 3, nullCount: 0, data: Int32Array.from([7, 8, 9]) }), dictWithNull, st.slice(0, 3)],
        }),
      ),
    );
    const next = await (await openDataset(join(dir, "t.lance"))).append(more);
    assert.equal(next.countRows(), 10);
    const all = await lanceRows(dir, "t");
    assert.deepEqual(
      all.slice(7).map((r) => [r.id, r.s]),
      [
        [7, "q"],
        [8, null],
        [9, "q"],
      ],
    );
    const ours = (await next.scan().toArrow()).toArray().map((r) => r.toJSON());
    assert.deepEqual(ours.map((r) => [r.id, r.s]).sort((a, b) => (a[0] as number) - (b[0] as number)), all.map((r) => [r.id, r.s]));
  });
});
