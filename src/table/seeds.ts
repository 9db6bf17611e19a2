// Index seeds: compact per-file statistics that index plugins plant in the data
// files they will later index (Lance 12's seed layout). For each planted seed a
// data file gets one extra global buffer and the schema metadata entry
// `lance.seed.<column>` = `<global buffer index>:<plugin-specific suffix>`.
// Index plugins that plant seeds are passed to the writer, which asks them
// for seed writers.

import type { Data, Field } from "apache-arrow";
import type { IndexMetadata, LanceField } from "../format/table/types.js";

export const SEED_KEY_PREFIX = "lance.seed.";

export interface SeedWriter {
  readonly column: string;
  /** Observes the next rows of the column, in file order. */
  observe(data: Data): void;
  /** The seed bytes, and the metadata value for the global buffer they land in. */
  finish(): { bytes: Uint8Array; metadataValue: (bufferIndex: number) => string };
}

export interface SeedPlugin {
  /** Index details type URL the plugin serves. */
  typeUrl: string;
  /** A writer for this index on this column, or undefined when the index plants no seeds (plugins of kinds without seeds leave it out). */
  createSeedWriter?(index: IndexMetadata, column: LanceField, arrowField: Field): SeedWriter | undefined;
}

export interface SeedTarget {
  /** Position of the column among the written top-level fields. */
  fieldIndex: number;
  create(): SeedWriter;
}

/** Seed writers to run for every new data file of a dataset with these indices. */
export function planSeeds(indices: readonly IndexMetadata[], fields: readonly LanceField[], arrowFields: readonly Field[], seedPlugins: readonly SeedPlugin[]): SeedTarget[] {
  const plugins = new Map(seedPlugins.map((p) => [p.typeUrl.toLowerCase(), p]));
  const top = fields.filter((f) => f.parentId === -1);
  const targets: SeedTarget[] = [];
  const seenColumns = new Set<number>();
  for (const index of indices) {
    const plugin = index.indexDetails ? plugins.get(index.indexDetails.typeUrl.toLowerCase()) : undefined;
    const create = plugin?.createSeedWriter?.bind(plugin);
    if (!create || index.fields.length !== 1) continue;
    const fieldIndex = top.findIndex((f) => f.id === index.fields[0]);
    if (fieldIndex < 0 || seenColumns.has(fieldIndex)) continue;
    const probe = create(index, top[fieldIndex]!, arrowFields[fieldIndex]!);
    if (!probe) continue;
    seenColumns.add(fieldIndex);
    targets.push({ fieldIndex, create: () => create(index, top[fieldIndex]!, arrowFields[fieldIndex]!)! });
  }
  return targets;
}
