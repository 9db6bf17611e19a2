// Random access by row address (fragment id << 32 | offset): rows are read
// fragment by fragment and returned in the order asked; deleted rows are
// skipped.

import { makeData, RecordBatch, Struct, Table, type Data } from "apache-arrow";
import { concatData, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { readDeletedOffsets } from "./deletions.js";
import type { Snapshot } from "./snapshot.js";
import { planProjection, readFragmentColumns, rowAddressData } from "./scan.js";

export interface TakeOptions {
  columns?: string[];
  withRowAddress?: boolean;
}

/** Offsets fewer than this many rows apart are read as one range. */
export const RANGE_GAP = 64;

/**
 * Row ranges covering sorted, distinct offsets (neighbours closer than
 * RANGE_GAP share a range), and each offset's position in the rows of those
 * ranges read one after another.
 */
export function clusterOffsets(sorted: ArrayLike<number>): { ranges: { start: number; end: number }[]; local: Int32Array } {
  const ranges: { start: number; end: number }[] = [];
  const local = new Int32Array(sorted.length);
  let base = 0;
  for (let i = 0; i < sorted.length; i++) {
    const o = sorted[i]!;
    const last = ranges[ranges.length - 1];
    if (last && o - last.end < RANGE_GAP) {
      local[i] = base + o - last.start;
      last.end = o + 1;
    } else {
      if (last) base += last.end - last.start;
      ranges.push({ start: o, end: o + 1 });
      local[i] = base;
    }
  }
  return { ranges, local };
}

export async function takeRows(ds: Snapshot, rowAddresses: ArrayLike<bigint | number>, options: TakeOptions): Promise<Table> {
  const projection = planProjection(ds, { ...(options.columns ? { columns: options.columns } : {}), withRowAddress: options.withRowAddress ?? false });
  const requests = new Map<number, { offsets: number[]; positions: number[] }>();
  for (let i = 0; i < rowAddresses.length; i++) {
    const raw = rowAddresses[i]!;
    if (typeof raw === "number" && (!Number.isSafeInteger(raw) || raw < 0)) throw new LanceError("INVALID_INPUT", `row address ${raw} is not a non-negative integer`);
    const addr = BigInt(raw);
    if (addr < 0n || addr >= 1n << 64n) throw new LanceError("INVALID_INPUT", `row address ${addr} is not a u64`);
    const fragmentId = Number(addr >> 32n);
    const entry = requests.get(fragmentId) ?? { offsets: [], positions: [] };
    entry.offsets.push(Number(addr & 0xffffffffn));
    entry.positions.push(i);
    requests.set(fragmentId, entry);
  }
  const columnParts: Data[][] = projection.fields.map(() => []);
  const addressParts: Data[] = [];
  const positions: number[] = [];
  for (const [fragmentId, request] of requests) {
    const fragment = ds.manifest.fragments.find((f) => f.id === fragmentId);
    if (!fragment) throw new LanceError("NOT_FOUND", `row address refers to fragment ${fragmentId}, which does not exist in version ${ds.version}`);
    const deleted = new Set(await readDeletedOffsets(ds.store, fragment));
    const keep: number[] = [];
    request.offsets.forEach((o, k) => {
      if (o >= fragment.physicalRows) throw new LanceError("NOT_FOUND", `row offset ${o} is past the end of fragment ${fragmentId} (${fragment.physicalRows} rows)`);
      if (deleted.has(o)) return;
      keep.push(o);
      positions.push(request.positions[k]!);
    });
    if (keep.length === 0) continue;
    // only the pages (and chunks) holding the rows are fetched and decoded
    const sorted = [...new Set(keep)].sort((a, b) => a - b);
    const { ranges, local: sortedLocal } = clusterOffsets(sorted);
    const at = new Map(sorted.map((o, i) => [o, sortedLocal[i]!]));
    const columns = await readFragmentColumns(ds, fragment, projection.fields, ranges);
    const idx = Int32Array.from(keep);
    const local = Int32Array.from(keep, (o) => at.get(o)!);
    projection.fields.forEach((f, c) => columnParts[c]!.push(takeData(columns.get(f.lance.id)!, local)));
    if (options.withRowAddress) addressParts.push(rowAddressData(fragmentId, idx));
  }
  if (positions.length === 0) return new Table(projection.schema);
  // rows are grouped by fragment; put them back in request order
  const order = Int32Array.from(positions.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i));
  const children = columnParts.map((parts) => takeData(concatData(parts), order));
  if (options.withRowAddress) children.push(takeData(concatData(addressParts), order));
  const struct = makeData({ type: new Struct(projection.schema.fields), length: order.length, nullCount: 0, children });
  return new Table([new RecordBatch(projection.schema, struct)]);
}
