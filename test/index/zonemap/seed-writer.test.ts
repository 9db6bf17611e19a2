// The zone-map seed writer's byte path (Utf8, Binary: extremes found with byte
// comparisons in place, copied only when they change) plants the same seeds
// as its generic path, which the same values as LargeUtf8 / LargeBinary take:
// pieces of odd sizes straddling zones, sliced arrays, nulls, all-null zones,
// empty and multi-byte strings.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Binary, Field, LargeBinary, LargeUtf8, makeVector, Utf8, vectorFromArray, type Data, type DataType } from "apache-arrow";
import fc from "fast-check";
import { decodeZoneMapSeed, ZoneMapSeedWriter } from "../../../src/index/zonemap/seed.js";


function seedOf(type: DataType, values: (string | Uint8Array | null)[], pieces: number[], rowsPerZone: number): unknown {
  const all = vectorFromArray(values as never, type).data[0]!;
  const writer = new ZoneMapSeedWriter("c", new Field("c", type, true), rowsPerZone);
  let at = 0;
  for (let k = 0; at < values.length; k++) {
    const size = Math.min(values.length - at, pieces[k % pieces.length]!);
    writer.observe(all.slice(at, size) as Data);
    at += size;
  }
  const seed = decodeZoneMapSeed(writer.finish().bytes, rowsPerZone, "test");
  const show = (d: Data): unknown[] => [...makeVector(d)].map((v) => (v == null ? null : v instanceof Uint8Array ? [...v].join(".") : String(v)));
  return { zones: seed.zones, min: show(seed.min), max: show(seed.max), nulls: [...(seed.nullOffsets ?? [])] };
}

const text = fc.oneof(fc.constant(null), fc.constant(""), fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("é", "z", "zz", "\u{1F600}", "a\u0000"));

test("string seeds: the byte path equals the generic path", () => {
  fc.assert(
    fc.property(fc.array(text, { maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 50 }), (values, pieces, rowsPerZone) => {
      assert.deepEqual(seedOf(new Utf8(), values, pieces, rowsPerZone), seedOf(new LargeUtf8(), values, pieces, rowsPerZone));
    }),
    { numRuns: 150 },
  );
});

test("binary seeds: the byte path equals the generic path", () => {
  const bytes = fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 5 }));
  fc.assert(
    fc.property(fc.array(bytes, { maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 40 }), (values, pieces, rowsPerZone) => {
      assert.deepEqual(seedOf(new Binary(), values, pieces, rowsPerZone), seedOf(new LargeBinary(), values, pieces, rowsPerZone));
    }),
    { numRuns: 150 },
  );
});

test("string seeds: zones' extremes by UTF-8 bytes, an all-null zone has none", () => {
  const values = ["b", "a", "é", null, null, null, "", "zz", "z"];
  const seed = seedOf(new Utf8(), values, [2, 5], 3) as { min: unknown[]; max: unknown[]; nulls: number[] };
  assert.deepEqual(seed.min, ["a", null, ""]);
  assert.deepEqual(seed.max, ["é", null, "zz"]);
  assert.deepEqual(seed.nulls, [3, 4, 5]);
});
