// Seeded random tables and filters for differential query tests: every scalar
// type lancets filters on, nulls in every column, values repeated often enough
// that equality filters hit, and filters drawn from the values present.

import { Binary, Bool, DateDay, DateMillisecond, Decimal, Float32, Float64, Int16, Int32, Int64, Int8, makeData, makeVector, Table, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8, vectorFromArray, type DataType, type Vector } from "apache-arrow";

export type Rng = () => number;

interface ColumnSpec {
  name: string;
  /** A random value (or null). */
  value(r: Rng): unknown;
  vector(values: unknown[]): Vector;
  /** A SQL literal for a value of this column. */
  literal(v: unknown, r: Rng): string;
  /** A literal Lance refuses for this column, or undefined. */
  badLiteral?(r: Rng): string;
  kind: "int" | "float" | "string" | "bool" | "date" | "timestamp" | "decimal";
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function nullable(r: Rng, p: number, f: () => unknown): unknown {
  return r() < p ? null : f();
}

function validity(values: unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

function bigintVector(type: DataType, values: unknown[]): Vector {
  const data = BigInt64Array.from(values, (v) => (v === null ? 0n : (v as bigint)));
  return makeVector(makeData({ type, length: values.length, data, ...validity(values) } as never));
}

function decimalVector(type: Decimal, values: unknown[]): Vector {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v === null ? 0n : (v as bigint));
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return makeVector(makeData({ type, length: values.length, data: words, ...validity(values) } as never));
}

function intColumn(name: string, type: DataType, lo: number, hi: number, pool: number, nulls: number, bad: string[]): ColumnSpec {
  return {
    name,
    kind: "int",
    value: (r) => nullable(r, nulls, () => (pool > 0 ? lo + int(r, 0, pool) * Math.max(1, Math.floor((hi - lo) / pool)) : int(r, lo, hi))),
    vector: (vs) => vectorFromArray(vs as (number | null)[], type),
    literal: (v) => String(v),
    badLiteral: (r) => pick(r, bad),
  };
}

function bigColumn(name: string, type: DataType, signed: boolean): ColumnSpec {
  const pool = signed ? [-(2n ** 63n), -5n, 0n, 7n, 2n ** 53n + 1n, 2n ** 63n - 1n] : [0n, 7n, 2n ** 53n + 1n, 2n ** 63n + 9n, 2n ** 64n - 1n];
  return {
    name,
    kind: "int",
    value: (r) => nullable(r, 0.1, () => (r() < 0.5 ? pick(r, pool) : BigInt(int(r, -1000, 1000)) * (signed ? 1n : 0n) + BigInt(int(r, 0, 1000)))),
    vector: (vs) => (signed ? vectorFromArray(vs as (bigint | null)[], type) : bigintVector(type, vs)),
    // Lance refuses -9223372036854775808 in some positions and not in others
    literal: (v) => String(v === -(2n ** 63n) ? v + 1n : v),
    badLiteral: (r) => pick(r, signed ? ["9223372036854775808", "1.5", "'7'"] : ["-1", "18446744073709551616", "TRUE"]),
  };
}

function floatLiteral(v: number): string {
  const text = String(v);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

const WORDS = ["apple", "apricot", "banana", "band", "bandana", "Cherry", "cherry", "dátil", "date", "", "a_b", "a%b", "it's", "zebra", "ÄÖÜ", "日本"];

/** Column specs for a random table (row key `id` is added by randomTable). */
export const COLUMNS: ColumnSpec[] = [
  intColumn("i8", new Int8(), -128, 127, 20, 0.1, ["128", "-129", "2.5", "'1'"]),
  intColumn("i16", new Int16(), -32768, 32767, 0, 0.05, ["40000", "1e3"]),
  intColumn("i32", new Int32(), -1000, 1000, 50, 0.1, ["2147483648", "0.5", "TIMESTAMP '2020-01-01 00:00:00'"]),
  intColumn("u8", new Uint8(), 0, 255, 10, 0.2, ["-1", "256"]),
  intColumn("u16", new Uint16(), 0, 65535, 0, 0.1, ["-3"]),
  intColumn("u32", new Uint32(), 0, 4_000_000_000, 100, 0.1, ["4294967296", "-1"]),
  bigColumn("i64", new Int64(), true),
  bigColumn("u64", new Uint64(), false),
  {
    name: "f32",
    kind: "float",
    value: (r) => nullable(r, 0.1, () => Math.fround(r() < 0.3 ? pick(r, [0.1, -0.5, 1e-3, 3.25, 0, 1e30]) : (r() - 0.5) * 1000)),
    vector: (vs) => vectorFromArray(vs as (number | null)[], new Float32()),
    literal: (v, r) => (r() < 0.5 ? floatLiteral(v as number) : floatLiteral(Math.round((v as number) * 100) / 100)),
    badLiteral: () => "'1.5'",
  },
  {
    name: "f64",
    kind: "float",
    value: (r) => nullable(r, 0.1, () => (r() < 0.3 ? pick(r, [0.1, -0.5, 2.5e-300, 1e300, 0, 12.125]) : Math.round((r() - 0.5) * 1e6) / 64)),
    vector: (vs) => vectorFromArray(vs as (number | null)[], new Float64()),
    literal: (v) => floatLiteral(v as number),
    badLiteral: () => "TRUE",
  },
  {
    name: "b",
    kind: "bool",
    value: (r) => nullable(r, 0.15, () => r() < 0.4),
    vector: (vs) => vectorFromArray(vs as (boolean | null)[], new Bool()),
    literal: (v) => ((v as boolean) ? "TRUE" : "FALSE"),
    badLiteral: (r) => pick(r, ["1", "'true'"]),
  },
  {
    name: "s",
    kind: "string",
    value: (r) => nullable(r, 0.1, () => (r() < 0.7 ? pick(r, WORDS) : `w${int(r, 0, 300)}`)),
    vector: (vs) => vectorFromArray(vs as (string | null)[], new Utf8()),
    literal: (v) => `'${(v as string).replace(/'/g, "''")}'`,
    badLiteral: () => "5",
  },
  {
    name: "d",
    kind: "date",
    value: (r) => nullable(r, 0.1, () => new Date(Date.UTC(1969, 11, 1) + int(r, 0, 800) * 86_400_000)),
    vector: (vs) => vectorFromArray(vs as (Date | null)[], new DateDay()),
    literal: (v, r) => (r() < 0.8 ? `DATE '${(v as Date).toISOString().slice(0, 10)}'` : `TIMESTAMP '${(v as Date).toISOString().slice(0, 10)} 12:00:00'`),
    badLiteral: (r) => pick(r, ["'2020-01-01'", "7"]),
  },
  {
    name: "d64",
    kind: "date",
    value: (r) => nullable(r, 0.1, () => new Date(Date.UTC(2000, 0, 1) + int(r, 0, 60) * 86_400_000)),
    vector: (vs) => vectorFromArray(vs as (Date | null)[], new DateMillisecond()),
    literal: (v) => `DATE '${(v as Date).toISOString().slice(0, 10)}'`,
  },
  {
    name: "ts",
    kind: "timestamp",
    value: (r) => nullable(r, 0.1, () => BigInt(Date.UTC(2020, 0, 1)) * 1000n + BigInt(int(r, -50, 200)) * 1_234_567n),
    vector: (vs) => bigintVector(new Timestamp(TimeUnit.MICROSECOND), vs),
    literal: (v, r) => {
      const micros = (v as bigint) + (r() < 0.2 ? BigInt(int(r, -3, 3)) : 0n);
      const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
      const frac = String(((micros % 1000n) + 1000n) % 1000n).padStart(3, "0");
      return `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace("T", " ")}${frac}'`;
    },
    badLiteral: () => "'2020-01-01 00:00:00'",
  },
  {
    name: "tsns",
    kind: "timestamp",
    value: (r) => nullable(r, 0.1, () => BigInt(int(r, -100, 100)) * 500_000_000n + BigInt(int(r, 0, 2)) * 1000n),
    vector: (vs) => bigintVector(new Timestamp(TimeUnit.NANOSECOND), vs),
    literal: (v) => {
      const micros = (v as bigint) / 1000n;
      const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
      const frac = String(((micros % 1000n) + 1000n) % 1000n).padStart(3, "0");
      return `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace("T", " ")}${frac}'`;
    },
  },
  {
    name: "dec",
    kind: "decimal",
    value: (r) => nullable(r, 0.1, () => BigInt(int(r, -2000, 2000)) * (r() < 0.5 ? 100n : 1n)),
    vector: (vs) => decimalVector(new Decimal(2, 12, 128), vs),
    literal: (v, r) => {
      const x = v as bigint;
      if (x % 100n === 0n && r() < 0.5) return String(x / 100n);
      const abs = x < 0n ? -x : x;
      return `CAST('${x < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}' AS DECIMAL(12, 2))`;
    },
    badLiteral: () => "1.5",
  },
  {
    name: "bin",
    kind: "string",
    value: (r) => nullable(r, 0.1, () => new TextEncoder().encode(pick(r, WORDS))),
    vector: (vs) => vectorFromArray(vs as (Uint8Array | null)[], new Binary()),
    literal: () => "",
  },
];

/** Columns the random filters use (binary columns are only carried along). */
export const FILTER_COLUMNS = COLUMNS.filter((c) => c.name !== "bin");

export function randomTable(r: Rng, rows: number, firstId: number): { table: Table; values: Map<string, unknown[]> } {
  const values = new Map<string, unknown[]>();
  const vectors: Record<string, Vector> = { id: vectorFromArray(Array.from({ length: rows }, (_, i) => BigInt(firstId + i)), new Int64()) };
  for (const c of COLUMNS) {
    const vs = Array.from({ length: rows }, () => c.value(r));
    values.set(c.name, vs);
    vectors[c.name] = c.vector(vs);
  }
  return { table: new Table(vectors), values };
}

/**
 * A random filter over the columns, with literals drawn mostly from `values`.
 * Now and then a literal that does not convert to its column's type, which
 * Lance refuses -- except inside NOT, where Lance does not check literals (and
 * lancets still refuses), so none are generated there.
 */
export function randomFilter(r: Rng, values: Map<string, unknown[]>, depth = 0, negated = false): string {
  if (depth < 2 && r() < 0.35) {
    const roll = r();
    if (roll < 0.15) return `NOT (${randomFilter(r, values, depth + 1, true)})`;
    return `(${randomFilter(r, values, depth + 1, negated)}) ${roll < 0.6 ? "AND" : "OR"} (${randomFilter(r, values, depth + 1, negated)})`;
  }
  const c = pick(r, FILTER_COLUMNS);
  const present = values.get(c.name)!.filter((v) => v !== null);
  const lit = (): string => (present.length === 0 || r() < 0.05 ? "NULL" : c.literal(pick(r, present), r));
  if (c.badLiteral && !negated && r() < 0.04) return `${c.name} = ${c.badLiteral(r)}`;
  const roll = r();
  if (c.kind === "bool" && roll < 0.2) return r() < 0.5 ? c.name : `NOT ${c.name}`;
  if (c.kind === "bool" && roll < 0.3) return `${c.name} IS ${pick(r, ["TRUE", "FALSE", "NOT TRUE", "NOT FALSE"])}`;
  if (c.kind === "string" && roll < 0.25) {
    const base = present.length > 0 ? (pick(r, present) as string) : "a";
    const prefix = base.slice(0, int(r, 0, 3)).replace(/'/g, "''");
    const pattern = pick(r, [`${prefix}%`, `${prefix}%`, `%${prefix}`, `${prefix}_%`, `${prefix}`]);
    return `${c.name} ${pick(r, ["LIKE", "LIKE", "NOT LIKE", "ILIKE"])} '${pattern}'`;
  }
  if (roll < 0.4) return `${c.name} ${pick(r, ["=", "=", "!=", "<", "<=", ">", ">="])} ${lit()}`;
  if (roll < 0.5) return `${lit()} ${pick(r, ["=", "<", ">="])} ${c.name}`;
  if (roll < 0.65) return `${c.name} ${r() < 0.2 ? "NOT " : ""}BETWEEN ${lit()} AND ${lit()}`;
  if (roll < 0.8) return `${c.name} ${r() < 0.2 ? "NOT " : ""}IN (${Array.from({ length: int(r, 1, 4) }, lit).join(", ")})`;
  return `${c.name} IS ${r() < 0.5 ? "NOT " : ""}NULL`;
}
