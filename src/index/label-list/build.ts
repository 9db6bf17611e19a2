// LABEL_LIST segment (Lance scalar index "label_list", index_version 1, as
// Lance 12 writes it): a BITMAP index over the items of a list column. Each
// row's items are unnested (a row holding ["a", "b"] counts as a row holding
// "a" and a row holding "b"; a null list or an empty one holds nothing; a null
// item is the null key), then grouped exactly as a BITMAP build does, into
//   bitmap_page_lookup.lance  keys <item type> (nullable), bitmaps Binary;
//   global buffer 1: the row ids of the null lists (RowAddrTreeMap), named by
//   the schema metadata entry lance:label_list_nulls = "1"
// with LabelListIndexDetails (empty) as details. Lance answers NOT over the
// index with that bitmap (a null list is neither holding nor not holding).

import { DataType, type Data } from "apache-arrow";
import { takeData } from "../../core/arrow-data.js";
import { GrowableArray } from "../../core/growable-array.js";
import { LanceError } from "../../core/errors.js";
import { labelListDetails } from "../../format/index/details.js";
import { isValidAt } from "../../format/file/leaf-values.js";
import { encodeRowAddrTreeMap } from "../../format/index/row-addr-map.js";
import type { ObjectStore } from "../../io/object-store.js";
import { buildBitmapStreaming, type BitmapBuildOptions } from "../bitmap/build.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingBatch, TrainingData, TrainingInput } from "../training.js";

interface Unnested {
  values: Data;
  rowIds: Float64Array;
  offsets: Int32Array;
  /** Row ids of the null lists. */
  nullRowIds: Float64Array;
}

/** The items of the valid lists of `lists`, each with its row's id and offset. */
export function unnestLists(lists: Data, rowIds: Float64Array, offsets?: Int32Array): Unnested {
  const positions = lists.valueOffsets as Int32Array;
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < lists.length; i++) {
    if (isValidAt(lists, i)) total += positions[i + 1]! - positions[i]!;
    else nulls++;
  }
  const nullRowIds = new Float64Array(nulls);
  nulls = 0;
  const take = new Int32Array(total);
  const ids = new Float64Array(total);
  const rows = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < lists.length; i++) {
    if (!isValidAt(lists, i)) {
      nullRowIds[nulls++] = rowIds[i]!;
      continue;
    }
    for (let j = positions[i]!; j < positions[i + 1]!; j++) {
      take[k] = j;
      ids[k] = rowIds[i]!;
      rows[k] = offsets ? offsets[i]! : 0;
      k++;
    }
  }
  return { values: takeData(lists.children[0]!, take), rowIds: ids, offsets: rows, nullRowIds };
}

/** The training input of a list column as the training input of its items; `onNullRows` sees the null lists' row ids. */
export function unnestedTraining(input: TrainingInput, onNullRows: (rowIds: Float64Array) => void = () => undefined): TrainingInput {
  const type = input.valueType;
  if (!DataType.isList(type)) throw new LanceError("INVALID_INPUT", `a LABEL_LIST index needs a list column, not ${String(type)}`);
  return {
    valueType: type.children[0]!.type,
    load: async (): Promise<TrainingData> => {
      const data = await input.load();
      const { values, rowIds, nullRowIds } = unnestLists(data.values, data.rowIds);
      onNullRows(nullRowIds);
      return { values, rowIds, fragments: data.fragments };
    },
    batches: async function* (): AsyncGenerator<TrainingBatch> {
      for await (const batch of input.batches()) {
        const { values, rowIds, offsets, nullRowIds } = unnestLists(batch.values, batch.rowIds, batch.offsets);
        onNullRows(nullRowIds);
        yield { fragmentId: batch.fragmentId, values, rowIds, offsets };
      }
    },
  };
}

/** The LABEL_LIST index_version lancets writes (Lance 12's: with the null-list bitmap). */
export const LABEL_LIST_INDEX_VERSION = 1;

export async function buildLabelList(store: ObjectStore, dir: string, input: TrainingInput, options: BitmapBuildOptions): Promise<BuiltSegmentFiles> {
  const nullRows = new GrowableArray(Float64Array);
  const globalBuffers: Uint8Array[] = [];
  const training = unnestedTraining(input, (ids) => {
    for (let i = 0; i < ids.length; i++) nullRows.push(ids[i]!);
  });
  // the input is read whole before the lookup file is finished: the bitmap is ready by then
  const items: TrainingInput = {
    valueType: training.valueType,
    load: training.load,
    batches: async function* () {
      yield* training.batches();
      globalBuffers.push(encodeRowAddrTreeMap(nullRows.view()));
    },
  };
  const built = await buildBitmapStreaming(store, dir, items, { ...options, metadata: { "lance:label_list_nulls": "1" }, globalBuffers });
  if (globalBuffers.length !== 1) throw new LanceError("INTERNAL", "the null-list bitmap of a LABEL_LIST segment was not written");
  return { ...built, details: labelListDetails(), indexVersion: LABEL_LIST_INDEX_VERSION };
}
