// `lancets inspect <uri>`: what a dataset holds, for people and as JSON.

import { DataType, type Field } from "apache-arrow";
import { describeFlags } from "../format/table/feature-flags.js";
import { openDataset } from "../node/open-dataset.js";
import type { Dataset } from "../dataset/dataset.js";
import { formatBytes, formatTable, toJson } from "./output.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

export interface InspectOptions {
  json?: boolean;
  version?: number;
}

function typeName(field: Field): string {
  return String(field.type);
}

export function inspectReport(ds: Dataset): Record<string, unknown> {
  const fragments = ds.fragments();
  return {
    uri: ds.uri,
    version: ds.version,
    dataStorageVersion: ds.dataStorageVersion,
    writerVersion: ds.manifest.writerVersion ?? null,
    timestamp: ds.manifest.timestamp?.toISOString() ?? null,
    readerFeatureFlags: describeFlags(ds.manifest.readerFeatureFlags),
    writerFeatureFlags: describeFlags(ds.manifest.writerFeatureFlags),
    numRows: ds.countRows(),
    schema: ds.schema.fields.map((f) => ({ name: f.name, type: typeName(f), nullable: f.nullable })),
    fragments,
    indices: ds.describeIndices(),
  };
}

export async function runInspect(uri: string, options: InspectOptions & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, { ...storageOf(options), ...(options.version === undefined ? {} : { version: options.version }) });
  if (options.json) {
    print(toJson(inspectReport(ds)));
    return;
  }
  const fragments = ds.fragments();
  const lines: string[] = [];
  lines.push(`dataset   ${ds.uri}`);
  lines.push(`version   ${ds.version}${ds.manifest.timestamp ? ` (${ds.manifest.timestamp.toISOString()})` : ""}`);
  lines.push(`format    Lance ${ds.dataStorageVersion}, written by ${ds.manifest.writerVersion ? `${ds.manifest.writerVersion.library} ${ds.manifest.writerVersion.version}` : "unknown"}`);
  const flags = describeFlags(ds.manifest.readerFeatureFlags);
  if (flags.length > 0) lines.push(`features  ${flags.join(", ")}`);
  lines.push(`rows      ${ds.countRows()} in ${fragments.length} fragment${fragments.length === 1 ? "" : "s"}`);
  lines.push("");
  lines.push("schema");
  lines.push(
    formatTable(
      ["column", "type", "nullable"],
      ds.schema.fields.map((f) => [f.name, DataType.isStruct(f.type) || DataType.isList(f.type) ? String(f.type) : typeName(f), f.nullable ? "yes" : "no"]),
    ),
  );
  lines.push("");
  lines.push("fragments");
  lines.push(
    formatTable(
      ["id", "rows", "deleted", "files", "file version", "size"],
      fragments.map((f) => [
        String(f.id),
        String(f.physicalRows),
        String(f.deletedRows),
        String(f.dataFiles.length),
        [...new Set(f.dataFiles.map((d) => d.fileVersion))].join(","),
        formatBytes(f.dataFiles.reduce((s, d) => s + d.sizeBytes, 0)),
      ]),
    ),
  );
  const indices = ds.describeIndices();
  lines.push("");
  if (indices.length === 0) {
    lines.push("indices   none");
  } else {
    lines.push("indices");
    lines.push(
      formatTable(
        ["name", "type", "columns", "segments", "indexed rows", "unindexed rows"],
        indices.map((i) => [i.name, i.indexType, i.columns.join(","), String(i.segments.length), String(i.numIndexedRows), String(i.numUnindexedRows)]),
      ),
    );
  }
  print(lines.join("\n"));
}
