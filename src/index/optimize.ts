// optimizeIndices: for every index, the fragments no segment covers are
// indexed as one new segment. ZONEMAP indexes with use_seeds harvest the zone
// statistics planted in the new data files (a footer read per file) and fall
// back to scanning the fragments that carry no usable seed (none, another
// rows_per_zone, or zones without statistics, as Lance 12 plants for decimals).

import { concatData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import { openFileReader } from "../file/open-file-reader.js";
import { decodeInvertedDetails, decodeZoneMapDetails } from "../format/index/details.js";
import { checkSameRowIdentity, parseScalarIndexType, SYSTEM_INDEX_NAMES } from "../format/index/index-type.js";
import type { Fragment } from "../format/table/types.js";
import type { Snapshot } from "../table/snapshot.js";
import { SEED_KEY_PREFIX } from "../table/seeds.js";
import { segmentFromBuilt, type IndexSegment } from "./segment.js";
import type { IndexParams, ScalarIndexPlugin } from "./plugins.js";
import { commitExistingIndexSegments, createIndexUncommitted, removeSegmentFiles, segmentDir } from "./segments-api.js";
import { resolveColumn, streamTrainingData } from "./training.js";
import { openInvertedSegment } from "./inverted/read.js";
import { decodeZoneMapSeed, parseSeedValue, seedHasStatistics, type HarvestedSeed } from "./zonemap/seed.js";
import { DEFAULT_ROWS_PER_ZONE, streamZones, writeZoneMapSegment, type ZoneRow } from "./zonemap/build.js";

export interface OptimizeOptions {
  /** Only these indexes (default: all). */
  names?: string[];
  /** Ignore seeds and scan every new fragment (for comparisons). */
  ignoreSeeds?: boolean;
}

export interface OptimizeReport {
  name: string;
  indexType: string;
  /** Fragments newly covered. */
  fragments: number[];
  fragmentsFromSeeds: number;
  fragmentsScanned: number;
  segment?: string;
}

export interface OptimizeResult {
  dataset: Snapshot;
  indices: OptimizeReport[];
}

/**
 * The zone-map seed planted in a fragment's first data file, if it is usable
 * for this index. Seeds are keyed by the column's name when the file was
 * written, which a later rename may have given to another column: the key is
 * the name the file's own schema gives the index's field, and a seed that
 * names its field id must name this one.
 */
async function harvestSeed(ds: Snapshot, fragment: Fragment, column: string, fieldId: number, rowsPerZone: number): Promise<HarvestedSeed | undefined> {
  const file = fragment.files[0];
  if (!file) return undefined;
  // legacy (v1) files carry no seeds; they open with the manifest's fields and find none
  const inFile = new Set(file.fields);
  const reader = await openFileReader(ds.store, `data/${file.path}`, { sizeBytes: file.fileSizeBytes, fields: ds.manifest.fields.filter((f) => inFile.has(f.id)), fieldIds: file.fields });
  const position = file.fields.indexOf(fieldId);
  if (position < 0) return undefined;
  const nameInFile = reader.schema.fields.length === file.fields.length ? reader.schema.fields[position]!.name : column;
  const raw = reader.schema.metadata[`${SEED_KEY_PREFIX}${nameInFile}`];
  if (!raw) return undefined;
  const value = parseSeedValue(new TextDecoder().decode(raw));
  if (!value || value.rowsPerZone !== rowsPerZone || value.bufferIndex >= reader.globalBuffers.length) return undefined;
  if (value.fieldId !== undefined && value.fieldId !== fieldId) return undefined;
  const seed = decodeZoneMapSeed(await reader.readGlobalBuffer(value.bufferIndex), rowsPerZone, `data/${file.path}`);
  let rows = 0;
  for (const z of seed.zones) rows += z.zoneLength;
  // the zones must cover exactly the file's rows, and carry statistics (a missing min and max means unknown)
  return rows === fragment.physicalRows && reader.numRows === fragment.physicalRows && seedHasStatistics(seed) ? seed : undefined;
}

async function optimizeZoneMap(ds: Snapshot, name: string, column: string, fieldId: number, details: { rowsPerZone?: number; useSeeds?: boolean }, fragmentIds: number[], ignoreSeeds: boolean): Promise<{ segment: IndexSegment; fromSeeds: number; scanned: number }> {
  const rowsPerZone = details.rowsPerZone ?? DEFAULT_ROWS_PER_ZONE;
  const useSeeds = details.useSeeds ?? false;
  const seeds = new Map<number, HarvestedSeed>();
  if (useSeeds && !ignoreSeeds) {
    for (const id of fragmentIds) {
      const seed = await harvestSeed(ds, ds.manifest.fragments.find((f) => f.id === id)!, column, fieldId, rowsPerZone);
      if (seed) seeds.set(id, seed);
    }
  }
  const toScan = fragmentIds.filter((id) => !seeds.has(id));
  const valueType = ds.schema.fields[resolveColumn(ds, column).index]!.type;
  const scanned = toScan.length > 0 ? await streamZones(streamTrainingData(ds, column, toScan), valueType, rowsPerZone, false) : undefined;
  const zones: ZoneRow[] = [];
  const mins = [];
  const maxs = [];
  let scanAt = 0;
  for (const id of fragmentIds) {
    const seed = seeds.get(id);
    if (seed) {
      for (const z of seed.zones) zones.push({ fragmentId: id, ...z });
      mins.push(seed.min);
      maxs.push(seed.max);
    } else if (scanned) {
      const start = scanAt;
      while (scanAt < scanned.zones.length && scanned.zones[scanAt]!.fragmentId === id) scanAt++;
      for (let z = start; z < scanAt; z++) zones.push(scanned.zones[z]!);
      mins.push(scanned.min.slice(start, scanAt - start));
      maxs.push(scanned.max.slice(start, scanAt - start));
    }
  }
  const uuid = randomUUID();
  try {
    const built = await writeZoneMapSegment(ds.store, segmentDir(uuid), zones, concatData(mins), concatData(maxs), { rowsPerZone, useSeeds });
    const segment = segmentFromBuilt(built, { uuid, name, column, fieldId, indexType: "ZONEMAP", fragmentIds, datasetVersion: ds.version });
    return { segment, fromSeeds: seeds.size, scanned: toScan.length };
  } catch (err) {
    await removeSegmentFiles(ds.store, uuid);
    throw err;
  }
}

export async function optimizeIndices(ds: Snapshot, options: OptimizeOptions, plugins: readonly ScalarIndexPlugin[]): Promise<OptimizeResult> {
  ds.checkWritable();
  const byName = new Map<string, typeof ds.indices[number][]>();
  for (const i of ds.indices) {
    if (SYSTEM_INDEX_NAMES.has(i.name)) continue;
    byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
  }
  for (const n of options.names ?? []) if (!byName.has(n)) throw new LanceError("INDEX_NOT_FOUND", `index "${n}" does not exist in version ${ds.version}`);
  let current = ds;
  const reports: OptimizeReport[] = [];
  for (const [name, segments] of byName) {
    if (options.names && !options.names.includes(name)) continue;
    const first = segments[0]!;
    const typeName = ds.indexType(first);
    const indexType = parseScalarIndexType(typeName);
    const covered = new Set(segments.flatMap((s) => s.fragmentIds ?? []));
    const fragmentIds = current.manifest.fragments.map((f) => f.id).filter((id) => !covered.has(id));
    const report: OptimizeReport = { name, indexType: typeName, fragments: fragmentIds, fragmentsFromSeeds: 0, fragmentsScanned: 0 };
    reports.push(report);
    if (fragmentIds.length === 0) continue;
    if (!indexType) throw new LanceError("NOT_SUPPORTED", `index "${name}" is a ${typeName} index, which lancets does not build`);
    const unusable = segments.map((s) => ds.unusableIndexReason(s)).find((r) => r !== undefined);
    if (unusable !== undefined) throw new LanceError("NOT_SUPPORTED", `index "${name}" has a segment lancets does not read (${unusable}); lancets adds no segments to it`);
    // lancets builds version-0 segments, which Lance 14 will not mix with its row-address ones
    checkSameRowIdentity(name, typeName, segments, [{ indexVersion: 0 }]);
    const column = current.fieldPath(first.fields[0]!);
    let segment: IndexSegment;
    let replace = false;
    if (indexType === "ZONEMAP") {
      const details = first.indexDetails ? decodeZoneMapDetails(first.indexDetails.value, `index ${name}`) : {};
      const r = await optimizeZoneMap(current, name, column, first.fields[0]!, details, fragmentIds, options.ignoreSeeds ?? false);
      segment = r.segment;
      report.fragmentsFromSeeds = r.fromSeeds;
      report.fragmentsScanned = r.scanned;
    } else {
      const params: IndexParams = {};
      if (indexType === "FTS") {
        let d = first.indexDetails?.value.length ? decodeInvertedDetails(first.indexDetails.value, `index ${name}`) : undefined;
        if (!d) {
          // Segments from before details were recorded, or with empty details (the layout
          // before metadata.lance), keep their tokenizer parameters in their files.
          const opened = await openInvertedSegment(ds.store, first);
          d = opened.params;
          // As Lance does, an index in the older layout is rebuilt whole rather than extended:
          // Lance refuses to search segments whose details differ.
          if (opened.legacyLayout) replace = true;
        }
        Object.assign(params, {
          baseTokenizer: d.baseTokenizer,
          language: d.language,
          maxTokenLength: d.maxTokenLength,
          lowerCase: d.lowerCase,
          stem: d.stem,
          removeStopWords: d.removeStopWords,
          asciiFolding: d.asciiFolding,
        });
      }
      const buildFragments = replace ? current.manifest.fragments.map((f) => f.id) : fragmentIds;
      segment = await createIndexUncommitted(current, column, indexType, { name, fragmentIds: buildFragments, params }, plugins);
      report.fragmentsScanned = buildFragments.length;
    }
    current = await commitExistingIndexSegments(current, name, column, [segment], { replace });
    report.segment = segment.uuid;
  }
  return { dataset: current, indices: reports };
}
