// The reader fixture matrix: tables written by real Lance covering every
// scalar type x data storage version x data shape, created once and cached on
// disk (keyed by this file's contents) so that test files and repeated runs
// share them.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Binary,
  Bool,
  DateDay,
  DateMillisecond,
  Decimal,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeMillisecond,
  TimeNanosecond,
  TimeSecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from "apache-arrow";
import { connect, rng, STORAGE_VERSIONS, type StorageVersion } from "./oracle.js";

export const SHAPES = ["random", "nulls", "allnull", "constant", "sorted", "runs", "lowcard"] as const;
export type Shape = (typeof SHAPES)[number];

interface TypeSpec {
  name: string;
  type: () => DataType;
  /** A value for row i; `k` is a shape-dependent key (random, sorted, run or low-cardinality index). */
  value: (k: number, r: () => number) => unknown;
  /** Storage versions that cannot store nulls of this type at the top level. */
  noNulls20?: boolean;
}

const DAY = 86_400_000;
const BASE_MS = 1_600_000_000_000;

const TYPES: TypeSpec[] = [
  { name: "i8", type: () => new Int8(), value: (k) => (k % 256) - 128 },
  { name: "i16", type: () => new Int16(), value: (k) => (k * 37) % 65536 - 32768 },
  { name: "i32", type: () => new Int32(), value: (k) => ((k * 2654435761) | 0) },
  { name: "i64", type: () => new Int64(), value: (k) => BigInt(k) * 1_000_000_007n - 5_000_000_000n },
  { name: "u8", type: () => new Uint8(), value: (k) => k % 256 },
  { name: "u16", type: () => new Uint16(), value: (k) => (k * 31) % 65536 },
  { name: "u32", type: () => new Uint32(), value: (k) => (k * 2654435761) >>> 0 },
  { name: "u64", type: () => new Uint64(), value: (k) => BigInt(k) * 0x1_0000_0001n },
  { name: "f16", type: () => new Float16(), value: (k) => (k % 2048) / 4 },
  { name: "f32", type: () => new Float32(), value: (k) => Math.fround(k * 0.37 - 100) },
  { name: "f64", type: () => new Float64(), value: (k) => k * 1.000001 - 3e5 },
  { name: "bool", type: () => new Bool(), value: (k) => k % 3 === 1 },
  { name: "utf8", type: () => new Utf8(), value: (k) => `v${k}-${"é".repeat(k % 5)}` },
  { name: "binary", type: () => new Binary(), value: (k) => Uint8Array.from({ length: k % 9 }, (_, j) => (k + j) & 255) },
  { name: "date32", type: () => new DateDay(), value: (k) => new Date(Date.UTC(2000, 0, 1) + (k % 20000) * DAY) },
  { name: "date64", type: () => new DateMillisecond(), value: (k) => new Date((k % 20000) * DAY) },
  { name: "ts_s", type: () => new TimestampSecond(), value: (k) => (BASE_MS / 1000 + k) * 1000 },
  { name: "ts_ms", type: () => new TimestampMillisecond(), value: (k) => BASE_MS + k },
  { name: "ts_us_utc", type: () => new TimestampMicrosecond("UTC"), value: (k) => BASE_MS + k / 1000 },
  { name: "ts_ns_ny", type: () => new TimestampNanosecond("America/New_York"), value: (k) => BASE_MS + k / 1e6 },
  { name: "time32_s", type: () => new TimeSecond(), value: (k) => k % 86400 },
  { name: "time32_ms", type: () => new TimeMillisecond(), value: (k) => k % 86_400_000 },
  { name: "time64_us", type: () => new TimeMicrosecond(), value: (k) => BigInt(k) * 1000n },
  { name: "time64_ns", type: () => new TimeNanosecond(), value: (k) => BigInt(k) * 1000n + 7n },
  { name: "dec128", type: () => new Decimal(3, 18, 128), value: (k) => Uint32Array.of(k * 1013, k % 7, 0, 0) },
  { name: "fsb16", type: () => new FixedSizeBinary(16), value: (k) => Uint8Array.from({ length: 16 }, (_, j) => (k * 7 + j) & 255) },
  { name: "vec8", type: () => new FixedSizeList(8, new Field("item", new Float32(), true)), value: (k) => Array.from({ length: 8 }, (_, j) => Math.fround(k + j / 8)) },
  { name: "list_i32", type: () => new List(new Field("item", new Int32(), true)), value: (k) => Array.from({ length: k % 5 }, (_, j) => k + j) },
  { name: "list_utf8", type: () => new List(new Field("item", new Utf8(), true)), value: (k) => Array.from({ length: k % 4 }, (_, j) => `t${(k + j) % 50}`) },
  {
    name: "struct",
    type: () => new Struct([new Field("a", new Int32(), true), new Field("b", new Utf8(), true)]),
    value: (k) => ({ a: k % 1000, b: `s${k % 13}` }),
    noNulls20: true,
  },
];

