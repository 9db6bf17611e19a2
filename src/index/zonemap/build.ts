// ZONEMAP segment file (Lance scalar index "zonemap", index_version 0):
//   zonemap.lance  min T, max T, null_count UInt32, nan_count UInt32,
//                  fragment_id UInt64, zone_start UInt64, zone_length UInt64
//   one row per zone of rows_per_zone live rows (zones never span fragments;
//   zone_length is the span of physical offsets); metadata rows_per_zone, and
//   optionally null_bitmap = global buffer holding a RowAddrTreeMap of the null
//   rows (has_null_bitmap). The bitmap is off by default: with it, Lance 12
//   answers `IS NOT NULL` (planned as NOT(IS NULL)) with no rows at all.
// min and max follow the value order of value-order.ts (floats: total order,
// -0 < +0); zones holding NaNs get the statistics of stats.ts.

import { Type, type Data, type DataType } from "apache-arrow";
import { concatData, takeData } from "../../core/arrow-data.js";
import { GrowableArray } from "../../core/growable-array.js";
import { writeArrowFile } from "../../file/file-writer.js";
import { encodeRowAddrTreeMap } from "../../format/index/row-addr-map.js";
import { zoneMapDetails } from "../../format/index/details.js";
import type { ObjectStore } from "../../io/object-store.js";
import { DataCollector, tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingBatch, TrainingData, TrainingInput } from "../training.js";
import { valueAccess } from "../value-order.js";
import { applyNaNRule } from "./stats.js";

export const DEFAULT_ROWS_PER_ZONE = 8192;

export interface ZoneMapParams {
  rowsPerZone?: number;
  useSeeds?: boolean;
  /** Write the exact null-row bitmap (has_null_bitmap); off by default, see buildZoneMap. */
  nullBitmap?: boolean;
}

/** Lance's default for use_seeds: on for variable-width and wide fixed-width types. */
export function defaultUseSeeds(type: DataType): boolean {
  const t = type;
  switch (t.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
    case Type.Decimal:
      return true;
    case Type.FixedSizeBinary:
      return (t as unknown as { byteWidth: number }).byteWidth > 8;
    default:
      return false;
  }
}

export interface Zone {
  fragmentId: number;
  zoneStart: number;
  zoneLength: number;
  /** Row (in the value data) holding the min / max, or -1 when every value is null. */
  minRow: number;
  maxRow: number;
  nullCount: number;
  nanCount: number;
  /** Whether the zone holds a non-null, non-NaN value. */
  hasOrdinary: boolean;
}

export function computeZones(training: TrainingData, rowsPerZone: number): { zones: Zone[]; nullRowIds: Float64Array } {
  const access = valueAccess(training.values);
  const zones: Zone[] = [];
  const nullRowIds = new GrowableArray(Float64Array);
  for (const fragment of training.fragments) {
    const count = fragment.offsets.length;
    for (let z = 0; z < count; z += rowsPerZone) {
      const end = Math.min(count, z + rowsPerZone);
      let minRow = -1;
      let maxRow = -1;
      let nanRow = -1;
      let nullRow = -1;
      let nullCount = 0;
      let nanCount = 0;
      for (let k = z; k < end; k++) {
        const row = fragment.start + k;
        if (access.isNull(row)) {
          nullCount++;
          nullRow = row;
          nullRowIds.push(training.rowIds[row]!);
          continue;
        }
        if (access.isNaN(row)) {
          nanCount++;
          nanRow = row;
          continue;
        }
        if (minRow < 0 || access.compare(row, minRow) < 0) minRow = row;
        if (maxRow < 0 || access.compare(row, maxRow) > 0) maxRow = row;
      }
      const hasOrdinary = minRow >= 0;
      // a zone with NaNs: stats.ts writes its bounds
      if (nanRow >= 0) maxRow = nanRow;
      if (minRow < 0 && nanRow >= 0) minRow = nanRow;
      zones.push({
        fragmentId: fragment.fragmentId,
        zoneStart: fragment.offsets[z]!,
        zoneLength: fragment.offsets[end - 1]! - fragment.offsets[z]! + 1,
        minRow: minRow >= 0 ? minRow : -1 - Math.max(nullRow, 0),
        maxRow: maxRow >= 0 ? maxRow : -1 - Math.max(nullRow, 0),
        nullCount,
        nanCount,
        hasOrdinary,
      });
    }
  }
  return { zones, nullRowIds: nullRowIds.toArray() };
}

