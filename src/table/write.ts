// Creating, appending to and overwriting datasets: Arrow data is split into
// data files (one fragment each) in the dataset's file version, then committed
// as an Append or Overwrite transaction.

import { makeData, RecordBatch, Schema, Struct, Table, tableFromJSON, vectorFromArray, type Data, type Field, type Vector } from "apache-arrow";
import { dataByteSize, decodeDictionaries, hasDictionary, withoutDictionaries } from "../core/arrow-data.js";
import { isArrowRecordBatch, isArrowTable } from "../core/arrow-shape.js";
import { findInvalidString } from "../core/arrow-utf8.js";
import { LanceError } from "../core/errors.js";
import { randomBytes } from "../core/random.js";
import { arrowToLanceFields, arrowToLogicalType, lanceToArrowSchema } from "../format/table/arrow-schema.js";
import { FLAG_STABLE_ROW_IDS } from "../format/table/feature-flags.js";
import { blobVersionOf } from "../format/file/blob-descriptions.js";
import { maxFragmentIdOf, nextFragmentId, updatedMaxFragmentId } from "../format/table/fragment-ids.js";
import { withNewRowIds } from "../format/table/row-ids.js";
import type { Fragment, IndexMetadata, LanceField, Manifest } from "../format/table/types.js";
import { planSeeds, type SeedPlugin } from "./seeds.js";
import { DataFileWriter } from "./data-file-writer.js";
import type { ObjectStore } from "../io/object-store.js";
import { checkWritableFor, commitTransaction, newTransactionUuid, removeQuietly, type CommitOptions, type OpenSnapshot } from "./commit.js";
import type { Snapshot } from "./snapshot.js";

export type WriteMode = "create" | "append" | "overwrite";
export type DataStorageVersion = "2.0" | "2.1" | "2.2";

export interface WriteOptions extends CommitOptions {
  mode?: WriteMode;
  /** Rows per data file (and fragment); default 1,048,576 as in Lance. */
  maxRowsPerFile?: number;
  /**
   * Bytes of column data per data file (and fragment) before the next one is
   * started; default and ceiling 1 GiB (Lance's default is 90 GB). A data
   * file is written as its pages fill, so this bounds the file, not the
   * memory a write holds. A single row larger than this gets a file of its own.
   */
  maxBytesPerFile?: number;
  /** File format of a new dataset (default "2.2"); appends use the dataset's own. */
  dataStorageVersion?: DataStorageVersion;
  /**
   * Top-level list columns a new dataset stores as Lance large_list (Arrow
   * LargeList, 64-bit offsets), which Arrow JS cannot name: the data is given
   * as List. Appends keep the dataset's own types (a large_list column takes
   * List data).
   */
  largeLists?: readonly string[];
}

export type WriteInput = Table | RecordBatch | Iterable<RecordBatch> | AsyncIterable<RecordBatch> | readonly Record<string, unknown>[];

const DEFAULT_MAX_ROWS_PER_FILE = 1024 * 1024;
const MAX_BYTES_PER_FILE = 1024 * 1024 * 1024;

const INPUT_SHAPES = "an apache-arrow Table, a RecordBatch, an (async) iterable of RecordBatches, or an array of row objects";

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? `an object (${(value as object).constructor?.name ?? "no prototype"})` : typeof value;
}

