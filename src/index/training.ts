// Index input: the values of one column over a set of fragments, live rows
// only, with their row ids (row addresses, or stable row ids when the dataset
// has them) and their physical offsets.

import type { Data } from "apache-arrow";
import { concatData, nullData, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import type { LanceField } from "../format/table/types.js";
import type { Snapshot } from "../table/snapshot.js";
import { liveOffsets, readDeletedOffsets } from "../table/deletions.js";
import { readFragmentColumns, readStableRowIds } from "../table/scan.js";

export interface FragmentRows {
  fragmentId: number;
  /** Live physical offsets, ascending. */
  offsets: Int32Array;
  /** Index of this fragment's first row in the combined arrays. */
  start: number;
}

export interface TrainingData {
  values: Data;
  rowIds: Float64Array;
  fragments: FragmentRows[];
}

export function resolveColumn(ds: Snapshot, column: string): { lance: LanceField; index: number } {
  const top = ds.manifest.fields.filter((f) => f.parentId === -1);
  const index = top.findIndex((f) => f.name === column);
  if (index < 0) throw new LanceError("INVALID_INPUT", `column "${column}" does not exist; the dataset has ${top.map((f) => f.name).join(", ")}`);
  return { lance: top[index]!, index };
}

export async function loadTrainingData(ds: Snapshot, column: string, fragmentIds: readonly number[], onRows?: (rows: number) => void): Promise<TrainingData> {
  const { lance, index } = resolveColumn(ds, column);
  const arrow = ds.schema.fields[index]!;
  const parts: Data[] = [];
  const ids: Float64Array[] = [];
  const fragments: FragmentRows[] = [];
  let total = 0;
  for (const id of fragmentIds) {
    const fragment = ds.manifest.fragments.find((f) => f.id === id);
    if (!fragment) throw new LanceError("NOT_FOUND", `fragment ${id} does not exist in version ${ds.version}`);
    const [columns, deleted, stable] = await Promise.all([
      readFragmentColumns(ds, fragment, [{ lance, arrow }]),
      readDeletedOffsets(ds.store, fragment),
      readStableRowIds(ds, fragment),
    ]);
    const offsets = liveOffsets(fragment.physicalRows, deleted);
    const data = columns.get(lance.id)!;
    parts.push(deleted.length > 0 ? takeData(data, offsets) : data);
    const rowIds = new Float64Array(offsets.length);
    for (let i = 0; i < offsets.length; i++) rowIds[i] = stable ? stable[offsets[i]!]! : fragment.id * 0x1_0000_0000 + offsets[i]!;
    ids.push(rowIds);
    fragments.push({ fragmentId: fragment.id, offsets, start: total });
    total += offsets.length;
    onRows?.(offsets.length);
  }
  const rowIds = new Float64Array(total);
  let at = 0;
  for (const part of ids) {
    rowIds.set(part, at);
    at += part.length;
  }
  return { values: parts.length > 0 ? concatData(parts) : nullData(arrow.type, 0), rowIds, fragments };
}