function keyFor(shape: Shape, i: number, r: () => number): number {
  switch (shape) {
    case "random":
    case "nulls":
      return Math.floor(r() * 1_000_000);
    case "constant":
    case "allnull":
      return 42;
    case "sorted":
      return i;
    case "runs":
      return Math.floor(i / 700) * 3;
    case "lowcard":
      return Math.floor(r() * 6) * 11;
  }
}

function column(spec: TypeSpec, shape: Shape, n: number, start: number, version: StorageVersion): { field: Field; data: Vector } {
  const r = rng(start * 31 + spec.name.length * 7 + shape.length);
  const values = Array.from({ length: n }, (_, j) => {
    const i = start + j;
    const k = keyFor(shape, i, r);
    if (shape === "allnull" && !(spec.noNulls20 && version === "2.0")) return null;
    if (shape === "nulls" && i % 5 === 2) {
      if (spec.noNulls20 && version === "2.0") return { a: null, b: null };
      return null;
    }
    return spec.value(k, r);
  });
  const type = spec.type();
  let data = vectorFromArray(values as never, type as never) as Vector;
  if (type instanceof FixedSizeList && data.data[0]!.children[0]!.length < n * type.listSize) {
    // arrow-js builds an all-null fixed-size list without child values, which Lance rejects.
    const src = data.data[0]!;
    const child = makeData({ type: new Float32(), length: n * type.listSize, nullCount: 0, data: new Float32Array(n * type.listSize) });
    data = makeVector(makeData({ type, length: n, nullCount: src.nullCount, nullBitmap: src.nullBitmap, child })) as Vector;
  }
  return { field: new Field(`${spec.name}__${shape}`, type, true), data };
}

/** Rows [start, start + n) of the type matrix table. */
export function typeMatrixTable(n: number, start: number, version: StorageVersion): Table {
  const cols: { field: Field; data: Vector }[] = [{ field: new Field("id", new Int64(), false), data: vectorFromArray(Array.from({ length: n }, (_, j) => BigInt(start + j)), new Int64()) as Vector }];
  for (const spec of TYPES) {
    for (const shape of SHAPES) {
      // arrow-js writes an all-null boolean column without a values buffer, which Lance rejects;
      // that column is added with SQL instead (see build()).
      if (spec.name === "bool" && shape === "allnull") continue;
      cols.push(column(spec, shape, n, start, version));
    }
  }
  const schema = new Schema(cols.map((c) => c.field));
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: cols.map((c) => c.data.data[0]!) });
  return new Table([new RecordBatch(schema, struct)]);
}

/** Long strings (> 256 bytes), 32 KiB+ binary values and 128-wide vectors. */
export function largeValuesTable(n: number, start: number): Table {
  const r = rng(start + 99);
  const ids = Array.from({ length: n }, (_, j) => BigInt(start + j));
  const long = ids.map((id) => (Number(id) % 9 === 4 ? null : `${"lorem ipsum dolor sit amet ".repeat(12 + (Number(id) % 5))}#${id}`));
  const blobs = ids.map((id) => (Number(id) % 11 === 5 ? null : Uint8Array.from({ length: 32 * 1024 + (Number(id) % 3) * 1000 }, (_, j) => (j * 31 + Number(id)) & 255)));
  const vecs = ids.map(() => Array.from({ length: 128 }, () => Math.fround(r())));
  return new Table({
    id: vectorFromArray(ids, new Int64()),
    long_text: vectorFromArray(long, new Utf8()),
    blob: vectorFromArray(blobs, new Binary()),
    vec128: vectorFromArray(vecs, new FixedSizeList(128, new Field("item", new Float32(), true))),
  });
}

