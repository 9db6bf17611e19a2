// Sorting index input larger than a memory budget: sorted runs that fit the
// budget are spilled to temporary Lance files in the store (chunk by chunk, so
// no file is larger than a chunk, and the store may be a browser's), then
// merged k ways; the merge hands out blocks of rows in the order of
// value-order.ts (nulls first, then ascending values, ties by row id), the
// order an in-memory sort gives.

import { Float64, makeData, type Data } from "apache-arrow";
import { concatData, dataByteSize, takeData } from "../../core/arrow-data.js";
import { CursorHeap } from "../../core/cursor-heap.js";
import { LanceError } from "../../core/errors.js";
import { openFileReader } from "../../file/open-file-reader.js";
import { writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { tableOf } from "../arrow-columns.js";
import { numericSortOrder, sortOrder, valueAccess } from "../value-order.js";
import { chunkKeys, compareKeys, type ChunkKeys } from "./merge-keys.js";

/** A sorted run: its chunk files, in order. */
export interface SortedRun {
  chunks: string[];
}

export interface SpillSpace {
  store: ObjectStore;
  /** Folder of the temporary files. */
  dir: string;
  /** Every file written and not yet removed. */
  live: Set<string>;
  written: number;
}

export function float64Data(values: Float64Array): Data {
  return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
}

/** Sorts rows in memory: the permutation of value-order.ts. */
export function sortRows(values: Data, rowIds: Float64Array): Int32Array {
  return numericSortOrder(values, rowIds) ?? sortOrder(valueAccess(values), rowIds, rowIds.length);
}

async function writeChunk(space: SpillSpace, values: Data, rowIds: Float64Array): Promise<string> {
  const path = `${space.dir}/chunk-${space.written++}.lance`;
  space.live.add(path);
  await writeArrowFile(
    space.store,
    path,
    tableOf([
      { name: "values", data: values, nullable: true },
      { name: "ids", data: float64Data(rowIds), nullable: false },
    ]),
  );
  return path;
}

/** Sorts the rows and writes them as one run of chunks of `chunkRows` rows. */
export async function spillRun(space: SpillSpace, values: Data, rowIds: Float64Array, chunkRows: number): Promise<SortedRun> {
  const order = sortRows(values, rowIds);
  const chunks: string[] = [];
  for (let at = 0; at < order.length; at += chunkRows) {
    const part = order.subarray(at, Math.min(order.length, at + chunkRows));
    const ids = new Float64Array(part.length);
    for (let i = 0; i < part.length; i++) ids[i] = rowIds[part[i]!]!;
    chunks.push(await writeChunk(space, takeData(values, part), ids));
  }
  return { chunks };
}

/** Reads a run chunk by chunk; each chunk file is removed once read. */
class RunCursor {
  values!: Data;
  rowIds!: Float64Array;
  keys!: ChunkKeys;
  pos = 0;
  private next = 0;

  constructor(
    private readonly space: SpillSpace,
    private readonly run: SortedRun,
  ) {}

  /** Loads the next chunk; false when the run is done. */
  async advance(): Promise<boolean> {
    if (this.next >= this.run.chunks.length) return false;
    const path = this.run.chunks[this.next++]!;
    const reader = await openFileReader(this.space.store, path);
    const [valuesField, idsField] = reader.schema.fields.filter((f) => f.parentId === -1);
    const data = await reader.readFields([valuesField!.id, idsField!.id]);
    await this.space.store.delete(path);
    this.space.live.delete(path);
    this.values = data.get(valuesField!.id)!;
    const ids = data.get(idsField!.id)!;
    const v = ids.values as Float64Array;
    this.rowIds = v.length === ids.length ? v : v.subarray(0, ids.length);
    this.keys = chunkKeys(this.values);
    this.pos = 0;
    return this.values.length > 0 || this.advance();
  }
}

/** a < b in (null first, value, row id) order. */
function before(a: RunCursor, b: RunCursor): boolean {
  const i = a.pos;
  const j = b.pos;
  const an = a.keys.isNull(i);
  const bn = b.keys.isNull(j);
  if (an !== bn) return an;
  if (!an) {
    const c = compareKeys(a.keys, i, b.keys, j);
    if (c !== 0) return c < 0;
  }
  return a.rowIds[i]! < b.rowIds[j]!;
}

/**
 * Collects merged rows into a block: the rows a block takes from one chunk
 * are consecutive, so the block is the concatenation of those pieces, put
 * in merge order by one take.
 */
class BlockBuilder {
  private pieces: { data: Data; start: number; count: number }[] = [];
  private readonly lastPiece = new Map<RunCursor, { data: Data; index: number }>();
  private readonly pieceOf: Int32Array;
  private readonly rowInPiece: Int32Array;
  private readonly rowIds: Float64Array;
  length = 0;

  constructor(readonly rows: number) {
    this.pieceOf = new Int32Array(rows);
    this.rowInPiece = new Int32Array(rows);
    this.rowIds = new Float64Array(rows);
  }

  add(cursor: RunCursor): void {
    let last = this.lastPiece.get(cursor);
    if (!last || last.data !== cursor.values) {
      last = { data: cursor.values, index: this.pieces.length };
      this.pieces.push({ data: cursor.values, start: cursor.pos, count: 0 });
      this.lastPiece.set(cursor, last);
    }
    const piece = this.pieces[last.index]!;
    this.pieceOf[this.length] = last.index;
    this.rowInPiece[this.length] = piece.count++;
    this.rowIds[this.length++] = cursor.rowIds[cursor.pos]!;
  }

  take(): { values: Data; rowIds: Float64Array } {
    const bases = new Int32Array(this.pieces.length);
    let total = 0;
    this.pieces.forEach((p, k) => {
      bases[k] = total;
      total += p.count;
    });
    const order = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) order[i] = bases[this.pieceOf[i]!]! + this.rowInPiece[i]!;
    const values = takeData(concatData(this.pieces.map((p) => p.data.slice(p.start, p.count))), order);
    const rowIds = this.rowIds.slice(0, this.length);
    this.pieces = [];
    this.lastPiece.clear();
    this.length = 0;
    return { values, rowIds };
  }
}

