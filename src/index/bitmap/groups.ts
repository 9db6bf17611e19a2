// Rows grouped by value for a BITMAP build, batch by batch: a sharded hash
// map from value to group (a column may hold more distinct values than one
// Map takes), each group's key kept once, and per row its group and row id in
// typed arrays. Sorting only the distinct values then gives the entries in
// the lookup file's order: the null key first, then ascending values.

import type { Data, DataType } from "apache-arrow";
import { concatData, takeData } from "../../core/arrow-data.js";
import { GrowableArray } from "../../core/growable-array.js";
import { ShardedMap } from "../../core/sharded-map.js";
import { encodeRowAddrTreeMap } from "../../format/index/row-addr-map.js";
import { DataCollector } from "../arrow-columns.js";
import { groupKeys, valueAccess, type ValueAccess } from "../value-order.js";
import { keyByteLength } from "./pages.js";

/** Where the entries of a build go: a page of entries at a time. */
export interface EntrySink {
  /** Adds one entry's size and bitmap; true when the caller should close the page. */
  add(keyBytes: number, bitmap: Uint8Array): boolean;
  /** Ends the page with the keys of its entries. */
  closePage(keys: Data): Promise<void> | void;
}

/** Slots of the numeric and the byte-string key caches, less one. */
const KEY_CACHE_MASK = 4095;
/** Bytes a grouped row costs (group and row id), and with the growth slack of their arrays when they grow. */
export const ROW_BYTES = 12;
const GROWN_ROW_BYTES = 24;
/** Bytes a distinct value costs besides its key bytes (map entry, key string, group slot). */
const GROUP_BYTES = 96;

export class ValueGroups {
  private readonly groupIds = new ShardedMap<number | string, number>();
  private readonly keys: DataCollector;
  private readonly groupOf: GrowableArray<Int32Array>;
  private readonly rowIds: GrowableArray<Float64Array>;
  private readonly rowBytes: number;
  private nullKey: Data | undefined;
  /** The last group seen for each slot of numeric keys (NaN: none yet). */
  private readonly cacheKeys = new Float64Array(KEY_CACHE_MASK + 1).fill(NaN);
  private readonly cacheGroups = new Int32Array(KEY_CACHE_MASK + 1);
  /** Byte-string keys: per slot the hash, bytes and group of the last string seen there (group -1: none yet). */
  private readonly stringHashes = new Int32Array(KEY_CACHE_MASK + 1);
  private readonly stringBytes: Uint8Array[] = Array.from({ length: KEY_CACHE_MASK + 1 }, () => new Uint8Array(0));
  private readonly stringGroups = new Int32Array(KEY_CACHE_MASK + 1).fill(-1);
  private numGroups = 0;
  private keyBytes = 0;

  /** `rowCapacity`: the most rows the groups will take, when known (their arrays are then sized once, never grown and copied). */
  constructor(
    private readonly valueType: DataType,
    rowCapacity?: number,
  ) {
    this.keys = new DataCollector(valueType);
    this.groupOf = new GrowableArray(Int32Array, rowCapacity);
    this.rowIds = new GrowableArray(Float64Array, rowCapacity);
    this.rowBytes = rowCapacity === undefined ? GROWN_ROW_BYTES : ROW_BYTES;
  }

  get rows(): number {
    return this.rowIds.length;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.rowIds.length * this.rowBytes + this.numGroups * GROUP_BYTES + this.keyBytes;
  }

  add(values: Data, rowIds: Float64Array): void {
    const n = rowIds.length;
    const access = values.nullCount > 0 ? valueAccess(values) : undefined;
    const groupOf = new Int32Array(n);
    const fresh = new Int32Array(n);
    const offsets = values.valueOffsets as Int32Array | BigInt64Array | undefined;
    const numFresh =
      offsets instanceof Int32Array
        ? this.groupStrings(values, offsets, values.values as Uint8Array, access, groupOf, fresh)
        : this.groupValues(values, access, groupOf, fresh);
    this.rowIds.append(rowIds);
    this.groupOf.append(groupOf);
    if (numFresh > 0) this.keys.push(takeData(values, fresh.subarray(0, numFresh)));
  }

  /** The group of key `key` (row i of values), a new one when the key is new (its row noted in `fresh`); returns the group. */
  private groupOfKey(key: number | string, values: Data, i: number, fresh: Int32Array, numFresh: { n: number }): number {
    let g = this.groupIds.get(key);
    if (g === undefined) {
      g = this.numGroups++;
      this.groupIds.set(key, g);
      fresh[numFresh.n++] = i;
      this.keyBytes += keyByteLength(values, i);
    }
    return g;
  }

