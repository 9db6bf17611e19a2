// A Lance dataset at one version, as the lower layers see it: store, manifest,
// schema, fragments, index segments. Index and query code take a Snapshot as
// an argument; the Dataset that users hold (dataset/dataset.ts) wraps one.
// Opening reads one manifest file (and lists the directories of index
// segments so old that their manifest entry does not say their kind);
// nothing else is touched until asked.

import { Schema } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { invertedBlockSize } from "../format/index/details.js";
import { indexTypeName, SYSTEM_INDEX_NAMES, unreadableFtsBlocks, unreadableIndexVersion, type IndexedColumnKind } from "../format/index/index-type.js";
import { lanceToArrowSchema } from "../format/table/arrow-schema.js";
import { blobDescriptionField, blobVersionOf } from "../format/file/blob-descriptions.js";
import { checkFeatureFlags, SUPPORTED_READER_FLAGS, SUPPORTED_WRITER_FLAGS } from "../format/table/feature-flags.js";
import { decodeManifestFile } from "../format/table/manifest-file.js";
import type { ManifestNamingScheme } from "../format/table/version-names.js";
import type { DataFile, Fragment, IndexMetadata, LanceField, Manifest } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { MAX_MANIFEST_BYTES } from "./file-limits.js";
import { resolveFragmentStats, type ResolvedStats } from "./fragment-stats.js";
import { latestVersion, listVersionLocations, locateVersion, type VersionLocation } from "./versions.js";

export interface OpenOptions {
  /** A specific version; the latest when omitted. */
  version?: number;
  /** Where the manifest of `version` is, when the caller knows (it has just written it): no request looks it up. */
  location?: VersionLocation;
}

export interface DataFileInfo {
  path: string;
  fieldIds: number[];
  /** "2.0", "2.1" or "2.2". */
  fileVersion: string;
  sizeBytes: number;
}

export interface FragmentInfo {
  id: number;
  physicalRows: number;
  deletedRows: number;
  /** physicalRows - deletedRows */
  numRows: number;
  dataFiles: DataFileInfo[];
  deletionFile?: { path: string; type: "arrow" | "bitmap"; numDeletedRows: number };
}

export interface IndexSegmentInfo {
  uuid: string;
  fragmentIds: number[];
  datasetVersion: number;
  indexVersion: number;
  createdAt?: Date;
  files: { path: string; sizeBytes: number }[];
  /** Set when lancets never uses this segment (queries scan its fragments instead): the reason. */
  ignored?: string;
}

export interface IndexDescription {
  name: string;
  /** BTREE, BITMAP, ZONEMAP, FTS (Lance's name for INVERTED), LABEL_LIST, NGRAM, VECTOR, ... */
  indexType: string;
  typeUrl: string;
  columns: string[];
  fieldIds: number[];
  indexVersion: number;
  segments: IndexSegmentInfo[];
  numIndexedRows: number;
  numUnindexedRows: number;
}

export interface VersionInfo {
  version: number;
  timestamp: Date | undefined;
  metadata: Record<string, string>;
}

/** "major.minor" of a data file as Lance names data storage versions. */
export function dataFileVersion(file: DataFile): string {
  // 2.0 files are recorded as (2,0) or, like their footer, (0,3).
  if (file.fileMajorVersion === 0 && file.fileMinorVersion === 3) return "2.0";
  return `${file.fileMajorVersion}.${file.fileMinorVersion}`;
}

export function deletionFilePath(fragment: Fragment): string | undefined {
  const d = fragment.deletionFile;
  if (!d) return undefined;
  return `_deletions/${fragment.id}-${d.readVersion}-${d.id}.${d.fileType === "bitmap" ? "bin" : "arrow"}`;
}

/** Whether an index on this field is a vector or label-list index by its column alone. */
function columnKind(fields: readonly LanceField[], fieldId: number | undefined): IndexedColumnKind {
  const field = fields.find((f) => f.id === fieldId);
  if (!field) return "scalar";
  if (field.logicalType.startsWith("fixed_size_list")) return "vector";
  if (field.logicalType === "list" || field.logicalType === "large_list") {
    const item = fields.find((f) => f.parentId === field.id);
    return item?.logicalType.startsWith("fixed_size_list") ? "vector" : "list";
  }
  return "scalar";
}

