// A child process that has Lance write a table whose single page expands
// enormously when decoded: `rows` copies of one `length`-byte string, which
// Lance stores as one constant page (2.2) or one dictionary-encoded mini-block
// page (2.1) of a few KB. Run in a child so the memory Lance and Arrow need to
// write it is not charged to the test process.
// Usage: node --import tsx bomb-writer.ts <dir> <name> <2.1|2.2> <rows> <length>
import { Field, makeData, RecordBatch, Schema, Struct, Table, Utf8 } from "apache-arrow";
import { connect } from "./oracle.js";

const [dir, name, version, rowsArg, lengthArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const length = Number(lengthArg);
const schema = new Schema([new Field("s", new Utf8(), true)]);
const valueOffsets = new Int32Array(rows + 1);
for (let i = 0; i <= rows; i++) valueOffsets[i] = i * length;
const column = makeData({ type: new Utf8(), length: rows, nullCount: 0, valueOffsets, data: new Uint8Array(rows * length).fill(0x78) });
const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [column] }));
const table = await (await connect(dir!)).createTable(name!, new Table([batch]), { dataStorageVersion: version } as never);
process.stdout.write(`${await table.countRows()}\n`);
