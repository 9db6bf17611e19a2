// `lancets index create|list|drop`: scalar index segments from the command line.

import { openDataset } from "../node/open-dataset.js";
import { formatTable, toJson } from "./output.js";

export interface IndexCreateOptions {
  column: string;
  type: string;
  name?: string;
  groupSize?: number;
  replace?: boolean;
  rowsPerZone?: number;
}

export async function runIndexCreate(uri: string, options: IndexCreateOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri);
  const started = Date.now();
  const next = await ds.createScalarIndex(options.column, options.type, {
    ...(options.name ? { name: options.name } : {}),
    ...(options.groupSize ? { fragmentGroupSize: options.groupSize } : {}),
    replace: options.replace ?? false,
    ...(options.rowsPerZone ? { params: { rowsPerZone: options.rowsPerZone } } : {}),
  });
  const name = options.name ?? `${options.column}_idx`;
  const index = next.describeIndices().find((i) => i.name === name)!;
  print(`created ${index.indexType} index "${name}" on ${options.column}: ${index.segments.length} segment${index.segments.length === 1 ? "" : "s"}, ${index.numIndexedRows} rows, version ${next.version} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export async function runIndexList(uri: string, options: { json?: boolean }, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri);
  const indices = ds.describeIndices();
  if (options.json) {
    print(toJson(indices));
    return;
  }
  if (indices.length === 0) {
    print("no indices");
    return;
  }
  print(
    formatTable(
      ["name", "type", "columns", "segments", "indexed rows", "unindexed rows"],
      indices.map((i) => [i.name, i.indexType, i.columns.join(","), String(i.segments.length), String(i.numIndexedRows), String(i.numUnindexedRows)]),
    ),
  );
}

export async function runIndexDrop(uri: string, options: { name: string }, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri);
  const next = await ds.dropIndex(options.name);
  print(`dropped index "${options.name}": version ${next.version}`);
}
