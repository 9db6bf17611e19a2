// Zone-map seeds (Lance 12's layout): while a data file is written, the zone
// statistics of a ZONEMAP-indexed column are accumulated and stored in the
// file as an Arrow IPC file with one row per zone of rows_per_zone rows --
// min T, max T, null_count UInt32, nan_count UInt32, zone_length UInt64 --
// and schema metadata seed_null_bitmap = hex of a roaring bitmap of the null
// row offsets ("" when none). The file's schema metadata names it with
// lance.seed.<column> = "<buffer>:<rows_per_zone>". Zones holding NaNs get
// the statistics of stats.ts, in the seeds lancets plants and in the seeds it
// harvests.

import { makeData, tableFromIPC, tableToIPC, Type, type Data, type Field, type Table, type Utf8 } from "apache-arrow";
import { concatData, nullData, takeData } from "../../core/arrow-data.js";
import { LanceError } from "../../core/errors.js";
import { GrowableArray } from "../../core/growable-array.js";
import { decodeRoaring32, encodeRoaring32 } from "../../core/roaring.js";
import { isValidAt } from "../../format/file/leaf-values.js";
import { decodeZoneMapDetails } from "../../format/index/details.js";
import type { IndexMetadata, LanceField } from "../../format/table/types.js";
import type { SeedWriter } from "../../table/seeds.js";
import { tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import { compareBytes, valueAccess } from "../value-order.js";
import { applyNaNRule } from "./stats.js";

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function fromHex(hex: string, where: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new LanceError("CORRUPT_FILE", `corrupt zone-map seed in ${where}: null bitmap is not hex`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

interface ZoneStats {
  length: number;
  nullCount: number;
  nanCount: number;
  hasOrdinary: boolean;
  min: Data;
  max: Data;
}

/** Picks the smallest and largest of candidate single values (NaN wins the max). */
function combine(candidates: Data[], type: Field["type"]): { min: Data; max: Data; hasOrdinary: boolean } {
  if (candidates.length === 0) return { min: nullData(type, 1), max: nullData(type, 1), hasOrdinary: false };
  const all = concatData(candidates);
  const access = valueAccess(all);
  let min = -1;
  let max = -1;
  let nan = -1;
  for (let i = 0; i < all.length; i++) {
    if (access.isNull(i)) continue;
    if (access.isNaN(i)) {
      nan = i;
      continue;
    }
    if (min < 0 || access.compare(i, min) < 0) min = i;
    if (max < 0 || access.compare(i, max) > 0) max = i;
  }
  const hasOrdinary = min >= 0;
  if (nan >= 0) {
    max = nan;
    if (min < 0) min = nan;
  }
  return {
    hasOrdinary,
    min: min < 0 ? nullData(type, 1) : takeData(all, Int32Array.of(min)),
    max: max < 0 ? nullData(type, 1) : takeData(all, Int32Array.of(max)),
  };
}

/**
 * The extremes of each zone of a string or binary column (32-bit offsets), kept as copies of
 * their bytes: a piece of a zone is scanned with byte comparisons in place, and only a new
 * extreme is copied (no Arrow slices per piece, no per-value dispatch).
 */
class ByteZoneExtremes {
  private min: Uint8Array | undefined;
  private max: Uint8Array | undefined;
  readonly mins: (Uint8Array | undefined)[] = [];
  readonly maxes: (Uint8Array | undefined)[] = [];

  /** Observes rows [start, end) of `data`, none of them null when `nullFree`. */
  observe(data: Data, start: number, end: number, isNull: (i: number) => boolean, nullFree: boolean): void {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      if (!nullFree && isNull(i)) continue;
      if (lo < 0) {
        lo = hi = i;
        continue;
      }
      const a = offsets[i]!;
      const aLen = offsets[i + 1]! - a;
      // against the piece's minimum so far
      let b = offsets[lo]!;
      let bLen = offsets[lo + 1]! - b;
      let n = aLen < bLen ? aLen : bLen;
      let d = 0;
      for (let k = 0; k < n && d === 0; k++) d = bytes[a + k]! - bytes[b + k]!;
      if ((d === 0 ? aLen - bLen : d) < 0) {
        lo = i;
        continue;
      }
      // against its maximum
      b = offsets[hi]!;
      bLen = offsets[hi + 1]! - b;
      n = aLen < bLen ? aLen : bLen;
      d = 0;
      for (let k = 0; k < n && d === 0; k++) d = bytes[a + k]! - bytes[b + k]!;
      if ((d === 0 ? aLen - bLen : d) > 0) hi = i;
    }
    if (lo < 0) return;
    const low = bytes.subarray(offsets[lo]!, offsets[lo + 1]!);
    const high = bytes.subarray(offsets[hi]!, offsets[hi + 1]!);
    if (this.min === undefined || compareBytes(low, this.min) < 0) this.min = low.slice();
    if (this.max === undefined || compareBytes(high, this.max) > 0) this.max = high.slice();
  }

  closeZone(): boolean {
    this.mins.push(this.min);
    this.maxes.push(this.max);
    const hasOrdinary = this.min !== undefined;
    this.min = this.max = undefined;
    return hasOrdinary;
  }
}

/** A string or binary column (32-bit offsets) of `values`, null where undefined. */
function bytesData(type: Field["type"], values: readonly (Uint8Array | undefined)[]): Data {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i]?.length ?? 0;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  const validity = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) nullCount++;
    else {
      bytes.set(v, offsets[i]!);
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeData({ type: type as Utf8, length: values.length, nullCount, nullBitmap: nullCount > 0 ? validity : null, valueOffsets: offsets, data: bytes });
}

export class ZoneMapSeedWriter implements SeedWriter {
  private readonly zones: ZoneStats[] = [];
  private readonly nullOffsets = new GrowableArray(Uint32Array);
  private rows = 0;
  private current = { length: 0, nullCount: 0, nanCount: 0, candidates: [] as Data[] };
  /** Set for string and binary columns with 32-bit offsets, whose zones skip the generic path. */
  private readonly byteZones: ByteZoneExtremes | undefined;

  constructor(
    readonly column: string,
    private readonly field: Field,
    readonly rowsPerZone: number,
  ) {
    const t = field.type.typeId;
    this.byteZones = t === Type.Utf8 || t === Type.Binary ? new ByteZoneExtremes() : undefined;
  }

  private closeZone(): void {
    if (this.byteZones) {
      const hasOrdinary = this.byteZones.closeZone();
      const none = nullData(this.field.type, 0);
      this.zones.push({ length: this.current.length, nullCount: this.current.nullCount, nanCount: 0, hasOrdinary, min: none, max: none });
    } else {
      const { min, max, hasOrdinary } = combine(this.current.candidates, this.field.type);
      this.zones.push({ length: this.current.length, nullCount: this.current.nullCount, nanCount: this.current.nanCount, hasOrdinary, min, max });
    }
    this.current = { length: 0, nullCount: 0, nanCount: 0, candidates: [] };
  }

  observe(data: Data): void {
    const access = valueAccess(data);
    const nullFree = !(data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.byteLength > 0);
    let start = 0;
    while (start < data.length) {
      const take = Math.min(data.length - start, this.rowsPerZone - this.current.length);
      if (this.byteZones) {
        if (!nullFree) {
          for (let i = start; i < start + take; i++) {
            if (!access.isNull(i)) continue;
            this.current.nullCount++;
            this.nullOffsets.push(this.rows + i - start);
          }
        }
        this.byteZones.observe(data, start, start + take, access.isNull, nullFree);
      } else {
        // one pass over this piece of the zone: its null and NaN counts and the rows of its extremes
        let min = -1;
        let max = -1;
        let nan = -1;
        for (let i = start; i < start + take; i++) {
          if (access.isNull(i)) {
            this.current.nullCount++;
            this.nullOffsets.push(this.rows + i - start);
            continue;
          }
          if (access.isNaN(i)) {
            this.current.nanCount++;
            nan = i;
            continue;
          }
          if (min < 0 || access.compare(i, min) < 0) min = i;
          if (max < 0 || access.compare(i, max) > 0) max = i;
        }
        const picks = [min, max, nan].filter((r) => r >= 0);
        if (picks.length > 0) this.current.candidates.push(takeData(data, Int32Array.from(picks)));
      }
      this.current.length += take;
      this.rows += take;
      start += take;
      if (this.current.length === this.rowsPerZone) this.closeZone();
    }
  }

  finish(): { bytes: Uint8Array; metadataValue: (bufferIndex: number) => string } {
    if (this.current.length > 0) this.closeZone();
    const type = this.field.type;
    const { min, max } = this.byteZones
      ? { min: bytesData(type, this.byteZones.mins), max: bytesData(type, this.byteZones.maxes) }
      : this.zones.length > 0
        ? applyNaNRule(
            concatData(this.zones.map((z) => z.min)),
            concatData(this.zones.map((z) => z.max)),
            this.zones.map((z) => z.nanCount),
            this.zones.map((z) => z.hasOrdinary),
          )
        : { min: nullData(type, 0), max: nullData(type, 0) };
    const table = tableOf(
      [
        { name: "min", data: min, nullable: true },
        { name: "max", data: max, nullable: true },
        { name: "null_count", data: uint32Data(this.zones.map((z) => z.nullCount)), nullable: false },
        { name: "nan_count", data: uint32Data(this.zones.map((z) => z.nanCount)), nullable: false },
        { name: "zone_length", data: uint64Data(this.zones.map((z) => z.length)), nullable: false },
      ],
      { seed_null_bitmap: this.nullOffsets.length > 0 ? toHex(encodeRoaring32(this.nullOffsets.view())) : "" },
    );
    const bytes = tableToIPC(table, "file");
    return { bytes, metadataValue: (bufferIndex) => `${bufferIndex}:${this.rowsPerZone}` };
  }
}

export interface HarvestedSeed {
  rowsPerZone: number;
  zones: { zoneStart: number; zoneLength: number; nullCount: number; nanCount: number }[];
  min: Data;
  max: Data;
  /** Null row offsets within the file, or undefined when the seed has no bitmap. */
  nullOffsets: Uint32Array | undefined;
}

/**
 * Whether every zone of a seed that holds ordinary (non-null, non-NaN) values
 * has a min or a max. Lance 12 plants seeds without statistics for some types
 * (decimals: null min and max); such a zone says nothing about its values.
 */
export function seedHasStatistics(seed: HarvestedSeed): boolean {
  return seed.zones.every((z, i) => z.nullCount + z.nanCount >= z.zoneLength || isValidAt(seed.min, i) || isValidAt(seed.max, i));
}

/**
 * Parses a `lance.seed.<column>` value: `<buffer>:<rows_per_zone>` (Lance 12
 * and 14, lancets) or `<buffer>:<rows_per_zone>:<field_id>`.
 */
export function parseSeedValue(value: string): { bufferIndex: number; rowsPerZone: number; fieldId?: number } | undefined {
  const parts = value.split(":");
  const bufferIndex = Number(parts[0]);
  const rowsPerZone = Number(parts[1]);
  if (parts.length < 2 || parts.length > 3 || !Number.isSafeInteger(bufferIndex) || bufferIndex < 1 || !Number.isSafeInteger(rowsPerZone) || rowsPerZone < 1) return undefined;
  if (parts.length === 2) return { bufferIndex, rowsPerZone };
  const fieldId = Number(parts[2]);
  if (parts[2] === "" || !Number.isSafeInteger(fieldId) || fieldId < 0) return undefined;
  return { bufferIndex, rowsPerZone, fieldId };
}

/** Decodes seed bytes; zone starts are implicit (i * rows_per_zone). */
export function decodeZoneMapSeed(bytes: Uint8Array, rowsPerZone: number, where: string): HarvestedSeed {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new LanceError("CORRUPT_FILE", `corrupt zone-map seed in ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const col = (name: string): Data => {
    const v = table.getChild(name);
    if (!v) throw new LanceError("CORRUPT_FILE", `corrupt zone-map seed in ${where}: no column ${name}`);
    return v.data.length === 1 ? v.data[0]! : concatData(v.data);
  };
  const lengths = table.getChild("zone_length")!.toArray() as BigUint64Array;
  const nulls = table.getChild("null_count")!.toArray() as Uint32Array;
  const nans = table.getChild("nan_count")!.toArray() as Uint32Array;
  const zones = Array.from(lengths, (len, i) => ({ zoneStart: i * rowsPerZone, zoneLength: Number(len), nullCount: nulls[i]!, nanCount: nans[i]! }));
  const hex = table.schema.metadata.get("seed_null_bitmap");
  let nullOffsets: Uint32Array | undefined;
  if (hex !== undefined) nullOffsets = hex === "" ? new Uint32Array(0) : decodeRoaring32(fromHex(hex, where), where);
  // Lance's seeds do not record the sign of a zone's NaNs: the NaN rule makes their min unknown
  const { min, max } = applyNaNRule(col("min"), col("max"), nans, zones.map((z) => z.nullCount + z.nanCount < z.zoneLength));
  return { rowsPerZone, zones, min, max, nullOffsets };
}

/** The seed writer of a zone-map index on `column`, or undefined when the index was built without seeds. */
export function createZoneMapSeedWriter(index: IndexMetadata, column: LanceField, arrowField: Field): ZoneMapSeedWriter | undefined {
  if (!index.indexDetails) return undefined;
  const details = decodeZoneMapDetails(index.indexDetails.value, `index ${index.name}`);
  if (!details.useSeeds || details.rowsPerZone === undefined) return undefined;
  return new ZoneMapSeedWriter(column.name, arrowField, details.rowsPerZone);
}
