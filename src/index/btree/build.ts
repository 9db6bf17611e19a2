// BTREE segment files (Lance scalar index "btree", index_version 0):
//   page_data.lance    values T (nullable), ids UInt64 -- every indexed row,
//                      nulls first then ascending, cut into pages of batch_size rows
//   page_lookup.lance  min T, max T, null_count UInt32, page_idx UInt32 -- one row per page
//   metadata: batch_size, range_partitioned = "false"

import { takeData } from "../../core/arrow-data.js";
import { writeArrowFile } from "../../file/file-writer.js";
import { btreeDetails } from "../../format/index/details.js";
import type { ObjectStore } from "../../io/object-store.js";
import { tableOf, uint32Data, uint64Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingData } from "../training.js";
import { numericSortOrder, sortOrder, valueAccess } from "../value-order.js";

export const BTREE_BATCH_SIZE = 4096;

export async function buildBTree(store: ObjectStore, dir: string, training: TrainingData, batchSize = BTREE_BATCH_SIZE): Promise<BuiltSegmentFiles> {
  const n = training.rowIds.length;
  const access = valueAccess(training.values);
  const order = numericSortOrder(training.values, training.rowIds) ?? sortOrder(access, training.rowIds, n);
  const sortedValues = takeData(training.values, order);
  const sortedIds = new Float64Array(n);
  for (let i = 0; i < n; i++) sortedIds[i] = training.rowIds[order[i]!]!;
  const dataSize = await writeArrowFile(
    store,
    `${dir}/page_data.lance`,
    tableOf([
      { name: "values", data: sortedValues, nullable: true },
      { name: "ids", data: uint64Data(sortedIds), nullable: false },
    ]),
    // one page per batch, so a search fetches only the batches it needs
    { rowsPerPage: batchSize },
  );
  const pages = Math.ceil(n / batchSize);
  const firsts = new Int32Array(pages);
  const lasts = new Int32Array(pages);
  const nullCounts: number[] = [];
  for (let p = 0; p < pages; p++) {
    const start = p * batchSize;
    const end = Math.min(n, start + batchSize);
    firsts[p] = order[start]!;
    lasts[p] = order[end - 1]!;
    let nulls = 0;
    for (let i = start; i < end; i++) if (access.isNull(order[i]!)) nulls++;
    nullCounts.push(nulls);
  }
  const lookupSize = await writeArrowFile(
    store,
    `${dir}/page_lookup.lance`,
    tableOf(
      [
        { name: "min", data: takeData(training.values, firsts), nullable: true },
        { name: "max", data: takeData(training.values, lasts), nullable: true },
        { name: "null_count", data: uint32Data(nullCounts), nullable: false },
        { name: "page_idx", data: uint32Data(Array.from({ length: pages }, (_, i) => i)), nullable: false },
      ],
      { batch_size: String(batchSize), range_partitioned: "false" },
    ),
  );
  return {
    files: [
      { path: "page_data.lance", sizeBytes: dataSize },
      { path: "page_lookup.lance", sizeBytes: lookupSize },
    ],
    details: btreeDetails(),
    indexVersion: 0,
  };
}