/** Plain row objects ({ column: value }) as a Table: of `schema`'s types when given (appends), else inferred. */
function rowsToTable(rows: readonly Record<string, unknown>[], schema: Schema | undefined): Table {
  if (!schema) return tableFromJSON(rows as Record<string, unknown>[]);
  const columns: Record<string, Vector> = {};
  for (const f of schema.fields) {
    try {
      columns[f.name] = vectorFromArray(rows.map((r) => r[f.name] ?? null) as never, f.type);
    } catch (err) {
      throw new LanceError("INVALID_INPUT", `column "${f.name}": the row values do not convert to ${String(f.type)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!schema.fields.some((f) => f.name === key)) throw new LanceError("INVALID_INPUT", `column "${key}" is not in the dataset schema (${schema.fields.map((d) => d.name).join(", ")})`);
    }
  }
  return new Table(columns);
}

function isRowObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isArrowRecordBatch(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

async function* rawBatchesOf(input: WriteInput, schema?: Schema): AsyncGenerator<RecordBatch> {
  if (isArrowTable(input)) {
    yield* input.batches;
  } else if (isArrowRecordBatch(input)) {
    yield input;
  } else if (Array.isArray(input) && input.length > 0 && input.every(isRowObject)) {
    yield* rowsToTable(input, schema).batches;
  } else if (typeof input === "object" && input !== null && (Symbol.asyncIterator in input || Symbol.iterator in input)) {
    let n = 0;
    for await (const item of input as AsyncIterable<unknown>) {
      if (!isArrowRecordBatch(item)) {
        throw new LanceError("INVALID_INPUT", `item ${n} of the data is ${describeValue(item)}, not a RecordBatch; data must be ${INPUT_SHAPES}`);
      }
      n++;
      yield item;
    }
  } else {
    throw new LanceError("INVALID_INPUT", `data must be ${INPUT_SHAPES}; got ${describeValue(input)}`);
  }
}

/** The schema data is stored with: dictionary-encoded columns hold their values (Lance reads them back as plain columns). */
function storedSchema(schema: Schema): Schema {
  if (!schema.fields.some((f) => hasDictionary(f.type))) return schema;
  return new Schema(
    schema.fields.map((f) => (hasDictionary(f.type) ? f.clone({ type: withoutDictionaries(f.type) }) : f)),
    schema.metadata,
  );
}

/** Input batches with dictionary-encoded columns decoded. */
async function* batchesOf(input: WriteInput, schema?: Schema): AsyncGenerator<RecordBatch> {
  for await (const batch of rawBatchesOf(input, schema)) {
    if (!batch.schema.fields.some((f) => hasDictionary(f.type))) {
      yield batch;
      continue;
    }
    const children = batch.data.children.map((c) => decodeDictionaries(c));
    const schema = new Schema(
      batch.schema.fields.map((f, i) => f.clone({ type: children[i]!.type })),
      batch.schema.metadata,
    );
    yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
  }
}

/** Data file names: 24 binary digits (3 random bytes) then 26 hex digits (13 random bytes). */
export function newDataFileName(): string {
  const b = randomBytes(16);
  let bits = "";
  for (let i = 0; i < 3; i++) bits += b[i]!.toString(2).padStart(8, "0");
  let hex = "";
  for (let i = 3; i < 16; i++) hex += b[i]!.toString(16).padStart(2, "0");
  return `${bits}${hex}.lance`;
}

/** Column names Lance keeps for the system columns of scans; it refuses them in a dataset schema. */
const LANCE_RESERVED_NAMES = new Set(["_rowid", "_rowaddr", "_rowoffset", "_row_created_at_version", "_row_last_updated_at_version"]);
/** Names of the columns searches add to their results; a new dataset may not use them either. */
const RESULT_COLUMN_NAMES = new Set(["_score", "_distance"]);

/**
 * Refuses top-level columns with reserved names (a scan's `_rowid` or
 * `_rowaddr` written back would make Lance fail on every query of the table).
 * `existing` holds the names the dataset already has, which an append may use.
 */
function checkReservedNames(schema: Schema, existing: ReadonlySet<string> = new Set()): void {
  for (const f of schema.fields) {
    const reserved = LANCE_RESERVED_NAMES.has(f.name) || (RESULT_COLUMN_NAMES.has(f.name) && !existing.has(f.name));
    if (reserved) {
      throw new LanceError(
        "INVALID_INPUT",
        `column "${f.name}" has a name Lance reserves for ${LANCE_RESERVED_NAMES.has(f.name) ? "system columns" : "search results"}; drop it or rename it before writing (a scan's _rowid/_rowaddr columns are not data)`,
      );
    }
  }
}

function describeType(field: Field): string {
  return `${String(field.type)}${field.nullable ? "" : " not null"}`;
}

/**
 * Checks that batches match the dataset schema, by name and Lance type;
 * returns the batch column for each top-level dataset field.
 */
function matchSchema(datasetSchema: Schema, batchSchema: Schema): number[] {
  checkReservedNames(batchSchema, new Set(datasetSchema.fields.map((f) => f.name)));
  const byName = new Map(batchSchema.fields.map((f, i) => [f.name, i] as const));
  for (const f of batchSchema.fields) {
    if (!datasetSchema.fields.some((d) => d.name === f.name)) {
      throw new LanceError("INVALID_INPUT", `column "${f.name}" is not in the dataset schema (${datasetSchema.fields.map((d) => d.name).join(", ")})`);
    }
  }
  return datasetSchema.fields.map((d) => {
    const index = byName.get(d.name);
    if (index === undefined) throw new LanceError("INVALID_INPUT", `column "${d.name}" is missing from the data`);
    const given = batchSchema.fields[index]!;
    const a = arrowToLogicalType(given.type, given.name);
    const b = arrowToLogicalType(d.type, d.name);
    if (a !== b || !sameChildren(given, d)) {
      throw new LanceError("INVALID_INPUT", `column "${d.name}" has type ${describeType(given)} but the dataset stores ${describeType(d)}`);
    }
    return index;
  });
}

function sameChildren(a: Field, b: Field): boolean {
  const ac: Field[] = a.type.children ?? [];
  const bc: Field[] = b.type.children ?? [];
  if (ac.length !== bc.length) return false;
  return ac.every((c, i) => c.name === bc[i]!.name && arrowToLogicalType(c.type, c.name) === arrowToLogicalType(bc[i]!.type, bc[i]!.name) && sameChildren(c, bc[i]!));
}

function checkNulls(field: Field, data: Data, path: string): void {
  if (!field.nullable && data.nullCount > 0) {
    throw new LanceError("INVALID_INPUT", `column "${path}" is not nullable but the data has ${data.nullCount} nulls`);
  }
  (field.type.children as Field[] | undefined)?.forEach((child, k) => {
    const c = data.children[k];
    if (c) checkNulls(child, c, `${path}.${child.name}`);
  });
}

/**
 * Refuses strings that are not valid UTF-8 before any of the batch is written, as Lance does
 * (Arrow validates what it imports): such bytes would make a data file Lance cannot read.
 */
function checkStrings(schema: Schema, batch: RecordBatch, firstRow: number): void {
  for (const field of schema.fields) {
    const index = batch.schema.fields.findIndex((f) => f.name === field.name);
    const found = index < 0 ? undefined : findInvalidString(batch.data.children[index]!, field.name);
    if (found) throw new LanceError("INVALID_INPUT", `column "${found.path}", row ${firstRow + found.slot}: the string is not valid UTF-8, which Lance refuses`);
  }
}

interface FileLimits {
  maxRowsPerFile: number;
  maxBytesPerFile: number;
}

/** Writes the input as data files; returns their fragments (ids not yet assigned). */
async function writeFragments(
  store: ObjectStore,
  input: WriteInput,
  lanceFields: LanceField[],
  schemaMetadata: Record<string, Uint8Array>,
  fileVersion: string,
  limits: FileLimits,
  seeds: { indices: readonly IndexMetadata[]; plugins: readonly SeedPlugin[] } = { indices: [], plugins: [] },
): Promise<Fragment[]> {
  const { maxRowsPerFile, maxBytesPerFile } = limits;
  const arrowSchema = lanceToArrowSchema(lanceFields, schemaMetadata);
  const seedTargets = fileVersion === "legacy" ? [] : planSeeds(seeds.indices, lanceFields, arrowSchema.fields, seeds.plugins);
  const fragments: Fragment[] = [];
  // the data file being written, and dataByteSize of the rows given to it
  let current: DataFileWriter | undefined;
  let currentBytes = 0;
  const flush = async (): Promise<void> => {
    if (!current) return;
    // a failed finish leaves `current` set, so the failure path aborts it
    fragments.push(await current.finish());
    current = undefined;
    currentBytes = 0;
  };
  try {
    await consume();
  } catch (err) {
    // the upload in progress is discarded; finished data files are removed
    await current?.abort().catch(() => undefined);
    await removeQuietly(store, dataFilePaths(fragments));
    throw err;
  }
  return fragments;

  async function consume(): Promise<void> {
  // rows of the input before the current batch, for error messages
  let inputRows = 0;
  for await (const batch of batchesOf(input, arrowSchema)) {
    checkStrings(arrowSchema, batch, inputRows);
    const order = matchSchema(arrowSchema, batch.schema);
    const bytesOf = (start: number, count: number): number => order.reduce((sum, i) => sum + dataByteSize(batch.data.children[i]!.slice(start, count)), 0);
    let start = 0;
    while (start < batch.numRows) {
      const rowsSoFar = current?.rows ?? 0;
      let take = Math.min(batch.numRows - start, maxRowsPerFile - rowsSoFar);
      let bytes = bytesOf(start, take);
      let full = rowsSoFar + take >= maxRowsPerFile;
      if (currentBytes + bytes > maxBytesPerFile) {
        // the most rows that still fit the file's byte budget (sizes grow with the row count)
        const room = maxBytesPerFile - currentBytes;
        let lo = 0;
        let hi = take - 1;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (bytesOf(start, mid) <= room) lo = mid;
          else hi = mid - 1;
        }
        if (lo === 0 && rowsSoFar > 0) {
          await flush();
          continue;
        }
        // a row larger than the whole budget gets a file of its own
        take = Math.max(lo, 1);
        bytes = bytesOf(start, take);
        full = true;
      }
      const columns = arrowSchema.fields.map((field, c) => {
        const data = batch.data.children[order[c]!]!.slice(start, take);
        checkNulls(field, data, field.name);
        return data;
      });
      current ??= await DataFileWriter.open(
        store,
        newDataFileName(),
        lanceFields,
        schemaMetadata,
        arrowSchema,
        fileVersion,
        seedTargets.map((t) => ({ fieldIndex: t.fieldIndex, writer: t.create() })),
      );
      await current.add(columns, take);
      currentBytes += bytes;
      start += take;
      if (full) await flush();
    }
    inputRows += batch.numRows;
  }
  await flush();
  }
}

