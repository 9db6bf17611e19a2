// The scan users run: plain scans of the table layer, filtered scans and
// full-text search, chosen by the options. Options are checked when the
// scanner is made, so a wrong one fails before any read.

import type { RecordBatch, Schema, Table } from "apache-arrow";
import type { Snapshot } from "../table/snapshot.js";
import { TableScanner, type ScanOptions } from "../table/scan.js";
import { filteredScan } from "./filtered-scan.js";
import { fullTextSearch } from "./full-text.js";

/** A scan of one dataset version: an async iterable of record batches with toArrow(). */
export class Scanner implements AsyncIterable<RecordBatch> {
  readonly schema: Schema;
  private readonly plain: TableScanner;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly options: ScanOptions = {},
  ) {
    this.plain = new TableScanner(snapshot, options);
    this.schema = this.plain.schema;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    if (this.options.fullTextSearch || this.options.filter !== undefined) {
      yield* (await this.toArrow()).batches;
      return;
    }
    yield* this.plain;
  }

  async toArrow(): Promise<Table> {
    const o = this.options;
    if (o.fullTextSearch) {
      return fullTextSearch(this.snapshot, o.fullTextSearch, {
        ...(o.columns ? { columns: o.columns } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        withRowAddress: o.withRowAddress ?? false,
        ...(o.filter !== undefined ? { filter: o.filter } : {}),
      });
    }
    if (o.filter !== undefined) return filteredScan(this.snapshot, o);
    return this.plain.toArrow();
  }
}
