// BTREE input that arrives in order (a column of ids or timestamps stored in
// order): while every batch is non-null and continues the order of the rows
// before it (by value, ties by row id), its rows go to page_data.lance as they
// come, pages of whole batches of batchSize rows (page-data.ts) cut across the
// input's batches, with no rows held or
// sorted. The pages are the ones a sort of the same rows gives. A batch that
// breaks the order (or has nulls) ends this: the caller aborts the file and
// builds the segment the general way.

import type { Data, DataType, Schema } from "apache-arrow";
import { concatData, takeData } from "../../core/arrow-data.js";
import { PagedFileWriter } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { DataCollector, uint64Data } from "../arrow-columns.js";
import type { TrainingBatch } from "../training.js";
import { numericKeys } from "../value-order.js";
import { batchesPerPage, pushBatchBounds } from "./page-data.js";

/** Whether rows [0, n) of (hi, lo, ids) are in order and come after the key (lastHi, lastLo, lastId); lastId -1: nothing before. */
function continuesOrder(hi: Uint32Array, lo: Uint32Array, ids: Float64Array, n: number, lastHi: number, lastLo: number, lastId: number): boolean {
  let h = lastHi;
  let l = lastLo;
  let id = lastId;
  for (let i = 0; i < n; i++) {
    const x = hi[i]!;
    const y = lo[i]!;
    const r = ids[i]!;
    if (x < h || (x === h && (y < l || (y === l && r <= id)))) return false;
    h = x;
    l = y;
    id = r;
  }
  return true;
}

export class OrderedPages {
  private writer: PagedFileWriter | undefined;
  private lastHi = 0;
  private lastLo = 0;
  private lastId = -1;
  /** Rows of the page being filled, as pieces of batches. */
  private pieces: Data[] = [];
  private pieceIds: Float64Array[] = [];
  private pending = 0;
  /** Rows written or pending. */
  rows = 0;
  /** Rows of a page of the file. */
  private readonly pageRows: number;
  readonly mins: DataCollector;
  readonly maxs: DataCollector;
  readonly nullCounts: number[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly path: string,
    private readonly schema: Schema,
    type: DataType,
    private readonly batchSize: number,
    private readonly fileVersion: string,
  ) {
    this.mins = new DataCollector(type);
    this.maxs = new DataCollector(type);
    this.pageRows = batchSize * batchesPerPage(type, batchSize);
  }

  /** Whether `batch` has no nulls and continues the order of the rows taken so far (then it is taken with `add`). */
  accepts(batch: TrainingBatch): boolean {
    const values = batch.values;
    if (values.nullCount > 0) return false;
    const keys = numericKeys(values);
    if (!keys) return false;
    const n = batch.rowIds.length;
    if (!continuesOrder(keys.hi, keys.lo, batch.rowIds, n, this.lastHi, this.lastLo, this.lastId)) return false;
    if (n > 0) {
      this.lastHi = keys.hi[n - 1]!;
      this.lastLo = keys.lo[n - 1]!;
      this.lastId = batch.rowIds[n - 1]!;
    }
    return true;
  }

  /** Takes an accepted batch: writes every page it completes. */
  async add(batch: TrainingBatch): Promise<void> {
    const n = batch.rowIds.length;
    this.rows += n;
    for (let at = 0; at < n; ) {
      const take = Math.min(n - at, this.pageRows - this.pending);
      this.pieces.push(at === 0 && take === n ? batch.values : batch.values.slice(at, take));
      this.pieceIds.push(batch.rowIds.subarray(at, at + take));
      this.pending += take;
      at += take;
      if (this.pending === this.pageRows) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const values = concatData(this.pieces);
    let ids = this.pieceIds[0]!;
    if (this.pieceIds.length > 1) {
      ids = new Float64Array(this.pending);
      let at = 0;
      for (const part of this.pieceIds) {
        ids.set(part, at);
        at += part.length;
      }
    }
    this.pieces = [];
    this.pieceIds = [];
    this.pending = 0;
    this.writer ??= await PagedFileWriter.open(this.store, this.path, this.schema, { fileVersion: this.fileVersion });
    await this.writer.addPage([values, uint64Data(ids)]);
    pushBatchBounds(values, this.batchSize, 0, this.mins, this.maxs, this.nullCounts);
  }

  /** Writes the last page and the file's tail; returns page_data's size in bytes. At least one row must have been taken. */
  async finish(): Promise<number> {
    if (this.pending > 0) await this.flush();
    return this.writer!.finish();
  }

  /** Discards the file begun. */
  async abort(): Promise<void> {
    this.pieces = [];
    this.pieceIds = [];
    await this.writer?.abort();
    this.writer = undefined;
  }
}
