// The steps the browser test runs twice, in headless Chromium through the
// browser entry and in Node through the package entry: write a small dataset
// into a MemoryStore, index it (a BTREE built and committed in one call, an
// FTS index as two uncommitted segments committed together), reopen it, and
// answer a filter and a full-text search. Everything it returns is JSON, and
// it imports nothing but apache-arrow, so it bundles for the browser as is.

import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import type { Dataset, MemoryStore, ObjectStore, WriteInput, WriteOptions } from "../../src/browser.js";

/** What the scenario needs of an entry point: both the browser and the Node entry offer it. */
export interface Engine {
  MemoryStore: new () => MemoryStore;
  openDataset(store: ObjectStore): Promise<Dataset>;
  writeDataset(store: ObjectStore, data: WriteInput, options?: WriteOptions): Promise<Dataset>;
}

export interface ScenarioResult {
  version: number;
  numRows: number;
  numFragments: number;
  indices: { name: string; indexType: string; segments: number }[];
  filter: string;
  filterRows: { id: string; category: string; text: string | null }[];
  filterPlan: string;
  query: string;
  searchRows: { id: string; text: string | null; score: number }[];
  /** Every row the query matches, id and score, best first. */
  allHits: [string, number][];
  /** Every object of the store, base64: the dataset as written, for Lance to open. */
  files: Record<string, string>;
}

export const FILTER = "id > 100 AND id < 120";
export const QUERY = "running search café";
export const NUM_ROWS = 360;

const WORDS = [
  "run", "running", "runs", "search", "searching", "index", "indexes", "table", "data", "query", "engine", "column",
  "the", "a", "of", "and", "is", "café", "naïve", "straße", "ÉCOLE", "42", "2024", "h2o", "fragment", "segment",
];

/** Deterministic rows: an int64 id, one of five categories, and a few words of text (some null or empty). */
export function scenarioTable(): Table {
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const texts = Array.from({ length: NUM_ROWS }, (_, i) => {
    if (i % 37 === 5) return null;
    if (i % 41 === 6) return "";
    return Array.from({ length: 2 + Math.floor(next() * 8) }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(" ");
  });
  return new Table({
    id: vectorFromArray(Array.from({ length: NUM_ROWS }, (_, i) => BigInt(i)), new Int64()),
    category: vectorFromArray(Array.from({ length: NUM_ROWS }, (_, i) => `c${i % 5}`), new Utf8()),
    text: vectorFromArray(texts, new Utf8()),
  });
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** What a dataset holds and how it answers the filter and the search. */
async function answers(ds: Dataset): Promise<Omit<ScenarioResult, "files">> {
  const filtered = await ds.scan({ filter: FILTER }).toArrow();
  const hits = await ds.scan({ fullTextSearch: { query: QUERY }, limit: 10 }).toArrow();
  const all = await ds.scan({ fullTextSearch: { query: QUERY }, columns: ["id"], limit: NUM_ROWS }).toArrow();
  return {
    version: ds.manifest.version,
    numRows: ds.countRows(),
    numFragments: ds.fragments().length,
    indices: ds.describeIndices().map((d) => ({ name: d.name, indexType: d.indexType, segments: d.segments.length })),
    filter: FILTER,
    filterRows: filtered.toArray().map((r) => ({ id: String(r.id), category: r.category as string, text: r.text as string | null })),
    filterPlan: await ds.explain(FILTER),
    query: QUERY,
    searchRows: hits.toArray().map((r) => ({ id: String(r.id), text: r.text as string | null, score: r._score as number })),
    allHits: all.toArray().map((r): [string, number] => [String(r.id), r._score as number]),
  };
}

/** Opens a dataset from its files (base64, as `files` of a result holds them) in a MemoryStore and runs both queries. */
export async function readScenario(engine: Engine, files: Record<string, string>): Promise<Omit<ScenarioResult, "files">> {
  const store = new engine.MemoryStore();
  for (const [path, data] of Object.entries(files)) await store.put(path, fromBase64(data));
  return answers(await engine.openDataset(store));
}

/** Opens a dataset served over HTTP (ranged GETs through fetch) and runs both queries. */
export async function readOverHttp(engine: Engine & { HttpStore: new (uri: string) => ObjectStore }, url: string): Promise<Omit<ScenarioResult, "files">> {
  return answers(await engine.openDataset(new engine.HttpStore(url)));
}

/** Writes and indexes the scenario's dataset in a MemoryStore, reopens it, runs both queries and returns its files too. */
export async function runScenario(engine: Engine): Promise<ScenarioResult> {
  const store = new engine.MemoryStore();
  let ds = await engine.writeDataset(store, scenarioTable(), { maxRowsPerFile: 120 });
  ds = await ds.createScalarIndex("id", "BTREE");
  const fragmentIds = ds.fragments().map((f) => f.id);
  const segments = [
    await ds.createIndexUncommitted("text", "INVERTED", { fragmentIds: fragmentIds.slice(0, 2) }),
    await ds.createIndexUncommitted("text", "INVERTED", { fragmentIds: fragmentIds.slice(2) }),
  ];
  await ds.commitExistingIndexSegments("text_idx", "text", segments);
  const result = await answers(await engine.openDataset(store));
  const files: Record<string, string> = {};
  for (const meta of await store.list("")) files[meta.path] = base64(await store.read(meta.path));
  return { ...result, files };
}
