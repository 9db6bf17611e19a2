// Sorted runs of numeric BTREE input kept as order keys (key-sort.ts): a run
// that outgrows the budget is spilled as temporary chunk files of raw words,
// its null rows (row ids only, ascending) apart from its keyed rows; runs are
// merged k ways into blocks (nulls first, then keys, ties by row id), the
// order an in-memory sort gives.
//
// Chunk file: a null chunk is n row ids (float64, 8n bytes); a key chunk is
//   ids float64[n] | hi uint32[n] | lo uint32[n]   (16n bytes, little-endian)
// They live only for the build, in the segment's temporary folder.

import { CursorHeap } from "../../core/cursor-heap.js";
import { LanceError } from "../../core/errors.js";
import type { SpillSpace } from "./external-sort.js";
import type { KeyRows } from "./key-sort.js";
import { unpackRows, type PackedRows } from "./packed-sort.js";

/** A spilled run: its null chunks, then its key chunks, each in order. */
export interface KeyRun {
  nullChunks: string[];
  chunks: string[];
}

async function putChunk(space: SpillSpace, bytes: Uint8Array): Promise<string> {
  const path = `${space.dir}/chunk-${space.written++}.bin`;
  space.live.add(path);
  await space.store.put(path, bytes);
  return path;
}

function nullChunkBytes(ids: Float64Array): Uint8Array {
  return new Uint8Array(ids.slice().buffer);
}

function keyChunkBytes(rows: KeyRows, start: number, count: number): Uint8Array {
  const bytes = new Uint8Array(16 * count);
  new Float64Array(bytes.buffer, 0, count).set(rows.ids.subarray(start, start + count));
  new Uint32Array(bytes.buffer, 8 * count, count).set(rows.hi.subarray(start, start + count));
  new Uint32Array(bytes.buffer, 12 * count, count).set(rows.lo.subarray(start, start + count));
  return bytes;
}

/** Held rows once sorted: sorted blocks of key rows, merged as they are handed out, or one sorted sequence of packed rows. */
export type SortedKeys = readonly KeyRows[] | PackedRows;

/** Appends the rows of `sorted` to blocks in order, calling onBlock for each full block. */
async function emitKeys(sorted: SortedKeys, block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  if (!("layout" in sorted)) return mergeCursors(sorted.map(KeyCursor.inMemory), false, block, onBlock);
  for (let at = 0; at < sorted.length; ) {
    const take = Math.min(block.capacity - block.length, sorted.length - at);
    unpackRows(sorted, at, take, block.rows, block.length);
    block.length += take;
    at += take;
    if (block.full) await flush(block, onBlock);
  }
}

/** Spills sorted null row ids and sorted key rows as one run of chunks of `chunkRows` rows. */
export async function spillKeyRun(space: SpillSpace, nullIds: Float64Array, sorted: SortedKeys, chunkRows: number): Promise<KeyRun> {
  const run: KeyRun = { nullChunks: [], chunks: [] };
  for (let at = 0; at < nullIds.length; at += chunkRows) {
    run.nullChunks.push(await putChunk(space, nullChunkBytes(nullIds.subarray(at, Math.min(nullIds.length, at + chunkRows)))));
  }
  const out = new KeyBlock(chunkRows);
  const write = async (block: KeyBlock): Promise<void> => {
    run.chunks.push(await putChunk(space, keyChunkBytes(block.rows, 0, block.length)));
  };
  await emitKeys(sorted, out, write);
  if (out.length > 0) await flush(out, write);
  return run;
}

/** Rows appended one at a time or by ranges, handed out in blocks of `capacity` rows; nulls (row ids only) always come first in a block. */
export class KeyBlock {
  readonly rows: KeyRows;
  length = 0;
  nulls = 0;