function dataFilePaths(fragments: readonly Fragment[]): string[] {
  return fragments.flatMap((f) => f.files.map((d) => `data/${d.path}`));
}

function assignIds(fragments: Fragment[], firstId: number): Fragment[] {
  return fragments.map((f, i) => ({ ...f, id: firstId + i }));
}

async function openIfExists(open: OpenSnapshot, store: ObjectStore): Promise<Snapshot | undefined> {
  try {
    return await open(store);
  } catch (err) {
    if (err instanceof LanceError && err.code === "NOT_FOUND") return undefined;
    throw err;
  }
}

/**
 * The schema of the input, from its first batch, and the input to write: an
 * iterable's first batch is read ahead and the rest streamed after it, never
 * collected.
 */
async function firstBatchSchema(input: WriteInput): Promise<{ schema: Schema; input: WriteInput; close: () => Promise<void> }> {
  if (isArrowTable(input) || isArrowRecordBatch(input)) return { schema: storedSchema(input.schema), input, close: async () => undefined };
  const batches = batchesOf(input);
  const first = await batches.next();
  if (first.done) throw new LanceError("INVALID_INPUT", "no data: the input holds no record batches, so it has no schema");
  async function* again(): AsyncGenerator<RecordBatch> {
    try {
      yield first.value as RecordBatch;
      yield* batches;
    } finally {
      // a write that stops early closes the caller's iterator too
      await batches.return(undefined);
    }
  }
  return {
    schema: first.value.schema,
    input: again(),
    close: async () => {
      await batches.return(undefined);
    },
  };
}

