// `lancets append <uri> --input data.arrow|data.jsonl`: appends rows (creating
// the dataset when it does not exist yet).

import { readFile } from "node:fs/promises";
import { Bool, DataType, Float64, Int64, Table, tableFromIPC, Type, Utf8, vectorFromArray, type Field, type Schema, type Vector } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { openDataset, writeDataset } from "../node/open-dataset.js";
import type { DataStorageVersion } from "../table/write.js";

export interface AppendCliOptions {
  input: string;
  dataStorageVersion?: string;
  maxRowsPerFile?: number;
}

function parseJsonLines(text: string, path: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `${path} line ${i + 1}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new LanceError("INVALID_INPUT", `${path} line ${i + 1}: expected a JSON object`);
    rows.push(value as Record<string, unknown>);
  });
  if (rows.length === 0) throw new LanceError("INVALID_INPUT", `${path} holds no rows`);
  return rows;
}

function convert(value: unknown, field: Field, where: string): unknown {
  if (value === null || value === undefined) return null;
  const t = field.type;
  switch (t.typeId) {
    case Type.Int:
      if ((t as unknown as { bitWidth: number }).bitWidth === 64) {
        if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
        if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
      } else if (typeof value === "number" && Number.isInteger(value)) return value;
      break;
    case Type.Float:
      if (typeof value === "number") return value;
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
  throw new LanceError("INVALID_INPUT", `${where}: ${JSON.stringify(value)} is not a ${String(t)}`);
}

function jsonTable(rows: Record<string, unknown>[], schema: Schema, path: string): Table {
  const columns: Record<string, Vector> = {};
  for (const field of schema.fields) {
    const values = rows.map((r, i) => convert(r[field.name], field, `${path} line ${i + 1} column "${field.name}"`));
    columns[field.name] = vectorFromArray(values as never, field.type as never) as Vector;
  }
  for (const [i, r] of rows.entries()) {
    for (const key of Object.keys(r)) {
      if (!schema.fields.some((f) => f.name === key)) throw new LanceError("INVALID_INPUT", `${path} line ${i + 1}: column "${key}" is not in the dataset schema`);
    }
  }
  return new Table(columns);
}

/** Column types for a new dataset from JSON values: integers, floats, booleans, strings. */
function inferTable(rows: Record<string, unknown>[]): Table {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const values = rows.map((r) => r[name] ?? null);
    const present = values.filter((v) => v !== null);
    let type: DataType;
    if (present.every((v) => typeof v === "boolean")) type = new Bool();
    else if (present.every((v) => typeof v === "number" && Number.isInteger(v))) type = new Int64();
    else if (present.every((v) => typeof v === "number")) type = new Float64();
    else if (present.every((v) => typeof v === "string")) type = new Utf8();
    else throw new LanceError("INVALID_INPUT", `column "${name}" mixes JSON types; create the dataset from Arrow data instead`);
    columns[name] = vectorFromArray((type instanceof Int64 ? values.map((v) => (v === null ? null : BigInt(v as number))) : values) as never, type as never) as Vector;
  }
  return new Table(columns);
}

export async function runAppend(uri: string, options: AppendCliOptions, print: (text: string) => void): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.input);
  } catch (err) {
    throw new LanceError("NOT_FOUND", `cannot read ${options.input}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let existing;
  try {
    existing = await openDataset(uri);
  } catch (err) {
    if (!(err instanceof LanceError && err.code === "NOT_FOUND")) throw err;
  }
  let table: Table;
  if (/\.jsonl?$/i.test(options.input) || /\.ndjson$/i.test(options.input)) {
    const rows = parseJsonLines(new TextDecoder().decode(bytes), options.input);
    table = existing ? jsonTable(rows, existing.schema, options.input) : inferTable(rows);
  } else {
    try {
      table = tableFromIPC(bytes);
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `${options.input} is neither an Arrow IPC file or stream nor JSON lines (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const written = await writeDataset(uri, table, {
    mode: existing ? "append" : "create",
    ...(options.dataStorageVersion ? { dataStorageVersion: options.dataStorageVersion as DataStorageVersion } : {}),
    ...(options.maxRowsPerFile ? { maxRowsPerFile: options.maxRowsPerFile } : {}),
  });
  print(`${existing ? "appended" : "created with"} ${table.numRows} rows: ${uri} is now at version ${written.version} with ${written.countRows()} rows`);
}
