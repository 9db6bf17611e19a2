// Random access by row address (fragment id << 32 | offset): rows are read
// fragment by fragment and returned in the order asked; deleted rows are
// skipped.

import { makeData, RecordBatch, Struct, Table, type Data } from "apache-arrow";
import { concatData, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { GrowableArray } from "../core/growable-array.js";
import { hasSorted, lowerBound, sortUnique } from "../core/sorted-offsets.js";
import { readDeletedOffsets } from "./deletions.js";
import type { Snapshot } from "./snapshot.js";
import { planProjection, readFragmentColumns, rowAddressData } from "./scan.js";

export interface TakeOptions {
  columns?: string[];
  withRowAddress?: boolean;
}

export async function takeRows(ds: Snapshot, rowAddresses: ArrayLike<bigint | number>, options: TakeOptions): Promise<Table> {
  const projection = planProjection(ds, { ...(options.columns ? { columns: options.columns } : {}), withRowAddress: options.withRowAddress ?? false });
  // per fragment: the offsets asked and their positions in the request, in typed arrays (a request may hold millions of rows)
  const requests = new Map<number, { offsets: GrowableArray<Uint32Array>; positions: GrowableArray<Float64Array> }>();
  for (let i = 0; i < rowAddresses.length; i++) {
    const raw = rowAddresses[i]!;
    if (typeof raw === "number" && (!Number.isSafeInteger(raw) || raw < 0)) throw new LanceError("INVALID_INPUT", `row address ${raw} is not a non-negative integer`);
    const addr = BigInt(raw);
    if (addr < 0n || addr >= 1n << 64n) throw new LanceError("INVALID_INPUT", `row address ${addr} is not a u64`);
    const fragmentId = Number(addr >> 32n);
    let entry = requests.get(fragmentId);
    if (!entry) requests.set(fragmentId, (entry = { offsets: new GrowableArray(Uint32Array, 16), positions: new GrowableArray(Float64Array, 16) }));
    entry.offsets.push(Number(addr & 0xffffffffn));
    entry.positions.push(i);
  }
  const columnParts: Data[][] = projection.fields.map(() => []);
  const addressParts: Data[] = [];
  // slot[position in the request] = row of the fragment-grouped result, -1 for deleted rows
  const slot = new Int32Array(rowAddresses.length).fill(-1);
  let taken = 0;
  for (const [fragmentId, request] of requests) {
    const fragment = ds.manifest.fragments.find((f) => f.id === fragmentId);
    if (!fragment) throw new LanceError("NOT_FOUND", `row address refers to fragment ${fragmentId}, which does not exist in version ${ds.version}`);
    const deleted = await readDeletedOffsets(ds.store, fragment);
    const offsets = request.offsets.view();
    const positions = request.positions.view();
    const keep = new Int32Array(offsets.length);
    let n = 0;
    for (let k = 0; k < offsets.length; k++) {
      const o = offsets[k]!;
      if (o >= fragment.physicalRows) throw new LanceError("NOT_FOUND", `row offset ${o} is past the end of fragment ${fragmentId} (${fragment.physicalRows} rows)`);
      if (deleted.length > 0 && hasSorted(deleted, o)) continue;
      slot[positions[k]!] = taken + n;
      keep[n++] = o;
    }
    if (n === 0) continue;
    const idx = keep.subarray(0, n);
    // only the chunks holding the rows are fetched, and only the rows decoded
    const sorted = sortUnique(Uint32Array.from(idx));
    const local = idx.map((o) => lowerBound(sorted, o));
    const columns = await readFragmentColumns(ds, fragment, projection.fields, sorted);
    projection.fields.forEach((f, c) => columnParts[c]!.push(takeData(columns.get(f.lance.id)!, local)));
    if (options.withRowAddress) addressParts.push(rowAddressData(fragmentId, idx));
    taken += n;
  }
  if (taken === 0) return new Table(projection.schema);
  // rows are grouped by fragment; put them back in request order
  const order = new Int32Array(taken);
  let at = 0;
  for (let p = 0; p < slot.length; p++) if (slot[p]! >= 0) order[at++] = slot[p]!;
  const children = columnParts.map((parts) => takeData(concatData(parts), order));
  if (options.withRowAddress) children.push(takeData(concatData(addressParts), order));
  const struct = makeData({ type: new Struct(projection.schema.fields), length: order.length, nullCount: 0, children });
  return new Table([new RecordBatch(projection.schema, struct)]);
}
