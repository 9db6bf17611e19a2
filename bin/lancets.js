#!/usr/bin/env node
// Launcher for the lancets CLI: runs the compiled build (dist/, made by
// `npm run build`, which `npm install` runs in a checkout). In a source
// checkout whose sources changed since the last build, the TypeScript
// sources run through tsx (a development dependency) instead, so the command
// never runs stale code.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");
const sources = join(root, "src");

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

async function tsxAvailable() {
  try {
    await import("tsx/esm/api");
    return true;
  } catch {
    return false;
  }
}

const hasBuild = existsSync(built);
const stale = hasBuild && existsSync(sources) && newest(sources) > statSync(built).mtimeMs;
let entry = built;
if (!hasBuild || stale) {
  if (existsSync(sources) && (await tsxAvailable())) {
    const { register } = await import("tsx/esm/api");
    register();
    entry = join(sources, "cli", "main.ts");
  } else if (!hasBuild) {
    console.error("lancets: the compiled build (dist/) is missing; run `npm run build` in the lancets checkout");
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
