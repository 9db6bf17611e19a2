// bench/object-store: lancets and lancedb on one bucket of a real S3 server
// (Ceph RGW on loopback, test/helpers/ceph-rgw.ts) behind a counting proxy
// (bench/object-store-proxy.ts, its own process). lancedb writes the table
// twice (1M rows: id, value, category, text); it builds a BTREE on id and an
// FTS index on text over one copy, lancets the same over the other. Then, per
// engine: full-scan throughput, BTREE point-lookup latency, FTS top-10
// latency, and the requests and bytes each lookup and search costs, cold (a
// fresh open per query, caches empty) and warm (one open, warmed on other
// queries). Both engines query the copy Lance indexed, so they read the same
// files for the same answer; lancets also queries its own copy.
// Run: npm run bench:object-store [-- --rows N] [--runs N] [--log]
//   --runs N (default 2): N independent runs (each its own process, server
//   and data), medians written into BENCHMARKS.md
//   --log: print every request of one cold lookup and one cold search per engine
//   --report-only: rewrite the section from the last runs' results

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import { fork, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Float64, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { record } from "./results.js";
import type { LoggedRequest, ProxyCounts } from "./object-store-proxy.js";
import { objectStoreSection, replaceSection, type ObjectStoreRun } from "./object-store-report.js";
import { openDataset } from "../src/node/open-dataset.js";
import type { Dataset } from "../src/dataset/dataset.js";
import { startCephRgw } from "../test/helpers/ceph-rgw.js";
import { rng } from "../test/helpers/oracle.js";
import { textTable } from "../test/helpers/text-corpus.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "1000000"));
const runs = Number(arg("runs", "2"));
const logRequests = process.argv.includes("--log");
const single = process.argv.includes("--single");
const outDir = join("bench", ".data", "object-store");

if (!single) {
  // the parent: independent runs in child processes, then the report
  mkdirSync(outDir, { recursive: true });
  const results: ObjectStoreRun[] = [];
  const reportOnly = process.argv.includes("--report-only");
  for (let i = 0; i < runs; i++) {
    const file = join(outDir, `run-${i + 1}.json`);
    if (reportOnly) {
      results.push(JSON.parse(readFileSync(file, "utf8")) as ObjectStoreRun);
      continue;
    }
    console.log(`\n== run ${i + 1} of ${runs}`);
    const r = spawnSync(process.execPath, ["--import", "tsx", "bench/object-store.ts", "--single", "--rows", String(rows), "--result", file, ...(logRequests ? ["--log"] : [])], { stdio: "inherit", env: { ...process.env, LANCEDB_LOG: "error" } });
    if (r.status !== 0) throw new Error(`run ${i + 1} failed (exit ${r.status})`);
    results.push(JSON.parse(readFileSync(file, "utf8")) as ObjectStoreRun);
  }
  const lancedbVersion = JSON.parse(readFileSync(join("node_modules", "@lancedb", "lancedb", "package.json"), "utf8")).version as string;
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, @lancedb/lancedb ${lancedbVersion}`;
  const section = objectStoreSection(results, { date: new Date().toISOString().slice(0, 10), machine });
  record("object-store", results);
  writeFileSync("BENCHMARKS.md", replaceSection(readFileSync("BENCHMARKS.md", "utf8"), section));
  console.log(`\n${section}\nwrote the section into BENCHMARKS.md`);
  process.exit(0);
}

// ---- one run -------------------------------------------------------------

const BUCKET = "bench";
const QUERIES = ["running", "search index", "café", "data table query", "nationalization", "happy hopeful", "42", "electric engine", "merge commit", "vector column store", "scan filter", "token stem", "generous", "connect relate", "build write read", "segment fragment", "rank score match", "sense general", "operate agree", "page version"];
const WARMUP_QUERIES = ["jumped", "engines", "columns", "straße"];
const LOOKUPS = 20;
const COLUMNS = ["id", "value", "category", "text"];

interface Proxy {
  endpoint: string;
  reset(log?: boolean): Promise<void>;
  counts(): Promise<ProxyCounts>;
  stop(): void;
}

async function startProxy(target: string): Promise<Proxy> {
  const child = fork(join("bench", "object-store-proxy.ts"), [target], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  // the proxy answers every message in order
  const waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  child.on("message", (m) => waiting.shift()?.resolve(m));
  child.on("exit", () => {
    for (const w of waiting.splice(0)) w.reject(new Error("the counting proxy exited"));
  });
  const next = (): Promise<unknown> => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const { port } = (await next()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async reset(log = false) {
      child.send({ cmd: "reset", log });
      await next();
    },
    async counts() {
      child.send({ cmd: "counts" });
      return (await next()) as ProxyCounts;
    },
    stop: () => child.kill("SIGTERM"),
  };
}

function data(): Table {
  const r = rng(7);
  const batches = [];
  for (let s = 0; s < rows; s += 100_000) {
    const n = Math.min(100_000, rows - s);
    const ids = new BigInt64Array(n);
    const values = new Float64Array(n);
    const cats: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = BigInt(s + ((i * 7919) % n)); // shuffled within blocks, so the BTREE has work to do
      values[i] = Math.round(r() * 1e6) / 100;
      cats[i] = `cat-${String(Math.floor(r() * 1000)).padStart(4, "0")}`;
    }
    const text = textTable(n, s).getChild("text")!;
    batches.push(...new Table({ id: vectorFromArray(ids as never, new Int64()), value: vectorFromArray(values as never, new Float64()), category: vectorFromArray(cats, new Utf8()), text }).batches);
  }
  return new Table(batches);
}

/** GETs (objects and listings), HEADs, and response bytes of one measurement. */
export interface Traffic {
  gets: number;
  heads: number;
  lists: number;
  bytes: number;
}

function traffic(c: ProxyCounts): Traffic {
  const bytes = Object.values(c.responseBytes).reduce((a, b) => a + (b ?? 0), 0);
  return { gets: c.requests.GET ?? 0, heads: c.requests.HEAD ?? 0, lists: c.requests.LIST ?? 0, bytes };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function medianTraffic(ts: Traffic[]): Traffic {
  return { gets: median(ts.map((t) => t.gets)), heads: median(ts.map((t) => t.heads)), lists: median(ts.map((t) => t.lists)), bytes: median(ts.map((t) => t.bytes)) };
}

function perQuery(total: Traffic, n: number): Traffic {
  return { gets: total.gets / n, heads: total.heads / n, lists: total.lists / n, bytes: total.bytes / n };
}

/** A table as one engine sees it: queries return plain values to compare. */
interface Handle {
  lookup(id: number): Promise<unknown[]>;
  /** Top-10 ids and scores, best first. */
  search(q: string): Promise<{ ids: number[]; scores: number[] }>;
  scan(): Promise<number>;
  close(): void;
}

const server = await startCephRgw();
const proxy = await startProxy(server.endpoint);
const storageOptions = { ...server.storageOptions, aws_endpoint: proxy.endpoint };
const dbUri = `s3://${BUCKET}/db`;

async function lancedbHandle(name: string): Promise<Handle> {
  const db = await lancedb.connect(dbUri, { storageOptions });
  const table = await db.openTable(name);
  return {
    async lookup(id) {
      const got = await table.query().where(`id = ${id}`).select(COLUMNS).toArray();
      return got.map((r) => [Number(r.id), r.value, r.category, r.text]);
    },
    async search(q) {
      const got = await table.search(q, "fts").select(["id", "_score"]).limit(10).toArray();
      return { ids: got.map((r) => Number(r.id)), scores: got.map((r) => Number(r._score)) };
    },
    async scan() {
      let n = 0;
      for await (const b of table.query().select(COLUMNS)) n += b.numRows;
      return n;
    },
    close() {
      table.close();
      db.close();
    },
  };
}

async function lancetsHandle(name: string): Promise<Handle> {
  const ds: Dataset = await openDataset(`${dbUri}/${name}.lance`, { storageOptions });
  return {
    async lookup(id) {
      const got = await ds.scan({ filter: `id = ${id}`, columns: COLUMNS }).toArrow();
      return got.toArray().map((r) => [Number(r.id), r.value, r.category, r.text]);
    },
    async search(q) {
      const got = await ds.scan({ fullTextSearch: { query: q }, limit: 10, columns: ["id"] }).toArrow();
      return { ids: Array.from(got.getChild("id")!.toArray() as BigInt64Array, Number), scores: Array.from(got.getChild("_score")!.toArray() as Float32Array) };
    },
    async scan() {
      let n = 0;
      for await (const b of ds.scan({ columns: COLUMNS, batchSize: 65536 })) n += b.numRows;
      return n;
    },
    close() {
      (ds.store as { close?: () => void }).close?.();
    },
  };
}

type Opener = (name: string) => Promise<Handle>;

interface Timed<T> {
  ms: number;
  /** CPU of this process during the query (lancedb's threads or lancets' JavaScript), ms. */
  cpuMs: number;
  value: T;
  open: Traffic;
  query: Traffic;
  log: LoggedRequest[];
}

/** Opens afresh (caches empty), then times one query; traffic of the open and of the query apart. */
async function cold<T>(open: () => Promise<Handle>, run: (h: Handle) => Promise<T>, log = false): Promise<Timed<T>> {
  await proxy.reset();
  const h = await open();
  const opened = traffic(await proxy.counts());
  await proxy.reset(log);
  const t = performance.now();
  const cpu = process.cpuUsage();
  const value = await run(h);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const counts = await proxy.counts();
  h.close();
  return { ms, cpuMs: (used.user + used.system) / 1000, value, open: opened, query: traffic(counts), log: counts.log };
}

export interface QueryStats {
  /** Median latency of one query, ms. */
  ms: number;
  /** Median traffic of one query. */
  traffic: Traffic;
}

async function coldSeries<T>(open: () => Promise<Handle>, inputs: (number | string)[], run: (h: Handle, x: number | string) => Promise<T>, label: string): Promise<{ stats: QueryStats; open: Traffic; values: T[] }> {
  await cold(open, (h) => run(h, inputs[0]!)); // module loading and connections outside the timing
  const done: Timed<T>[] = [];
  for (const [i, x] of inputs.entries()) done.push(await cold(open, (h) => run(h, x), logRequests && i === 1));
  if (logRequests) printLog(`one cold ${label}`, done[1]?.log ?? []);
  return { stats: { ms: median(done.map((d) => d.ms)), traffic: medianTraffic(done.map((d) => d.query)) }, open: medianTraffic(done.map((d) => d.open)), values: done.map((d) => d.value) };
}

function printLog(what: string, log: LoggedRequest[]): void {
  console.log(`-- requests of ${what}:`);
  for (const l of log) console.log(`   ${l.kind} ${l.url.replace(/\?.*$/, "")} ${l.range ?? ""} -> ${l.status}, ${l.responseBytes} B`);
}

async function warmSeries<T>(
  h: Handle,
  warmup: (number | string)[],
  inputs: (number | string)[],
  run: (h: Handle, x: number | string) => Promise<T>,
  label: string,
): Promise<{ stats: QueryStats; values: T[]; perOpen: Traffic }> {
  await proxy.reset();
  for (const x of warmup) await run(h, x);
  const warm = traffic(await proxy.counts());
  await proxy.reset(logRequests);
  const times: number[] = [];
  const values: T[] = [];
  for (const x of inputs) {
    const t = performance.now();
    values.push(await run(h, x));
    times.push(performance.now() - t);
    if (logRequests && values.length === 1) printLog(`one warm ${label}`, (await proxy.counts()).log);
  }
  const queries = traffic(await proxy.counts());
  // everything this open fetched for these queries: the warm-up (its first query fetches what the open defers) and the queries
  const perOpen = { gets: warm.gets + queries.gets, heads: warm.heads + queries.heads, lists: warm.lists + queries.lists, bytes: warm.bytes + queries.bytes };
  return { stats: { ms: median(times), traffic: perQuery(queries, inputs.length) }, values, perOpen };
}

async function timedBuild(what: string, build: () => Promise<unknown>): Promise<{ seconds: number; cpuSeconds: number; traffic: Traffic; putBytes: number; puts: number }> {
  await proxy.reset();
  const t = performance.now();
  const cpu = process.cpuUsage();
  await build();
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const c = await proxy.counts();
  console.log(`build ${what}: ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s`);
  return { seconds, cpuSeconds, traffic: traffic(c), putBytes: c.requestBytes, puts: (c.requests.PUT ?? 0) + (c.requests.POST ?? 0) };
}

const load = [loadavg()[0]!];
try {
  await server.createBucket(BUCKET);
  const t0 = performance.now();
  const table = data();
  const db = await lancedb.connect(dbUri, { storageOptions });
  await db.createTable("lance", table);
  await db.createTable("ours", table);
  console.log(`wrote two copies of ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const theirTable = await db.openTable("lance");
  const builds = {
    lancedb: {
      btree: await timedBuild("BTREE lancedb", () => theirTable.createIndex("id", { config: lancedb.Index.btree() })),
      fts: await timedBuild("FTS lancedb", () => theirTable.createIndex("text", { config: lancedb.Index.fts() })),
    },
    lancets: {
      btree: await timedBuild("BTREE lancets", async () => (await openDataset(`${dbUri}/ours.lance`, { storageOptions })).createScalarIndex("id", "BTREE")),
      fts: await timedBuild("FTS lancets", async () => (await openDataset(`${dbUri}/ours.lance`, { storageOptions })).createScalarIndex("text", "FTS")),
    },
  };
  theirTable.close();
  db.close();
  load.push(loadavg()[0]!);

  const r = rng(23);
  const ids = Array.from({ length: LOOKUPS + 1 }, () => Math.floor(r() * rows));
  const warmIds = Array.from({ length: 5 }, () => Math.floor(r() * rows));
  const engines: [string, Opener, string][] = [
    ["lancedb", lancedbHandle, "lance"],
    ["lancets", lancetsHandle, "lance"],
    ["lancets (own indexes)", lancetsHandle, "ours"],
  ];
  const results: ObjectStoreRun["engines"] = [];
  for (const [engine, opener, name] of engines) {
    const open = (): Promise<Handle> => opener(name);
    const lookups = await coldSeries(open, ids, (h, x) => h.lookup(x as number), `${engine} point lookup`);
    const searches = await coldSeries(open, [QUERIES[19]!, ...QUERIES], (h, x) => h.search(x as string), `${engine} search`);
    const h = await open();
    const warmLookups = await warmSeries(h, warmIds, ids.slice(1), (hh, x) => hh.lookup(x as number), `${engine} point lookup`);
    const warmSearches = await warmSeries(h, WARMUP_QUERIES, QUERIES, (hh, x) => hh.search(x as string), `${engine} search`);
    h.close();
    // full scan: the first cold (its traffic counted), then the best of two
    const scans = [await cold(open, (hh) => hh.scan())];
    scans.push(await cold(open, (hh) => hh.scan()));
    if (scans.some((s) => s.value !== rows)) throw new Error(`${engine}: a full scan gave ${scans.map((s) => s.value).join(", ")} rows, expected ${rows}`);
    const fastest = scans.reduce((a, b) => (b.ms < a.ms ? b : a));
    const scanMs = fastest.ms;
    results.push({
      engine,
      table: name,
      open: lookups.open,
      lookupCold: lookups.stats,
      lookupWarm: warmLookups.stats,
      searchCold: searches.stats,
      searchWarm: warmSearches.stats,
      searchOpen: warmSearches.perOpen,
      scan: { rowsPerS: rows / (scanMs / 1000), traffic: scans[0]!.query, cpuSeconds: fastest.cpuMs / 1000 },
      answers: { lookups: JSON.stringify(lookups.values.slice(1)), searches: searches.values.slice(1).map((v) => [...v.ids].sort((a, b) => a - b).join(",")), scores: searches.values.slice(1).map((v) => v.scores) },
    });
    const e = results.at(-1)!;
    console.log(
      `${engine.padEnd(22)} open ${e.open.gets}+${e.open.lists}L+${e.open.heads}H ` +
        `lookup cold ${e.lookupCold.ms.toFixed(1)} ms ${e.lookupCold.traffic.gets} GET ${(e.lookupCold.traffic.bytes / 1024).toFixed(0)} KiB, warm ${e.lookupWarm.ms.toFixed(1)} ms ${e.lookupWarm.traffic.gets.toFixed(1)} GET; ` +
        `search cold ${e.searchCold.ms.toFixed(1)} ms ${e.searchCold.traffic.gets} GET ${(e.searchCold.traffic.bytes / 1024).toFixed(0)} KiB, warm ${e.searchWarm.ms.toFixed(1)} ms ${e.searchWarm.traffic.gets.toFixed(1)} GET; ` +
        `scan ${e.scan.rowsPerS.toExponential(2)} rows/s ${e.scan.traffic.gets} GET`,
    );
  }
  load.push(loadavg()[0]!);
  // the same answers: lookups equal; searches compared as id sets per query
  const [theirs, ours] = [results[0]!, results[1]!];
  if (theirs.answers.lookups !== ours.answers.lookups) throw new Error("point lookups: lancets and lancedb returned different rows");
  const sameSearches = theirs.answers.searches.filter((s, i) => s === ours.answers.searches[i]).length;
  // where the ids differ, the scores should not: rows of equal score at the cut
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a));
  const sameScores = theirs.answers.scores!.filter((s, i) => s.length === ours.answers.scores![i]!.length && s.every((x, k) => close(x, ours.answers.scores![i]![k]!))).length;
  console.log(`searches with the same top-10 ids: ${sameSearches} of ${QUERIES.length}; with the same top-10 scores: ${sameScores}`);
  const result: ObjectStoreRun = { rows, builds, engines: results, sameSearches, sameScores, searches: QUERIES.length, lookups: LOOKUPS, loadavg: load };
  const file = arg("result", "");
  if (file) writeFileSync(file, JSON.stringify(result, null, 2));
} finally {
  proxy.stop();
  await server.stop();
}
