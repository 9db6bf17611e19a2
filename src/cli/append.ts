// `lancets append <uri> --input data.arrow|data.jsonl`: appends rows (creating
// the dataset when it does not exist yet). Arrow IPC and JSON lines are read
// and written in batches, never held whole.

import { constants, createReadStream } from "node:fs";
import { access, open, type FileHandle } from "node:fs/promises";
import { Bool, DataType, Field, Float64, Int64, List, RecordBatchReader, Schema, Table, Type, Utf8, vectorFromArray, type RecordBatch, type Vector } from "apache-arrow";
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

/** Rows a JSON-lines batch holds at most. */
const JSON_BATCH_ROWS = 64 * 1024;
/** Characters of JSON text a batch holds at most (unless one line is longer). */
const JSON_BATCH_CHARS = 16 * 1024 * 1024;

/** The lines of a text file with their numbers (from 1), read piece by piece. */
async function* fileLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const decoder = new TextDecoder();
  let rest = "";
  let line = 0;
  const chunks = (async function* () {
    try {
      for await (const chunk of createReadStream(path)) yield chunk as Uint8Array;
    } catch (err) {
      throw new LanceError("NOT_FOUND", `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  })();
  for await (const chunk of chunks) {
    rest += decoder.decode(chunk, { stream: true });
    let at = 0;
    for (let end = rest.indexOf("\n", at); end >= 0; end = rest.indexOf("\n", at)) {
      line++;
      yield { text: rest.slice(at, end > at && rest[end - 1] === "\r" ? end - 1 : end), line };
      at = end + 1;
    }
    rest = rest.slice(at);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield { text: rest.endsWith("\r") ? rest.slice(0, -1) : rest, line: line + 1 };
}

function parseJsonLine(text: string, line: number, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = exactIntegers(JSON.parse(quoteBigIntegers(text)));
  } catch (err) {
    throw new LanceError("INVALID_INPUT", `${path} line ${line}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new LanceError("INVALID_INPUT", `${path} line ${line}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** The rows of a JSON-lines file in batches of at most JSON_BATCH_ROWS rows and about JSON_BATCH_CHARS characters. */
async function* jsonRowBatches(path: string): AsyncGenerator<JsonRows> {
  let batch: JsonRows = { rows: [], lines: [] };
  let chars = 0;
  for await (const { text, line } of fileLines(path)) {
    if (text.trim() === "") continue;
    batch.rows.push(parseJsonLine(text, line, path));
    batch.lines.push(line);
    chars += text.length;
    if (batch.rows.length >= JSON_BATCH_ROWS || chars >= JSON_BATCH_CHARS) {
      yield batch;
      batch = { rows: [], lines: [] };
      chars = 0;
    }
  }
  if (batch.rows.length > 0) yield batch;
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
      if (DataType.isList(t)) {
        if (!Array.isArray(value)) break;
        const item = t.children[0]!;
        return value.map((v, k) => convert(v, item, `${where}[${k}]`));
      }
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

/** What one column's values (or a list column's items) were, over all rows so far, with the first line of each kind. */
interface ColumnKinds {
  /** JSON kind (jsonKind) -> first line holding it */
  kinds: Map<string, number>;
  allBoolean: boolean;
  allInteger: boolean;
  anyUnquotedInteger: boolean;
  allNumber: boolean;
  allString: boolean;
  allArray: boolean;
  /** The items of the arrays, when values are arrays. */
  items?: ColumnKinds;
}

function newKinds(): ColumnKinds {
  return { kinds: new Map(), allBoolean: true, allInteger: true, anyUnquotedInteger: false, allNumber: true, allString: true, allArray: true };
}

function observe(c: ColumnKinds, value: unknown, line: number): void {
  if (value === null || value === undefined) return;
  const kind = jsonKind(value);
  if (!c.kinds.has(kind)) c.kinds.set(kind, line);
  c.allBoolean &&= typeof value === "boolean";
  const integer = isIntegerJson(value);
  c.allInteger &&= integer;
  c.anyUnquotedInteger ||= integer && typeof value !== "string";
  c.allNumber &&= typeof value === "number" || typeof value === "bigint";
  c.allString &&= typeof value === "string";
  c.allArray &&= Array.isArray(value);
  if (Array.isArray(value)) {
    c.items ??= newKinds();
    for (const item of value) observe(c.items, item, line);
  }
}

/** The column type the values seen call for; arrays of scalars become lists (an array of only nulls, a list of strings). */
function inferredType(c: ColumnKinds, name: string, path: string, nested: boolean): DataType {
  if (c.kinds.size === 0 && nested) return new Utf8();
  if (c.allArray && c.kinds.size > 0 && !nested) return new List(new Field("item", inferredType(c.items ?? newKinds(), `${name}[]`, path, true), true));
  if (c.allBoolean) return new Bool();
  if (c.allInteger && c.anyUnquotedInteger) return new Int64();
  if (c.allNumber) return new Float64();
  if (c.allString) return new Utf8();
  const seen = [...c.kinds].sort((a, b) => a[1] - b[1]);
  const where = seen.length >= 2 ? `: ${seen[0]![0]} on line ${seen[0]![1]}, ${seen[1]![0]} on line ${seen[1]![1]}` : seen.length === 1 ? `: ${seen[0]![0]} on line ${seen[0]![1]}` : "";
  throw new LanceError(
    "INVALID_INPUT",
    `${path}: column "${name}" mixes JSON types${where}; lancets infers one of boolean, integer, number or string per column, or an array of one of them (create the dataset from Arrow data for other types)`,
  );
}

/**
 * Column types for a new dataset from every value of a JSON-lines file, read
 * once without keeping the rows: booleans, integers (those beyond 2^53 may be
 * strings of digits, as lancets scan --json writes them), numbers or strings,
 * and arrays of those (list columns).
 */
async function inferSchema(path: string): Promise<{ schema: Schema; rows: number }> {
  const columns = new Map<string, ColumnKinds>();
  let rows = 0;
  for await (const batch of jsonRowBatches(path)) {
    rows += batch.rows.length;
    batch.rows.forEach((row, i) => {
      for (const [name, value] of Object.entries(row)) {
        let c = columns.get(name);
        if (!c) columns.set(name, (c = newKinds()));
        observe(c, value, batch.lines[i]!);
      }
    });
  }
  if (rows === 0) throw new LanceError("INVALID_INPUT", `${path} holds no rows`);
  const fields = [...columns].map(([name, c]) => new Field(name, inferredType(c, name, path, false), true));
  return { schema: new Schema(fields), rows };
}

/** The JSON-lines file as record batches of `schema`'s types, read batch by batch. */
async function* jsonBatches(path: string, schema: Schema, counted: { rows: number }): AsyncGenerator<RecordBatch> {
  for await (const rows of jsonRowBatches(path)) {
    counted.rows += rows.rows.length;
    yield* jsonTable(rows, schema, path).batches;
  }
}

export async function runAppend(uri: string, options: AppendCliOptions & StorageCliOptions, print: (text: string) => void): Promise<void> {
  try {
    await access(options.input, constants.R_OK);
  } catch (err) {
    throw new LanceError("NOT_FOUND", `cannot read ${options.input}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let existing;
  try {
    existing = await openDataset(uri, storageOf(options));
  } catch (err) {
    if (!(err instanceof LanceError && err.code === "NOT_FOUND")) throw err;
  }
  const counted = { rows: 0 };
  let data: Table | AsyncIterable<RecordBatch>;
  let close = async (): Promise<void> => undefined;
  if (/\.jsonl?$/i.test(options.input) || /\.ndjson$/i.test(options.input)) {
    // a new dataset's types come from a first pass over every value; the rows are then read and written batch by batch
    const schema = existing ? existing.schema : (await inferSchema(options.input)).schema;
    data = jsonBatches(options.input, schema, counted);
    if (existing) data = nonEmpty(data, options.input);
  } else {
    const ipc = await ipcBatches(options.input, counted);
    data = ipc.data;
    close = ipc.close;
  }
  let written;
  try {
    written = await writeDataset(uri, data, {
      ...storageOf(options),
      mode: existing ? "append" : "create",
      ...(options.dataStorageVersion ? { dataStorageVersion: options.dataStorageVersion as DataStorageVersion } : {}),
      ...(options.maxRowsPerFile ? { maxRowsPerFile: options.maxRowsPerFile } : {}),
    });
  } finally {
    await close();
  }
  const rows = (n: number): string => `${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"}`;
  print(`${existing ? "appended" : "created with"} ${rows(counted.rows)}: ${uri} is now at version ${written.version} with ${rows(written.countRows())}`);
}

function notArrow(path: string, err: unknown): LanceError {
  return new LanceError("INVALID_INPUT", `${path} is neither an Arrow IPC file or stream nor JSON lines (${err instanceof Error ? err.message : String(err)})`);
}

/**
 * An Arrow IPC file or stream read batch by batch (a file through its footer,
 * a stream message by message); a file or stream without batches is an empty
 * table of its schema.
 */
async function ipcBatches(path: string, counted: { rows: number }): Promise<{ data: Table | AsyncIterable<RecordBatch>; close: () => Promise<void> }> {
  let handle: FileHandle;
  try {
    handle = await open(path);
  } catch (err) {
    throw new LanceError("NOT_FOUND", `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let batches: AsyncIterator<RecordBatch>;
  let first: IteratorResult<RecordBatch>;
  let schema: Schema;
  try {
    const reader = await RecordBatchReader.from(handle);
    batches = reader[Symbol.asyncIterator]();
    first = await batches.next();
    schema = reader.schema;
  } catch (err) {
    await handle.close();
    throw err instanceof LanceError ? err : notArrow(path, err);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  if (first.done) {
    await close();
    return { data: new Table(schema), close };
  }
  const data = (async function* () {
    try {
      counted.rows += first.value.numRows;
      yield first.value;
      for (;;) {
        let next: IteratorResult<RecordBatch>;
        try {
          next = await batches.next();
        } catch (err) {
          throw notArrow(path, err);
        }
        if (next.done) return;
        counted.rows += next.value.numRows;
        yield next.value;
      }
    } finally {
      await close();
    }
  })();
  return { data, close };
}

/** The batches, or INVALID_INPUT naming the file when it holds no rows. */
async function* nonEmpty(batches: AsyncIterable<RecordBatch>, path: string): AsyncGenerator<RecordBatch> {
  let any = false;
  for await (const batch of batches) {
    any = true;
    yield batch;
  }
  if (!any) throw new LanceError("INVALID_INPUT", `${path} holds no rows`);
}
