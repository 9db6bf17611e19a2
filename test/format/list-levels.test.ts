// Repetition and definition levels of list columns (list-levels.ts) and the
// pages encode-list-v21.ts makes of them: levels by hand, and pages cut in
// two by rows when a mini-block chunk would pass the format's limits.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Field, Int32, List, Table, vectorFromArray } from "apache-arrow";
import { writeDataset } from "../../src/browser.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { encodeListPagesV21 } from "../../src/format/file/encode-list-v21.js";
import { listLevels } from "../../src/format/file/list-levels.js";
import { RepDefLayer } from "../../src/format/pb/encodings_v2_1_pb.js";

const ints = new List(new Field("item", new Int32(), true));

test("levels of [[1, null], [], null, [3]]: rows start with rep 1, null below empty", () => {
  const data = vectorFromArray([[1, null], [], null, [3]] as never, ints).data[0]!;
  const levels = listLevels("l", data);
  assert.deepEqual(Array.from(levels.rep), [1, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(levels.def!), [0, 1, 3, 2, 0]);
  assert.deepEqual(levels.layers, [RepDefLayer.REPDEF_NULLABLE_ITEM, RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST]);
  assert.equal(levels.maxVisibleDef, 1);
  assert.equal(levels.items.length, 3);
  assert.deepEqual(Array.from(levels.itemValid), [1, 0, 1]);
  // a slice counts from its own first row
  const tail = listLevels("l", data.slice(2, 2));
  assert.deepEqual(Array.from(tail.rep), [1, 1]);
  assert.deepEqual(Array.from(tail.def!), [1, 0]);
  assert.deepEqual(tail.layers, [RepDefLayer.REPDEF_ALL_VALID_ITEM, RepDefLayer.REPDEF_NULLABLE_LIST]);
  // no nulls and no empty lists: no def levels at all
  const plain = listLevels("l", vectorFromArray([[1, 2], [3]] as never, ints).data[0]!);
  assert.equal(plain.def, undefined);
  assert.deepEqual(plain.layers, [RepDefLayer.REPDEF_ALL_VALID_ITEM, RepDefLayer.REPDEF_ALL_VALID_LIST]);
});

test("a chunk of more levels than a u16 counts is cut into pages by rows, and reads back", async () => {
  // 70,000 empty lists travel with the first item: one chunk would hold 70,001 levels
  const rows: (number[] | null)[] = Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? null : []));
  rows.push([7, 8], [9]);
  const data = vectorFromArray(rows as never, ints).data[0]!;
  const pages = encodeListPagesV21("l", data, "2.1");
  assert.ok(pages.length > 1, `${pages.length} pages`);
  assert.equal(pages.reduce((n, p) => n + p.numRows, 0), rows.length);
  const written = await writeDataset(new MemoryStore(), new Table({ l: vectorFromArray(rows as never, ints) }), { dataStorageVersion: "2.1" });
  const back = await written.scan().toArrow();
  const l = back.getChild("l")!;
  assert.equal(back.numRows, rows.length);
  assert.equal(l.get(0), null);
  assert.equal(l.get(1)!.length, 0);
  assert.deepEqual(Array.from(l.get(70_000)!.toArray()), [7, 8]);
  assert.deepEqual(Array.from(l.get(70_001)!.toArray()), [9]);
  let nulls = 0;
  for (let i = 0; i < 70_000; i++) if (l.get(i) === null) nulls++;
  assert.equal(nulls, Math.ceil(70_000 / 3));
});