  constructor(readonly capacity: number) {
    this.rows = { hi: new Uint32Array(capacity), lo: new Uint32Array(capacity), ids: new Float64Array(capacity) };
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  pushNull(id: number): void {
    this.rows.ids[this.length++] = id;
    this.nulls++;
  }

  push(hi: number, lo: number, id: number): void {
    const at = this.length++;
    this.rows.hi[at] = hi;
    this.rows.lo[at] = lo;
    this.rows.ids[at] = id;
  }

  clear(): void {
    this.length = 0;
    this.nulls = 0;
  }
}

/** Appends null row ids, then the sorted key rows, to blocks, calling onBlock for each full block (and the last, partial one). */
export async function emitSorted(nullIds: Float64Array, sorted: SortedKeys, block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  for (let at = 0; at < nullIds.length; ) {
    const take = Math.min(block.capacity - block.length, nullIds.length - at);
    block.rows.ids.set(nullIds.subarray(at, at + take), block.length);
    block.length += take;
    block.nulls += take;
    at += take;
    if (block.full) await flush(block, onBlock);
  }
  await emitKeys(sorted, block, onBlock);
  if (block.length > 0) await flush(block, onBlock);
}

async function flush(block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  await onBlock(block);
  block.clear();
}

/** Reads one section (nulls or keys) of a run chunk by chunk, each chunk file removed once read; or rows held in memory. */
class KeyCursor {
  hi: Uint32Array = new Uint32Array(0);
  lo: Uint32Array = new Uint32Array(0);
  ids: Float64Array = new Float64Array(0);
  pos = 0;
  length = 0;
  private next = 0;

  constructor(
    private readonly space: SpillSpace | undefined,
    private readonly chunks: readonly string[],
    private readonly nulls: boolean,
  ) {}

  /** A cursor over sorted key rows held in memory. */
  static inMemory(this: void, rows: KeyRows): KeyCursor {
    const cursor = new KeyCursor(undefined, [], false);
    cursor.hi = rows.hi;
    cursor.lo = rows.lo;
    cursor.ids = rows.ids;
    cursor.length = rows.ids.length;
    return cursor;
  }

