// A Map past V8's 2^24-entry cap: shards split at a fixed size, lookups and
// overwrites reach every shard, and (with LANCETS_BIG_ROWS) a real 2^24 + 1
// entries fit.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { SHARD_ENTRIES, ShardedMap } from "../../src/core/sharded-map.js";

const V8_MAP_LIMIT = 2 ** 24;

describe("sharded map", () => {
  test("behaves as a Map across shard boundaries", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer())), fc.integer({ min: 1, max: 5 }), (ops, shardEntries) => {
        const expected = new Map<number, number>();
        const map = new ShardedMap<number, number>(shardEntries);
        for (const [k, v] of ops) {
          expected.set(k, v);
          map.set(k, v);
        }
        assert.equal(map.size, expected.size);
        for (let k = -1; k <= 41; k++) {
          assert.equal(map.get(k), expected.get(k));
          assert.equal(map.has(k), expected.has(k));
        }
        assert.deepEqual(new Map(map.entries()), expected);
        assert.ok(map.shardCount <= Math.max(1, Math.ceil(expected.size / shardEntries)));
      }),
    );
  });

  test("a stored undefined is found in a later shard", () => {
    const map = new ShardedMap<string, number | undefined>(1);
    map.set("a", 1).set("b", undefined);
    assert.equal(map.shardCount, 2);
    assert.equal(map.has("b"), true);
    assert.equal(map.get("b"), undefined);
  });

  test("a shard splits before V8's cap", () => {
    assert.ok(SHARD_ENTRIES < V8_MAP_LIMIT);
  });

  // 2^24 Map insertions take tens of seconds on a busy machine: run with LANCETS_BIG_ROWS=1 (npm run test:big)
  test("holds more than 2^24 entries, where one Map throws", { skip: process.env.LANCETS_BIG_ROWS ? false : "inserts 2^24 entries twice; set LANCETS_BIG_ROWS=1 to run" }, () => {
    const n = V8_MAP_LIMIT + 1;
    assert.throws(() => {
      const plain = new Map<number, number>();
      for (let i = 0; i < n; i++) plain.set(i, i);
    }, RangeError);
    const map = new ShardedMap<number, number>();
    for (let i = 0; i < n; i++) map.set(i * 3, i);
    assert.equal(map.size, n);
    assert.equal(map.shardCount, Math.ceil(n / SHARD_ENTRIES));
    assert.equal(map.get(0), 0);
    assert.equal(map.get((n - 1) * 3), n - 1);
    assert.equal(map.get(1), undefined);
    map.set(0, -1);
    assert.equal(map.get(0), -1);
    assert.equal(map.size, n);
  });
});
