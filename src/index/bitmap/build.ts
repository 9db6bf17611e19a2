// BITMAP segment file (Lance scalar index "bitmap", index_version 0):
//   bitmap_page_lookup.lance  keys T (nullable), bitmaps Binary (RowAddrTreeMap)
//   one row per distinct value, sorted, the null key first; metadata
//   lance:index_stats = {"num_bitmaps":N}

import { takeData } from "../../core/arrow-data.js";
import { GrowableArray } from "../../core/growable-array.js";
import { ShardedMap } from "../../core/sharded-map.js";
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
  // Group rows by value with a hash map (sharded: a column may hold more
  // distinct values than one Map takes), then sort only the distinct values.
  const keyOf = groupKeys(training.values);
  const groupIds = new ShardedMap<number | string, number>();
  const firstRows = new GrowableArray(Int32Array);
  const groupOf = new Int32Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (access.isNull(i)) {
      groupOf[i] = -1;
      nulls++;
      continue;
    }
    const key = keyOf(i);
    let g = groupIds.get(key);
    if (g === undefined) {
      g = firstRows.length;
      groupIds.set(key, g);
      firstRows.push(i);
    }
    groupOf[i] = g;
  }
  const numGroups = firstRows.length;
  // each group's rows, ascending, contiguous in one array (a counting sort by group)
  const starts = new Int32Array(numGroups + 1);
  for (let i = 0; i < n; i++) if (groupOf[i]! >= 0) starts[groupOf[i]! + 1]!++;
  for (let g = 0; g < numGroups; g++) starts[g + 1]! += starts[g]!;
  const fill = starts.slice(0, numGroups);
  const grouped = new Int32Array(n - nulls);
  const nullRows = new Int32Array(nulls);
  let nullAt = 0;
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (g < 0) nullRows[nullAt++] = i;
    else grouped[fill[g]!++] = i;
  }
  const firsts = firstRows.view();
  const byValue = new Int32Array(numGroups);
  for (let g = 0; g < numGroups; g++) byValue[g] = g;
  byValue.sort((a, b) => access.compare(firsts[a]!, firsts[b]!));
  const keyRows = new Int32Array(numGroups + (nulls > 0 ? 1 : 0));
  const bitmaps: Uint8Array[] = [];
  const rowIdsOf = (rows: Int32Array): Float64Array => {
    const ids = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) ids[r] = training.rowIds[rows[r]!]!;
    return ids;
  };
  let k = 0;
  if (nulls > 0) {
    keyRows[k++] = nullRows[0]!;
    bitmaps.push(encodeRowAddrTreeMap(rowIdsOf(nullRows)));
  }
  for (const g of byValue) {
    keyRows[k++] = firsts[g]!;
    bitmaps.push(encodeRowAddrTreeMap(rowIdsOf(grouped.subarray(starts[g]!, starts[g + 1]!))));
  }
  const size = await writeArrowFile(
    store,
    `${dir}/bitmap_page_lookup.lance`,
    tableOf(
      [
        { name: "keys", data: takeData(training.values, keyRows), nullable: true },
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
