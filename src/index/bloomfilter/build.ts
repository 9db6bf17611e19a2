// BLOOMFILTER segment (Lance scalar index "bloomfilter", index_version 0):
//   bloomfilter.lance  fragment_id u64, zone_start u64, zone_length u64,
//                      has_null bool, bloom_filter_data binary
//   one row per zone: up to number_of_items live rows of one fragment, in
//   order (zone_start counts the rows of the fragment's earlier zones); the
//   filter is a split-block bloom filter (format/index/sbbf.ts) sized by
//   Lance's rule for number_of_items values at the false positive
//   probability, holding the XXH64 of each valid value's little-endian bytes
//   (UTF-8 for strings). Schema metadata: bloomfilter_item,
//   bloomfilter_probability, and null_bitmap = "1" naming global buffer 1,
//   the row ids of the null values (RowAddrTreeMap), as Lance 14 writes it.

import { Bool, makeData, Type, type Data, type DataType } from "apache-arrow";
import { GrowableArray } from "../../core/growable-array.js";
import { LanceError } from "../../core/errors.js";
import { Xxh64 } from "../../core/xxhash64.js";
import { fixedWidthBits } from "../../format/file/arrow-build.js";
import { isValidAt } from "../../format/file/leaf-values.js";
import { encodeRowAddrTreeMap } from "../../format/index/row-addr-map.js";
import { sbbfInsert, sbbfLog2Bytes } from "../../format/index/sbbf.js";
import { TYPE_URLS } from "../../format/index/index-type.js";
import { writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf, uint64Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingInput } from "../training.js";

/** Lance's defaults: 8192 values per zone at a 0.00057 false positive probability (32 KiB filters). */
export const BLOOMFILTER_DEFAULT_ITEMS = 8192;
export const BLOOMFILTER_DEFAULT_PROBABILITY = 0.00057;

export interface BloomFilterParams {
  numberOfItems?: number;
  probability?: number;
}

/** Whether Lance builds bloom filters over values of this type. */
export function bloomFilterType(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
      return true;
    case Type.Float:
      return (type as unknown as { precision: number }).precision !== 0;
    default:
      return false;
  }
}

interface Zone {
  fragmentId: number;
  zoneStart: number;
  zoneLength: number;
  hasNull: boolean;
  filter: Uint8Array;
}

function boolData(values: boolean[]): Data {
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
  });
  return makeData({ type: new Bool(), length: values.length, nullCount: 0, data: bits });
}

/**
 * Where the bytes Lance hashes for each row of `data` lie: rows of `width`
 * bytes, or (width 0) between `offsets[i]` and `offsets[i + 1]`.
 */
function valueBytesOf(data: Data): { bytes: Uint8Array; width: number; offsets?: Int32Array | BigInt64Array } {
  const bits = fixedWidthBits(data.type);
  if (bits !== undefined && bits % 8 === 0) {
    const v = data.values as ArrayBufferView;
    return { bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength), width: bits / 8 };
  }
  return { bytes: data.values as Uint8Array, width: 0, offsets: data.valueOffsets as Int32Array | BigInt64Array };
}

export async function buildBloomFilter(store: ObjectStore, dir: string, input: TrainingInput, params: BloomFilterParams): Promise<BuiltSegmentFiles> {
  const numberOfItems = params.numberOfItems ?? BLOOMFILTER_DEFAULT_ITEMS;
  const probability = params.probability ?? BLOOMFILTER_DEFAULT_PROBABILITY;
  if (!Number.isSafeInteger(numberOfItems) || numberOfItems <= 0) throw new LanceError("INVALID_INPUT", `numberOfItems must be a positive integer, got ${numberOfItems}`);
  if (!(probability > 0 && probability < 1)) throw new LanceError("INVALID_INPUT", `probability must be between 0 and 1, got ${probability}`);
  if (!bloomFilterType(input.valueType)) throw new LanceError("INVALID_INPUT", `a BLOOMFILTER index cannot be built on values of type ${String(input.valueType)}`);
  const filterBytes = 2 ** sbbfLog2Bytes(numberOfItems, probability);
  const zones: Zone[] = [];
  const nullRows = new GrowableArray(Float64Array);
  let current: Zone | undefined;
  const hasher = new Xxh64();
  for await (const batch of input.batches()) {
    const { bytes, width, offsets } = valueBytesOf(batch.values);
    const noNulls = batch.values.nullCount === 0;
    for (let i = 0; i < batch.rowIds.length; i++) {
      if (current && (current.fragmentId !== batch.fragmentId || current.zoneLength === numberOfItems)) {
        zones.push(current);
        current = undefined;
      }
      if (!current) {
        const previous = zones.at(-1);
        const zoneStart = previous && previous.fragmentId === batch.fragmentId ? previous.zoneStart + previous.zoneLength : 0;
        current = { fragmentId: batch.fragmentId, zoneStart, zoneLength: 0, hasNull: false, filter: new Uint8Array(filterBytes) };
      }
      current.zoneLength++;
      if (!noNulls && !isValidAt(batch.values, i)) {
        current.hasNull = true;
        nullRows.push(batch.rowIds[i]!);
        continue;
      }
      if (offsets) hasher.hash(bytes, Number(offsets[i]!), Number(offsets[i + 1]!));
      else hasher.hash(bytes, i * width, (i + 1) * width);
      sbbfInsert(current.filter, hasher.hi, hasher.lo);
    }
  }
  if (current) zones.push(current);
  const size = await writeArrowFile(
    store,
    `${dir}/bloomfilter.lance`,
    tableOf(
      [
        { name: "fragment_id", data: uint64Data(zones.map((z) => z.fragmentId)), nullable: false },
        { name: "zone_start", data: uint64Data(zones.map((z) => z.zoneStart)), nullable: false },
        { name: "zone_length", data: uint64Data(zones.map((z) => z.zoneLength)), nullable: false },
        { name: "has_null", data: boolData(zones.map((z) => z.hasNull)), nullable: false },
        { name: "bloom_filter_data", data: binaryData(zones.map((z) => z.filter)), nullable: false },
      ],
      { bloomfilter_item: String(numberOfItems), bloomfilter_probability: String(probability), null_bitmap: "1" },
    ),
    { globalBuffers: [encodeRowAddrTreeMap(nullRows.view())] },
  );
  return { files: [{ path: "bloomfilter.lance", sizeBytes: size }], details: { typeUrl: TYPE_URLS.BLOOMFILTER, value: new Uint8Array(0) }, indexVersion: 0 };
}
