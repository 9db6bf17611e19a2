// The layering rule of the source tree: a module imports only from its own
// folder or a lower layer, node:* only inside node/ (and cli/), generated
// protobuf code only inside format/, and there are no import cycles. Wiring
// is explicit: no prototype patching, no module augmentation, no module state
// that other modules fill by being imported.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const SRC = resolve("src");
const RANK: Record<string, number> = { core: 0, format: 1, io: 1, file: 2, table: 3, index: 4, distributed: 5, query: 5, dataset: 6, node: 7, cli: 8 };

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

/** Source text without comments and string contents, so prose never trips a rule. */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:])\/\/.*$/gm, "$1")
    .replace(/`(?:\\.|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
}

function handWritten(): string[] {
  return files(SRC).filter((f) => !relative(SRC, f).startsWith("format/pb"));
}

test("no prototype patching and no module augmentation", () => {
  const problems: string[] = [];
  for (const file of handWritten()) {
    const text = code(file);
    if (/\.prototype\s*(\.\s*\w+|\[[^\]]*\])\s*=(?!=)/.test(text)) problems.push(`${relative(SRC, file)} assigns to a prototype`);
    if (/Object\.(assign|defineProperty|defineProperties)\(\s*\w+\.prototype/.test(text)) problems.push(`${relative(SRC, file)} extends a prototype`);
    if (/\bdeclare\s+(module|global)\b/.test(text)) problems.push(`${relative(SRC, file)} augments a module`);
  }
  assert.deepEqual(problems, []);
});

test("no module state filled by imports: no side-effect imports, no module-level let, module-level maps only as constants or per-object caches", () => {
  const problems: string[] = [];
  for (const file of handWritten()) {
    const raw = readFileSync(file, "utf8");
    const text = code(file);
    const rel = relative(SRC, file);
    for (const m of raw.matchAll(/^import\s+["']([^"']+)["'];?\s*$/gm)) problems.push(`${rel} imports ${m[1]} for its side effects`);
    for (const m of text.matchAll(/^(?:export\s+)?(?:let|var)\s+(\w+)/gm)) problems.push(`${rel} has module-level mutable binding ${m[1]}`);
    // a module-level Map or Set is a constant table: nothing adds to it or removes from it
    for (const m of text.matchAll(/^(?:export\s+)?const\s+(\w+)\s*(?::[^=]+)?=\s*new\s+(Map|Set)\b/gm)) {
      const name = m[1]!;
      if (new RegExp(`\\b${name}\\s*\\.\\s*(set|add|delete|clear)\\s*\\(`).test(text)) problems.push(`${rel} changes module-level ${m[2]} ${name}`);
    }
    // top-level calls run at import time; only declarations and exports may stand at column 0
    for (const m of text.matchAll(/^([A-Za-z_$][\w$.]*)\s*\(/gm)) problems.push(`${rel} calls ${m[1]}() when imported`);
  }
  assert.deepEqual(problems, []);
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
  // the walk reaches the whole engine: queries, full-text search and index builds
  assert.ok(modules.includes("query/full-text.ts") && modules.includes("index/plugins.ts") && modules.includes("dataset/dataset.ts"), modules.join(" "));
  // and the same walk from the Node entry finds what the browser entry must not load
  const node = runtimeImportGraph("lancets.ts").packages;
  assert.ok(node.has("node:fs/promises") && node.has("bullmq") && node.has("piscina"), [...node.keys()].join(" "));
  assert.ok(usesNodeGlobals("cli/output.ts"));
});
