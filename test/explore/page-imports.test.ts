// The explorer page (explore/) reaches the engine only through the browser
// entry's public API: every import that leaves explore/ is src/browser.ts,
// or a type-only import (erased from the bundle). And the bundle has no Node.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { bundleExplorePage } from "../../scripts/build-explore.mjs";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PAGE = join(ROOT, "explore");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith(".ts") ? [full] : [];
  });
}

test("explore/ imports the engine only through src/browser.ts", () => {
  const problems: string[] = [];
  for (const file of files(PAGE)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(import|export)(\s+type\b)?[^'";]*?from\s*["']([^"']+)["']/gm)) {
      const typeOnly = m[2] !== undefined;
      const spec = m[3]!;
      if (!spec.startsWith(".")) {
        problems.push(`${relative(ROOT, file)} imports package ${spec}`);
        continue;
      }
      const target = relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      if (target.startsWith("explore/") || typeOnly) continue;
      if (target !== "src/browser.ts") problems.push(`${relative(ROOT, file)} imports ${target}`);
    }
    if (/\bimport\(/.test(text)) problems.push(`${relative(ROOT, file)} imports dynamically`);
  }
  assert.deepEqual(problems, []);
});

test("the bundled page is one script with its HTML and CSS, holding no Node", async () => {
  const page = await bundleExplorePage();
  assert.deepEqual(Object.keys(page).sort(), ["explore.css", "explore.js", "index.html"]);
  assert.match(page["index.html"]!, /<script type="module" src="explore\.js"><\/script>/);
  assert.match(page["index.html"]!, /<link rel="stylesheet" href="explore\.css">/);
  // no request leaves the page's own origin: no absolute URL to load from
  assert.doesNotMatch(page["index.html"]!, /(src|href)="(https?:)?\/\//);
  assert.doesNotMatch(page["explore.js"]!, /\brequire\(|from\s*"node:/);
});
