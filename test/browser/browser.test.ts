// lancets in a browser: the browser entry (src/browser.ts) bundles with esbuild
// for platform "browser" without a single Node built-in or Node-only package,
// and the bundle runs in headless Chromium: it writes a dataset into a
// MemoryStore, builds and commits a BTREE and FTS segments, and answers a
// filter (through the BTREE) and a full-text search with the same rows and
// scores as the Node entry. Real Lance then opens the files the browser wrote
// and answers both queries alike, using the indexes the browser built; and the
// browser reads a dataset Lance wrote and indexed, with Lance's answers, both
// from files handed to a MemoryStore and served over HTTP (HttpStore, ranged
// fetches from the test's server).
// Chromium is Debian's package at /usr/bin/chromium (.ci/run installs it);
// without it the browser half reports itself skipped.

import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { build, type Metafile } from "esbuild";
import type { BrowserContext } from "playwright-core";
import * as nodeEntry from "../../src/lancets.js";
import { connect, lancedb, tablePath } from "../helpers/oracle.js";
import { CHROMIUM_SKIP, launchChromium, startStaticServer, type StaticServer } from "../helpers/chromium.js";
import { tempDir } from "../helpers/tmp.js";
import { FILTER, NUM_ROWS, QUERY, readScenario, runScenario, scenarioTable, type ScenarioResult } from "./scenario.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const NODE_ONLY = ["bullmq", "ioredis", "piscina"];

interface Bundles {
  entry: Metafile;
  page: string;
  /** The README's browser example; "lancets/browser" resolves to src/browser.ts through tsconfig.json's paths. */
  example: string;
}

/** Bundles for the browser; Node built-ins and Node-only packages are left external, so the metafile names every import of one. */
async function bundle(entry: string): Promise<{ code: string; metafile: Metafile }> {
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["node:*", ...builtinModules, ...builtinModules.map((m) => `${m}/*`), ...NODE_ONLY],
  });
  return { code: r.outputFiles[0]!.text, metafile: r.metafile };
}

/** Imports of the bundle that reach Node: externals left by `bundle` and any module of a Node-only package. */
function nodeImports(metafile: Metafile): string[] {
  const found: string[] = [];
  for (const [input, info] of Object.entries(metafile.inputs)) {
    if (NODE_ONLY.some((p) => input.includes(`node_modules/${p}/`))) found.push(input);
    for (const imp of info.imports) if (imp.external) found.push(`${input} imports ${imp.path}`);
  }
  return found;
}

let bundles: Bundles;

type LanceTable = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["openTable"]>>;
type Answers = Omit<ScenarioResult, "files">;

/** Every file under `root`, base64, by path relative to it. */
function filesOf(root: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(out, filesOf(root, `${path}/`));
    else out[path] = readFileSync(join(root, path)).toString("base64");
  }
  return out;
}

/** The scenario's dataset written by Lance in three fragments, with Lance's own BTREE on id and FTS index on text. */
async function lanceDataset(dir: string): Promise<Record<string, string>> {
  const data = scenarioTable();
  const t = await (await connect(dir)).createTable("lance", data.slice(0, 120));
  await t.add(data.slice(120, 240));
  await t.add(data.slice(240));
  await t.createIndex("id", { config: lancedb.Index.btree() });
  await t.createIndex("text", { config: lancedb.Index.fts() });
  return filesOf(tablePath(dir, "lance"));
}

/** Lance's answers to the filter (rows by id) and the search (every match). */
async function lanceAnswers(t: LanceTable): Promise<{ filterRows: Answers["filterRows"]; hits: Map<string, number> }> {
  assert.match(await t.query().where(FILTER).explainPlan(true), /ScalarIndexQuery/);
  assert.match(await t.search(QUERY, "fts").explainPlan(true), /MatchQuery: column=text/);
  const rows = (await t.query().where(FILTER).toArray()).map((r) => ({ id: String(r.id), category: r.category as string, text: r.text as string | null }));
  const hits = await t.search(QUERY, "fts").select(["id", "_score"]).limit(NUM_ROWS).toArray();
  return { filterRows: rows.sort((a, b) => Number(a.id) - Number(b.id)), hits: new Map(hits.map((h) => [String(h.id), h._score as number])) };
}

