// The Dataset users hold: one version of a Lance dataset and everything that
// can be done with it. It composes the lower layers by plain calls: the
// table layer's Snapshot (manifest, fragments, store) for reading, writing
// and committing; query/ for filters and full-text search; index/ and
// distributed/ for index segments, with the index plugins of its Engine.

import type { Schema, Table } from "apache-arrow";
import type { ManifestNamingScheme } from "../format/table/version-names.js";
import type { IndexMetadata, LanceField, Manifest } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { optimizeIndices, type OptimizeOptions, type OptimizeReport } from "../index/optimize.js";
import type { IndexParams } from "../index/plugins.js";
import type { IndexSegment } from "../index/segment.js";
import {
  commitExistingIndexSegments,
  createIndexUncommitted,
  dropIndex,
  mergeExistingIndexSegments,
  type CommitSegmentsOptions,
  type CreateIndexUncommittedOptions,
} from "../index/segments-api.js";
import { countMatching, explainFilter } from "../query/filtered-scan.js";
import { Scanner } from "../query/scanner.js";
import { readBlobs, type ReadBlobsOptions } from "../table/blobs.js";
import { cleanupUnreferenced, type CleanupOptions, type CleanupResult } from "../table/cleanup.js";
import type { CountOptions, ScanOptions } from "../table/scan.js";
import { Snapshot, type FragmentInfo, type IndexDescription, type OpenOptions, type VersionInfo } from "../table/snapshot.js";
import { takeRows, type TakeOptions } from "../table/take.js";
import { writeDatasetTo, type WriteInput, type WriteOptions } from "../table/write.js";
import { createScalarIndex, type CreateScalarIndexOptions } from "../distributed/build-index.js";
import { createEngine, type Engine } from "./engine.js";

export interface DatasetOpenOptions extends OpenOptions {
  /** Index plugins and other wiring (default: createEngine()). */
  engine?: Engine;
}

export interface OptimizeResult {
  dataset: Dataset;
  indices: OptimizeReport[];
}

export class Dataset {
  /** Wraps one version; `Dataset.open` and the write functions make them. */
  constructor(
    readonly snapshot: Snapshot,
    readonly engine: Engine,
  ) {}

  static async open(store: ObjectStore, options: DatasetOpenOptions = {}): Promise<Dataset> {
    const { engine, ...open } = options;
    return new Dataset(await Snapshot.open(store, open), engine ?? createEngine());
  }

  /** Creates, appends to or overwrites the dataset in `store`; returns the new version. */
  static async write(store: ObjectStore, data: WriteInput, options: WriteOptions = {}, engine: Engine = createEngine()): Promise<Dataset> {
    const snapshot = await writeDatasetTo((s, o) => Snapshot.open(s, o), store, data, options, engine.indexPlugins);
    return new Dataset(snapshot, engine);
  }

  private wrap(snapshot: Snapshot): Dataset {
    return snapshot === this.snapshot ? this : new Dataset(snapshot, this.engine);
  }

  // ---- the version: metadata ----

  get store(): ObjectStore {
    return this.snapshot.store;
  }

  get uri(): string {
    return this.snapshot.uri;
  }

  get version(): number {
    return this.snapshot.version;
  }

  get manifest(): Manifest {
    return this.snapshot.manifest;
  }

  /** Every index segment in this version, system indices included. */
  get indices(): readonly IndexMetadata[] {
    return this.snapshot.indices;
  }

  get manifestPath(): string {
    return this.snapshot.manifestPath;
  }

  get namingScheme(): ManifestNamingScheme {
    return this.snapshot.namingScheme;
  }

  /** "2.0", "2.1", "2.2", "legacy" or "mixed" (see Snapshot.dataStorageVersion). */
  get dataStorageVersion(): string {
    return this.snapshot.dataStorageVersion;
  }

  get lanceFields(): readonly LanceField[] {
    return this.snapshot.lanceFields;
  }

  get schema(): Schema {
    return this.snapshot.schema;
  }

  /** Throws unless lancets may write a version on top of this one. */
  checkWritable(): void {
    this.snapshot.checkWritable();
  }

  fragments(): FragmentInfo[] {
    return this.snapshot.fragments();
  }

  fieldById(id: number): LanceField | undefined {
    return this.snapshot.fieldById(id);
  }

  /** Dotted path of a field ("a.b" for a struct child). */
  fieldPath(id: number): string {
    return this.snapshot.fieldPath(id);
  }

  /** The kind of an index segment: BTREE, BITMAP, ZONEMAP, FTS, VECTOR, ... */
  indexType(index: IndexMetadata): string {
    return this.snapshot.indexType(index);
  }

  /** Why lancets never uses this segment, or undefined when it may. */
  unusableIndexReason(index: IndexMetadata): string | undefined {
    return this.snapshot.unusableIndexReason(index);
  }

