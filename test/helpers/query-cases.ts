// Twin tables for differential query tests: the same seeded random rows
// written twice by Lance, one indexed by lancets and one by Lance, then more
// rows appended (no index covers them) and deleted (some inside indexed
// fragments).

import * as lancedb from "@lancedb/lancedb";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, rng, tablePath, type StorageVersion } from "./oracle.js";
import { randomTable } from "./random-tables.js";

export type LanceTable = Awaited<ReturnType<lancedb.Connection["createTable"]>>;

export const LANCETS_INDEXES: [string, "BTREE" | "BITMAP" | "ZONEMAP"][] = [
  ["i32", "BTREE"],
  ["i64", "BTREE"],
  ["u64", "BTREE"],
  ["s", "BTREE"],
  ["ts", "BTREE"],
  ["d64", "BTREE"],
  ["i8", "BITMAP"],
  ["u8", "BITMAP"],
  ["b", "BITMAP"],
  ["d", "BITMAP"],
  ["f32", "ZONEMAP"],
  ["f64", "ZONEMAP"],
  ["u32", "ZONEMAP"],
  ["tsns", "ZONEMAP"],
  ["i16", "ZONEMAP"],
];

const LANCE_INDEXES: [string, "btree" | "bitmap"][] = [
  ["i32", "btree"],
  ["i64", "btree"],
  ["u64", "btree"],
  ["s", "btree"],
  ["ts", "btree"],
  ["f64", "btree"],
  ["i8", "bitmap"],
  ["u8", "bitmap"],
  ["b", "bitmap"],
  ["d", "btree"],
];

export interface Case {
  seed: number;
  version: StorageVersion;
  /** Indexed by lancets. */
  ours: LanceTable;
  /** Indexed by Lance. */
  theirs: LanceTable;
  /** No index: Lance answers by scanning. */
  plain: LanceTable;
  dsOurs: Dataset;
  dsTheirs: Dataset;
  values: Map<string, unknown[]>;
}

export async function buildCase(dir: string, seed: number, version: StorageVersion): Promise<Case> {
  const r = rng(seed);
  const db = await connect(dir);
  const chunks = Array.from({ length: 4 }, (_, k) => randomTable(r, 150 + Math.floor(r() * 300), k * 1000));
  const values = new Map<string, unknown[]>();
  const remember = (chunk: ReturnType<typeof randomTable>): void => {
    for (const [k, v] of chunk.values) values.set(k, [...(values.get(k) ?? []), ...v]);
  };
  const make = async (name: string): Promise<LanceTable> => {
    const t = await db.createTable(name, chunks[0]!.table, { dataStorageVersion: version });
    for (const c of chunks.slice(1)) await t.add(c.table);
    await t.delete("id % 7 = 3 OR (id >= 2000 AND id < 2040)");
    return t;
  };
  chunks.forEach(remember);
  const ours = await make("ours");
  const theirs = await make("theirs");
  const plain = await make("plain");

  let dsOurs = await openDataset(tablePath(dir, "ours"));
  for (const [column, type] of LANCETS_INDEXES) {
    dsOurs = await dsOurs.createScalarIndex(column, type, { fragmentGroupSize: 1 + Math.floor(r() * 3), params: { rowsPerZone: 64 } });
  }
  for (const [column, type] of LANCE_INDEXES) await theirs.createIndex(column, { config: lancedb.Index[type]() });

  // rows no index covers, and deletions inside indexed fragments
  const extra = randomTable(r, 200, 9000);
  remember(extra);
  for (const t of [ours, theirs, plain]) {
    await t.add(extra.table);
    await t.delete("id % 11 = 5");
  }
  return { seed, version, ours, theirs, plain, dsOurs: await openDataset(tablePath(dir, "ours")), dsTheirs: await openDataset(tablePath(dir, "theirs")), values };
}

