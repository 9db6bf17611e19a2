// `lancets append <uri> --input data.arrow|data.jsonl`: appends rows (creating
// the dataset when it does not exist yet).

import { readFile } from "node:fs/promises";
import { Bool, DataType, Float64, Int64, Table, tableFromIPC, Type, Utf8, vectorFromArray, type Field, type Schema, type Vector } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { openDataset, writeDataset } from "../node/open-dataset.js";
import type { DataStorageVersion } from "../table/write.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

export interface AppendCliOptions {
  input: string;
  dataStorageVersion?: string;
  maxRowsPerFile?: number;
}

const BIG_INTEGER = "\u0000bigint:";
/** The same marker as JSON text (JSON strings cannot hold a raw NUL). */
const BIG_INTEGER_JSON = "\\u0000bigint:";

/**
 * JSON text with integers beyond 2^53 quoted and marked, so JSON.parse keeps
 * their digits (it would round 9007199254740993 to ...992); `exactIntegers`
 * turns the marked strings into BigInts.
 */
function quoteBigIntegers(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '"') {
      // copy the string literal as it is
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      out += line.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let j = i + 1;
      while (j < line.length && /[0-9.eE+-]/.test(line[j]!)) j++;
      const token = line.slice(i, j);
      out += /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${BIG_INTEGER_JSON}${token}"` : token;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function exactIntegers(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(BIG_INTEGER)) return BigInt(value.slice(BIG_INTEGER.length));
  if (Array.isArray(value)) return value.map(exactIntegers);
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = exactIntegers(v);
  }
  return value;
}

function describeJson(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return `${value} (out of range)`;
  return JSON.stringify(value);
}

function withArticle(type: string): string {
  return /^[AEIOU]/i.test(type) ? `an ${type}` : `a ${type}`;
}

interface JsonRows {
  rows: Record<string, unknown>[];
  /** The file line (from 1) of each row. */
  lines: number[];
}

