// Importing lancets and working on a local dataset loads no distributed
// machinery: piscina, BullMQ and ioredis are loaded only by the builds that use
// them. A child process records every module Node resolves.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { tempDir } from "../helpers/tmp.js";

const DISTRIBUTED = /\/node_modules\/(piscina|bullmq|ioredis)\//;

function loadedModules(script: string): string[] {
  const dir = tempDir("lancets-lazy-");
  const log = join(dir, "resolved.txt");
  writeFileSync(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";\nexport async function resolve(spec, context, next) {\n  const found = await next(spec, context);\n  appendFileSync(${JSON.stringify(log)}, found.url + "\\n");\n  return found;\n}\n`);
  writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
  // the script sits in the checkout so that it resolves apache-arrow as a user's code would
  mkdirSync(resolve(".test-cache"), { recursive: true });
  const scriptDir = mkdtempSync(resolve(".test-cache", "lazy-"));
  try {
    writeFileSync(join(scriptDir, "main.mts"), script);
    writeFileSync(log, "");
    execFileSync(process.execPath, ["--import", "tsx", "--import", pathToFileURL(join(dir, "register.mjs")).href, join(scriptDir, "main.mts")], { cwd: resolve("."), stdio: ["ignore", "pipe", "pipe"] });
  } finally {
    rmSync(scriptDir, { recursive: true, force: true });
  }
  return readFileSync(log, "utf8").split("\n").filter((l) => l.length > 0);
}

test("reading, writing, indexing and querying a local dataset loads no piscina, BullMQ or ioredis", () => {
  const entry = pathToFileURL(resolve("src/lancets.ts")).href;
  const data = tempDir("lancets-lazy-data-");
  const modules = loadedModules(`
    import { tableFromArrays } from "apache-arrow";
    const { writeDataset, openDataset } = await import(${JSON.stringify(entry)});
    let ds = await writeDataset(${JSON.stringify(join(data, "t.lance"))}, tableFromArrays({ id: Int32Array.from({ length: 100 }, (_, i) => i), text: Array.from({ length: 100 }, (_, i) => "row " + i) }));
    ds = await ds.createScalarIndex("id", "BTREE");
    ds = await ds.createScalarIndex("text", "INVERTED");
    ds = await (await openDataset(ds.uri)).append(tableFromArrays({ id: Int32Array.from([100]), text: ["row 100"] }));
    if (await ds.countRows("id < 10") !== 10) throw new Error("wrong count");
    if ((await ds.scan({ fullTextSearch: { query: "row" }, limit: 5 }).toArrow()).numRows !== 5) throw new Error("wrong search");
  `);
  // the check can fail: the engine's own modules were seen
  assert.ok(modules.some((m) => m.endsWith("/src/dataset/dataset.ts")), `dataset module not seen among ${modules.length}`);
  assert.deepEqual(modules.filter((m) => DISTRIBUTED.test(m)), []);
});

test("a worker-thread build loads piscina, and still no BullMQ or ioredis", () => {
  const entry = pathToFileURL(resolve("src/lancets.ts")).href;
  const data = tempDir("lancets-lazy-data-");
  const modules = loadedModules(`
    import { tableFromArrays } from "apache-arrow";
    const { writeDataset, LocalExecutor } = await import(${JSON.stringify(entry)});
    const ds = await writeDataset(${JSON.stringify(join(data, "t.lance"))}, tableFromArrays({ id: Int32Array.from({ length: 100 }, (_, i) => i) }), { maxRowsPerFile: 50 });
    await ds.createScalarIndex("id", "BTREE", { executor: new LocalExecutor({ maxConcurrency: 1 }) });
  `);
  assert.ok(modules.some((m) => /\/node_modules\/piscina\//.test(m)));
  assert.deepEqual(modules.filter((m) => /\/node_modules\/(bullmq|ioredis)\//.test(m)), []);
});
