// lancets as a dependency of someone else's project: the packed tarball is
// installed beside a newer apache-arrow than the one lancets is developed
// with, and a script in that project writes, appends, indexes (on worker
// threads, from the compiled code), filters, searches and hands results to
// its own Arrow. The CLI and the worker threads run from the installed
// package's compiled code, which has no TypeScript loader.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, test } from "node:test";
import { build } from "esbuild";
import { tempDir } from "../helpers/tmp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const USER_ARROW = "21.2.0";

let project: string;

function run(command: string, args: string[], cwd: string, timeoutMs = 240_000): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  // pack from a copy, so building dist/ here never disturbs the checkout other tests run from
  const copy = join(tempDir("lancets-pack-"), "lancets");
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "README.md", "bin", "src", "proto", "scripts", "explore"]) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  const out = tempDir("lancets-tarball-");
  run("npm", ["pack", "--pack-destination", out], copy);
  const tarball = join(out, readdirSync(out).find((n) => n.endsWith(".tgz"))!);
  project = tempDir("lancets-consumer-");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", type: "module", private: true }));
  run("npm", ["install", tarball, `apache-arrow@${USER_ARROW}`], project);
});

describe("lancets installed in another project", () => {
  test(`works with the project's own apache-arrow ${USER_ARROW}`, () => {
    const script = `
      import { tableFromArrays, tableToIPC, tableFromIPC, Table } from "apache-arrow";
      import { writeDataset, openDataset, LocalExecutor, sharedWorkerPool } from "lancets";
      import { readFileSync } from "node:fs";
      const arrowVersion = JSON.parse(readFileSync("node_modules/apache-arrow/package.json", "utf8")).version;
      const uri = process.argv[2];
      const n = 2000;
      const data = tableFromArrays({
        id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
        category: Array.from({ length: n }, (_, i) => "c" + (i % 5)),
        text: Array.from({ length: n }, (_, i) => "document " + i + (i % 10 === 0 ? " quick brown fox" : " lazy dog")),
      });
      let ds = await writeDataset(uri, data, { maxRowsPerFile: 500 });
      ds = await ds.append(tableFromArrays({ id: BigInt64Array.from([5000n]), category: ["c9"], text: ["appended quick fox"] }));
      const traces = [];
      ds = await ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ maxConcurrency: 2, onTrace: (t) => traces.push(t) }) });
      ds = await ds.createScalarIndex("text", "INVERTED");
      const filtered = await ds.scan({ filter: "id >= 100 AND id < 110 AND category = 'c1'", columns: ["id", "category"] }).toArrow();
      const hits = await ds.scan({ fullTextSearch: { query: "quick fox" }, limit: 5 }).toArrow();
      // the project's own Arrow consumes what lancets returns
      const roundTrip = tableFromIPC(tableToIPC(filtered));
      console.log(JSON.stringify({
        arrowVersion,
        rows: ds.countRows(),
        fragments: ds.fragments().length,
        indexes: ds.describeIndices().map((i) => i.indexType),
        explain: await ds.explain("id = 7"),
        filtered: roundTrip.toArray().map((r) => [Number(r.id), r.category]),
        hits: hits.numRows,
        firstHit: String(hits.getChild("text").get(0)),
        own: roundTrip instanceof Table,
        // what the worker threads loaded: each reports its own module
        threadCode: sharedWorkerPool().stats().code,
        workerUrls: traces.flatMap((t) => t.segments.map((s) => s.workerUrl)),
      }));
    `;
    writeFileSync(join(project, "use.mjs"), script);
    const uri = join(project, "data.lance");
    const result = JSON.parse(run(process.execPath, ["use.mjs", uri], project).trim().split("\n").at(-1)!);
    assert.equal(result.arrowVersion, USER_ARROW);
    assert.equal(result.rows, 2001);
    assert.equal(result.fragments, 5);
    assert.deepEqual(result.indexes.sort(), ["BTREE", "FTS"]);
    assert.match(result.explain, /id = 7: BTREE index id_idx/);
    assert.deepEqual(result.filtered, [
      [101, "c1"],
      [106, "c1"],
    ]);
    assert.equal(result.hits, 5);
    assert.match(result.firstHit, /quick/);
    assert.equal(result.own, true);
    // the worker threads ran the package's compiled worker, not TypeScript through a loader nor a bundle
    assert.equal(result.threadCode, "compiled");
    assert.equal(result.workerUrls.length, 2, "a segment per thread");
    const compiledWorker = pathToFileURL(join(realpathSync(project), "node_modules", "lancets", "dist", "node", "segment-worker.js")).href;
    for (const url of result.workerUrls) assert.equal(url, compiledWorker);

    // the installed CLI runs compiled code: the project has no TypeScript loader
    const inspect = run(join(project, "node_modules", ".bin", "lancets"), ["inspect", uri, "--json"], project);
    assert.equal(JSON.parse(inspect).version, 4); // create, append, two index commits
    const version = run(join(project, "node_modules", ".bin", "lancets"), ["--version"], project);
    assert.match(version.trim(), /^\d+\.\d+\.\d+$/);
  });

  test("the tarball holds the compiled code and no TypeScript loader among its dependencies", () => {
    const installed = JSON.parse(run("npm", ["ls", "--all", "--json"], project));
    const names = new Set<string>();
    const walk = (deps: Record<string, { dependencies?: Record<string, unknown> }> | undefined): void => {
      for (const [name, dep] of Object.entries(deps ?? {})) {
        names.add(name);
        walk(dep.dependencies as never);
      }
    };
    walk(installed.dependencies);
    assert.ok(names.has("lancets"));
    for (const name of ["tsx", "esbuild", "typescript", "@lancedb/lancedb"]) assert.ok(!names.has(name), `${name} is not installed with lancets`);
    assert.ok(readdirSync(join(project, "node_modules", "lancets", "dist", "cli")).includes("main.js"));
    // the explorer page, bundled, for `lancets explore` and as a static page
    assert.deepEqual(readdirSync(join(project, "node_modules", "lancets", "dist", "explore")).sort(), ["explore.css", "explore.js", "index.html"]);
    assert.ok(!readdirSync(join(project, "node_modules", "lancets")).includes("src"));
  });

  test("lancets/browser is the compiled browser entry, and browser bundlers resolve lancets to it", async () => {
    const script = `
      import { MemoryStore, openDataset, writeDataset } from "lancets/browser";
      const store = new MemoryStore();
      let ds = await writeDataset(store, [{ id: 1, text: "quick fox" }, { id: 2, text: "lazy dog" }]);
      ds = await ds.createScalarIndex("text", "INVERTED");
      const hits = await (await openDataset(store)).scan({ fullTextSearch: { query: "fox" } }).toArrow();
      console.log(JSON.stringify(hits.toArray().map((r) => r.id)));
    `;
    writeFileSync(join(project, "browser-entry.mjs"), script);
    assert.equal(run(process.execPath, ["browser-entry.mjs"], project).trim().split("\n").at(-1), "[1]");
    writeFileSync(join(project, "page.mjs"), `import { openDataset, MemoryStore } from "lancets"; globalThis.lancets = { openDataset, MemoryStore };`);
    const r = await build({ absWorkingDir: project, entryPoints: ["page.mjs"], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" });
    const inputs = Object.keys(r.metafile.inputs);
    assert.ok(inputs.includes("node_modules/lancets/dist/browser.js"), inputs.filter((i) => i.includes("lancets")).join("\n"));
    assert.ok(!inputs.some((i) => /lancets\/dist\/(node|cli)\/|node_modules\/(bullmq|ioredis|piscina)\//.test(i)), "no Node part of lancets is bundled");
  });
});
