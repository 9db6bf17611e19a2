// BITMAP builds past a memory budget: each time the grouped rows fill the
// budget, their entries (key, RowAddrTreeMap) are written in key order as a
// run of temporary chunk files in the store; the runs are then merged k ways
// by key, the bitmaps of a key found in several runs joined into one, and the
// merged entries written on. A key's entry is the same whichever way it is
// made, so the lookup file equals the in-memory build's.

import type { Data } from "apache-arrow";
import { concatData, takeData } from "../../core/arrow-data.js";
import { CursorHeap } from "../../core/cursor-heap.js";
import { LanceError } from "../../core/errors.js";
import { GrowableArray } from "../../core/growable-array.js";
import { openFileReader } from "../../file/open-file-reader.js";
import { writeArrowFile } from "../../file/file-writer.js";
import { unionRowAddrTreeMaps } from "../../format/index/row-addr-map.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf } from "../arrow-columns.js";
import { chunkKeys, compareKeys, type ChunkKeys } from "../btree/merge-keys.js";
import type { EntrySink } from "./groups.js";
import { keyByteLength } from "./pages.js";

export interface EntrySpace {
  store: ObjectStore;
  /** Folder of the temporary files. */
  dir: string;
  /** Every file written and not yet removed. */
  live: Set<string>;
  written: number;
}

/** A run of entries in key order: its chunk files, in order. */
export interface EntryRun {
  chunks: string[];
}

/** A sink writing entries as chunk files of a run, a chunk per page. */
export class ChunkSink implements EntrySink {
  readonly run: EntryRun = { chunks: [] };
  private bitmaps: Uint8Array[] = [];
  private bytes = 0;

  constructor(
    private readonly space: EntrySpace,
    private readonly chunkBytes: number,
  ) {}

  add(keyBytes: number, bitmap: Uint8Array): boolean {
    this.bitmaps.push(bitmap);
    this.bytes += keyBytes + bitmap.byteLength;
    return this.bytes >= this.chunkBytes;
  }

  async closePage(keys: Data): Promise<void> {
    if (this.bitmaps.length === 0) return;
    const path = `${this.space.dir}/chunk-${this.space.written++}.lance`;
    this.space.live.add(path);
    const table = tableOf([
      { name: "keys", data: keys, nullable: true },
      { name: "bitmaps", data: binaryData(this.bitmaps), nullable: false },
    ]);
    this.bitmaps = [];
    this.bytes = 0;
    await writeArrowFile(this.space.store, path, table);
    this.run.chunks.push(path);
  }
}

/** Reads a run chunk by chunk; each chunk file is removed once read. */
class EntryCursor {
  keys!: Data;
  order!: ChunkKeys;
  private bitmapOffsets!: Int32Array;
  private bitmapBytes!: Uint8Array;
  pos = 0;
  private next = 0;

  constructor(
    private readonly space: EntrySpace,
    private readonly run: EntryRun,
    /** The run's place in input order: of equal keys, the earliest run's comes first. */
    readonly rank: number,
  ) {}

  async advance(): Promise<boolean> {
    if (this.next >= this.run.chunks.length) return false;
    const path = this.run.chunks[this.next++]!;
    const reader = await openFileReader(this.space.store, path);
    const [keysField, bitmapsField] = reader.schema.fields.filter((f) => f.parentId === -1);
    const data = await reader.readFields([keysField!.id, bitmapsField!.id]);
    await this.space.store.delete(path);
    this.space.live.delete(path);
    this.keys = data.get(keysField!.id)!;
    const bitmaps = data.get(bitmapsField!.id)!;
    this.bitmapOffsets = bitmaps.valueOffsets as Int32Array;
    this.bitmapBytes = bitmaps.values as Uint8Array;
    this.order = chunkKeys(this.keys);
    this.pos = 0;
    return this.keys.length > 0 || this.advance();
  }

  bitmap(): Uint8Array {
    return this.bitmapBytes.subarray(this.bitmapOffsets[this.pos]!, this.bitmapOffsets[this.pos + 1]!);
  }
}

/** Order of the cursors' current keys: null first, then ascending; 0 when equal. */
function compareCursorKeys(a: EntryCursor, b: EntryCursor): number {
  const an = a.order.isNull(a.pos);
  const bn = b.order.isNull(b.pos);
  if (an || bn) return an === bn ? 0 : an ? -1 : 1;
  return compareKeys(a.order, a.pos, b.order, b.pos);
}

