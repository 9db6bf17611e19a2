// Searching one index segment for a single-column predicate. BTREE and BITMAP
// answer exactly; ZONEMAP answers "at most" (candidate rows to recheck).
// Results are physical row offsets per fragment.

import { makeVector, Type, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { CachePerOwner } from "../core/promise-cache.js";
import { GrowableArray } from "../core/growable-array.js";
import { sortUnique } from "../core/sorted-offsets.js";
import { isValidAt } from "../format/file/leaf-values.js";
import { openFileReader, openFileReaderCached, type DataFileReader } from "../file/open-file-reader.js";
import { decodeRowAddrTreeMap } from "../format/index/row-addr-map.js";
import type { ObjectStore } from "../io/object-store.js";
import type { IndexMetadata } from "../format/table/types.js";
import type { Snapshot } from "../table/snapshot.js";
import { nanSamples } from "../index/zonemap/stats.js";
import { evaluate, rowComparator, TRUE } from "./filter-eval.js";
import type { Expr, Literal } from "./filter-parse.js";

export type IndexablePredicate = Extract<Expr, { kind: "cmp" | "between" | "in" | "isnull" | "like" }>;

export interface SegmentResult {
  /** Fragment id -> matching (or candidate) physical offsets, sorted and distinct. */
  rows: Map<number, Uint32Array>;
  exact: boolean;
}

/** Whether an index can answer this predicate without false negatives. */
export function indexable(e: Expr): e is IndexablePredicate {
  switch (e.kind) {
    case "cmp":
      return e.op !== "!=" && e.value.kind !== "null";
    case "between":
      return !e.negated && e.low.kind !== "null" && e.high.kind !== "null";
    case "in":
      return !e.negated && e.values.length > 0 && e.values.every((v) => v.kind !== "null");
    case "isnull":
      return true;
    case "like":
      return !e.negated && !e.caseInsensitive && e.pattern.endsWith("%") && ![...e.pattern.slice(0, -1)].some((c) => c === "%" || c === "_" || c === e.escape);
    default:
      return false;
  }
}

interface LoadedFile {
  columns: Map<string, Data>;
  reader: DataFileReader;
}

/** Index files are immutable (a segment uuid never changes contents): loaded ones are kept per store. */
const loadedFiles = new CachePerOwner<ObjectStore, LoadedFile>(128);

async function loadFile(ds: Snapshot, index: IndexMetadata, name: string): Promise<LoadedFile> {
  return loadedFiles.of(ds.store).get(`${index.uuid}/${name}`, async () => {
    const size = index.files.find((f) => f.path === name)?.sizeBytes;
    const reader = await openFileReader(ds.store, `_indices/${index.uuid}/${name}`, size ? { sizeBytes: size } : {});
    const top = reader.schema.fields.filter((f) => f.parentId === -1);
    const data = await reader.readFields(top.map((f) => f.id));
    return { reader, columns: new Map(top.map((f) => [f.name, data.get(f.id)!])) };
  });
}

function column(file: LoadedFile, name: string, where: string): Data {
  const c = file.columns.get(name);
  if (!c) throw new LanceError("CORRUPT_FILE", `index file ${where} has no column ${name}`);
  return c;
}

/** TRUE rows of the predicate over `values` (the index's own copy of the column). */
function matching(p: IndexablePredicate, values: Data): Uint8Array {
  return evaluate(p, () => values, values.length);
}

function bounds(p: IndexablePredicate): { lo?: Literal; hi?: Literal; points?: Literal[]; prefix?: string } {
  switch (p.kind) {
    case "cmp":
      if (p.op === "=") return { lo: p.value, hi: p.value };
      if (p.op === "<" || p.op === "<=") return { hi: p.value };
      return { lo: p.value };
    case "between":
      return { lo: p.low, hi: p.high };
    case "in":
      return { points: p.values };
    case "like":
      return { prefix: p.pattern.slice(0, -1) };
    default:
      return {};
  }
}

/** Whether a float statistic is NaN: an old writer's NaN bound, read as unknown. */
function isNaNAt(data: Data, i: number): boolean {
  if (data.type.typeId !== Type.Float) return false;
  const v = data.values as Uint16Array | Float32Array | Float64Array;
  return v instanceof Uint16Array ? (v[i]! & 0x7fff) > 0x7c00 : Number.isNaN(v[i]!);
}

/**
 * A test of whether [min, max] (row i of the statistics) may hold a match,
 * built once for all rows (bounds and comparators are made here, not per
 * row). A null or NaN bound is unknown: it bounds nothing on its side.
 */
function rangeTester(p: IndexablePredicate, column: string, mins: Data, maxs: Data): (i: number) => boolean {
  const b = bounds(p);
  const minOpen = (i: number): boolean => !isValidAt(mins, i) || isNaNAt(mins, i);
  const maxOpen = (i: number): boolean => !isValidAt(maxs, i) || isNaNAt(maxs, i);
  // -1 below, 0 equal, 1 above the literal; an unknown bound compares as open on its side
  const belowOrAt = (lit: Literal): ((i: number) => boolean) => {
    const cmp = rowComparator(column, mins, lit);
    return (i) => minOpen(i) || cmp(i) <= 0;
  };
  const atOrAbove = (lit: Literal): ((i: number) => boolean) => {
    const cmp = rowComparator(column, maxs, lit);
    return (i) => maxOpen(i) || cmp(i) >= 0;
  };
  if (b.points) {
    const tests = b.points.map((v) => ({ min: belowOrAt(v), max: atOrAbove(v) }));
    return (i) => tests.some((t) => t.min(i) && t.max(i));
  }
  if (b.prefix !== undefined) {
    const minTest = belowOrAt({ kind: "string", value: `${b.prefix}\u{10FFFF}` });
    const maxTest = atOrAbove({ kind: "string", value: b.prefix });
    return (i) => minTest(i) && maxTest(i);
  }
  const maxTest = b.lo ? atOrAbove(b.lo) : undefined;
  const minTest = b.hi ? belowOrAt(b.hi) : undefined;
  return (i) => (maxTest === undefined || maxTest(i)) && (minTest === undefined || minTest(i));
}

/** Matching offsets collected per fragment in typed arrays (a segment may match more rows than a JS Set holds). */
class RowCollector {
  private readonly byFragment = new Map<number, GrowableArray<Uint32Array>>();

  private of(fragment: number): GrowableArray<Uint32Array> {
    let list = this.byFragment.get(fragment);
    if (!list) this.byFragment.set(fragment, (list = new GrowableArray(Uint32Array)));
    return list;
  }

  addAddress(address: number): void {
    const fragment = Math.floor(address / 0x1_0000_0000);
    this.of(fragment).push(address - fragment * 0x1_0000_0000);
  }

  addOffsets(fragment: number, offsets: ArrayLike<number>): void {
    const list = this.of(fragment);
    for (let i = 0; i < offsets.length; i++) list.push(offsets[i]!);
  }

  addRange(fragment: number, start: number, end: number): void {
    const list = this.of(fragment);
    for (let o = start; o < end; o++) list.push(o);
  }

  finish(): Map<number, Uint32Array> {
    const out = new Map<number, Uint32Array>();
    for (const [fragment, list] of this.byFragment) out.set(fragment, sortUnique(list.view()));
    return out;
  }
}

/**
 * Searches one segment. BITMAP and version-0 BTREE segments hold row ids: on
 * datasets with stable row ids, `toAddress` maps them to row addresses
 * (undefined for rows that no longer exist); version-1 BTREE segments hold row
 * addresses already (the caller passes no `toAddress`).
 */
export async function searchSegment(ds: Snapshot, index: IndexMetadata, indexType: string, p: IndexablePredicate, toAddress?: (rowId: number) => number | undefined): Promise<SegmentResult> {
  const rows = new RowCollector();
  if (indexType === "BITMAP") {
    const f = await loadFile(ds, index, "bitmap_page_lookup.lance");
    const keys = column(f, "keys", "bitmap_page_lookup.lance");
    const bitmaps = makeVector(column(f, "bitmaps", "bitmap_page_lookup.lance"));
    const hits = p.kind === "isnull" ? null : matching(p, keys);
    for (let k = 0; k < keys.length; k++) {
      const keyNull = !isValidAt(keys, k);
      const take = p.kind === "isnull" ? keyNull !== p.negated : hits![k] === TRUE;
      if (!take) continue;
      const { fragments, wholeFragments } = decodeRowAddrTreeMap(bitmaps.get(k) as Uint8Array, `_indices/${index.uuid}/bitmap_page_lookup.lance`);
      if (wholeFragments.length > 0) throw new LanceError("NOT_SUPPORTED", `bitmap index ${index.name} selects whole fragments, which lancets does not expand`);
      for (const { fragmentId, offsets } of fragments) {
        if (!toAddress) {
          rows.addOffsets(fragmentId, offsets);
          continue;
        }
        const base = fragmentId * 0x1_0000_0000;
        for (let i = 0; i < offsets.length; i++) {
          const address = toAddress(base + offsets[i]!);
          if (address !== undefined) rows.addAddress(address);
        }
      }
    }
    return { rows: rows.finish(), exact: true };
  }
  if (indexType === "BTREE") {
    const lookup = await loadFile(ds, index, "page_lookup.lance");
    const mins = column(lookup, "min", "page_lookup.lance");
    const maxs = column(lookup, "max", "page_lookup.lance");
    const nullCounts = makeVector(column(lookup, "null_count", "page_lookup.lance")).toArray() as Uint32Array;
    const batchSize = Number(new TextDecoder().decode(lookup.reader.schema.metadata.batch_size ?? new TextEncoder().encode("4096")));
    const dataSize = index.files.find((x) => x.path === "page_data.lance")?.sizeBytes;
    const reader = await openFileReaderCached(ds.store, `_indices/${index.uuid}/page_data.lance`, dataSize ? { sizeBytes: dataSize } : {});
    const top = reader.schema.fields.filter((x) => x.parentId === -1);
    // Lance reads the two columns by position: older releases named the second "row_ids"
    const valuesField = top.find((x) => x.name === "values") ?? top[0];
    const idsField = top.find((x) => x.name === "ids") ?? top[1];
    if (!valuesField || !idsField || valuesField === idsField) {
      throw new LanceError("CORRUPT_FILE", `corrupt file _indices/${index.uuid}/page_data.lance: expected value and row id columns, found ${top.map((x) => x.name).join(", ")}`);
    }
    const mayMatch = p.kind === "isnull" ? undefined : rangeTester(p, p.column, mins, maxs);
    for (let page = 0; page < mins.length; page++) {
      const maxNull = !isValidAt(maxs, page);
      const pageRows = Math.min(batchSize, reader.numRows - page * batchSize);
      let candidate: boolean;
      if (p.kind === "isnull") candidate = p.negated ? !maxNull || nullCounts[page]! < batchSize : nullCounts[page]! > 0;
      else if (nullCounts[page]! >= pageRows) candidate = false;
      else candidate = mayMatch!(page);
      if (!candidate) continue;
      const start = page * batchSize;
      const end = Math.min(reader.numRows, start + batchSize);
      const data = await reader.readFields([valuesField.id, idsField.id], { start, end });
      const values = data.get(valuesField.id)!;
      const ids = makeVector(data.get(idsField.id)!).toArray() as BigUint64Array;
      const hits = matching(p, values);
      for (let i = 0; i < values.length; i++) {
        if (hits[i] !== TRUE) continue;
        const address = toAddress ? toAddress(Number(ids[i]!)) : Number(ids[i]!);
        if (address !== undefined) rows.addAddress(address);
      }
    }
    return { rows: rows.finish(), exact: true };
  }
  if (indexType === "ZONEMAP") {
    const f = await loadFile(ds, index, "zonemap.lance");
    const mins = column(f, "min", "zonemap.lance");
    const maxs = column(f, "max", "zonemap.lance");
    const nullCounts = makeVector(column(f, "null_count", "zonemap.lance")).toArray() as Uint32Array;
    const nanCounts = makeVector(column(f, "nan_count", "zonemap.lance")).toArray() as Uint32Array;
    const fragments = makeVector(column(f, "fragment_id", "zonemap.lance")).toArray() as BigUint64Array;
    const starts = makeVector(column(f, "zone_start", "zonemap.lance")).toArray() as BigUint64Array;
    const lengths = makeVector(column(f, "zone_length", "zonemap.lance")).toArray() as BigUint64Array;
    // a zone may match through its ordinary values (null bounds: unknown) or its NaNs (either sign, any payload)
    const nans = p.kind === "isnull" ? undefined : nanSamples(mins.type);
    const nanMatches = nans !== undefined && matching(p, nans).includes(TRUE);
    const rowsOf = new Map(ds.manifest.fragments.map((fr) => [fr.id, fr.physicalRows]));
    const mayMatch = p.kind === "isnull" ? undefined : rangeTester(p, p.column, mins, maxs);
    for (let z = 0; z < mins.length; z++) {
      const len = Number(lengths[z]!);
      let candidate: boolean;
      if (p.kind === "isnull") candidate = p.negated ? nullCounts[z]! < len : nullCounts[z]! > 0;
      else {
        const ordinary = nullCounts[z]! + nanCounts[z]! < len && mayMatch!(z);
        candidate = ordinary || (nanCounts[z]! > 0 && nanMatches);
      }
      if (!candidate) continue;
      // a zone reaches no further than its fragment's rows (a damaged length cannot make it larger)
      const fragment = Number(fragments[z]!);
      const physicalRows = rowsOf.get(fragment);
      if (physicalRows === undefined) continue;
      const start = Number(starts[z]!);
      rows.addRange(fragment, start, Math.min(start + len, physicalRows));
    }
    return { rows: rows.finish(), exact: false };
  }
  throw new LanceError("NOT_SUPPORTED", `searching ${indexType} indexes is not supported`);
}