function parseJsonLines(text: string, path: string): JsonRows {
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = exactIntegers(JSON.parse(quoteBigIntegers(line)));
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `${path} line ${i + 1}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new LanceError("INVALID_INPUT", `${path} line ${i + 1}: expected a JSON object`);
    rows.push(value as Record<string, unknown>);
    lines.push(i + 1);
  });
  if (rows.length === 0) throw new LanceError("INVALID_INPUT", `${path} holds no rows`);
  return { rows, lines };
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (typeof v === "bigint") return "a number";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function convert(value: unknown, field: Field, where: string): unknown {
  if (value === null || value === undefined) return null;
  const t = field.type;
  switch (t.typeId) {
    case Type.Int:
      if ((t as unknown as { bitWidth: number }).bitWidth === 64) {
        const signed = (t as unknown as { isSigned: boolean }).isSigned;
        let big: bigint | undefined;
        if (typeof value === "bigint") big = value;
        else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
        else if (typeof value === "string" && /^-?\d+$/.test(value)) big = BigInt(value);
        if (big !== undefined && (signed ? big >= -(2n ** 63n) && big < 2n ** 63n : big >= 0n && big < 2n ** 64n)) return big;
      } else if (typeof value === "number" && Number.isInteger(value)) return value;
      break;
    case Type.Float:
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "bigint") return Number(value);
      break;
    case Type.Bool:
      if (typeof value === "boolean") return value;
      break;
    case Type.Utf8:
    case Type.LargeUtf8:
      if (typeof value === "string") return value;
      break;
    case Type.Date:
    case Type.Timestamp:
      if (typeof value === "string" || typeof value === "number") {
        const d = new Date(value);
        if (!Number.isNaN(d.getTime())) return t.typeId === Type.Date ? d : d.getTime();
      }
      break;
    default:
      if (DataType.isStruct(t) && typeof value === "object") {
        return Object.fromEntries(t.children.map((c) => [c.name, convert((value as Record<string, unknown>)[c.name], c, `${where}.${c.name}`)]));
      }
      return value;
  }
  throw new LanceError("INVALID_INPUT", `${where}: ${describeJson(value)} is not ${withArticle(String(t))}`);
}

function jsonTable({ rows, lines }: JsonRows, schema: Schema, path: string): Table {
  const columns: Record<string, Vector> = {};
  for (const field of schema.fields) {
    const values = rows.map((r, i) => convert(r[field.name], field, `${path} line ${lines[i]} column "${field.name}"`));
    columns[field.name] = vectorFromArray(values as never, field.type as never) as Vector;
  }
  for (const [i, r] of rows.entries()) {
    for (const key of Object.keys(r)) {
      if (!schema.fields.some((f) => f.name === key)) throw new LanceError("INVALID_INPUT", `${path} line ${lines[i]}: column "${key}" is not in the dataset schema`);
    }
  }
  return new Table(columns);
}

function isIntegerJson(v: unknown): boolean {
  return typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v)) || (typeof v === "string" && /^-?\d+$/.test(v));
}

/** Column types for a new dataset from JSON values: integers, floats, booleans, strings. */
function inferTable({ rows, lines }: JsonRows, path: string): Table {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const values = rows.map((r) => r[name] ?? null);
    const present = values.filter((v) => v !== null);
    let type: DataType;
    if (present.every((v) => typeof v === "boolean")) type = new Bool();
    // integers, with those beyond 2^53 as strings of digits (as lancets scan --json writes them)
    else if (present.every(isIntegerJson) && present.some((v) => typeof v !== "string")) type = new Int64();
    else if (present.every((v) => typeof v === "number" || typeof v === "bigint")) type = new Float64();
    else if (present.every((v) => typeof v === "string")) type = new Utf8();
    else {
      const first = values.findIndex((v) => v !== null);
      const other = values.findIndex((v) => v !== null && jsonKind(v) !== jsonKind(values[first]));
      const where = other >= 0 ? `: ${jsonKind(values[first])} on line ${lines[first]}, ${jsonKind(values[other])} on line ${lines[other]}` : "";
      throw new LanceError("INVALID_INPUT", `${path}: column "${name}" mixes JSON types${where}; lancets infers one of boolean, integer, number or string per column (create the dataset from Arrow data for other types)`);
    }
    const typed = type instanceof Int64 ? values.map((v) => (v === null ? null : BigInt(v as number | bigint | string))) : type instanceof Float64 ? values.map((v) => (v === null ? null : Number(v))) : values;
    columns[name] = vectorFromArray(typed as never, type as never) as Vector;
  }
  return new Table(columns);
}

export async function runAppend(uri: string, options: AppendCliOptions & StorageCliOptions, print: (text: string) => void): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.input);
  } catch (err) {
    throw new LanceError("NOT_FOUND", `cannot read ${options.input}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let existing;
  try {
    existing = await openDataset(uri, storageOf(options));
  } catch (err) {
    if (!(err instanceof LanceError && err.code === "NOT_FOUND")) throw err;
  }
  let table: Table;
  if (/\.jsonl?$/i.test(options.input) || /\.ndjson$/i.test(options.input)) {
    const rows = parseJsonLines(new TextDecoder().decode(bytes), options.input);
    table = existing ? jsonTable(rows, existing.schema, options.input) : inferTable(rows, options.input);
  } else {
    try {
      table = tableFromIPC(bytes);
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `${options.input} is neither an Arrow IPC file or stream nor JSON lines (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const written = await writeDataset(uri, table, {
    ...storageOf(options),
    mode: existing ? "append" : "create",
    ...(options.dataStorageVersion ? { dataStorageVersion: options.dataStorageVersion as DataStorageVersion } : {}),
    ...(options.maxRowsPerFile ? { maxRowsPerFile: options.maxRowsPerFile } : {}),
  });
  const rows = (n: number): string => `${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"}`;
  print(`${existing ? "appended" : "created with"} ${rows(table.numRows)}: ${uri} is now at version ${written.version} with ${rows(written.countRows())}`);
}
