// Comparisons between what lancets reports and what lancedb reports.

import assert from "node:assert/strict";
import type { Field, Schema } from "apache-arrow";
import type * as lancedb from "@lancedb/lancedb";
import type { Dataset } from "../../src/dataset/dataset.js";

export interface FieldShape {
  name: string;
  type: string;
  nullable: boolean;
  children: FieldShape[];
}

export function fieldShape(f: Field): FieldShape {
  return { name: f.name, type: String(f.type), nullable: f.nullable, children: (f.type.children ?? []).map(fieldShape) };
}

export function schemaShape(s: Schema): FieldShape[] {
  return s.fields.map(fieldShape);
}

/** Live rows per fragment id, as lancedb sees them (from row addresses). */
export async function liveRowsPerFragment(table: lancedb.Table): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const result = await table.query().select(["_rowid"]).withRowId().toArrow();
  const rowIds = result.getChild("_rowid")!;
  for (let i = 0; i < rowIds.length; i++) {
    const addr = BigInt(rowIds.get(i) as bigint);
    const frag = Number(addr >> 32n);
    out.set(frag, (out.get(frag) ?? 0) + 1);
  }
  return out;
}

const LANCEDB_TYPE_NAMES: Record<string, string> = { BTree: "BTREE", Bitmap: "BITMAP", FTS: "FTS", Inverted: "FTS", LabelList: "LABEL_LIST", ZoneMap: "ZONEMAP" };

/** Asserts that lancets describes the dataset exactly as lancedb does. */
export async function assertSameAsLance(ds: Dataset, table: lancedb.Table): Promise<void> {
  assert.equal(ds.version, await table.version(), "version");
  assert.deepEqual(schemaShape(ds.schema), schemaShape(await table.schema()), "schema");
  assert.equal(ds.countRows(), await table.countRows(), "countRows");
  const stats = await table.stats();
  assert.equal(ds.fragments().length, stats.fragmentStats.numFragments, "fragment count");
  const live = await liveRowsPerFragment(table);
  for (const f of ds.fragments()) {
    assert.equal(f.numRows, live.get(f.id) ?? 0, `live rows of fragment ${f.id}`);
    assert.equal(f.physicalRows - f.deletedRows, f.numRows);
  }
  assert.equal([...live.keys()].filter((id) => !ds.fragments().some((f) => f.id === id)).length, 0, "lancedb sees rows in fragments lancets does not list");

  const theirs = await table.listIndices();
  const ours = ds.describeIndices();
  // lancedb's listIndices omits ZONEMAP indexes; every other index must match.
  assert.deepEqual(
    ours.filter((i) => i.indexType !== "ZONEMAP").map((i) => i.name),
    theirs.map((i) => i.name).sort(),
    "index names",
  );
  for (const index of theirs) {
    const mine = ours.find((i) => i.name === index.name)!;
    assert.equal(mine.indexType, LANCEDB_TYPE_NAMES[index.indexType] ?? index.indexType, `type of ${index.name}`);
    assert.deepEqual(mine.columns, index.columns, `columns of ${index.name}`);
    const st = await table.indexStats(index.name);
    assert.ok(st, `lancedb has stats for ${index.name}`);
    assert.equal(mine.indexType, st.indexType, `stats type of ${index.name}`);
    assert.equal(mine.segments.length, st.numIndices, `segments of ${index.name}`);
    assert.equal(mine.numIndexedRows, st.numIndexedRows, `indexed rows of ${index.name}`);
    assert.equal(mine.numUnindexedRows, st.numUnindexedRows, `unindexed rows of ${index.name}`);
    assert.equal(mine.segments.length, (index as { numSegments?: number }).numSegments ?? mine.segments.length);
  }
}