function zoneValueRow(row: number): number {
  // negative rows encode "a null row" (-1 - row)
  return row >= 0 ? row : -1 - row;
}

export interface ZoneRow {
  fragmentId: number;
  zoneStart: number;
  zoneLength: number;
  nullCount: number;
  nanCount: number;
}

/** Writes a zone-map segment from zone rows and their min / max values. */
export async function writeZoneMapSegment(
  store: ObjectStore,
  dir: string,
  zones: readonly ZoneRow[],
  min: Data,
  max: Data,
  options: { rowsPerZone: number; useSeeds: boolean; nullRowIds?: ArrayLike<number> },
): Promise<BuiltSegmentFiles> {
  const withNullBitmap = options.nullRowIds !== undefined;
  const size = await writeArrowFile(
    store,
    `${dir}/zonemap.lance`,
    tableOf(
      [
        { name: "min", data: min, nullable: true },
        { name: "max", data: max, nullable: true },
        { name: "null_count", data: uint32Data(zones.map((z) => z.nullCount)), nullable: false },
        { name: "nan_count", data: uint32Data(zones.map((z) => z.nanCount)), nullable: false },
        { name: "fragment_id", data: uint64Data(zones.map((z) => z.fragmentId)), nullable: false },
        { name: "zone_start", data: uint64Data(zones.map((z) => z.zoneStart)), nullable: false },
        { name: "zone_length", data: uint64Data(zones.map((z) => z.zoneLength)), nullable: false },
      ],
      withNullBitmap ? { rows_per_zone: String(options.rowsPerZone), null_bitmap: "1" } : { rows_per_zone: String(options.rowsPerZone) },
    ),
    withNullBitmap ? { globalBuffers: [encodeRowAddrTreeMap(options.nullRowIds!)] } : {},
  );
  return {
    files: [{ path: "zonemap.lance", sizeBytes: size }],
    details: zoneMapDetails({ rowsPerZone: options.rowsPerZone, useSeeds: options.useSeeds, hasNullBitmap: withNullBitmap }),
    indexVersion: 0,
  };
}

/** Zone rows and min / max values of the scanned training data. */
export function scannedZones(training: TrainingData, rowsPerZone: number): { zones: ZoneRow[]; min: Data; max: Data; nullRowIds: Float64Array } {
  const { zones, nullRowIds } = computeZones(training, rowsPerZone);
  const { min, max } = applyNaNRule(
    takeData(training.values, Int32Array.from(zones, (z) => zoneValueRow(z.minRow))),
    takeData(training.values, Int32Array.from(zones, (z) => zoneValueRow(z.maxRow))),
    zones.map((z) => z.nanCount),
    zones.map((z) => z.hasOrdinary),
  );
  return { zones, min, max, nullRowIds };
}

/**
 * The zones of a stream of training batches, in O(zones) memory: each zone
 * keeps only the rows that may hold its extremes (the first least and first
 * greatest value, its last NaN and last null) until it closes. Equal to
 * scannedZones over the same rows loaded whole.
 */