/** Merges sorted runs, handing out blocks of `blockRows` rows (the last may be shorter) in order. */
export async function mergeRuns(space: SpillSpace, runs: readonly SortedRun[], blockRows: number, onBlock: (values: Data, rowIds: Float64Array) => Promise<void> | void): Promise<void> {
  const cursors: RunCursor[] = [];
  for (const run of runs) {
    const cursor = new RunCursor(space, run);
    if (await cursor.advance()) cursors.push(cursor);
  }
  const heap = new CursorHeap(cursors, before);
  const block = new BlockBuilder(blockRows);
  while (heap.size > 0) {
    const top = heap.top()!;
    block.add(top);
    if (block.length === blockRows) {
      const { values, rowIds } = block.take();
      await onBlock(values, rowIds);
    }
    if (++top.pos >= top.values.length && !(await top.advance())) heap.removeTop();
    else heap.topChanged();
  }
  if (block.length > 0) {
    const { values, rowIds } = block.take();
    await onBlock(values, rowIds);
  }
}

/** Merges groups of at most `fanIn` runs into longer runs until at most `fanIn` remain. */
export async function reduceRuns(space: SpillSpace, runs: SortedRun[], fanIn: number, chunkRows: number): Promise<SortedRun[]> {
  if (fanIn < 2) throw new LanceError("INTERNAL", `merge fan-in ${fanIn} is below 2`);
  while (runs.length > fanIn) {
    const next: SortedRun[] = [];
    for (let at = 0; at < runs.length; at += fanIn) {
      const group = runs.slice(at, at + fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const chunks: string[] = [];
      await mergeRuns(space, group, chunkRows, async (values, rowIds) => {
        chunks.push(await writeChunk(space, values, rowIds));
      });
      next.push({ chunks });
    }
    runs = next;
  }
  return runs;
}

/** Decoded bytes of a batch of rows with their row ids. */
export function rowBytes(values: Data): number {
  return dataByteSize(values) + 8 * values.length;
}
