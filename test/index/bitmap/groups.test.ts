// Rows grouped by value for a BITMAP build (index/bitmap/groups.ts): string
// and binary keys are found by their bytes through a hashed cache before the
// map. Checked against a plain grouping by decoded value: more distinct
// strings than cache slots (so slots are shared and overwritten), strings of
// equal hash slot but different bytes, the empty string, prefixes of one
// another, nulls, batches that are slices of a larger array, and binaries.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Binary, Int32, makeData, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { ValueGroups, type EntrySink } from "../../../src/index/bitmap/groups.js";
import { decodeRowAddrTreeMap } from "../../../src/format/index/row-addr-map.js";
import { rng } from "../../helpers/oracle.js";

/** Every entry a build writes: its key (null for the null key) and its row ids. */
async function entriesOf(groups: ValueGroups): Promise<{ key: string | null; rowIds: number[] }[]> {
  const bitmaps: Uint8Array[] = [];
  const keys: (string | null)[] = [];
  const sink: EntrySink = {
    add(_keyBytes, bitmap) {
      bitmaps.push(bitmap);
      return bitmaps.length % 7 === 0;
    },
    closePage(page: Data) {
      for (let i = 0; i < page.length; i++) {
        const valid = page.nullCount === 0 || ((page.nullBitmap![(page.offset + i) >> 3]! >> ((page.offset + i) & 7)) & 1) === 1;
        const offsets = page.valueOffsets as Int32Array;
        const bytes = (page.values as Uint8Array).subarray(offsets[i]!, offsets[i + 1]!);
        keys.push(valid ? Buffer.from(bytes).toString("latin1") : null);
      }
    },
  };
  await groups.writeEntries(sink);
  assert.equal(keys.length, bitmaps.length);
  return bitmaps.map((bitmap, k) => {
    const { fragments } = decodeRowAddrTreeMap(bitmap, "test");
    const rowIds = fragments.flatMap((f) => Array.from(f.offsets, (o) => f.fragmentId * 2 ** 32 + o));
    return { key: keys[k]!, rowIds };
  });
}

/** The entries by a plain grouping of decoded values: null key first, then keys by their bytes. */
function expectedEntries(values: (string | null)[], rowIds: number[]): { key: string | null; rowIds: number[] }[] {
  const byKey = new Map<string | null, number[]>();
  values.forEach((v, i) => {
    const list = byKey.get(v) ?? [];
    list.push(rowIds[i]!);
    byKey.set(v, list);
  });
  const keys = [...byKey.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"))));
  return keys.map((key) => ({ key, rowIds: byKey.get(key)!.sort((a, b) => a - b) }));
}

function latin1(values: (string | null)[]): Data {
  const bytes = values.map((v) => (v === null ? null : Buffer.from(v, "latin1")));
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  bytes.forEach((b, i) => {
    total += b?.length ?? 0;
    offsets[i + 1] = total;
  });
  const data = new Uint8Array(total);
  bytes.forEach((b, i) => b && data.set(b, offsets[i]!));
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
  });
  return makeData({ type: new Binary(), length: values.length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data });
}

describe("BITMAP grouping of string keys", () => {
  test("many distinct strings, shared cache slots, nulls and sliced batches group as their decoded values", async () => {
    const next = rng(7);
    const n = 40_000;
    // 9,000 distinct keys (more than the 4,096 cache slots), prefixes of each other, the empty string, nulls
    const values = Array.from({ length: n }, () => {
      const r = next();
      if (r < 0.03) return null;
      if (r < 0.05) return "";
      const k = Math.floor(next() * 9_000);
      return r < 0.5 ? `k${k}` : `k${k}${"é".repeat(k % 3)}`;
    });
    const rowIds = Array.from({ length: n }, (_, i) => Math.floor(i / 10_000) * 2 ** 32 + (i % 10_000));
    const whole = vectorFromArray(values, new Utf8()).data[0]!;
    const groups = new ValueGroups(new Utf8());
    // batches are slices of one array, so offsets start past zero
    for (let at = 0; at < n; at += 3_333) {
      const len = Math.min(3_333, n - at);
      groups.add(whole.slice(at, len), Float64Array.from(rowIds.slice(at, at + len)));
    }
    const utf8 = values.map((v) => (v === null ? null : Buffer.from(v, "utf8").toString("latin1")));
    assert.deepEqual(await entriesOf(groups), expectedEntries(utf8, rowIds));
  });

  test("binary keys that differ in one byte, or only in length, are distinct groups", async () => {
    const base = ["\u0000", "\u0000\u0000", "ab", "ab\u0000", "ba", "\u00ff\u00fe", "\u00ff\u00ff"];
    const values: (string | null)[] = [];
    for (let round = 0; round < 300; round++) values.push(base[round % base.length]!, round % 11 === 0 ? null : base[(round * 3) % base.length]!);
    const rowIds = values.map((_, i) => i);
    const groups = new ValueGroups(new Binary());
    groups.add(latin1(values), Float64Array.from(rowIds));
    assert.deepEqual(await entriesOf(groups), expectedEntries(values, rowIds));
  });

  test("numeric keys still group through their own cache", async () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 5_000);
    const groups = new ValueGroups(new Int32());
    groups.add(makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) }), Float64Array.from(values, (_, i) => i));
    const sink: EntrySink & { sizes: number[] } = {
      sizes: [],
      add(_keyBytes, bitmap) {
        const { fragments } = decodeRowAddrTreeMap(bitmap, "test");
        this.sizes.push(fragments.reduce((s, f) => s + f.offsets.length, 0));
        return false;
      },
      closePage() {},
    };
    await groups.writeEntries(sink);
    assert.equal(sink.sizes.length, 5_000);
    assert.ok(sink.sizes.every((s) => s === 2));
  });
});
