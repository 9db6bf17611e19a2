// The explorer page in headless Chromium, served by `lancets explore` (JSON
// API over the dataset opened in Node) and as the static bundle opening the
// dataset over HTTP itself (ranged GETs, no lancets server). The dataset has
// five versions, a BTREE of three segments and an FTS index of two, and an
// unindexed tail of two fragments. What the page draws is checked against the
// engine and the CLI: the coverage map equals describeIndices(), the query box
// shows the CLI's explain and rows (the rows Lance returns too), the search box
// the CLI's scores. Screenshots land in .test-artifacts/explore/.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { bundleExplorePage } from "../../scripts/build-explore.mjs";
import { startExploreServer, type ExploreServer } from "../../src/cli/explore.js";
import { Int64, Table, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset, type Dataset } from "../../src/lancets.js";
import { runCli } from "../helpers/cli.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { CHROMIUM_SKIP, launchChromium, screenshotPath, startStaticServer, type StaticServer } from "../helpers/chromium.js";
import { FILTER, QUERY, writeExploreDataset } from "./fixture.js";

interface Drawn {
  versions: { version: number; operation: string; rows: number; selected: boolean }[];
  /** index name -> segment uuid -> fragment ids drawn as covered */
  segments: Record<string, Record<string, number[]>>;
  /** index name -> fragment ids drawn as unindexed */
  unindexed: Record<string, number[]>;
  fragments: number[];
}

/** What the page shows now: timeline, coverage map, fragments table. */
async function readDrawn(page: Page): Promise<Drawn> {
  const versions = await page.locator("button.version").evaluateAll((els) =>
    els.map((e) => ({ version: Number(e.getAttribute("data-version")), operation: e.getAttribute("data-operation") ?? "", rows: Number(e.getAttribute("data-rows")), selected: e.getAttribute("aria-pressed") === "true" })),
  );
  const segmentList = await page.locator("svg.coverage g.segment").evaluateAll((els) =>
    els.map((g) => ({ index: g.getAttribute("data-index")!, uuid: g.getAttribute("data-segment")!, fragments: [...g.querySelectorAll("rect.covered")].map((r) => Number(r.getAttribute("data-fragment"))) })),
  );
  const unindexedList = await page.locator("svg.coverage g.unindexed").evaluateAll((els) =>
    els.map((g) => ({ index: g.getAttribute("data-index")!, fragments: [...g.querySelectorAll("rect.uncovered")].map((r) => Number(r.getAttribute("data-fragment"))) })),
  );
  const segments: Drawn["segments"] = {};
  for (const s of segmentList) (segments[s.index] ??= {})[s.uuid] = s.fragments;
  const fragments = await page.locator("table.fragments tbody tr").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-fragment"))));
  return { versions, segments, unindexed: Object.fromEntries(unindexedList.map((u) => [u.index, u.fragments])), fragments };
}

/** The coverage the engine reports, in the shape of Drawn. */
function expectedCoverage(ds: Dataset): Pick<Drawn, "segments" | "unindexed" | "fragments"> {
  const fragments = ds.fragments().map((f) => f.id);
  const segments: Drawn["segments"] = {};
  const unindexed: Drawn["unindexed"] = {};
  for (const index of ds.describeIndices()) {
    const covered = new Set<number>();
    segments[index.name] = Object.fromEntries(index.segments.map((s) => [s.uuid, s.fragmentIds.filter((id) => fragments.includes(id))]));
    for (const s of index.segments) for (const id of s.fragmentIds) covered.add(id);
    unindexed[index.name] = fragments.filter((id) => !covered.has(id));
  }
  return { segments, unindexed, fragments };
}

async function waitReady(page: Page, version?: number): Promise<void> {
  await page.waitForSelector(version === undefined ? "body[data-state=ready]" : `body[data-state=ready][data-version="${version}"]`, { timeout: 60_000 });
}

/** Runs the filter in the query box; returns the plan and the rows shown (cell texts). */
async function runFilter(page: Page, filter: string): Promise<{ explain: string; rows: string[][]; info: string }> {
  await page.fill("#query input[name=filter]", filter);
  await page.click("#query button[type=submit]");
  await page.waitForSelector("#query .result[data-state=ready]", { timeout: 60_000 });
  return readQueryResult(page);
}

