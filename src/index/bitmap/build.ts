// BITMAP segment file (Lance scalar index "bitmap", index_version 0):
//   bitmap_page_lookup.lance  keys T (nullable), bitmaps Binary (RowAddrTreeMap)
//   one row per distinct value, sorted, the null key first; metadata
//   lance:index_stats = {"num_bitmaps":N}; pages end once their keys and
//   bitmaps reach BITMAP_PAGE_BYTES (pages.ts).
// Within a memory budget the input is streamed and grouped by value; while it
// fits, the entries are written straight from the groups, past the budget
// they are spilled as sorted runs and merged by key (spill.ts). Both give the
// same file.

import type { DataType } from "apache-arrow";
import { LanceError } from "../../core/errors.js";
import { bitmapDetails } from "../../format/index/details.js";
import type { ObjectStore } from "../../io/object-store.js";
import { checkMemoryBytes } from "../btree/build.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingData, TrainingInput } from "../training.js";
import { ROW_BYTES, ValueGroups } from "./groups.js";
import { BITMAP_PAGE_BYTES, BitmapFileWriter } from "./pages.js";
import { ChunkSink, mergeEntryRuns, reduceEntryRuns, type EntryRun, type EntrySpace } from "./spill.js";

const LOOKUP_FILE = "bitmap_page_lookup.lance";

export interface BitmapBuildOptions {
  /** Memory budget in bytes for the grouped rows and the merge. */
  memoryBytes: number;
  /** Most runs merged at once (default 32). */
  maxFanIn?: number;
  /** Page size limit of the lookup file (default BITMAP_PAGE_BYTES). */
  pageBytes?: number;
  /** Further schema metadata of the lookup file. */
  metadata?: Record<string, string>;
  /** Extra global buffers of the lookup file; the caller may fill the array while the input is read. */
  globalBuffers?: Uint8Array[];
}

function built(sizeBytes: number): BuiltSegmentFiles {
  return { files: [{ path: LOOKUP_FILE, sizeBytes }], details: bitmapDetails(), indexVersion: 0 };
}

/** A BITMAP segment from training data held in memory. */
export async function buildBitmap(store: ObjectStore, dir: string, training: TrainingData, pageBytes = BITMAP_PAGE_BYTES): Promise<BuiltSegmentFiles> {
  const groups = new ValueGroups(training.values.type as DataType);
  groups.add(training.values, training.rowIds);
  const writer = new BitmapFileWriter(store, `${dir}/${LOOKUP_FILE}`, training.values.type as DataType, pageBytes);
  try {
    await groups.writeEntries(writer);
    return built(await writer.finish());
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}

/** The smallest budget a BITMAP build of pages of `pageBytes` accepts. */
export function minBitmapMemoryBytes(pageBytes = BITMAP_PAGE_BYTES): number {
  return 4 * pageBytes;
}

/**
 * A BITMAP segment from streamed input within `memoryBytes`: rows are
 * grouped until the groups hold a quarter of the budget, then spilled as a
 * run (the spill sorts and encodes, about as much again); the merge reads a
 * chunk of 1/128 of the budget from each of up to 32 runs.
 */
export async function buildBitmapStreaming(store: ObjectStore, dir: string, input: TrainingInput, options: BitmapBuildOptions): Promise<BuiltSegmentFiles> {
  const budget = checkMemoryBytes(options.memoryBytes);
  const pageBytes = options.pageBytes ?? BITMAP_PAGE_BYTES;
  if (budget < minBitmapMemoryBytes(pageBytes)) {
    throw new LanceError("INVALID_INPUT", `memoryBytes ${budget} is too small for a BITMAP build with pages of ${pageBytes} bytes; give at least ${minBitmapMemoryBytes(pageBytes)} bytes`);
  }
  const runBytes = Math.floor(budget / 4);
  const chunkBytes = Math.max(1, Math.floor(budget / 128));
  const fanIn = options.maxFanIn ?? 32;
  const space: EntrySpace = { store, dir: `${dir}/tmp-bitmap`, live: new Set(), written: 0 };
  const runs: EntryRun[] = [];
  // when the input's row count is known, a run's arrays are sized once: for the rows left, at most what a run holds
  const runRows = Math.max(1, Math.floor(runBytes / ROW_BYTES));
  let rowsLeft = input.maxRows;
  const newGroups = (): ValueGroups => new ValueGroups(input.valueType, rowsLeft === undefined ? undefined : Math.max(1, Math.min(runRows, rowsLeft)));
  let groups = newGroups();
  const spill = async (): Promise<void> => {
    const sink = new ChunkSink(space, chunkBytes);
    await groups.writeEntries(sink);
    runs.push(sink.run);
    groups = newGroups();
  };
  try {
    for await (const batch of input.batches()) {
      // slices of a batch, so that one batch never overfills a run
      const step = 8192;
      for (let at = 0; at < batch.rowIds.length; at += step) {
        const n = Math.min(step, batch.rowIds.length - at);
        if (groups.rows > 0 && groups.rows + n > runRows) await spill();
        if (rowsLeft !== undefined) rowsLeft = Math.max(0, rowsLeft - n);
        groups.add(n === batch.rowIds.length ? batch.values : batch.values.slice(at, n), batch.rowIds.subarray(at, at + n));
        if (groups.bytes >= runBytes) await spill();
      }
    }
    const writer = new BitmapFileWriter(store, `${dir}/${LOOKUP_FILE}`, input.valueType, pageBytes, options.metadata, options.globalBuffers);
    try {
      if (runs.length === 0) await groups.writeEntries(writer);
      else {
        if (groups.rows > 0) await spill();
        await mergeEntryRuns(space, await reduceEntryRuns(space, runs, fanIn, chunkBytes), writer);
      }
      return built(await writer.finish());
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  } finally {
    for (const path of space.live) await store.delete(path).catch(() => undefined);
  }
}
