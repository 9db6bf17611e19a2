// BITMAP segment file (Lance scalar index "bitmap", index_version 0):
//   bitmap_page_lookup.lance  keys T (nullable), bitmaps Binary (RowAddrTreeMap)
//   one row per distinct value, sorted, the null key first; metadata
//   lance:index_stats = {"num_bitmaps":N}

import { takeData } from "../../core/arrow-data.js";
import { writeArrowFile } from "../../file/file-writer.js";
import { bitmapDetails } from "../../format/index/details.js";
import { encodeRowAddrTreeMap } from "../../format/index/row-addr-map.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingData } from "../training.js";
import { groupKeys, valueAccess } from "../value-order.js";

export async function buildBitmap(store: ObjectStore, dir: string, training: TrainingData): Promise<BuiltSegmentFiles> {
  const n = training.rowIds.length;
  const access = valueAccess(training.values);
  // Group rows by value with a hash map, then sort only the distinct values.
  const keyOf = groupKeys(training.values);
  const groups = new Map<number | string, number[]>();
  const nullRows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (access.isNull(i)) {
      nullRows.push(i);
      continue;
    }
    const key = keyOf(i);
    const rows = groups.get(key);
    if (rows) rows.push(i);
    else groups.set(key, [i]);
  }
  const distinct = [...groups.values()].sort((a, b) => access.compare(a[0]!, b[0]!));
  if (nullRows.length > 0) distinct.unshift(nullRows);
  const keyRows: number[] = [];
  const bitmaps: Uint8Array[] = [];
  for (const rows of distinct) {
    keyRows.push(rows[0]!);
    bitmaps.push(encodeRowAddrTreeMap(Float64Array.from(rows, (r) => training.rowIds[r]!)));
  }
  const size = await writeArrowFile(
    store,
    `${dir}/bitmap_page_lookup.lance`,
    tableOf(
      [
        { name: "keys", data: takeData(training.values, Int32Array.from(keyRows)), nullable: true },
        { name: "bitmaps", data: binaryData(bitmaps), nullable: false },
      ],
      { "lance:index_stats": JSON.stringify({ num_bitmaps: keyRows.length }) },
    ),
  );
  return {
    files: [{ path: "bitmap_page_lookup.lance", sizeBytes: size }],
    details: bitmapDetails(),
    indexVersion: 0,
  };
}
