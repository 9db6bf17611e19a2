// Cuts a column into pages bounded in bytes before encoding it, as Lance's
// writer does: Lance flushes a column's page once about 8 MiB of its values
// have accumulated (EncodingOptions.cache_bytes_per_column), and splits any
// array larger than max_page_bytes (32 MiB). A page here holds whole rows of
// at most PAGE_BYTES (by dataByteSize) unless a single row is larger, so a
// column of huge strings becomes many pages, never one page a reader must
// fetch and decode whole.

import { DataType, type Data } from "apache-arrow";
import { dataByteSize } from "../core/arrow-data.js";
import { encodeFieldV20 } from "../format/file/encode-v20.js";
import { encodeFieldV21 } from "../format/file/encode-v21.js";
import { encodeListPagesV21 } from "../format/file/encode-list-v21.js";
import { compactData } from "../format/file/leaf-values.js";
import type { EncodedColumn } from "../format/file/layout-writer.js";
import type { PageScratch } from "../format/file/page-scratch.js";

/** Bytes of column data a page aims to hold at most. */
export const PAGE_BYTES = 8 * 1024 * 1024;

export interface ColumnPageOptions {
  /** At most this many rows per page (default: no row limit). */
  rowsPerPage?: number;
  /** At most this many bytes (by dataByteSize) per page unless one row is larger (default PAGE_BYTES). */
  pageBytes?: number;
  /** Scratch memory reused from page to page while encoding (see PageScratch). */
  scratch?: PageScratch;
}

/** Row counts of consecutive pages of `data`: each within the row and byte limits, at least one row. */
export function pageRowCounts(data: Data, options: ColumnPageOptions = {}): number[] {
  const n = data.length;
  if (n === 0) return [0];
  const maxRows = options.rowsPerPage && options.rowsPerPage > 0 ? options.rowsPerPage : n;
  const maxBytes = options.pageBytes ?? PAGE_BYTES;
  const total = dataByteSize(data);
  if (total <= maxBytes && maxRows >= n) return [n];
  const perRow = Math.max(total / n, 1);
  const counts: number[] = [];
  for (let start = 0; start < n; ) {
    let take = Math.min(n - start, maxRows, Math.max(1, Math.floor(maxBytes / perRow)));
    // rows are not all alike: halve until the page fits (a row larger than the limit is a page of its own)
    while (take > 1 && dataByteSize(data.slice(start, take)) > maxBytes) take = Math.max(1, Math.floor(take / 2));
    counts.push(take);
    start += take;
  }
  return counts;
}

/**
 * Encodes one top-level field in pages bounded by rows and bytes, one page at
 * a time: each item is the columns of one page (one page per column).
 */
export function* encodeColumnPagesEach(name: string, data: Data, fileVersion: string, options: ColumnPageOptions = {}): Generator<EncodedColumn[]> {
  const counts = pageRowCounts(data, options);
  let start = 0;
  for (const count of counts) {
    const part = compactData(counts.length === 1 ? data : data.slice(start, count));
    start += count;
    yield encodePage(name, part, fileVersion, options.scratch);
  }
}

/** Encodes rows of one top-level field as one page of each column the field has (2.1/2.2 pages take their intermediate buffers from `scratch` when given). */
export function encodePage(name: string, data: Data, fileVersion: string, scratch?: PageScratch): EncodedColumn[] {
  if (fileVersion === "2.0") return encodeFieldV20(name, data);
  if (DataType.isList(data.type)) return [{ pages: encodeListPagesV21(name, data, fileVersion) }];
  return encodeFieldV21(name, data, fileVersion, scratch);
}

/** Encodes one top-level field in pages bounded by rows and bytes; the columns it makes, each with all its pages. */
export function encodeColumnPages(name: string, data: Data, fileVersion: string, options: ColumnPageOptions = {}): EncodedColumn[] {
  let merged: EncodedColumn[] | undefined;
  for (const encoded of encodeColumnPagesEach(name, data, fileVersion, options)) {
    if (!merged) merged = encoded;
    else encoded.forEach((c, k) => merged![k]!.pages.push(...c.pages));
  }
  return merged!;
}