function before(a: EntryCursor, b: EntryCursor): boolean {
  const c = compareCursorKeys(a, b);
  return c !== 0 ? c < 0 : a.rank < b.rank;
}

/**
 * The keys of a page taken from cursor chunks: the rows a page takes from one
 * chunk lie in one range of it, so the keys are the concatenated ranges put in
 * page order by one take.
 */
class KeyCollector {
  private pieces: { data: Data; start: number; end: number }[] = [];
  private readonly pieceOfData = new Map<Data, number>();
  private readonly pieceOf = new GrowableArray(Int32Array);
  private readonly rowOf = new GrowableArray(Int32Array);

  add(data: Data, row: number): void {
    let p = this.pieceOfData.get(data);
    if (p === undefined) {
      p = this.pieces.length;
      this.pieces.push({ data, start: row, end: row + 1 });
      this.pieceOfData.set(data, p);
    } else this.pieces[p]!.end = row + 1;
    this.pieceOf.push(p);
    this.rowOf.push(row);
  }

  get size(): number {
    return this.pieceOf.length;
  }

  take(): Data {
    const bases = new Int32Array(this.pieces.length);
    let total = 0;
    this.pieces.forEach((piece, k) => {
      bases[k] = total - piece.start;
      total += piece.end - piece.start;
    });
    const pieceOf = this.pieceOf.view();
    const rowOf = this.rowOf.view();
    const order = new Int32Array(pieceOf.length);
    for (let e = 0; e < order.length; e++) order[e] = bases[pieceOf[e]!]! + rowOf[e]!;
    const keys = takeData(concatData(this.pieces.map((p) => p.data.slice(p.start, p.end - p.start))), order);
    this.pieces = [];
    this.pieceOfData.clear();
    this.pieceOf.length = 0;
    this.rowOf.length = 0;
    return keys;
  }
}

/** Merges runs by key into `sink`: one entry per key, its bitmaps from every run joined. */
export async function mergeEntryRuns(space: EntrySpace, runs: readonly EntryRun[], sink: EntrySink): Promise<void> {
  const cursors: EntryCursor[] = [];
  for (const [rank, run] of runs.entries()) {
    const cursor = new EntryCursor(space, run, rank);
    if (await cursor.advance()) cursors.push(cursor);
  }
  const heap = new CursorHeap(cursors, before);
  const keys = new KeyCollector();
  const step = async (cursor: EntryCursor): Promise<void> => {
    if (++cursor.pos >= cursor.keys.length && !(await cursor.advance())) heap.removeTop();
    else heap.topChanged();
  };
  while (heap.size > 0) {
    const first = heap.top()!;
    const keyData = first.keys;
    const keyRow = first.pos;
    const keyBytes = first.order.isNull(keyRow) ? 0 : keyByteLength(keyData, keyRow);
    keys.add(keyData, keyRow);
    const bitmaps = [first.bitmap()];
    // the chunk stays readable after the cursor moves on: the collector holds its Data
    const keyOrder = first.order;
    await step(first);
    while (heap.size > 0 && sameKey(keyOrder, keyRow, heap.top()!)) {
      bitmaps.push(heap.top()!.bitmap());
      await step(heap.top()!);
    }
    if (sink.add(keyBytes, unionRowAddrTreeMaps(bitmaps, `${space.dir} (merged bitmaps)`))) await sink.closePage(keys.take());
  }
  if (keys.size > 0) await sink.closePage(keys.take());
}

function sameKey(order: ChunkKeys, row: number, cursor: EntryCursor): boolean {
  const an = order.isNull(row);
  const bn = cursor.order.isNull(cursor.pos);
  if (an || bn) return an && bn;
  return compareKeys(order, row, cursor.order, cursor.pos) === 0;
}

/** Merges groups of at most `fanIn` runs into longer runs until at most `fanIn` remain. */
export async function reduceEntryRuns(space: EntrySpace, runs: EntryRun[], fanIn: number, chunkBytes: number): Promise<EntryRun[]> {
  if (fanIn < 2) throw new LanceError("INTERNAL", `merge fan-in ${fanIn} is below 2`);
  while (runs.length > fanIn) {
    const next: EntryRun[] = [];
    for (let at = 0; at < runs.length; at += fanIn) {
      const group = runs.slice(at, at + fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const sink = new ChunkSink(space, chunkBytes);
      await mergeEntryRuns(space, group, sink);
      next.push(sink.run);
    }
    runs = next;
  }
  return runs;
}
