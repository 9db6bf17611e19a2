// CursorHeap merges sorted runs in order: cursors whose key changes in place,
// the top fixed after each step or removed once exhausted.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CursorHeap } from "../../src/core/cursor-heap.js";

interface Cursor {
  run: number[];
  pos: number;
  rank: number;
}

function merge(runs: number[][]): number[] {
  const cursors = runs.map((run, rank) => ({ run, pos: 0, rank })).filter((c) => c.run.length > 0);
  // equal keys come out in run order, as the index merges need for stable output
  const heap = new CursorHeap<Cursor>(cursors, (a, b) => (a.run[a.pos]! !== b.run[b.pos]! ? a.run[a.pos]! < b.run[b.pos]! : a.rank < b.rank));
  const out: number[] = [];
  while (heap.size > 0) {
    const top = heap.top()!;
    out.push(top.run[top.pos]! * 1000 + top.rank);
    if (++top.pos >= top.run.length) heap.removeTop();
    else heap.topChanged();
  }
  return out;
}

test("a k-way merge of sorted runs gives the stable sort of their union", () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }), { maxLength: 12 }), (raw) => {
      const runs = raw.map((r) => [...r].sort((a, b) => a - b));
      const expected = runs
        .flatMap((run, rank) => run.map((v) => ({ v, rank })))
        .sort((a, b) => a.v - b.v || a.rank - b.rank)
        .map(({ v, rank }) => v * 1000 + rank);
      assert.deepEqual(merge(runs), expected);
    }),
  );
});

test("an empty heap has no top, and removing from it does nothing", () => {
  const heap = new CursorHeap<number>([], (a, b) => a < b);
  assert.equal(heap.size, 0);
  assert.equal(heap.top(), undefined);
  heap.removeTop();
  assert.equal(heap.size, 0);
});