/** The same rows and scores as Lance: every match (rows of equal score may come in either order at a limit), and the ten best. */
function assertSameAsLance(ours: Answers, lance: { filterRows: Answers["filterRows"]; hits: Map<string, number> }, label: string): void {
  assert.deepEqual(ours.filterRows, lance.filterRows, `${label}: filter rows`);
  assert.ok(lance.hits.size > 50, `${lance.hits.size} rows match`);
  assert.deepEqual(ours.allHits.map(([id]) => id).sort(), [...lance.hits.keys()].sort(), `${label}: search rows`);
  for (const [id, score] of ours.allHits) assertSameScore(score, lance.hits.get(id)!, 1e-5, `${label}: row ${id}`);
  const best = [...lance.hits.values()].sort((a, b) => b - a).slice(0, 10);
  ours.searchRows.forEach((r, i) => assertSameScore(r.score, best[i]!, 1e-5, `${label}: rank ${i + 1}`));
}

function assertSameScore(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`);
}

before(async () => {
  const [entry, page, example] = await Promise.all([bundle("src/browser.ts"), bundle("test/browser/page.ts"), bundle("examples/browser.ts")]);
  bundles = { entry: entry.metafile, page: page.code, example: example.code };
  assert.deepEqual(nodeImports(page.metafile), [], "the test page bundle reaches Node");
  assert.deepEqual(nodeImports(example.metafile), [], "the example bundle reaches Node");
  assert.ok(Object.keys(example.metafile.inputs).includes("src/browser.ts"), "the example bundles the browser entry");
});

describe("browser entry", () => {
  test("bundles for the browser with no Node built-in and no Node-only package", () => {
    assert.deepEqual(nodeImports(bundles.entry), []);
    const inputs = Object.keys(bundles.entry.inputs);
    // the whole engine is in the bundle: writing, index builds, filtered scans, full-text search
    for (const part of ["src/table/write.ts", "src/index/segments-api.ts", "src/query/filtered-scan.ts", "src/query/full-text.ts", "src/io/memory-store.ts"]) {
      assert.ok(inputs.some((i) => i.endsWith(part)), `${part} is in the bundle`);
    }
    assert.ok(!inputs.some((i) => i.includes("src/node/") || i.includes("src/cli/")), "no node/ or cli/ module is bundled");
  });

  test("the check fails on a Node import", async () => {
    const { metafile } = await bundle("src/lancets.ts");
    const found = nodeImports(metafile);
    assert.ok(found.some((f) => f.endsWith("imports node:fs")) && found.some((f) => f.endsWith("imports bullmq")), found.join("\n"));
  });
});

describe("in headless Chromium", { skip: CHROMIUM_SKIP }, () => {
  let server: StaticServer | undefined;
  let context: BrowserContext | undefined;
  let origin: string;
  let browser: ScenarioResult;
  let node: ScenarioResult;
  /** Lance's dataset, served under /lance/ with ranges. */
  const lanceDir = tempDir();
  let browserRead: Answers;
  let browserHttpRead: Answers;
  let nodeRead: Answers;
  /** Requests for the files of Lance's dataset. */
  const lanceRequests = () => server!.requests.filter((r) => r.url.startsWith("/lance/"));

  before(async () => {
    const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>lancets</title><script type="module" src="/static/${script}"></script>`;
    server = await startStaticServer(
      { "page.html": html("page.js"), "page.js": bundles.page, "example.html": html("example.js"), "example.js": bundles.example },
      { lance: lanceDir },
    );
    origin = server.origin;
    context = await launchChromium();
    // the page reaches nothing but the loopback server
    await context.route("**/*", (route) => (route.request().url().startsWith(`${origin}/`) ? route.continue() : route.abort()));
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(`${origin}/static/page.html`);
    await page.waitForFunction(() => typeof (globalThis as { runScenario?: unknown }).runScenario === "function", undefined, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process + typeof (globalThis as { Buffer?: unknown }).Buffer), "undefinedundefined");
    browser = await page.evaluate(() => (globalThis as unknown as { runScenario: () => Promise<ScenarioResult> }).runScenario());
    const lanceFiles = await lanceDataset(lanceDir);
    browserRead = await page.evaluate((files) => (globalThis as unknown as { readScenario: (f: typeof files) => Promise<Answers> }).readScenario(files), lanceFiles);
    browserHttpRead = await page.evaluate((url) => (globalThis as unknown as { readOverHttp: (u: string) => Promise<Answers> }).readOverHttp(url), `${origin}/lance/lance.lance`);
    assert.deepEqual(errors, []);
    node = await runScenario(nodeEntry);
    nodeRead = await readScenario(nodeEntry, lanceFiles);
  });

  after(async () => {
    await context?.close();
    await server?.close();
  });

  test("writes, indexes and reopens the dataset as Node does", () => {
    assert.equal(browser.numRows, NUM_ROWS);
    assert.equal(browser.numFragments, 3);
    assert.deepEqual(browser.indices, [
      { name: "id_idx", indexType: "BTREE", segments: 1 },
      { name: "text_idx", indexType: "FTS", segments: 2 },
    ]);
    assert.deepEqual(
      { version: browser.version, numRows: browser.numRows, numFragments: browser.numFragments, indices: browser.indices },
      { version: node.version, numRows: node.numRows, numFragments: node.numFragments, indices: node.indices },
    );
    assert.deepEqual(Object.keys(browser.files).length, Object.keys(node.files).length);
  });

  test("answers the filter through the BTREE with the rows Node returns", () => {
    assert.deepEqual(browser.filterRows.map((r) => Number(r.id)), Array.from({ length: 19 }, (_, i) => 101 + i));
    assert.deepEqual(browser.filterRows, node.filterRows);
    assert.match(browser.filterPlan, /BTREE index id_idx/);
    assert.match(browser.filterPlan, /fragments scanned: none/);
    const withoutUuids = (plan: string): string => plan.replace(/\b[0-9a-f]{8}\b/g, "<segment>");
    assert.equal(withoutUuids(browser.filterPlan), withoutUuids(node.filterPlan));
  });

  test("answers the full-text search with Node's rows and scores", () => {
    assert.equal(browser.searchRows.length, 10);
    assert.deepEqual(browser.searchRows.map((r) => [r.id, r.text]), node.searchRows.map((r) => [r.id, r.text]));
    assert.deepEqual(browser.allHits.map(([id]) => id), node.allHits.map(([id]) => id));
    const nodeScores = new Map(node.allHits);
    for (const [id, score] of browser.allHits) assertSameScore(score, nodeScores.get(id)!, 1e-6, `row ${id} in the browser and in Node`);
    // the limited search holds the ten best scores of all hits
    assert.deepEqual(browser.searchRows.map((r) => r.score), browser.allHits.slice(0, 10).map(([, score]) => score));
  });

  test("Lance opens what the browser wrote and answers both queries alike, from the browser's indexes", async () => {
    const dir = tempDir();
    const root = tablePath(dir, "browser");
    for (const [path, data] of Object.entries(browser.files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), Buffer.from(data, "base64"));
    }
    const t = await (await connect(dir)).openTable("browser");
    assert.equal(await t.countRows(), NUM_ROWS);
    assert.deepEqual((await t.listIndices()).map((i) => [i.name, i.indexType]).sort(), [["id_idx", "BTree"], ["text_idx", "FTS"]]);
    assertSameAsLance(browser, await lanceAnswers(t), "the browser's dataset");
  });

  test("reads a dataset Lance wrote and indexed, answering from Lance's indexes with Lance's rows and scores", async () => {
    assert.equal(browserRead.numRows, NUM_ROWS);
    assert.equal(browserRead.numFragments, 3);
    assert.deepEqual(browserRead.indices, [
      { name: "id_idx", indexType: "BTREE", segments: 1 },
      { name: "text_idx", indexType: "FTS", segments: 1 },
    ]);
    assert.match(browserRead.filterPlan, /BTREE index id_idx/);
    assert.match(browserRead.filterPlan, /fragments scanned: none/);
    assertSameAsLance(browserRead, await lanceAnswers(await (await connect(lanceDir)).openTable("lance")), "Lance's dataset in the browser");
    assert.deepEqual(browserRead, nodeRead);
  });

  test("reads the same Lance dataset over HTTP (HttpStore, ranged fetches) with the same answers", () => {
    assert.deepEqual(browserHttpRead, nodeRead);
    const requests = lanceRequests();
    assert.ok(requests.length > 0 && requests.every((r) => r.method === "GET" || r.method === "HEAD"));
    assert.ok(requests.some((r) => r.range !== undefined), "ranged reads");
  });

  test("the README's browser example runs in the page", async () => {
    const page = await context!.newPage();
    const logs: string[] = [];
    const errors: string[] = [];
    page.on("console", (msg) => logs.push(msg.text()));
    page.on("pageerror", (err) => errors.push(err.message));
    const done = page.waitForEvent("console", { predicate: (msg) => msg.text() === "browser: ok", timeout: 20_000 });
    await page.goto(`${origin}/static/example.html`);
    await done.catch(() => assert.fail(`no "browser: ok": ${[...errors, ...logs].join("\n")}`));
    assert.deepEqual(errors, []);
    assert.ok(logs.some((l) => /BTREE index id_idx/.test(l)), logs.join("\n"));
    await page.close();
  });
});
