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
import { sortOrder, valueAccess } from "../value-order.js";

export async function buildBitmap(store: ObjectStore, dir: string, training: TrainingData): Promise<BuiltSegmentFiles> {
  const n = training.rowIds.length;
  const access = valueAccess(training.values);
  const order = sortOrder(access, training.rowIds, n);
  const keyRows: number[] = [];
  const bitmaps: Uint8Array[] = [];
  let start = 0;
  while (start < n) {
    const first = order[start]!;
    const isNull = access.isNull(first);
    let end = start + 1;
    while (end < n) {
      const k = order[end]!;
      const same = isNull ? access.isNull(k) : !access.isNull(k) && access.compare(first, k) === 0;
      if (!same) break;
      end++;
    }
    const ids = new Float64Array(end - start);
    for (let i = start; i < end; i++) ids[i - start] = training.rowIds[order[i]!]!;
    keyRows.push(first);
    bitmaps.push(encodeRowAddrTreeMap(ids));
    start = end;
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
