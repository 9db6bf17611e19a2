// The two Lance versions compatibility tests run against, behind one small
// interface: Lance 12 through @lancedb/lancedb and Lance 14 through pylance.
// A test written against `OracleEngine` runs once per version.

import { basename, dirname } from "node:path";
import type { Table } from "apache-arrow";
import { connect, lancedb } from "./oracle.js";
import type { Pylance } from "./pylance.js";

export type OracleIndexType = "BTREE" | "BITMAP" | "ZONEMAP" | "FTS";

export interface OracleEngine {
  /** "Lance 12 (lancedb)" or "Lance 14 (pylance)". */
  readonly label: string;
  /** Index kinds this engine can be asked to build. */
  readonly builds: ReadonlySet<OracleIndexType>;
  /** Creates a dataset at `path` from the first table, then appends each next one as a fragment of its own. */
  write(path: string, parts: Table[]): Promise<void>;
  /** Appends a table as a new fragment. */
  append(path: string, part: Table): Promise<void>;
  deleteRows(path: string, predicate: string): Promise<void>;
  createIndex(path: string, column: string, type: OracleIndexType): Promise<void>;
  /** Rows of version `version` (the latest when undefined) matching `filter` (all when undefined). */
  countRows(path: string, filter?: string, version?: number): Promise<number>;
  /** How many segments the engine lists for index `name`. */
  segmentCount(path: string, name: string): Promise<number>;
  /** The index its planner uses for `filter`, as "name(Kind)", or undefined. */
  indexUsed(path: string, filter: string): Promise<string | undefined>;
  /** Whether its full-text search of `query` goes through an index (rather than a flat search). */
  searchUsesIndex(path: string, query: string): Promise<boolean>;
  /** Ids of the rows matching `filter`, sorted as strings. */
  ids(path: string, filter: string): Promise<string[]>;
  /** Full-text hits as id -> score. */
  search(path: string, query: string): Promise<Map<string, number>>;
}

const PLAN_INDEX = /ScalarIndexQuery: .*?@(\w+\(\w+\))/;

function sortedIds(t: Table): string[] {
  return Array.from({ length: t.numRows }, (_, i) => String(t.getChild("id")!.get(i))).sort();
}

function scores(t: Table): Map<string, number> {
  return new Map(Array.from({ length: t.numRows }, (_, i) => [String(t.getChild("id")!.get(i)), t.getChild("_score")!.get(i) as number]));
}

type Connections = Map<string, Promise<lancedb.Connection>>;

/** The table at `path` as it is now, through one connection per directory. */
async function openAt(connections: Connections, path: string): Promise<lancedb.Table> {
  const dir = dirname(path);
  let db = connections.get(dir);
  if (!db) connections.set(dir, (db = connect(dir)));
  return (await db).openTable(basename(path).replace(/\.lance$/, ""));
}

/** Lance 12 through lancedb; `path` must end in `<name>.lance`. It builds no ZONEMAP (lancedb offers none). */
export function lance12(): OracleEngine {
  const connections: Connections = new Map();
  const table = (path: string): Promise<lancedb.Table> => openAt(connections, path);
  return {
    label: "Lance 12 (lancedb)",
    builds: new Set(["BTREE", "BITMAP", "FTS"]),
    async write(path, parts) {
      const db = await connect(dirname(path));
      connections.set(dirname(path), Promise.resolve(db));
      const t = await db.createTable(basename(path).replace(/\.lance$/, ""), parts[0]!);
      for (const part of parts.slice(1)) await t.add(part);
    },
    async append(path, part) {
      await (await table(path)).add(part);
    },
    async segmentCount(path, name) {
      return (await (await table(path)).indexStats(name))?.numIndices ?? 0;
    },
    async countRows(path, filter, version) {
      const t = await table(path);
      if (version !== undefined) await t.checkout(version);
      return t.countRows(filter);
    },
    async deleteRows(path, predicate) {
      await (await table(path)).delete(predicate);
    },
    async createIndex(path, column, type) {
      const config = type === "BTREE" ? lancedb.Index.btree() : type === "BITMAP" ? lancedb.Index.bitmap() : type === "FTS" ? lancedb.Index.fts() : undefined;
      if (!config) throw new Error(`lancedb builds no ${type} index`);
      await (await table(path)).createIndex(column, { config });
    },
    async indexUsed(path, filter) {
      return PLAN_INDEX.exec(await (await table(path)).query().where(filter).explainPlan(true))?.[1];
    },
    async searchUsesIndex(path, query) {
      const plan = await (await table(path)).search(query, "fts").explainPlan(true);
      return /MatchQuery/.test(plan) && !/FlatMatchQuery/.test(plan);
    },
    async ids(path, filter) {
      return sortedIds(await (await table(path)).query().where(filter).select(["id"]).toArrow());
    },
    async search(path, query) {
      return scores(await (await table(path)).search(query, "fts").select(["id", "_score"]).limit(10_000).toArrow());
    },
  };
}

/** Lance 14 through a running pylance process. */
export function lance14(py: () => Pylance): OracleEngine {
  return {
    label: "Lance 14 (pylance)",
    builds: new Set(["BTREE", "BITMAP", "ZONEMAP", "FTS"]),
    async write(path, parts) {
      await py().write(path, parts[0]!);
      for (const part of parts.slice(1)) await py().write(path, part, {}, "append");
    },
    async append(path, part) {
      await py().write(path, part, {}, "append");
    },
    async segmentCount(path, name) {
      return (await py().indices(path)).filter((i) => i.name === name).length;
    },
    async countRows(path, filter, version) {
      return py().request<number>("count_rows", { uri: path, filter, version });
    },
    async deleteRows(path, predicate) {
      await py().delete(path, predicate);
    },
    async createIndex(path, column, type) {
      await py().createScalarIndex(path, column, type === "FTS" ? "INVERTED" : type);
    },
    async indexUsed(path, filter) {
      return PLAN_INDEX.exec(await py().explain(path, { filter }))?.[1];
    },
    async searchUsesIndex(path, query) {
      const plan = await py().explain(path, { full_text_query: query, columns: ["id"] });
      return /MatchQuery/.test(plan) && !/FlatMatchQuery/.test(plan);
    },
    async ids(path, filter) {
      return sortedIds(await py().toTable(path, { filter, columns: ["id"] }));
    },
    async search(path, query) {
      return scores(await py().toTable(path, { full_text_query: query, columns: ["id"], limit: 10_000 }));
    },
  };
}
