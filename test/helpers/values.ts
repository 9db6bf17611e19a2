// Value comparison between Arrow tables read by lancets and by lancedb.

import assert from "node:assert/strict";
import type { Table } from "apache-arrow";

/** A JSON-comparable form of an Arrow value. */
export function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>).map(normalize);
  if (typeof v === "object" && typeof (v as { toArray?: unknown }).toArray === "function") {
    return Array.from((v as { toArray(): ArrayLike<unknown> }).toArray()).map(normalize);
  }
  if (typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") return normalize((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/**
 * Asserts that two tables hold the same rows, matched by `key` (a column
 * present in both, e.g. _rowid), for the given columns.
 */
export function assertSameRows(ours: Table, theirs: Table, key: string, columns: string[], label: string): void {
  assert.equal(ours.numRows, theirs.numRows, `${label}: row count`);
  const ourKey = ours.getChild(key);
  const theirKey = theirs.getChild(key);
  assert.ok(ourKey && theirKey, `${label}: key column ${key}`);
  const position = new Map<string, number>();
  for (let i = 0; i < theirs.numRows; i++) position.set(String(theirKey.get(i)), i);
  for (const column of columns) {
    const a = ours.getChild(column);
    const b = theirs.getChild(column);
    assert.ok(a && b, `${label}: column ${column} present`);
    let mismatches = 0;
    let first = "";
    for (let i = 0; i < ours.numRows; i++) {
      const j = position.get(String(ourKey.get(i)));
      if (j === undefined) {
        mismatches++;
        first ||= `row ${String(ourKey.get(i))} missing from lancedb`;
        continue;
      }
      const x = JSON.stringify(normalize(a.get(i)));
      const y = JSON.stringify(normalize(b.get(j)));
      if (x !== y) {
        mismatches++;
        first ||= `${key}=${String(ourKey.get(i))}: lancets ${x.slice(0, 120)} lancedb ${y.slice(0, 120)}`;
      }
    }
    assert.equal(mismatches, 0, `${label}: column ${column}: ${mismatches} mismatches, first ${first}`);
  }
}
