// planFragmentGroups: balanced by rows, bounded by the group size, plain JSON.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { planFragmentGroups } from "../../src/distributed/plan.js";

test("largest fragments first onto the lightest group", () => {
  const groups = planFragmentGroups(
    [
      { id: 0, numRows: 100 },
      { id: 1, numRows: 10 },
      { id: 2, numRows: 90 },
      { id: 3, numRows: 20 },
    ],
    { fragmentGroupSize: 2 },
  );
  assert.deepEqual(groups, [
    [0, 1],
    [2, 3],
  ]);
  assert.deepEqual(planFragmentGroups([{ id: 5, numRows: 1 }], { minGroups: 4 }), [[5]]);
  assert.equal(planFragmentGroups(Array.from({ length: 9 }, (_, i) => ({ id: i, numRows: 1 })), { minGroups: 3 }).length, 3);
});

test("every fragment exactly once, groups within size, rows balanced", () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (rows, size) => {
      const fragments = rows.map((numRows, id) => ({ id, numRows }));
      const groups = planFragmentGroups(fragments, { fragmentGroupSize: size });
      assert.deepEqual(groups.flat().sort((a, b) => a - b), fragments.map((f) => f.id));
      assert.ok(groups.every((g) => g.length >= 1 && g.length <= size));
      assert.equal(groups.length, Math.ceil(fragments.length / size));
      assert.deepEqual(JSON.parse(JSON.stringify(groups)), groups);
    }),
  );
});

test("without a group size, minGroups groups balanced by rows alone", () => {
  const sizes = [4_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000];
  const groups = planFragmentGroups(
    sizes.map((numRows, id) => ({ id, numRows })),
    { minGroups: 2 },
  );
  assert.deepEqual(groups, [[0], [1, 2, 3, 4]]);
  // five fragments for four workers make four groups, not three of two fragments
  assert.equal(planFragmentGroups(Array.from({ length: 5 }, (_, i) => ({ id: i, numRows: 10 })), { minGroups: 4 }).length, 4);
});

test("minGroups: every fragment once, no group empty, groups within the largest fragment of each other", () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (rows, minGroups) => {
      const fragments = rows.map((numRows, id) => ({ id, numRows }));
      const groups = planFragmentGroups(fragments, { minGroups });
      assert.deepEqual(groups.flat().sort((a, b) => a - b), fragments.map((f) => f.id));
      assert.equal(groups.length, Math.min(minGroups, fragments.length));
      assert.ok(groups.every((g) => g.length >= 1));
      const loads = groups.map((g) => g.reduce((n, id) => n + rows[id]!, 0));
      assert.ok(Math.max(...loads) - Math.min(...loads) <= Math.max(...rows), JSON.stringify({ rows, groups }));
    }),
  );
});
