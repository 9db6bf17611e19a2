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