/**
 * Kinds of the segments whose manifest entry has no index details (written
 * before Lance recorded them), by uuid: from the column, else from the files
 * in the segment directory, which are listed when the manifest does not name them.
 */
async function inferIndexTypes(store: ObjectStore, fields: readonly LanceField[], indices: readonly IndexMetadata[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const index of indices) {
    if (index.indexDetails?.typeUrl) continue;
    const kind = columnKind(fields, index.fields[0]);
    let files = index.files.map((f) => f.path);
    if (files.length === 0 && kind === "scalar") {
      const dir = `_indices/${index.uuid}/`;
      files = (await store.list(dir)).map((m) => m.path.slice(m.path.indexOf(dir) + dir.length));
    }
    out.set(index.uuid, indexTypeName(undefined, files, kind));
  }
  return out;
}

function liveRows(fragment: Fragment): number {
  return fragment.physicalRows - (fragment.deletionFile?.numDeletedRows ?? 0);
}

export class Snapshot {
  readonly store: ObjectStore;
  readonly manifest: Manifest;
  /** Every index segment in this version, system indices included. */
  readonly indices: readonly IndexMetadata[];
  readonly manifestPath: string;
  readonly namingScheme: ManifestNamingScheme;
  /** The inline transaction of this version, when the manifest carries one. */
  readonly transactionBytes: Uint8Array | undefined;
  /** The manifest as stored, before unknown fragment statistics were read from files (Lance's version summaries use it). */
  private readonly storedManifest: Manifest;
  /** Why row counts cannot be known (a data file they depend on is missing). */
  private readonly statsError: LanceError | undefined;
  private cachedSchema: Schema | undefined;
  private readonly inferredIndexTypes: ReadonlyMap<string, string>;

  private constructor(
    store: ObjectStore,
    location: VersionLocation,
    stored: Manifest,
    resolved: ResolvedStats,
    indices: IndexMetadata[],
    transactionBytes: Uint8Array | undefined,
    inferredIndexTypes: ReadonlyMap<string, string>,
  ) {
    this.store = store;
    this.storedManifest = stored;
    this.manifest = resolved.manifest;
    this.statsError = resolved.missing;
    this.indices = indices;
    this.inferredIndexTypes = inferredIndexTypes;
    this.transactionBytes = transactionBytes;
    this.manifestPath = location.path;
    this.namingScheme = location.scheme;
  }

  static async open(store: ObjectStore, options: OpenOptions = {}): Promise<Snapshot> {
    let location: VersionLocation;
    if (options.version === undefined) {
      location = await latestVersion(store);
    } else if (options.location?.version === options.version) {
      location = options.location;
    } else {
      const found = await locateVersion(store, options.version);
      if (!found) {
        const all = await listVersionLocations(store);
        if (all.length === 0) throw new LanceError("NOT_FOUND", `no dataset at ${store.uri}`);
        throw new LanceError(
          "NOT_FOUND",
          `version ${options.version} of ${store.uri} does not exist (versions ${all[0]!.version}..${all[all.length - 1]!.version} are present)`,
        );
      }
      location = found;
    }
    return Snapshot.load(store, location);
  }

  private static async load(store: ObjectStore, location: VersionLocation): Promise<Snapshot> {
    const bytes = await store.read(location.path, { maxBytes: MAX_MANIFEST_BYTES });
    const file = decodeManifestFile(bytes, `${store.uri}/${location.path}`);
    if (file.manifest.version !== location.version) {
      throw new LanceError(
        "CORRUPT_FILE",
        `corrupt file ${store.uri}/${location.path}: manifest says version ${file.manifest.version}, its name says ${location.version}`,
      );
    }
    checkFeatureFlags(file.manifest.readerFeatureFlags, SUPPORTED_READER_FLAGS, "reader", `dataset ${store.uri} version ${location.version}`);
    const [resolved, inferred] = await Promise.all([resolveFragmentStats(store, file.manifest), inferIndexTypes(store, file.manifest.fields, file.indices)]);
    return new Snapshot(store, location, file.manifest, resolved, file.indices, file.transactionBytes, inferred);
  }