/** Many rows: sorted ints, random floats, low- and high-cardinality strings. */
export function bigTable(n: number, start: number): Table {
  const r = rng(start + 5);
  const ids = new BigInt64Array(n);
  const f = new Float64Array(n);
  const low: string[] = new Array(n);
  const high: string[] = new Array(n);
  const payload: Uint8Array[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const i = start + j;
    ids[j] = BigInt(i);
    f[j] = r() * 1e9;
    low[j] = `category-${i % 17}`;
    high[j] = `user-${(i * 2654435761) >>> 0}-${i}-${"x".repeat(i % 40)}`;
    // incompressible bytes, so the column spans several pages in every version
    payload[j] = Uint8Array.from({ length: 40 }, () => Math.floor(r() * 256));
  }
  return new Table({
    id: vectorFromArray(ids as never, new Int64()),
    value: vectorFromArray(f as never, new Float64()),
    category: vectorFromArray(low, new Utf8()),
    name: vectorFromArray(high, new Utf8()),
    payload: vectorFromArray(payload, new Binary()),
  });
}

export const BIG_ROWS = 1_100_000;

export interface MatrixFixtures {
  dir: string;
  versions: StorageVersion[];
}

async function build(dir: string): Promise<void> {
  const db = await connect(dir);
  for (const v of STORAGE_VERSIONS) {
    const tag = v.replace(".", "_");
    const types = await db.createTable(`types_${tag}`, typeMatrixTable(4000, 0, v), { dataStorageVersion: v } as never);
    await types.add(typeMatrixTable(2500, 4000, v));
    await types.delete("id % 9 = 4 OR (id >= 4100 AND id < 4300)");
    await types.addColumns([
      { name: "large_utf8", valueSql: "arrow_cast(utf8__nulls, 'LargeUtf8')" },
      { name: "large_binary", valueSql: "arrow_cast(binary__random, 'LargeBinary')" },
      { name: "bool__allnull", valueSql: "CAST(NULL AS BOOLEAN)" },
    ]);
    // large_list cannot come from arrow-js; Lance casts a list column into one.
    const lists = await db.createTable(`largelist_${tag}`, typeMatrixTable(1500, 0, v).selectAt([0, ...typeMatrixTable(1, 0, v).schema.fields.flatMap((f, i) => (f.name.startsWith("list_i32__") ? [i] : []))]), {
      dataStorageVersion: v,
    } as never);
    await lists.addColumns([
      { name: "large_list__nulls", valueSql: "arrow_cast(list_i32__nulls, 'LargeList(Int32)')" },
      { name: "large_list__random", valueSql: "arrow_cast(list_i32__random, 'LargeList(Int32)')" },
    ]);
    const large = await db.createTable(`large_${tag}`, largeValuesTable(300, 0), { dataStorageVersion: v } as never);
    await large.delete("id = 17");
    // Handed over in batches so that Lance writes several pages per column.
    const batches = [];
    for (let start = 0; start < BIG_ROWS; start += 110_000) batches.push(...bigTable(Math.min(110_000, BIG_ROWS - start), start).batches);
    const big = await db.createTable(`big_${tag}`, new Table(batches), { dataStorageVersion: v } as never);
    await big.delete("id % 1000 = 999");
  }
}

/** Creates the fixtures once per machine (and generator version); later calls reuse them. */
export async function matrixFixtures(): Promise<MatrixFixtures> {
  const hash = createHash("sha256").update(readFileSync(fileURLToPath(import.meta.url))).digest("hex").slice(0, 12);
  const root = join(tmpdir(), `lancets-matrix-${hash}`);
  // Fixtures of older generator versions are of no further use.
  for (const name of readdirSync(tmpdir())) {
    if (/^lancets-matrix-[0-9a-f]{12}$/.test(name) && name !== `lancets-matrix-${hash}`) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  const done = join(root, "READY");
  const lock = `${root}.lock`;
  for (;;) {
    if (existsSync(done)) return { dir: join(root, "db"), versions: STORAGE_VERSIONS };
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!existsSync(done)) {
      const staging = `${root}.staging`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      await build(join(staging, "db"));
      writeFileSync(join(staging, "READY"), "ok");
      rmSync(root, { recursive: true, force: true });
      renameSync(staging, root);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return { dir: join(root, "db"), versions: STORAGE_VERSIONS };
}