/** The fields with the named top-level list columns made large_list; INVALID_INPUT for other names. */
function withLargeLists(fields: LanceField[], names: readonly string[]): LanceField[] {
  for (const name of names) {
    const field = fields.find((f) => f.parentId === -1 && f.name === name);
    if (!field) throw new LanceError("INVALID_INPUT", `largeLists names column "${name}", which the data does not have`);
    if (field.logicalType !== "list" && field.logicalType !== "list.struct") throw new LanceError("INVALID_INPUT", `largeLists names column "${name}" of type ${field.logicalType}; only list columns can be large lists`);
  }
  const large = new Set(names);
  return fields.map((f) => (f.parentId === -1 && large.has(f.name) ? { ...f, logicalType: `large_${f.logicalType}` } : f));
}

/** Writes `input` to the dataset in `store`; returns the new version. */
/**
 * Creates, appends to or overwrites the dataset in `store`. `seedPlugins` are
 * the index plugins that plant seeds in new data files for the indices the
 * dataset has (none: no seeds are planted).
 */
export async function writeDatasetTo(open: OpenSnapshot, store: ObjectStore, input: WriteInput, options: WriteOptions = {}, seedPlugins: readonly SeedPlugin[] = []): Promise<Snapshot> {
  const mode = options.mode ?? "create";
  const maxRowsPerFile = options.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
  if (!Number.isSafeInteger(maxRowsPerFile) || maxRowsPerFile <= 0) throw new LanceError("INVALID_INPUT", `maxRowsPerFile must be a positive integer, got ${options.maxRowsPerFile}`);
  const maxBytesPerFile = options.maxBytesPerFile ?? MAX_BYTES_PER_FILE;
  if (!Number.isSafeInteger(maxBytesPerFile) || maxBytesPerFile <= 0) throw new LanceError("INVALID_INPUT", `maxBytesPerFile must be a positive integer, got ${options.maxBytesPerFile}`);
  const limits: FileLimits = { maxRowsPerFile, maxBytesPerFile: Math.min(maxBytesPerFile, MAX_BYTES_PER_FILE) };
  if (options.dataStorageVersion !== undefined && !["2.0", "2.1", "2.2"].includes(options.dataStorageVersion)) {
    throw new LanceError("NOT_SUPPORTED", `data storage version ${options.dataStorageVersion} is not supported; use 2.0, 2.1 or 2.2`);
  }
  const existing = await openIfExists(open, store);
  if (mode === "create" && existing) throw new LanceError("INVALID_INPUT", `a dataset already exists at ${store.uri} (version ${existing.version}); use mode "append" or "overwrite"`);
  if (mode === "append" && !existing) throw new LanceError("NOT_FOUND", `no dataset at ${store.uri} to append to; use mode "create"`);
  // checked before any data file is written (the commit checks the latest version again)
  if (existing) checkWritableFor(mode === "append" ? "append" : "overwrite", existing);

  if (mode === "append") {
    const ds = existing!;
    const fileVersion = ds.dataStorageVersion;
    if (fileVersion === "legacy") {
      throw new LanceError(
        "NOT_SUPPORTED",
        `${store.uri} uses the legacy (v1) Lance file format, which lancets reads but does not write; rewrite the table in a 2.x file format first, e.g. writeDataset(uri, await ds.scan().toArrow(), { mode: "overwrite", dataStorageVersion: "2.0" }) or Lance's write_dataset(..., mode="overwrite", data_storage_version="stable")`,
      );
    }
    if (!["2.0", "2.1", "2.2", "mixed"].includes(fileVersion)) {
      throw new LanceError("NOT_SUPPORTED", `${store.uri} uses Lance file format ${fileVersion}, which lancets does not write (it writes 2.0, 2.1 and 2.2); nothing was appended`);
    }
    if (fileVersion === "mixed") {
      throw new LanceError(
        "NOT_SUPPORTED",
        `${store.uri} version ${ds.version} holds data files of several file versions (${[...new Set(ds.fragments().flatMap((f) => f.dataFiles.map((d) => d.fileVersion)))].join(", ")}); Lance refuses to write to it as well: check out an earlier version and restore it, or rewrite the table`,
      );
    }
    const blob = ds.manifest.fields.find((f) => f.parentId === -1 && blobVersionOf(f) !== undefined);
    if (blob) {
      throw new LanceError("NOT_SUPPORTED", `${store.uri} has blob column "${blob.name}" (blob v${blobVersionOf(blob)}), which lancets reads but does not write; nothing was appended`);
    }
    const fragments = await writeFragments(store, input, [...ds.manifest.fields], ds.manifest.schemaMetadata, fileVersion, limits, { indices: ds.indices, plugins: seedPlugins });
    if (fragments.length === 0) throw new LanceError("INVALID_INPUT", "no data: the input holds no rows");
    const txn = { readVersion: ds.version, uuid: newTransactionUuid(), operation: { kind: "append" as const, fragments } };
    return commitTransaction(open, store, txn, (latest, version) => {
      const base = latest!.manifest;
      const firstId = nextFragmentId(base);
      let added = assignIds(fragments, firstId);
      let nextRowId = base.nextRowId;
      if ((base.readerFeatureFlags & FLAG_STABLE_ROW_IDS) !== 0n) {
        added = added.map((f) => {
          const out = withNewRowIds(f, Number(nextRowId), version);
          nextRowId += BigInt(f.physicalRows);
          return out;
        });
      }
      const all = [...base.fragments, ...added];
      const manifest: Manifest = { ...base, fragments: all, maxFragmentId: updatedMaxFragmentId(maxFragmentIdOf(base), all), nextRowId };
      // a manifest that said legacy over 2.x files now names the version its files have, as Lance records it
      if (manifest.dataFormat?.version !== fileVersion) manifest.dataFormat = { fileFormat: "lance", version: fileVersion };
      return { manifest, indices: [...latest!.indices] };
    }, options, dataFilePaths(fragments));
  }

  // create or overwrite: the schema comes from the data
  const { schema, input: data, close } = await firstBatchSchema(input);
  let fields: LanceField[];
  try {
    checkReservedNames(schema);
    fields = withLargeLists(arrowToLanceFields(schema), options.largeLists ?? []);
  } catch (err) {
    // the input read ahead is closed, and the caller's iterator with it
    await close();
    throw err;
  }
  const schemaMetadata: Record<string, Uint8Array> = {};
  for (const [k, v] of schema.metadata) schemaMetadata[k] = new TextEncoder().encode(v);
  const fileVersion = options.dataStorageVersion ?? (existing && existing.dataStorageVersion.startsWith("2.") ? existing.dataStorageVersion : "2.2");
  const fragments = await writeFragments(store, data, fields, schemaMetadata, fileVersion, limits);
  const txn = {
    readVersion: existing?.version ?? 0,
    uuid: newTransactionUuid(),
    operation: { kind: "overwrite" as const, fragments, schema: fields, schemaMetadata },
  };
  return commitTransaction(
    open,
    store,
    txn,
    (latest) => {
      const stable = latest ? (latest.manifest.readerFeatureFlags & FLAG_STABLE_ROW_IDS) !== 0n : false;
      let added = assignIds(fragments, 0);
      let nextRowId = latest?.manifest.nextRowId ?? 0n;
      if (stable) {
        added = added.map((f) => {
          const out = withNewRowIds(f, Number(nextRowId), (latest?.version ?? 0) + 1);
          nextRowId += BigInt(f.physicalRows);
          return out;
        });
      }
      const manifest: Manifest = {
        fields,
        schemaMetadata,
        fragments: added,
        version: 0,
        timestamp: undefined,
        tag: "",
        readerFeatureFlags: 0n,
        writerFeatureFlags: 0n,
        // the high-water mark survives an overwrite, so ids are never reused
        maxFragmentId: updatedMaxFragmentId(latest ? maxFragmentIdOf(latest.manifest) : undefined, added),
        transactionFile: "",
        nextRowId,
        dataFormat: { fileFormat: "lance", version: fileVersion },
        config: latest ? { ...latest.manifest.config } : {},
        tableMetadata: latest ? { ...latest.manifest.tableMetadata } : {},
        basePaths: [],
      };
      // an overwrite drops every index
      return { manifest, indices: [] };
    },
    { ...options, createOnly: mode === "create" },
    dataFilePaths(fragments),
  );
}