  /** User-visible indexes grouped by name, with their segments and coverage. */
  describeIndices(): IndexDescription[] {
    return this.snapshot.describeIndices();
  }

  /** The per-version statistics Lance reports with each version. */
  versionSummary(): Record<string, string> {
    return this.snapshot.versionSummary();
  }

  // ---- versions ----

  async latestVersion(): Promise<number> {
    return this.snapshot.latestVersion();
  }

  async checkout(version: number): Promise<Dataset> {
    return this.wrap(await this.snapshot.checkout(version));
  }

  async listVersions(): Promise<VersionInfo[]> {
    return this.snapshot.listVersions();
  }

  // ---- reading ----

  /** Rows visible in this version (physical rows minus deleted rows), from metadata alone. */
  countRows(): number;
  /** Rows matching a filter (using index segments where they help, unless `useIndex: false`). */
  countRows(filter: string, options?: CountOptions): Promise<number>;
  countRows(filter?: string, options: CountOptions = {}): number | Promise<number> {
    if (filter !== undefined) return countMatching(this.snapshot, filter, options);
    return this.snapshot.countRows();
  }

  /** How a filter would run: which index segments answer which predicates, which fragments are scanned. */
  async explain(filter: string): Promise<string> {
    return explainFilter(this.snapshot, filter);
  }

  /** Scans the dataset into Arrow record batches (an async iterable with toArrow()); with `filter` or `fullTextSearch`, a query. */
  scan(options: ScanOptions = {}): Scanner {
    return new Scanner(this.snapshot, options);
  }

  /** Rows at the given row addresses (fragment id << 32 | offset), in the order given; deleted rows are skipped. */
  async take(rowAddresses: ArrayLike<bigint | number>, options: TakeOptions = {}): Promise<Table> {
    return takeRows(this.snapshot, rowAddresses, options);
  }

  /**
   * Bytes of blob column `column` at the given row addresses, in the order
   * given (deleted rows are skipped), null for null values: what Lance's
   * take_blobs and read_blobs read. Scans and take return blob columns as
   * their descriptions (position, size; blob v2 also kind, blob_id, blob_uri),
   * as Lance's do. Blobs kept outside the dataset (blob v2 external URIs) are
   * read through `options.readExternal`.
   */
  async takeBlobs(column: string, rowAddresses: ArrayLike<bigint | number>, options: ReadBlobsOptions = {}): Promise<(Uint8Array | null)[]> {
    return (await readBlobs(this.snapshot, column, rowAddresses, options)).map((b) => b.bytes);
  }

  // ---- writing ----

  /** Appends `data` as new fragments and commits; returns the new version. */
  async append(data: WriteInput, options: Omit<WriteOptions, "mode" | "dataStorageVersion"> = {}): Promise<Dataset> {
    return Dataset.write(this.store, data, { ...options, mode: "append" }, this.engine);
  }

  /**
   * Removes data, transaction and deletion files and index segment directories
   * that no version references and that are older than `olderThanMs` (default
   * one hour); with `dryRun`, only lists them. Returns what was (or would be) removed.
   */
  async cleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
    return cleanupUnreferenced(this.store, options);
  }

  // ---- index segments ----

  /** Builds one index segment over `options.fragmentIds`; writes its files, commits nothing. */
  async createIndexUncommitted(column: string, indexType: string, options: CreateIndexUncommittedOptions): Promise<IndexSegment> {
    return createIndexUncommitted(this.snapshot, column, indexType, options, this.engine.indexPlugins);
  }

  /** Commits segments as the index `name` in one transaction; returns the new version. */
  async commitExistingIndexSegments(name: string, column: string, segments: readonly IndexSegment[], options: CommitSegmentsOptions = {}): Promise<Dataset> {
    return this.wrap(await commitExistingIndexSegments(this.snapshot, name, column, segments, options));
  }

  /** One uncommitted segment covering the union of `segments`. */
  async mergeExistingIndexSegments(segments: readonly IndexSegment[], params: IndexParams = {}): Promise<IndexSegment> {
    return mergeExistingIndexSegments(this.snapshot, segments, params, this.engine.indexPlugins);
  }

  /** Builds and commits a scalar index, one segment per fragment group (in this process unless `options.executor` says otherwise). */
  async createScalarIndex(column: string, indexType: string, options: CreateScalarIndexOptions = {}): Promise<Dataset> {
    return this.wrap(await createScalarIndex(this.snapshot, column, indexType, options, this.engine.indexPlugins));
  }

  /** Removes every segment of an index; returns the new version. */
  async dropIndex(name: string): Promise<Dataset> {
    return this.wrap(await dropIndex(this.snapshot, name));
  }

  /** Indexes the fragments each index does not cover yet (zone maps from seeds where planted). */
  async optimizeIndices(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    const result = await optimizeIndices(this.snapshot, options, this.engine.indexPlugins);
    return { dataset: this.wrap(result.dataset), indices: result.indices };
  }
}
