// Index input: the values of one column over a set of fragments, live rows
// only, with their row ids (row addresses, or stable row ids when the dataset
// has them) and their physical offsets. Builders either load it whole
// (loadTrainingData) or stream it batch by batch (streamTrainingData), fragment
// by fragment and window by window as table scans read it.

import type { Data, DataType } from "apache-arrow";
import { concatData, nullData, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import type { LanceField } from "../format/table/types.js";
import type { Snapshot } from "../table/snapshot.js";
import { liveOffsets, readDeletedOffsets } from "../table/deletions.js";
import { readFragmentColumns, readStableRowIds, TableScanner, type ScanWindowing } from "../table/scan.js";

export interface FragmentRows {
  fragmentId: number;
  /** Live physical offsets, ascending. */
  offsets: Int32Array;
  /** Index of this fragment's first row in the combined arrays. */
  start: number;
}

export interface TrainingData {
  values: Data;
  rowIds: Float64Array;
  fragments: FragmentRows[];
}

export function resolveColumn(ds: Snapshot, column: string): { lance: LanceField; index: number } {
  const top = ds.manifest.fields.filter((f) => f.parentId === -1);
  const index = top.findIndex((f) => f.name === column);
  if (index < 0) throw new LanceError("INVALID_INPUT", `column "${column}" does not exist; the dataset has ${top.map((f) => f.name).join(", ")}`);
  return { lance: top[index]!, index };
}

export async function loadTrainingData(ds: Snapshot, column: string, fragmentIds: readonly number[], onRows?: (rows: number) => void): Promise<TrainingData> {
  const { lance, index } = resolveColumn(ds, column);
  const arrow = ds.schema.fields[index]!;
  const parts: Data[] = [];
  const ids: Float64Array[] = [];
  const fragments: FragmentRows[] = [];
  let total = 0;
  for (const id of fragmentIds) {
    const fragment = ds.manifest.fragments.find((f) => f.id === id);
    if (!fragment) throw new LanceError("NOT_FOUND", `fragment ${id} does not exist in version ${ds.version}`);
    const [columns, deleted, stable] = await Promise.all([
      readFragmentColumns(ds, fragment, [{ lance, arrow }]),
      readDeletedOffsets(ds.store, fragment),
      readStableRowIds(ds, fragment),
    ]);
    const offsets = liveOffsets(fragment.physicalRows, deleted);
    const data = columns.get(lance.id)!;
    parts.push(deleted.length > 0 ? takeData(data, offsets) : data);
    const rowIds = new Float64Array(offsets.length);
    for (let i = 0; i < offsets.length; i++) rowIds[i] = stable ? stable[offsets[i]!]! : fragment.id * 0x1_0000_0000 + offsets[i]!;
    ids.push(rowIds);
    fragments.push({ fragmentId: fragment.id, offsets, start: total });
    total += offsets.length;
    onRows?.(offsets.length);
  }
  const rowIds = new Float64Array(total);
  let at = 0;
  for (const part of ids) {
    rowIds.set(part, at);
    at += part.length;
  }
  return { values: parts.length > 0 ? concatData(parts) : nullData(arrow.type, 0), rowIds, fragments };
}

/** Consecutive live rows of one fragment. */
export interface TrainingBatch {
  fragmentId: number;
  values: Data;
  rowIds: Float64Array;
  /** Physical offsets of the rows in their fragment, ascending. */
  offsets: Int32Array;
}

/** The training input of one segment, read on demand: whole, or as a stream of batches. */
export interface TrainingInput {
  /** The Arrow type of the values. */
  readonly valueType: DataType;
  /** At most this many rows arrive (the fragments' physical rows), when known: lets a build size its buffers once. */
  readonly maxRows?: number;
  load(): Promise<TrainingData>;
  /** The batches; every call reads the input again from its start. */
  batches(options?: TrainingStreamOptions): AsyncIterable<TrainingBatch>;
}

/** Smaller batches and scan windows for a build whose per-row memory is large (full-text). */
export interface TrainingStreamOptions extends ScanWindowing {
  /** Rows per batch (default TRAINING_BATCH_ROWS). */
  batchRows?: number;
}

/** Rows per batch of a training stream (windows of the scan may be cut smaller). */
export const TRAINING_BATCH_ROWS = 1 << 16;

/** Low 32-bit words of UInt64 data (row addresses: the physical offsets). */
function words32(data: Data): Uint32Array {
  const v = data.values as ArrayBufferView;
  return new Uint32Array(v.buffer, v.byteOffset, data.length * 2);
}

/**
 * The batches of a column over `fragmentIds`, in that order: live rows only,
 * read window by window, so memory holds one scan window at a time.
 */
export async function* streamTrainingData(ds: Snapshot, column: string, fragmentIds: readonly number[], onRows?: (rows: number) => void, options: TrainingStreamOptions = {}): AsyncGenerator<TrainingBatch> {
  resolveColumn(ds, column);
  const { batchRows = TRAINING_BATCH_ROWS, ...windowing } = options;
  const scanner = new TableScanner(ds, { columns: [column], fragmentIds: [...fragmentIds], withRowId: true, withRowAddress: true, batchSize: batchRows }, windowing);
  for await (const batch of scanner) {
    const [values, ids, addresses] = batch.data.children as [Data, Data, Data];
    const n = batch.numRows;
    const idWords = words32(ids);
    const addrWords = words32(addresses);
    const rowIds = new Float64Array(n);
    const offsets = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      rowIds[i] = idWords[2 * i + 1]! * 0x1_0000_0000 + idWords[2 * i]!;
      offsets[i] = addrWords[2 * i]!;
    }
    onRows?.(n);
    yield { fragmentId: n > 0 ? addrWords[1]! : -1, values, rowIds, offsets };
  }
}

/**
 * The training input of a segment over `fragmentIds`; nothing is read until
 * asked. `onRows` hears of every row once, however often a build reads the
 * input: rows read again count only past the furthest any read reached.
 */
export function trainingInput(ds: Snapshot, column: string, fragmentIds: readonly number[], onRows?: (rows: number) => void): TrainingInput {
  const { index } = resolveColumn(ds, column);
  const wanted = new Set(fragmentIds);
  let maxRows = 0;
  for (const f of ds.manifest.fragments) if (wanted.has(f.id)) maxRows += f.physicalRows;
  let reported = 0;
  const counter = (): ((rows: number) => void) | undefined => {
    if (!onRows) return undefined;
    let read = 0;
    return (rows) => {
      read += rows;
      if (read > reported) {
        onRows(read - reported);
        reported = read;
      }
    };
  };
  return {
    valueType: ds.schema.fields[index]!.type,
    maxRows,
    load: () => loadTrainingData(ds, column, fragmentIds, counter()),
    batches: (options) => streamTrainingData(ds, column, fragmentIds, counter(), options),
  };
}