  /** Groups rows of any indexable type; numeric keys go through a direct-mapped cache before the map. Returns the new groups' count. */
  private groupValues(values: Data, access: ValueAccess | undefined, groupOf: Int32Array, fresh: Int32Array): number {
    const n = values.length;
    const keyOf = groupKeys(values);
    const cacheKeys = this.cacheKeys;
    const cacheGroups = this.cacheGroups;
    const numFresh = { n: 0 };
    for (let i = 0; i < n; i++) {
      if (access?.isNull(i)) {
        this.nullKey ??= takeData(values, Int32Array.of(i));
        groupOf[i] = -1;
        continue;
      }
      const key = keyOf(i);
      // a column of few values then needs no map lookup per row
      const slot = typeof key === "number" ? key & KEY_CACHE_MASK : -1;
      if (slot >= 0 && cacheKeys[slot] === key) {
        groupOf[i] = cacheGroups[slot]!;
        continue;
      }
      const g = this.groupOfKey(key, values, i, fresh, numFresh);
      if (slot >= 0) {
        cacheKeys[slot] = key as number;
        cacheGroups[slot] = g;
      }
      groupOf[i] = g;
    }
    return numFresh.n;
  }

  /**
   * Groups rows of strings or binaries (32-bit offsets): a string's bytes are
   * hashed and compared with the last string of its cache slot, so a column
   * of few values decodes no string per row; only on a miss is the key
   * decoded and looked up in the map. Returns the new groups' count.
   */
  private groupStrings(values: Data, offsets: Int32Array, bytes: Uint8Array, access: ValueAccess | undefined, groupOf: Int32Array, fresh: Int32Array): number {
    const n = values.length;
    const keyOf = groupKeys(values);
    const hashes = this.stringHashes;
    const cached = this.stringBytes;
    const groups = this.stringGroups;
    const numFresh = { n: 0 };
    for (let i = 0; i < n; i++) {
      if (access?.isNull(i)) {
        this.nullKey ??= takeData(values, Int32Array.of(i));
        groupOf[i] = -1;
        continue;
      }
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      // FNV-1a over the bytes
      let h = 0x811c9dc5;
      for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
      const slot = h & KEY_CACHE_MASK;
      const g = groups[slot]!;
      if (g >= 0 && hashes[slot] === h) {
        const key = cached[slot]!;
        let same = key.length === end - start;
        for (let k = 0; same && k < key.length; k++) same = key[k] === bytes[start + k];
        if (same) {
          groupOf[i] = g;
          continue;
        }
      }
      const found = this.groupOfKey(keyOf(i), values, i, fresh, numFresh);
      hashes[slot] = h;
      cached[slot] = bytes.slice(start, end);
      groups[slot] = found;
      groupOf[i] = found;
    }
    return numFresh.n;
  }

  /** Writes the entries in key order to `sink`, a page at a time. */
  async writeEntries(sink: EntrySink): Promise<void> {
    const groupKeysData = this.keys.finish();
    const numGroups = this.numGroups;
    const groupOf = this.groupOf.view();
    const ids = this.rowIds.view();
    const n = ids.length;
    // each group's rows contiguous, in input order (a counting sort by group); nulls at the front
    const starts = new Float64Array(numGroups + 2);
    for (let i = 0; i < n; i++) starts[groupOf[i]! + 2]!++;
    for (let g = 0; g <= numGroups; g++) starts[g + 1]! += starts[g]!;
    const fill = starts.slice(0, numGroups + 1);
    const grouped = new Float64Array(n);
    for (let i = 0; i < n; i++) grouped[fill[groupOf[i]! + 1]!++] = ids[i]!;
    const access = valueAccess(groupKeysData);
    const byValue = new Int32Array(numGroups);
    for (let g = 0; g < numGroups; g++) byValue[g] = g;
    byValue.sort((a, b) => access.compare(a, b));
    // the keys: the null key (when there are nulls) at index 0, groups after it
    const hasNulls = starts[1]! > 0;
    const keys = hasNulls ? concatData([this.nullKey!, groupKeysData]) : groupKeysData;
    const shift = hasNulls ? 1 : 0;
    const order = new Int32Array(numGroups + shift);
    if (hasNulls) order[0] = 0;
    for (let k = 0; k < numGroups; k++) order[k + shift] = byValue[k]! + shift;
    let pageStart = 0;
    for (let k = 0; k < order.length; k++) {
      const slot = hasNulls ? order[k]! : order[k]! + 1; // 0 = nulls, g + 1 = group g
      const bitmap = encodeRowAddrTreeMap(grouped.subarray(starts[slot]!, starts[slot + 1]!));
      const keyBytes = slot === 0 ? 0 : keyByteLength(keys, order[k]!);
      if (sink.add(keyBytes, bitmap)) {
        await sink.closePage(takeData(keys, order.subarray(pageStart, k + 1)));
        pageStart = k + 1;
      }
    }
    if (pageStart < order.length) await sink.closePage(takeData(keys, order.subarray(pageStart)));
  }
}