  async advance(): Promise<boolean> {
    if (this.next >= this.chunks.length) return false;
    const path = this.chunks[this.next++]!;
    const space = this.space!;
    let bytes = await space.store.read(path);
    await space.store.delete(path);
    space.live.delete(path);
    const width = this.nulls ? 8 : 16;
    if (bytes.byteLength % width !== 0) throw new LanceError("CORRUPT_FILE", `temporary sort file ${path} has ${bytes.byteLength} bytes, not a whole number of ${width}-byte rows`);
    if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
    const n = bytes.byteLength / width;
    this.ids = new Float64Array(bytes.buffer, bytes.byteOffset, n);
    if (this.nulls) {
      // every null row has the same (zero) key, so row ids alone order them
      if (this.hi.length < n) {
        this.hi = new Uint32Array(n);
        this.lo = new Uint32Array(n);
      }
    } else {
      this.hi = new Uint32Array(bytes.buffer, bytes.byteOffset + 8 * n, n);
      this.lo = new Uint32Array(bytes.buffer, bytes.byteOffset + 12 * n, n);
    }
    this.pos = 0;
    this.length = n;
    return n > 0 || this.advance();
  }
}

function before(a: KeyCursor, b: KeyCursor): boolean {
  const i = a.pos;
  const j = b.pos;
  const x = a.hi[i]!;
  const y = b.hi[j]!;
  if (x !== y) return x < y;
  const u = a.lo[i]!;
  const v = b.lo[j]!;
  if (u !== v) return u < v;
  return a.ids[i]! < b.ids[j]!;
}

async function mergeSection(space: SpillSpace, sections: readonly (readonly string[])[], nulls: boolean, block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  const cursors: KeyCursor[] = [];
  for (const chunks of sections) {
    const cursor = new KeyCursor(space, chunks, nulls);
    if (await cursor.advance()) cursors.push(cursor);
  }
  await mergeCursors(cursors, nulls, block, onBlock);
}

/** Most cursors merged by picking the least head row by row; more go through a heap. */
const FEW_CURSORS = 4;

/**
 * Moves rows from a few cursors (each positioned on a row) into `block`, the
 * least head first, until the block is full or a cursor has no row left in
 * memory; returns that cursor, or undefined when the block filled. Rows are
 * written straight into the block's arrays: with random keys the least head
 * changes almost every row, and this loop keeps that to a few compares.
 */
function fillFromFew(cursors: readonly KeyCursor[], nulls: boolean, block: KeyBlock): KeyCursor | undefined {
  const { hi: outHi, lo: outLo, ids: outIds } = block.rows;
  const k = cursors.length;
  const start = block.length;
  let len = start;
  let emptied: KeyCursor | undefined;
  while (len < block.capacity) {
    // the least head, and the least of the other heads (second), to take a run of rows below it at once
    let best = cursors[0]!;
    let at = best.pos;
    let bh = best.hi[at]!;
    let bl = best.lo[at]!;
    let bi = best.ids[at]!;
    let sh = Infinity;
    let sl = 0;
    let si = 0;
    for (let c = 1; c < k; c++) {
      const x = cursors[c]!;
      const p = x.pos;
      const h = x.hi[p]!;
      if (h > sh) continue;
      const l = x.lo[p]!;
      const i = x.ids[p]!;
      if (h < bh || (h === bh && (l < bl || (l === bl && i < bi)))) {
        sh = bh;
        sl = bl;
        si = bi;
        best = x;
        at = p;
        bh = h;
        bl = l;
        bi = i;
      } else if (h < sh || l < sl || (l === sl && i < si)) {
        sh = h;
        sl = l;
        si = i;
      }
    }
    const { hi, lo, ids } = best;
    const end = Math.min(best.length, at + block.capacity - len);
    outHi[len] = bh;
    outLo[len] = bl;
    outIds[len++] = bi;
    at++;
    // further rows of the same cursor while they stay below the second head
    while (at < end) {
      const h = hi[at]!;
      if (h > sh) break;
      const l = lo[at]!;
      const i = ids[at]!;
      if (h === sh && (l > sl || (l === sl && i > si))) break;
      outHi[len] = h;
      outLo[len] = l;
      outIds[len++] = i;
      at++;
    }
    best.pos = at;
    if (at >= best.length) {
      emptied = best;
      break;
    }
  }
  block.length = len;
  if (nulls) block.nulls += len - start;
  return emptied;
}

/** Merges cursors (each positioned on a row, or empty) into `block`, calling onBlock for each full block. */
async function mergeCursors(all: KeyCursor[], nulls: boolean, block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  const active = all.filter((c) => c.pos < c.length);
  if (active.length > FEW_CURSORS) return mergeCursorsByHeap(active, nulls, block, onBlock);
  while (active.length > 0) {
    const emptied = fillFromFew(active, nulls, block);
    if (block.full) await flush(block, onBlock);
    if (emptied && !(await emptied.advance())) active.splice(active.indexOf(emptied), 1);
  }
}

async function mergeCursorsByHeap(active: KeyCursor[], nulls: boolean, block: KeyBlock, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  const heap = new CursorHeap(active, before);
  while (heap.size > 0) {
    const top = heap.top()!;
    // take the top run's rows for as long as they come before every other run's next row
    const second = heap.second();
    const { hi, lo, ids } = top;
    let pos = top.pos;
    const end = top.length;
    do {
      if (nulls) block.pushNull(ids[pos]!);
      else block.push(hi[pos]!, lo[pos]!, ids[pos]!);
      top.pos = ++pos;
      if (block.full) await flush(block, onBlock);
    } while (pos < end && (second === undefined || before(top, second)));
    if (pos >= end && !(await top.advance())) heap.removeTop();
    else heap.topChanged();
  }
}

/**
 * Merges runs: their null sections, then their key sections, into blocks
 * (onBlock is called for each full block). With `splitSections` a block
 * never holds rows of both sections (for runs written back as chunks);
 * the last, partial block is handed out at the end either way.
 */
export async function mergeKeyRuns(space: SpillSpace, runs: readonly KeyRun[], block: KeyBlock, splitSections: boolean, onBlock: (block: KeyBlock) => Promise<void>): Promise<void> {
  await mergeSection(
    space,
    runs.map((r) => r.nullChunks),
    true,
    block,
    onBlock,
  );
  if (splitSections && block.length > 0) await flush(block, onBlock);
  await mergeSection(
    space,
    runs.map((r) => r.chunks),
    false,
    block,
    onBlock,
  );
  if (block.length > 0) await flush(block, onBlock);
}

/** Merges groups of at most `fanIn` runs into longer runs until at most `fanIn` remain. */
export async function reduceKeyRuns(space: SpillSpace, runs: KeyRun[], fanIn: number, chunkRows: number): Promise<KeyRun[]> {
  if (fanIn < 2) throw new LanceError("INTERNAL", `merge fan-in ${fanIn} is below 2`);
  while (runs.length > fanIn) {
    const next: KeyRun[] = [];
    for (let at = 0; at < runs.length; at += fanIn) {
      const group = runs.slice(at, at + fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const merged: KeyRun = { nullChunks: [], chunks: [] };
      await mergeKeyRuns(space, group, new KeyBlock(chunkRows), true, async (block) => {
        if (block.nulls === block.length) merged.nullChunks.push(await putChunk(space, nullChunkBytes(block.rows.ids.subarray(0, block.length))));
        else merged.chunks.push(await putChunk(space, keyChunkBytes(block.rows, 0, block.length)));
      });
      next.push(merged);
    }
    runs = next;
  }
  return runs;
}
