// Plain domain types of the Lance table format (protos/table.proto). The rest
// of lancets sees only these; generated protobuf types stay inside format/.
// Each decoded value keeps an opaque handle to the message it came from so that
// fields this version of lancets does not model survive a decode -> encode
// round trip (manifests written by newer Lance versions are rewritten safely).

declare const protoBrand: unique symbol;
/** Opaque handle to the decoded protobuf message; never inspect it outside format/. */
export type ProtoHandle = { readonly [protoBrand]: true };

export interface LanceField {
  id: number;
  /** -1 for top-level fields. */
  parentId: number;
  name: string;
  /** Lance logical type string, e.g. "int64", "timestamp:us:UTC", "list", "struct". */
  logicalType: string;
  nullable: boolean;
  metadata: Record<string, Uint8Array>;
  /** Legacy encoding hint: "plain", "var_binary", "dictionary", "rle" or "none". */
  encoding: string;
  extensionName: string;
  unenforcedPrimaryKey: boolean;
  /** Legacy (v1) datasets: where a dictionary field's values lie in the manifest file. */
  dictionary?: { byteOffset: number; length: number };
  proto?: ProtoHandle;
}

export interface DataFile {
  /** File name relative to data/. */
  path: string;
  fields: number[];
  columnIndices: number[];
  fileMajorVersion: number;
  fileMinorVersion: number;
  /** 0 when unknown. */
  fileSizeBytes: number;
  baseId?: number;
  proto?: ProtoHandle;
}

export type DeletionFileType = "arrow" | "bitmap";

export interface DeletionFile {
  fileType: DeletionFileType;
  readVersion: number;
  /** Random u64 that names the file. */
  id: bigint;
  numDeletedRows: number;
  baseId?: number;
  proto?: ProtoHandle;
}

export interface Fragment {
  id: number;
  files: DataFile[];
  deletionFile?: DeletionFile;
  /** Rows including deleted ones. */
  physicalRows: number;
  /** Stable row ids and row version sequences, kept verbatim (see rowids.proto). */
  rowIdMeta?: ProtoHandle;
  proto?: ProtoHandle;
}

export interface IndexFile {
  /** Relative to the segment directory _indices/<uuid>/. */
  path: string;
  sizeBytes: number;
}

export interface IndexDetails {
  /** e.g. "/lance.table.BTreeIndexDetails". */
  typeUrl: string;
  value: Uint8Array;
}

/** One segment of a logical index (all entries sharing a name form the index). */
export interface IndexMetadata {
  uuid: string;
  fields: number[];
  name: string;
  datasetVersion: number;
  /** Sorted fragment ids the segment covers; undefined when the bitmap is absent. */
  fragmentIds: number[] | undefined;
  indexDetails?: IndexDetails;
  indexVersion?: number;
  /** Milliseconds since the Unix epoch. */
  createdAt?: number;
  baseId?: number;
  files: IndexFile[];
  coveringFields: number[];
  proto?: ProtoHandle;
}

export interface WriterVersion {
  library: string;
  version: string;
  prerelease?: string;
  buildMetadata?: string;
}

export interface BasePath {
  id: number;
  name?: string;
  isDatasetRoot: boolean;
  path: string;
}

export interface Manifest {
  fields: LanceField[];
  schemaMetadata: Record<string, Uint8Array>;
  fragments: Fragment[];
  version: number;
  writerVersion?: WriterVersion;
  /** Commit time. */
  timestamp: Date | undefined;
  tag: string;
  readerFeatureFlags: bigint;
  writerFeatureFlags: bigint;
  maxFragmentId: number | undefined;
  transactionFile: string;
  nextRowId: bigint;
  dataFormat: { fileFormat: string; version: string } | undefined;
  config: Record<string, string>;
  tableMetadata: Record<string, string>;
  basePaths: BasePath[];
  branch?: string;
  proto?: ProtoHandle;
}

/** A manifest file as stored in _versions/: manifest, index list and inline transaction. */
export interface ManifestFile {
  manifest: Manifest;
  indices: IndexMetadata[];
  /** Raw bytes of the inline Transaction message, when present. */
  transactionBytes: Uint8Array | undefined;
}