  get uri(): string {
    return this.store.uri;
  }

  get version(): number {
    return this.manifest.version;
  }

  /**
   * The dataset's data storage version ("2.0", "2.1", "2.2"), "legacy", or
   * "mixed". Manifests of Lance 0.15-0.16 may say legacy (or nothing) while
   * their data files are 2.0; as in Lance, the files decide then, and a
   * mixture of file versions is "mixed" (readable, not writable).
   */
  get dataStorageVersion(): string {
    const v = this.manifest.dataFormat?.version;
    if (v !== undefined && v !== "" && v !== "0.1") return v;
    const versions = new Set<string>();
    for (const f of this.manifest.fragments) {
      for (const d of f.files) {
        const fileVersion = dataFileVersion(d);
        versions.add(fileVersion.startsWith("0.") ? "legacy" : fileVersion);
      }
    }
    if (versions.size > 1) return "mixed";
    return [...versions][0] ?? "legacy";
  }

  get lanceFields(): readonly LanceField[] {
    return this.manifest.fields;
  }

  get schema(): Schema {
    this.cachedSchema ??= withBlobDescriptions(lanceToArrowSchema(this.manifest.fields, this.manifest.schemaMetadata), this.manifest.fields);
    return this.cachedSchema;
  }

  /** Throws NOT_SUPPORTED when the dataset sets a writer feature flag lancets does not implement. */
  checkWriterFlags(): void {
    checkFeatureFlags(this.manifest.writerFeatureFlags, SUPPORTED_WRITER_FLAGS, "writer", `dataset ${this.uri} version ${this.version}`);
  }

  /** Throws unless lancets may write a version on top of this one: writer flags it implements, known row counts. */
  checkWritable(): void {
    this.checkWriterFlags();
    this.requireRowCounts();
  }

  /** Throws when row counts cannot be known (Lance fails alike): reading counts, or writing a version on top. */
  requireRowCounts(): void {
    if (this.statsError) throw this.statsError;
  }

  fragments(): FragmentInfo[] {
    this.requireRowCounts();
    return this.manifest.fragments.map((f) => {
      const info: FragmentInfo = {
        id: f.id,
        physicalRows: f.physicalRows,
        deletedRows: f.deletionFile?.numDeletedRows ?? 0,
        numRows: liveRows(f),
        dataFiles: f.files.map((d) => ({ path: `data/${d.path}`, fieldIds: [...d.fields], fileVersion: dataFileVersion(d), sizeBytes: d.fileSizeBytes })),
      };
      if (f.deletionFile) {
        info.deletionFile = { path: deletionFilePath(f)!, type: f.deletionFile.fileType, numDeletedRows: f.deletionFile.numDeletedRows };
      }
      return info;
    });
  }

  /** Rows visible in this version (physical rows minus deleted rows), from metadata alone. */
  countRows(): number {
    this.requireRowCounts();
    let n = 0;
    for (const f of this.manifest.fragments) n += liveRows(f);
    return n;
  }

  async latestVersion(): Promise<number> {
    return (await latestVersion(this.store)).version;
  }

  /** Another version of the same dataset. */
  async checkout(version: number): Promise<Snapshot> {
    return Snapshot.open(this.store, { version });
  }

  async listVersions(): Promise<VersionInfo[]> {
    const out: VersionInfo[] = [];
    for (const location of await listVersionLocations(this.store)) {
      const ds = location.version === this.version ? this : await Snapshot.load(this.store, location);
      out.push({ version: location.version, timestamp: ds.manifest.timestamp, metadata: ds.versionSummary() });
    }
    return out;
  }

  /** The per-version statistics Lance reports with each version. */
  versionSummary(): Record<string, string> {
    let dataFiles = 0;
    let deletionFiles = 0;
    let deletedRows = 0;
    let physicalRows = 0;
    let fileBytes = 0;
    for (const f of this.storedManifest.fragments) {
      dataFiles += f.files.length;
      for (const d of f.files) fileBytes += d.fileSizeBytes;
      physicalRows += f.physicalRows;
      if (f.deletionFile) {
        deletionFiles += 1;
        deletedRows += f.deletionFile.numDeletedRows;
      }
    }
    return {
      total_fragments: String(this.storedManifest.fragments.length),
      total_data_files: String(dataFiles),
      total_files_size: String(fileBytes),
      total_deletion_files: String(deletionFiles),
      total_data_file_rows: String(physicalRows),
      total_deletion_file_rows: String(deletedRows),
      total_rows: String(physicalRows - deletedRows),
    };
  }

