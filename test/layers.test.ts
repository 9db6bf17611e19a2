// The layering rule of the source tree: a module imports only from its own
// folder or a lower layer, node:* only inside node/ (and cli/), generated
// protobuf code only inside format/, and there are no import cycles.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const SRC = resolve("src");
const RANK: Record<string, number> = { core: 0, format: 1, io: 1, file: 2, table: 3, index: 4, distributed: 5, query: 5, node: 6, cli: 7 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith(".ts") ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^'";]*?from\s*["']([^"']+)["']/gm), ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
}

function layer(file: string): string {
  const rel = relative(SRC, file).split("/");
  return rel.length === 1 ? "root" : rel[0]!;
}

test("no upward imports, node:* only in node/ and cli/, pb only in format/", () => {
  const problems: string[] = [];
  for (const file of files(SRC)) {
    const from = layer(file);
    for (const spec of imports(file)) {
      if (spec.startsWith("node:")) {
        if (from !== "node" && from !== "cli" && from !== "root") problems.push(`${relative(SRC, file)} imports ${spec}`);
        continue;
      }
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      const to = layer(target);
      if (relative(SRC, target).startsWith("format/pb") && from !== "format") problems.push(`${relative(SRC, file)} imports generated code ${spec}`);
      if (from === "root" || to === from) continue;
      if (RANK[to] === undefined || RANK[from] === undefined || RANK[to]! >= RANK[from]!) problems.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(problems, []);
});

test("no import cycles", () => {
  const graph = new Map<string, string[]>();
  for (const file of files(SRC)) {
    graph.set(
      file,
      imports(file)
        .filter((s) => s.startsWith("."))
        .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts"))),
    );
  }
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "visiting") {
      cycles.push([...path.slice(path.indexOf(node)), node].map((p) => relative(SRC, p)).join(" -> "));
      return;
    }
    state.set(node, "visiting");
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

/** Every module a file loads at run time (type-only imports excluded, side-effect imports included), transitively. */
function runtimeImportGraph(entry: string): { modules: string[]; packages: Map<string, string> } {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    const specs = [
      ...imports(file),
      ...[...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1]!),
    ];
    for (const spec of specs) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else if (!packages.has(spec)) packages.set(spec, relative(SRC, file));
    }
  };
  visit(resolve(SRC, entry));
  return { modules: [...seen].map((f) => relative(SRC, f)), packages };
}

const NODE_ONLY = /^(node:|bullmq$|ioredis$|piscina$)/;
// Node's globals, used in code (comments dropped first)
const NODE_GLOBALS = /\b(Buffer|process|global)\.[A-Za-z]|\brequire\(|\b__(dirname|filename)\b/;

function usesNodeGlobals(file: string): boolean {
  const code = readFileSync(resolve(SRC, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:])\/\/.*$/gm, "$1");
  return NODE_GLOBALS.test(code);
}

test("the browser entry loads no node:* module, no bullmq, ioredis or piscina, and no code using Node's globals", () => {
  const { modules, packages } = runtimeImportGraph("browser.ts");
  assert.deepEqual([...packages].filter(([spec]) => NODE_ONLY.test(spec)).map(([spec, from]) => `${from} imports ${spec}`), []);
  assert.deepEqual(modules.filter((m) => m.startsWith("node/") || m.startsWith("cli/")), []);
  assert.deepEqual(modules.filter(usesNodeGlobals), [], "modules of the browser entry that use Buffer, process or require");
  // the walk sees side-effect imports: the query and index modules the entry loads that way are in it
  assert.ok(modules.includes("query/full-text.ts") && modules.includes("index/dataset-methods.ts"), modules.join(" "));
  // and the same walk from the Node entry finds what the browser entry must not load
  const node = runtimeImportGraph("index.ts").packages;
  assert.ok(node.has("node:fs/promises") && node.has("bullmq") && node.has("piscina"), [...node.keys()].join(" "));
  assert.ok(usesNodeGlobals("cli/output.ts"));
});
