// BTREE page search (query/btree-search.ts): pages chosen from their bounds,
// pages inside a range taken whole, rows found by binary search in the others,
// and pages holding nulls evaluated whole. Queries at the page boundaries of a
// 5-page index (values repeated across a boundary, nulls, IN lists over
// several pages, empty and open ranges) return exactly Lance's rows and the
// rows of a full scan.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Field, Int32, Int64, Schema, Table, TimestampMicrosecond, vectorFromArray } from "apache-arrow";
import { openDataset } from "../../src/node/open-dataset.js";
import { planQuery } from "../../src/query/filtered-scan.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createTable"]>>;

const ROWS = 6000; // per fragment; 3 fragments: 18,000 index rows, 5 pages of 4,096
const PAGE = 4096;

let table: LanceTable;
let ds: Dataset;
const sortedK: number[] = [];
const sortedKn: number[] = [];

function batch(start: number): Table {
  const r = rng(start + 5);
  const ids: bigint[] = [];
  const k: bigint[] = [];
  const kn: (number | null)[] = [];
  const ts: number[] = []; // milliseconds, as arrow's builder takes them
  for (let i = 0; i < ROWS; i++) {
    ids.push(BigInt(start + i));
    // about 3.6 rows per value, so runs of equal values cross page boundaries
    const v = Math.floor(r() * 5000) - 1000;
    k.push(BigInt(v));
    sortedK.push(v);
    const n = r() < 0.1 ? null : Math.floor(r() * 20000);
    kn.push(n);
    if (n !== null) sortedKn.push(n);
    ts.push(1_700_000_000_000 + Math.floor(r() * 3000) * 1000);
  }
  const schema = new Schema([new Field("id", new Int64(), false), new Field("k", new Int64(), false), new Field("kn", new Int32(), true), new Field("ts", new TimestampMicrosecond(), false)]);
  return new Table(schema, {
    id: vectorFromArray(ids, new Int64()),
    k: vectorFromArray(k, new Int64()),
    kn: vectorFromArray(kn, new Int32()),
    ts: vectorFromArray(ts, new TimestampMicrosecond()),
  } as never);
}

before(async () => {
  const dir = tempDir();
  const db = await connect(dir);
  table = await db.createTable("t", batch(0));
  await table.add(batch(ROWS));
  await table.add(batch(2 * ROWS));
  ds = await openDataset(tablePath(dir, "t"));
  for (const c of ["k", "kn", "ts"]) ds = await ds.createScalarIndex(c, "BTREE");
  sortedK.sort((a, b) => a - b);
  sortedKn.sort((a, b) => a - b);
});

async function ids(filter: string): Promise<number[]> {
  const t = await ds.scan({ filter, columns: ["id"] }).toArrow();
  return [...(t.getChild("id")!.toArray() as BigInt64Array)].map(Number).sort((a, b) => a - b);
}

async function lanceIds(filter: string): Promise<number[]> {
  const rows = await table.query().where(filter).select(["id"]).toArray();
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

/** Row addresses matching a filter, by a full scan. */
async function scannedAddresses(filter: string): Promise<number[]> {
  const t = await ds.scan({ filter, columns: [], withRowAddress: true, useIndex: false }).toArrow();
  return [...(t.getChild("_rowaddr")!.toArray() as BigUint64Array)].map(Number).sort((a, b) => a - b);
}

/** `searched`: the filter the index answers for it (a lower and an upper bound are searched as one inclusive range). */
async function check(filter: string, column: string, searched = filter): Promise<number> {
  assert.match(await ds.explain(filter), new RegExp(`BTREE index ${column}_idx`), filter);
  // BTREE answers exactly: its candidates are the matching rows, no more, no fewer
  const { candidates } = await planQuery(ds.snapshot, filter);
  const found = [...candidates].flatMap(([fragment, offsets]) => [...offsets].map((o) => fragment * 2 ** 32 + o)).sort((a, b) => a - b);
  assert.deepEqual(found, await scannedAddresses(searched), `${filter}: index candidates against full scan`);
  const indexed = await ids(filter);
  assert.deepEqual(indexed, await lanceIds(filter), `${filter}: lancets against Lance`);
  return indexed.length;
}

test("ranges, points and IN lists at page boundaries equal Lance's rows and a full scan", async () => {
  // the values on either side of every page boundary, and the smallest and largest
  const edges = new Set<number>([sortedK[0]!, sortedK[sortedK.length - 1]!]);
  for (let b = PAGE; b < sortedK.length; b += PAGE) {
    edges.add(sortedK[b - 1]!);
    edges.add(sortedK[b]!);
  }
  let matched = 0;
  for (const v of edges) {
    for (const op of ["=", "<", "<=", ">", ">="]) matched += await check(`k ${op} ${v}`, "k");
  }
  const [a, b, c] = [sortedK[PAGE - 3]!, sortedK[2 * PAGE + 7]!, sortedK[4 * PAGE + 1]!];
  matched += await check(`k BETWEEN ${a} AND ${c}`, "k");
  matched += await check(`k >= ${a} AND k < ${b}`, "k", `k BETWEEN ${a} AND ${b}`);
  matched += await check(`k > ${a} AND k <= ${a}`, "k", `k = ${a}`);
  matched += await check(`k IN (${c}, ${a}, ${b}, ${a}, 999999)`, "k");
  // nothing, everything
  assert.equal(await check("k > 100000", "k"), 0);
  assert.equal(await check("k < -5000", "k"), 0);
  assert.equal(await check("k >= -1000", "k"), 3 * ROWS);
  assert.ok(matched > 3 * ROWS, `only ${matched} rows matched: the queries did not reach across pages`);
});

test("a nullable column: pages with nulls are evaluated whole, IS NULL and IS NOT NULL answered", async () => {
  const mid = sortedKn[Math.floor(sortedKn.length / 2)]!;
  const first = sortedKn[0]!;
  for (const f of [`kn = ${mid}`, `kn < ${mid}`, `kn >= ${mid}`, `kn BETWEEN ${first} AND ${mid}`, `kn IN (${first}, ${mid})`, "kn IS NULL", "kn IS NOT NULL"]) await check(f, "kn");
  assert.equal(await check("kn IS NULL", "kn"), 3 * ROWS - sortedKn.length);
});

test("a timestamp column is searched by binary search as well", async () => {
  for (const f of ["ts = TIMESTAMP '2023-11-14 22:23:20'", "ts < TIMESTAMP '2023-11-14 22:40:00'", "ts >= TIMESTAMP '2023-11-14 22:40:00.5'", "ts BETWEEN TIMESTAMP '2023-11-14 22:30:00' AND TIMESTAMP '2023-11-14 22:35:00'"]) {
    await check(f, "ts");
  }
});