  fieldById(id: number): LanceField | undefined {
    return this.manifest.fields.find((f) => f.id === id);
  }

  /** Dotted path of a field ("a.b" for a struct child). */
  fieldPath(id: number): string {
    const parts: string[] = [];
    let field = this.fieldById(id);
    while (field) {
      parts.unshift(field.name);
      field = field.parentId >= 0 ? this.fieldById(field.parentId) : undefined;
    }
    return parts.length > 0 ? parts.join(".") : `<field ${id}>`;
  }

  /** The kind of an index segment: BTREE, BITMAP, ZONEMAP, FTS, VECTOR, ... */
  indexType(index: IndexMetadata): string {
    return this.inferredIndexTypes.get(index.uuid) ?? indexTypeName(index.indexDetails?.typeUrl, index.files.map((f) => f.path));
  }

  /**
   * Why lancets never uses this segment, or undefined when it may: a segment
   * whose index_version is newer than lancets knows for its kind may store
   * something else under the same names (Lance ignores such segments too).
   */
  unusableIndexReason(index: IndexMetadata): string | undefined {
    const type = this.indexType(index);
    const reason = unreadableIndexVersion(type, index.indexVersion, Boolean(index.indexDetails?.typeUrl));
    if (reason || type !== "FTS" || !index.indexDetails?.typeUrl) return reason;
    return unreadableFtsBlocks(invertedBlockSize(index.indexDetails.value));
  }

  /** User-visible indexes grouped by name, with their segments and coverage. */
  describeIndices(): IndexDescription[] {
    const groups = new Map<string, IndexMetadata[]>();
    for (const index of this.indices) {
      if (SYSTEM_INDEX_NAMES.has(index.name)) continue;
      const list = groups.get(index.name);
      if (list) list.push(index);
      else groups.set(index.name, [index]);
    }
    const current = new Map(this.manifest.fragments.map((f) => [f.id, f]));
    const out: IndexDescription[] = [];
    for (const [name, segments] of groups) {
      const first = segments[0]!;
      const covered = new Set<number>();
      for (const s of segments) for (const id of s.fragmentIds ?? []) if (current.has(id)) covered.add(id);
      let indexed = 0;
      let unindexed = 0;
      for (const f of this.manifest.fragments) {
        if (covered.has(f.id)) indexed += liveRows(f);
        else unindexed += liveRows(f);
      }
      out.push({
        name,
        indexType: this.indexType(first),
        typeUrl: first.indexDetails?.typeUrl ?? "",
        columns: first.fields.map((id) => this.fieldPath(id)),
        fieldIds: [...first.fields],
        indexVersion: first.indexVersion ?? 0,
        segments: segments.map((s) => {
          const seg: IndexSegmentInfo = {
            uuid: s.uuid,
            fragmentIds: [...(s.fragmentIds ?? [])],
            datasetVersion: s.datasetVersion,
            indexVersion: s.indexVersion ?? 0,
            files: s.files.map((f) => ({ ...f })),
          };
          if (s.createdAt !== undefined) seg.createdAt = new Date(s.createdAt);
          const ignored = this.unusableIndexReason(s);
          if (ignored !== undefined) seg.ignored = ignored;
          return seg;
        }),
        numIndexedRows: indexed,
        numUnindexedRows: unindexed,
      });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}

/** Blob columns read as their descriptions, as in Lance's scans (see format/file/blob-descriptions.ts). */
function withBlobDescriptions(schema: Schema, fields: readonly LanceField[]): Schema {
  const top = fields.filter((f) => f.parentId === -1);
  if (!top.some((f) => blobVersionOf(f) !== undefined)) return schema;
  const described = schema.fields.map((arrow, i) => {
    const version = blobVersionOf(top[i]!);
    return version === undefined ? arrow : blobDescriptionField(arrow.name, arrow.nullable, version);
  });
  return new Schema(described, schema.metadata);
}
