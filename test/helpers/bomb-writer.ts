// A child process that has Lance write a table whose pages expand enormously
// when decoded: `rows` copies of one `length`-byte string, which Lance stores
// as one constant page (2.2) or one dictionary-encoded mini-block page (2.1)
// of a few KB; with `perRow`, a list column whose rows each hold `perRow`
// copies (constant or dictionary pages again, dictionary pages in 2.0). Run in
// a child so the memory Lance and Arrow need to write it is not charged to the
// test process.
// Usage: node --import tsx bomb-writer.ts <dir> <name> <2.0|2.1|2.2> <rows> <length> [perRow]
import { Field, List, makeData, RecordBatch, Schema, Struct, Table, Utf8 } from "apache-arrow";
import { connect } from "./oracle.js";

const [dir, name, version, rowsArg, lengthArg, perRowArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const length = Number(lengthArg);
const perRow = perRowArg === undefined ? undefined : Number(perRowArg);
const items = rows * (perRow ?? 1);
const valueOffsets = new Int32Array(items + 1);
for (let i = 0; i <= items; i++) valueOffsets[i] = i * length;
const strings = makeData({ type: new Utf8(), length: items, nullCount: 0, valueOffsets, data: new Uint8Array(items * length).fill(0x78) });
let column = strings;
let schema = new Schema([new Field("s", new Utf8(), true)]);
if (perRow !== undefined) {
  const type = new List(new Field("item", new Utf8(), true));
  const listOffsets = new Int32Array(rows + 1);
  for (let i = 0; i <= rows; i++) listOffsets[i] = i * perRow;
  column = makeData({ type, length: rows, nullCount: 0, valueOffsets: listOffsets, child: strings }) as never;
  schema = new Schema([new Field("s", type, true)]);
}
const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [column] }));
const table = await (await connect(dir!)).createTable(name!, new Table([batch]), { dataStorageVersion: version } as never);
process.stdout.write(`${await table.countRows()}\n`);