export async function streamZones(
  batches: AsyncIterable<TrainingBatch>,
  type: DataType,
  rowsPerZone: number,
  withNullRowIds: boolean,
): Promise<{ zones: ZoneRow[]; min: Data; max: Data; nullRowIds: Float64Array }> {
  const zones: ZoneRow[] = [];
  const hasOrdinary: boolean[] = [];
  const mins = new DataCollector(type);
  const maxs = new DataCollector(type);
  const nullRowIds = new GrowableArray(Float64Array);
  let open: { fragmentId: number; firstOffset: number; lastOffset: number; rows: number; nullCount: number; nanCount: number; candidates: Data[] } | undefined;
  const close = (): void => {
    if (!open) return;
    // the same choice as computeZones, over the candidates in row order
    const all = concatData(open.candidates);
    const access = valueAccess(all);
    let minRow = -1;
    let maxRow = -1;
    let nanRow = -1;
    let nullRow = -1;
    for (let i = 0; i < all.length; i++) {
      if (access.isNull(i)) {
        nullRow = i;
        continue;
      }
      if (access.isNaN(i)) {
        nanRow = i;
        continue;
      }
      if (minRow < 0 || access.compare(i, minRow) < 0) minRow = i;
      if (maxRow < 0 || access.compare(i, maxRow) > 0) maxRow = i;
    }
    hasOrdinary.push(minRow >= 0);
    if (nanRow >= 0) maxRow = nanRow;
    if (minRow < 0 && nanRow >= 0) minRow = nanRow;
    mins.push(takeData(all, Int32Array.of(minRow >= 0 ? minRow : Math.max(nullRow, 0))));
    maxs.push(takeData(all, Int32Array.of(maxRow >= 0 ? maxRow : Math.max(nullRow, 0))));
    zones.push({ fragmentId: open.fragmentId, zoneStart: open.firstOffset, zoneLength: open.lastOffset - open.firstOffset + 1, nullCount: open.nullCount, nanCount: open.nanCount });
    open = undefined;
  };
  for await (const batch of batches) {
    const access = valueAccess(batch.values);
    const n = batch.values.length;
    if (open && open.fragmentId !== batch.fragmentId) close();
    for (let start = 0; start < n; ) {
      open ??= { fragmentId: batch.fragmentId, firstOffset: batch.offsets[start]!, lastOffset: 0, rows: 0, nullCount: 0, nanCount: 0, candidates: [] };
      const end = Math.min(n, start + rowsPerZone - open.rows);
      let minRow = -1;
      let maxRow = -1;
      let nanRow = -1;
      let nullRow = -1;
      for (let row = start; row < end; row++) {
        if (access.isNull(row)) {
          open.nullCount++;
          nullRow = row;
          if (withNullRowIds) nullRowIds.push(batch.rowIds[row]!);
          continue;
        }
        if (access.isNaN(row)) {
          open.nanCount++;
          nanRow = row;
          continue;
        }
        if (minRow < 0 || access.compare(row, minRow) < 0) minRow = row;
        if (maxRow < 0 || access.compare(row, maxRow) > 0) maxRow = row;
      }
      const picks = [...new Set([minRow, maxRow, nanRow, nullRow].filter((r) => r >= 0))].sort((a, b) => a - b);
      open.candidates.push(takeData(batch.values, Int32Array.from(picks)));
      open.rows += end - start;
      open.lastOffset = batch.offsets[end - 1]!;
      start = end;
      if (open.rows === rowsPerZone) close();
    }
  }
  close();
  const { min, max } = applyNaNRule(mins.finish(), maxs.finish(), zones.map((z) => z.nanCount), hasOrdinary);
  return { zones, min, max, nullRowIds: nullRowIds.toArray() };
}

export async function buildZoneMap(store: ObjectStore, dir: string, training: TrainingInput, params: ZoneMapParams = {}): Promise<BuiltSegmentFiles> {
  const rowsPerZone = params.rowsPerZone ?? DEFAULT_ROWS_PER_ZONE;
  const useSeeds = params.useSeeds ?? defaultUseSeeds(training.valueType);
  const { zones, min, max, nullRowIds } = await streamZones(training.batches(), training.valueType, rowsPerZone, params.nullBitmap === true);
  return writeZoneMapSegment(store, dir, zones, min, max, { rowsPerZone, useSeeds, ...(params.nullBitmap ? { nullRowIds } : {}) });
}

/** The zone-map segment as built from the whole column in memory (the reference the stream is checked against). */
export async function buildZoneMapInMemory(store: ObjectStore, dir: string, training: TrainingData, params: ZoneMapParams = {}): Promise<BuiltSegmentFiles> {
  const rowsPerZone = params.rowsPerZone ?? DEFAULT_ROWS_PER_ZONE;
  const useSeeds = params.useSeeds ?? defaultUseSeeds(training.values.type);
  const { zones, min, max, nullRowIds } = scannedZones(training, rowsPerZone);
  return writeZoneMapSegment(store, dir, zones, min, max, { rowsPerZone, useSeeds, ...(params.nullBitmap ? { nullRowIds } : {}) });
}
