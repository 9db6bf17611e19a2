// Index details messages (IndexMetadata.index_details) as plain values:
// BTREE and BITMAP details are empty; ZONEMAP carries rows_per_zone, use_seeds
// and has_null_bitmap.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CorruptFileError } from "../../core/errors.js";
import { BitmapIndexDetailsSchema, BTreeIndexDetailsSchema, ZoneMapIndexDetailsSchema } from "../pb/index_details_pb.js";
import type { IndexDetails } from "../table/types.js";
import { TYPE_URLS } from "./index-type.js";

export function btreeDetails(): IndexDetails {
  return { typeUrl: TYPE_URLS.BTREE, value: toBinary(BTreeIndexDetailsSchema, create(BTreeIndexDetailsSchema)) };
}

export function bitmapDetails(): IndexDetails {
  return { typeUrl: TYPE_URLS.BITMAP, value: toBinary(BitmapIndexDetailsSchema, create(BitmapIndexDetailsSchema)) };
}

export interface ZoneMapDetails {
  rowsPerZone?: number;
  useSeeds?: boolean;
  hasNullBitmap?: boolean;
}

export function zoneMapDetails(d: ZoneMapDetails): IndexDetails {
  const pb = create(ZoneMapIndexDetailsSchema, {
    ...(d.rowsPerZone !== undefined ? { rowsPerZone: BigInt(d.rowsPerZone) } : {}),
    ...(d.useSeeds !== undefined ? { useSeeds: d.useSeeds } : {}),
    ...(d.hasNullBitmap !== undefined ? { hasNullBitmap: d.hasNullBitmap } : {}),
  });
  return { typeUrl: TYPE_URLS.ZONEMAP, value: toBinary(ZoneMapIndexDetailsSchema, pb) };
}

export function decodeZoneMapDetails(bytes: Uint8Array, where: string): ZoneMapDetails {
  let pb;
  try {
    pb = fromBinary(ZoneMapIndexDetailsSchema, bytes);
  } catch (err) {
    throw new CorruptFileError(where, undefined, `cannot decode zone map details: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: ZoneMapDetails = {};
  if (pb.rowsPerZone !== undefined) out.rowsPerZone = Number(pb.rowsPerZone);
  if (pb.useSeeds !== undefined) out.useSeeds = pb.useSeeds;
  if (pb.hasNullBitmap !== undefined) out.hasNullBitmap = pb.hasNullBitmap;
  return out;
}
