// What the explorer shows of a dataset, as plain JSON that crosses the wire
// unchanged: one version's history, fragments (with the columns whose data
// files carry index seeds) and index segments, a page of the rows a filter
// matches with its plan, and full-text hits with their scores. The same
// functions answer `lancets explore`'s JSON API (Node) and the static page
// (browser entry), so both show the same values.

import type { Table } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { readFragmentSeeds } from "../table/fragment-seeds.js";
import type { FragmentInfo, IndexDescription, IndexSegmentInfo } from "../table/snapshot.js";
import { readVersionHistory, type VersionHistoryEntry } from "../table/version-history.js";
import type { Dataset } from "./dataset.js";

export interface FragmentOverview extends FragmentInfo {
  /** Columns whose data files carry an index seed; null when not read (more fragments than `maxSeedFragments`). */
  seeds: string[] | null;
}

export type SegmentOverview = Omit<IndexSegmentInfo, "createdAt"> & { createdAt: string | null; sizeBytes: number };

export type IndexOverview = Omit<IndexDescription, "segments"> & { segments: SegmentOverview[] };

export interface DatasetOverview {
  uri: string;
  version: number;
  latestVersion: number;
  timestamp: string | null;
  dataStorageVersion: string;
  numRows: number;
  schema: { name: string; type: string; nullable: boolean }[];
  versions: VersionHistoryEntry[];
  fragments: FragmentOverview[];
  indices: IndexOverview[];
}

export interface OverviewOptions {
  /** The newest versions listed (default 100). */
  maxVersions?: number;
  /** Seeds are read (one file tail per data file, remembered per store) for at most this many fragments (default 200); beyond, `seeds` is null. */
  maxSeedFragments?: number;
}

/** A JSON value for an Arrow cell: Int64 as a number when exact (else a string), binary as base64, times as ISO strings, non-finite floats as strings. */
export function jsonCell(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value >= -MAX_EXACT && value <= MAX_EXACT ? Number(value) : value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonCell);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, jsonCell);
  if (typeof value === "object") {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === "function") return jsonCell(toJSON.call(value));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonCell(v);
    return out;
  }
  return String(value);
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function rowsOf(table: Table): { columns: string[]; rows: unknown[][] } {
  const columns = table.schema.fields.map((f) => f.name);
  const vectors = columns.map((c) => table.getChild(c)!);
  const rows: unknown[][] = [];
  for (let i = 0; i < table.numRows; i++) rows.push(vectors.map((v) => jsonCell(v.get(i))));
  return { columns, rows };
}

/** Everything the explorer draws of one version. */
export async function readDatasetOverview(ds: Dataset, options: OverviewOptions = {}): Promise<DatasetOverview> {
  const maxSeedFragments = options.maxSeedFragments ?? 200;
  const fragments = ds.fragments();
  const [versions, latestVersion, seeds] = await Promise.all([
    readVersionHistory(ds.snapshot, options.maxVersions === undefined ? {} : { maxVersions: options.maxVersions }),
    ds.latestVersion(),
    fragments.length <= maxSeedFragments ? readFragmentSeeds(ds.snapshot) : Promise.resolve(undefined),
  ]);
  return {
    uri: ds.uri,
    version: ds.version,
    latestVersion,
    timestamp: ds.manifest.timestamp?.toISOString() ?? null,
    dataStorageVersion: ds.dataStorageVersion,
    numRows: ds.countRows(),
    schema: ds.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
    versions,
    fragments: fragments.map((f) => ({ ...f, seeds: seeds?.get(f.id) ?? null })),
    indices: ds.describeIndices().map((index) => ({
      ...index,
      segments: index.segments.map(({ createdAt, ...segment }) => ({
        ...segment,
        createdAt: createdAt?.toISOString() ?? null,
        sizeBytes: segment.files.reduce((s, f) => s + f.sizeBytes, 0),
      })),
    })),
  };
}

export interface QueryPageOptions {
  filter: string;
  /** Rows skipped before the page (default 0). */
  offset?: number;
  /** Rows in the page (default 50, at most 1000). */
  limit?: number;
  columns?: string[];
  useIndex?: boolean;
}

export interface QueryPage {
  filter: string;
  /** The plan (`Dataset.explain`): index segments used, fragments read and scanned. */
  explain: string;
  offset: number;
  /** Rows matching the filter in all. */
  numRows: number;
  columns: string[];
  rows: unknown[][];
}

function checkPaging(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new LanceError("INVALID_INPUT", `offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new LanceError("INVALID_INPUT", `limit must be an integer from 1 to 1000, got ${limit}`);
}

/** One page of the rows matching a filter, with its plan and the number of matches. */
export async function readQueryPage(ds: Dataset, options: QueryPageOptions): Promise<QueryPage> {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 50;
  checkPaging(offset, limit);
  const useIndex = options.useIndex ?? true;
  const [explain, numRows, table] = await Promise.all([
    ds.explain(options.filter),
    ds.countRows(options.filter, { useIndex }),
    ds.scan({ filter: options.filter, useIndex, limit: offset + limit, ...(options.columns ? { columns: options.columns } : {}) }).toArrow(),
  ]);
  const page = rowsOf(table.slice(offset, offset + limit));
  return { filter: options.filter, explain, offset, numRows, ...page };
}

export interface SearchPageOptions {
  query: string;
  /** The full-text indexed column (default: every one). */
  column?: string;
  /** Hits returned, best first (default 20, at most 1000). */
  limit?: number;
  filter?: string;
}

export interface SearchPage {
  query: string;
  columns: string[];
  rows: unknown[][];
  /** BM25 score of each row, as Lance scores it. */
  scores: number[];
}

/** The best full-text hits with their scores. */
export async function readSearchPage(ds: Dataset, options: SearchPageOptions): Promise<SearchPage> {
  const limit = options.limit ?? 20;
  checkPaging(0, limit);
  const table = await ds
    .scan({
      fullTextSearch: { query: options.query, ...(options.column ? { columns: [options.column] } : {}) },
      limit,
      ...(options.filter !== undefined ? { filter: options.filter } : {}),
    })
    .toArrow();
  const scoreColumn = table.getChild("_score");
  const scores: number[] = [];
  for (let i = 0; i < table.numRows; i++) scores.push(Number(scoreColumn?.get(i) ?? Number.NaN));
  const { columns, rows } = rowsOf(table.select(table.schema.fields.map((f) => f.name).filter((n) => n !== "_score")));
  return { query: options.query, columns, rows, scores };
}
