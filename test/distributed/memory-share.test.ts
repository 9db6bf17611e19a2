// Builds that run at once share one memory budget: equal parts, never below
// the floor a build needs when the budget allows it, a task's own budget kept,
// bad budgets refused.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { SegmentBuildTask } from "../../src/distributed/jobs.js";
import { memoryShareBytes, MIN_SHARE_BYTES, withMemoryShare } from "../../src/distributed/memory-share.js";
import { DEFAULT_MEMORY_BYTES } from "../../src/index/btree/build.js";
import { LanceError } from "../../src/core/errors.js";

const MiB = 1024 * 1024;

function task(params: SegmentBuildTask["params"]): SegmentBuildTask {
  return { uri: "/d", version: 1, column: "id", indexType: "BTREE", name: "id_idx", fragmentIds: [0, 1], params, groupIndex: 0, plannedRows: 10 };
}

test("equal parts of the budget, the default budget being one build's", () => {
  assert.equal(memoryShareBytes(1), DEFAULT_MEMORY_BYTES);
  assert.equal(memoryShareBytes(2), 128 * MiB);
  assert.equal(memoryShareBytes(3, 300 * MiB), 100 * MiB);
  assert.equal(memoryShareBytes(2, 64 * MiB + 1), 32 * MiB);
});

test("a share is at least the floor, or the whole budget when that is smaller", () => {
  assert.equal(memoryShareBytes(64), MIN_SHARE_BYTES);
  assert.equal(memoryShareBytes(4, 40 * MiB), MIN_SHARE_BYTES);
  assert.equal(memoryShareBytes(8, 2 * MiB), 2 * MiB);
});

test("a task's own budget is kept; otherwise the share is set, other params untouched", () => {
  const own = task({ memoryBytes: 300 * MiB, batchSize: 100 });
  assert.equal(withMemoryShare(own, 64 * MiB), own);
  const shared = withMemoryShare(task({ batchSize: 100 }), 64 * MiB);
  assert.deepEqual(shared.params, { batchSize: 100, memoryBytes: 64 * MiB });
  assert.deepEqual(task({ batchSize: 100 }).params, { batchSize: 100 }, "the planned task is not changed");
});

test("bad budgets and counts are refused with INVALID_INPUT", () => {
  const invalid = (err: unknown): boolean => err instanceof LanceError && err.code === "INVALID_INPUT";
  for (const bad of [0, 1000, MiB + 0.5, Number.NaN, -MiB]) assert.throws(() => memoryShareBytes(2, bad), invalid, String(bad));
  for (const bad of [0, -1, 1.5]) assert.throws(() => memoryShareBytes(bad), invalid, String(bad));
});