async function readQueryResult(page: Page): Promise<{ explain: string; rows: string[][]; info: string }> {
  const explain = (await page.locator("#query pre.explain").textContent()) ?? "";
  const rows = await page.locator("#query table.rows tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
  const info = (await page.locator("#query .page-info").textContent()) ?? "";
  return { explain, rows, info };
}

async function runSearch(page: Page, query: string): Promise<{ scores: number[]; ids: string[] }> {
  await page.fill("#search input[name=query]", query);
  await page.click("#search button[type=submit]");
  await page.waitForSelector("#search .result[data-state=ready]", { timeout: 60_000 });
  const rows = await page.locator("#search table.rows tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
  return { scores: rows.map((r) => Number(r[0])), ids: rows.map((r) => r[1]!) };
}

/** The CLI's answers for the same dataset. */
interface CliAnswers {
  explain: string;
  /** Every matching row, as the page's cells show them. */
  rows: string[][];
  scores: number[];
  hitIds: string[];
}

async function cliAnswers(path: string): Promise<CliAnswers> {
  const explain = await runCli(["query", path, "--filter", FILTER, "--explain"]);
  const rows = await runCli(["query", path, "--filter", FILTER, "--json", "--limit", "1000"]);
  const search = await runCli(["search", path, QUERY, "--json", "--limit", "20"]);
  for (const r of [explain, rows, search]) assert.equal(r.code, 0, r.err);
  const parsed = rows.out.split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const hits = search.out.split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    explain: explain.out,
    rows: parsed.map((r) => [String(r.id), String(r.category), String(r.text)]),
    scores: hits.map((h) => h._score as number),
    hitIds: hits.map((h) => String(h.id)),
  };
}

describe("the explorer page in headless Chromium", { skip: CHROMIUM_SKIP }, () => {
  let dir: string;
  let path: string;
  let ds: Dataset;
  let cli: CliAnswers;
  let pageFiles: Record<string, string>;
  let explore: ExploreServer;
  let statics: StaticServer;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  before(async () => {
    ({ dir, path } = await writeExploreDataset());
    [pageFiles, ds] = await Promise.all([bundleExplorePage(), openDataset(path)]);
    cli = await cliAnswers(path);
    explore = await startExploreServer(path, {}, pageFiles);
    statics = await startStaticServer(pageFiles, { data: dir });
    context = await launchChromium();
    // the pages reach nothing but the two loopback servers
    const allowed = [explore.url, `${statics.origin}/`];
    await context.route("**/*", (route) => (allowed.some((a) => route.request().url().startsWith(a)) ? route.continue() : route.abort()));
    context.on("page", (p) => p.on("pageerror", (err) => pageErrors.push(err.message)));
  });

  after(async () => {
    await context?.close();
    await explore?.close();
    await statics?.close();
    assert.deepEqual(pageErrors, []);
  });

  describe("served by lancets explore", () => {
    let page: Page;

    before(async () => {
      page = await context.newPage();
      await page.goto(explore.url);
      await waitReady(page, 5);
    });

    test("the timeline lists every version with its operation and rows, the latest selected", async () => {
      const drawn = await readDrawn(page);
      assert.deepEqual(drawn.versions, [
        { version: 1, operation: "overwrite", rows: 240, selected: false },
        { version: 2, operation: "createIndex", rows: 240, selected: false },
        { version: 3, operation: "createIndex", rows: 240, selected: false },
        { version: 4, operation: "append", rows: 320, selected: false },
        { version: 5, operation: "delete", rows: 310, selected: true },
      ]);
    });

    test("the coverage map in the DOM equals describeIndices(), with the unindexed tail highlighted", async () => {
      const drawn = await readDrawn(page);
      const expected = expectedCoverage(ds);
      assert.deepEqual({ segments: drawn.segments, unindexed: drawn.unindexed, fragments: drawn.fragments }, expected);
      assert.equal(Object.keys(expected.segments.id_idx!).length, 3);
      assert.equal(Object.keys(expected.segments.text_idx!).length, 2);
      assert.deepEqual(expected.unindexed, { id_idx: [6, 7], text_idx: [6, 7] });
      // hovering a segment names it, with its size
      const segment = ds.describeIndices()[1]!.segments[0]!;
      await page.hover(`svg.coverage g.segment[data-segment="${segment.uuid}"] rect.covered`);
      const info = (await page.locator(".coverage-info").textContent()) ?? "";
      assert.match(info, new RegExp(`text_idx \\(FTS\\) segment ${segment.uuid}`));
      assert.match(info, new RegExp(`fragments ${segment.fragmentIds.join(", ")}`));
      await page.screenshot({ path: screenshotPath("server.png"), fullPage: true });
    });

    test("the query box shows the CLI's explain and rows, a page at a time, the rows Lance returns", async () => {
      const first = await runFilter(page, FILTER);
      assert.equal(first.explain, cli.explain);
      assert.match(first.explain, /BTREE index id_idx/);
      assert.equal(first.info, `rows 1–25 of ${cli.rows.length}`);
      assert.deepEqual(first.rows, cli.rows.slice(0, 25));
      await page.click("#query button.next");
      await page.waitForSelector('#query .page-info[data-offset="25"]', { timeout: 60_000 });
      assert.deepEqual((await readQueryResult(page)).rows, cli.rows.slice(25, 50));
      // Lance's rows for the filter, on the dataset it deleted from
      const lance = await (await connect(dir)).openTable("explore");
      assert.match(await lance.query().where(FILTER).explainPlan(true), /ScalarIndexQuery/);
      const lanceRows = (await lance.query().where(FILTER).toArray()).map((r) => [String(r.id), String(r.category), String(r.text)]);
      assert.deepEqual([...cli.rows].sort(), lanceRows.sort());
      assert.equal(cli.rows.length, 65);
    });

    test("the search box shows the CLI's hits and scores", async () => {
      const hits = await runSearch(page, QUERY);
      assert.deepEqual(hits.scores, cli.scores);
      assert.deepEqual(hits.ids, cli.hitIds);
      assert.equal(hits.scores.length, 20);
      await page.screenshot({ path: screenshotPath("server-query.png"), fullPage: true });
    });

    test("a bad filter shows the engine's error", async () => {
      await page.fill("#query input[name=filter]", "id >");
      await page.click("#query button[type=submit]");
      await page.waitForSelector("#query .result[data-state=error]", { timeout: 60_000 });
      assert.match((await page.locator("#query .error").textContent()) ?? "", /^INVALID_INPUT: filter parse error/);
    });

    test("selecting a version checks it out: fragments and coverage of that version", async () => {
      await page.click('button.version[data-version="3"]');
      await waitReady(page, 3);
      const drawn = await readDrawn(page);
      assert.deepEqual(drawn.versions.filter((v) => v.selected).map((v) => v.version), [3]);
      const v3 = await ds.checkout(3);
      assert.deepEqual({ segments: drawn.segments, unindexed: drawn.unindexed, fragments: drawn.fragments }, expectedCoverage(v3));
      assert.deepEqual(drawn.unindexed, { id_idx: [], text_idx: [] });
      // the query box asks that version: no row was deleted yet
      const result = await runFilter(page, "id < 10");
      assert.equal(result.info, "rows 1–10 of 10");
    });
  });

  describe("as a static bundle reading the dataset over HTTP", () => {
    let page: Page;

    before(async () => {
      statics.requests.length = 0;
      page = await context.newPage();
      await page.goto(`${statics.origin}/static/index.html?url=${encodeURIComponent(`${statics.origin}/data/explore.lance`)}`);
      await waitReady(page, 5);
    });

    test("draws the same timeline and coverage map", async () => {
      const drawn = await readDrawn(page);
      assert.deepEqual(drawn.versions.map((v) => [v.version, v.operation, v.rows]), [
        [1, "overwrite", 240],
        [2, "createIndex", 240],
        [3, "createIndex", 240],
        [4, "append", 320],
        [5, "delete", 310],
      ]);
      assert.deepEqual({ segments: drawn.segments, unindexed: drawn.unindexed, fragments: drawn.fragments }, expectedCoverage(ds));
    });

    test("answers the filter and the search as the CLI does", async () => {
      const result = await runFilter(page, FILTER);
      assert.equal(result.explain, cli.explain);
      assert.deepEqual(result.rows, cli.rows.slice(0, 25));
      const hits = await runSearch(page, QUERY);
      assert.deepEqual(hits.scores, cli.scores);
      assert.deepEqual(hits.ids, cli.hitIds);
      await page.screenshot({ path: screenshotPath("static.png"), fullPage: true });
    });

    test("read the dataset with ranged GETs and nothing else", () => {
      const data = statics.requests.filter((r) => r.url.startsWith("/data/"));
      assert.ok(data.length > 0);
      assert.ok(data.every((r) => r.method === "GET" || r.method === "HEAD"), JSON.stringify(data.filter((r) => r.method !== "GET" && r.method !== "HEAD")));
      assert.ok(data.some((r) => r.range !== undefined && r.url.endsWith(".lance")), "data files are read in ranges");
      assert.deepEqual(statics.requests.filter((r) => !r.url.startsWith("/data/") && !r.url.startsWith("/static/")).map((r) => r.url), []);
    });
  });

  test("fragments appended after a seeded ZONEMAP index show their seeds, in the table and on the unindexed tail", async () => {
    const seeded = tablePath(dir, "seeded");
    const ts = (start: number, n: number): Table => new Table({ ts: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()) });
    let sds = await writeDataset(seeded, ts(0, 60), { maxRowsPerFile: 30 });
    sds = await sds.createScalarIndex("ts", "ZONEMAP", { params: { rowsPerZone: 8, useSeeds: true } });
    sds = await sds.append(ts(60, 40), { maxRowsPerFile: 20 });
    const page = await context.newPage();
    await page.goto(`${statics.origin}/static/index.html?url=${encodeURIComponent(`${statics.origin}/data/seeded.lance`)}`);
    await waitReady(page, 3);
    const seeds = await page.locator("table.fragments td.seeds").evaluateAll((tds) => tds.map((td) => td.getAttribute("data-seeds")));
    assert.deepEqual(seeds, ["", "", "ts", "ts"]);
    const marked = await page.locator("svg.coverage rect.uncovered.seeded").evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("data-fragment"))));
    assert.deepEqual(marked, [2, 3]);
    assert.deepEqual(expectedCoverage(sds).unindexed, { ts_idx: [2, 3] });
    await page.close();
  });
});
