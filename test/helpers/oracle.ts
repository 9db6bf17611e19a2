// Fixture datasets created by real Lance through @lancedb/lancedb, and small
// helpers to ask it what it sees. Every format claim in the suite is checked
// against these.

import * as lancedb from "@lancedb/lancedb";
import {
  Binary,
  Bool,
  DateDay,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
  makeTable,
  makeData,
  RecordBatch,
  type DataType,
  type Vector,
  tableFromArrays,
} from "apache-arrow";
import { join } from "node:path";
import { rng } from "./rng.js";

export type StorageVersion = "2.0" | "2.1" | "2.2";
export const STORAGE_VERSIONS: StorageVersion[] = ["2.0", "2.1", "2.2"];

export async function connect(dir: string): Promise<lancedb.Connection> {
  return lancedb.connect(dir);
}

export { rng };

export function tablePath(dir: string, name: string): string {
  return join(dir, `${name}.lance`);
}

type AnyVector = Vector<DataType>;

function col(values: unknown[], type: DataType, nullable = true): { field: Field; vector: AnyVector } {
  return { field: new Field("", type, nullable), vector: vectorFromArray(values as never, type as never) as AnyVector };
}

/**
 * A table covering the scalar types of the reader matrix: `n` rows starting at
 * row `start`, with nulls in nullable columns.
 */
export function wideTable(n: number, start = 0, seed = 1): Table {
  const r = rng(seed + start);
  const idx = Array.from({ length: n }, (_, i) => start + i);
  const maybeNull = <T>(v: T, i: number): T | null => (i % 7 === 3 ? null : v);
  const columns: Record<string, { field: Field; vector: AnyVector }> = {
    id: col(idx.map((i) => BigInt(i)), new Int64(), false),
    i8: col(idx.map((i) => maybeNull((i % 200) - 100, i)), new Int8()),
    i16: col(idx.map((i) => maybeNull((i * 31) % 30000, i)), new Int16()),
    i32: col(idx.map((i) => maybeNull(Math.floor(r() * 2e9) - 1e9, i)), new Int32()),
    u8: col(idx.map((i) => i % 256), new Uint8(), false),
    u16: col(idx.map((i) => maybeNull(i % 65536, i)), new Uint16()),
    u32: col(idx.map((i) => maybeNull(i * 3, i)), new Uint32()),
    u64: col(idx.map((i) => maybeNull(BigInt(i) * 1000003n, i)), new Uint64()),
    f32: col(idx.map((i) => maybeNull(Math.fround(r() * 1000 - 500), i)), new Float32()),
    f64: col(idx.map((i) => maybeNull(r() * 1e6, i)), new Float64()),
    flag: col(idx.map((i) => maybeNull(i % 3 === 0, i)), new Bool()),
    name: col(idx.map((i) => maybeNull(`name-${i}-${"x".repeat(i % 13)}`, i)), new Utf8()),
    category: col(idx.map((i) => maybeNull(`cat${i % 5}`, i)), new Utf8()),
    big_text: col(idx.map((i) => maybeNull(`long ${i} `.repeat(40), i)), new Utf8()),
    blob: col(idx.map((i) => maybeNull(new Uint8Array([i & 255, (i >> 8) & 255, 7]), i)), new Binary()),
    day: col(idx.map((i) => maybeNull(new Date(Date.UTC(2020, 0, 1) + i * 86_400_000), i)), new DateDay()),
    ts_us: col(idx.map((i) => maybeNull(1_600_000_000_000 + i * 1000, i)), new Timestamp(TimeUnit.MICROSECOND, "UTC")),
    ts_ms: col(idx.map((i) => maybeNull(1_600_000_000_000 + i, i)), new Timestamp(TimeUnit.MILLISECOND)),
    uuid: col(idx.map((i) => Uint8Array.from({ length: 16 }, (_, k) => (i * 7 + k) & 255)), new FixedSizeBinary(16)),
    vec: col(
      idx.map((i) => Array.from({ length: 8 }, (_, k) => Math.fround(i + k / 8))),
      new FixedSizeList(8, new Field("item", new Float32(), true)),
    ),
    tags: col(
      idx.map((i) => maybeNull(Array.from({ length: i % 4 }, (_, k) => i + k), i)),
      new List(new Field("item", new Int32(), true)),
    ),
    point: col(
      idx.map((i) => ({ x: maybeNull(i, i), label: i % 5 === 1 ? null : `p${i % 9}` })),
      new Struct([new Field("x", new Int32(), true), new Field("label", new Utf8(), true)]),
    ),
  };
  const fields = Object.entries(columns).map(([name, c]) => new Field(name, c.field.type, c.field.nullable));
  const schema = new Schema(fields);
  const data: Record<string, AnyVector> = {};
  for (const [name, c] of Object.entries(columns)) data[name] = c.vector;
  return makeTableWithSchema(schema, data);
}

function makeTableWithSchema(schema: Schema, data: Record<string, AnyVector>): Table {
  const length = data[schema.fields[0]!.name]!.length;
  const children = schema.fields.map((f) => data[f.name]!.data[0]!);
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/** A small table with an id, a category and English text: the index fixtures. */
export function textTable(n: number, start = 0): Table {
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
  const ids = Array.from({ length: n }, (_, i) => BigInt(start + i));
  return new Table({
    id: vectorFromArray(ids, new Int64()),
    category: vectorFromArray(
      ids.map((i) => `c${Number(i) % 6}`),
      new Utf8(),
    ),
    text: vectorFromArray(
      ids.map((i) => `${words[Number(i) % 10]} ${words[(Number(i) * 7) % 10]} running number ${i}`),
      new Utf8(),
    ),
    score: vectorFromArray(
      ids.map((i) => Number(i) / 4),
      new Float64(),
    ),
  });
}

export { makeTable, lancedb };
