// Which file a worker thread loads to build index segments. The compiled
// package (dist/) has segment-worker.js beside this module. Running from the
// TypeScript sources, the worker and everything it imports statically are
// compiled once with esbuild (a development dependency) into one JavaScript
// file, kept in the temporary directory with the list of sources it came
// from and reused while none of them changes: a thread then loads one file
// (about 0.3 s) instead of transforming a few hundred modules through tsx
// (about 3 s). Packages imported lazily (object-store SDKs) stay outside that
// file, imported by absolute path. Without esbuild the worker runs through tsx.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** What the worker entry is: compiled by `npm run build`, bundled from the sources, or the sources through tsx. */
export type WorkerCodeKind = "compiled" | "bundled" | "tsx";

export interface WorkerCode {
  file: string;
  kind: WorkerCodeKind;
}

/** The compiled worker beside this module, if this module is itself compiled. */
export function compiledWorkerFile(): string | undefined {
  if (!import.meta.url.endsWith(".js")) return undefined;
  const compiled = fileURLToPath(new URL("./segment-worker.js", import.meta.url));
  return existsSync(compiled) ? compiled : undefined;
}

function tsxShim(): string {
  return fileURLToPath(new URL("./worker-shim.mjs", import.meta.url));
}

interface BundleRecord {
  /** source file -> "mtimeMs:size" when bundled */
  inputs: Record<string, string>;
}

function fingerprint(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}

function cachedBundle(dir: string): string | undefined {
  const code = join(dir, "segment-worker.mjs");
  const record = join(dir, "inputs.json");
  if (!existsSync(code) || !existsSync(record)) return undefined;
  try {
    const { inputs } = JSON.parse(readFileSync(record, "utf8")) as BundleRecord;
    for (const [file, print] of Object.entries(inputs)) if (fingerprint(file) !== print) return undefined;
    return code;
  } catch {
    return undefined;
  }
}

/** Writes a file under another name first, so a reader in another process never sees half of it. */
function writeWhole(path: string, data: string | Uint8Array): void {
  const partial = `${path}.${process.pid}.${Date.now()}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

async function bundleFromSources(entry: string): Promise<string | undefined> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return undefined;
  }
  // one cache per checkout: its sources' path names it
  const dir = join(tmpdir(), `lancets-worker-${createHash("sha256").update(entry).digest("hex").slice(0, 16)}`);
  const cached = cachedBundle(dir);
  if (cached) return cached;
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "lazy-packages-by-path",
        setup(build) {
          // a package imported lazily is optional (an SDK a store loads when opened): it stays a
          // separate import, by absolute URL, since the bundle lives outside this checkout
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith("node:")) return { path: args.path, external: true };
            if (args.kind !== "dynamic-import") return undefined;
            try {
              return { path: import.meta.resolve(args.path), external: true };
            } catch {
              return { path: args.path, external: true };
            }
          });
        },
      },
    ],
  });
  const root = process.cwd();
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = input.startsWith("/") ? input : join(root, input);
    const print = fingerprint(file);
    if (print) inputs[file] = print;
  }
  mkdirSync(dir, { recursive: true });
  const code = join(dir, "segment-worker.mjs");
  writeWhole(code, result.outputFiles[0]!.contents);
  writeWhole(join(dir, "inputs.json"), JSON.stringify({ inputs } satisfies BundleRecord));
  return code;
}

/**
 * The worker entry for this process: compiled if this module is, else a bundle of the sources
 * (esbuild), else the tsx shim. A bundle that cannot be made (no esbuild, a read-only temporary
 * directory) falls back to tsx.
 */
export async function resolveWorkerCode(): Promise<WorkerCode> {
  const compiled = compiledWorkerFile();
  if (compiled) return { file: compiled, kind: "compiled" };
  const source = fileURLToPath(new URL("./segment-worker.ts", import.meta.url));
  if (existsSync(source)) {
    try {
      const bundled = await bundleFromSources(source);
      if (bundled) return { file: bundled, kind: "bundled" };
    } catch {
      // fall through to tsx: slower to start, same code
    }
  }
  return { file: tsxShim(), kind: "tsx" };
}

/** A flag that loads tsx (`--import tsx`, `--import=tsx/esm`, `--require tsx/cjs`, a path into tsx's package). */
function loadsTsx(value: string): boolean {
  return /^tsx(\/|$)/.test(value) || /[\\/]node_modules[\\/]tsx[\\/]/.test(value);
}

const LOADER_FLAGS = new Set(["--import", "--loader", "--experimental-loader", "--require", "-r"]);

/**
 * The Node options worker threads start with: this process's, less what only its own entry needs.
 * `--input-type` describes this process's entry, not the worker's file. A TypeScript loader (tsx)
 * is left out: the worker is compiled or bundled JavaScript, or the tsx shim registers tsx itself.
 * A thread started with `--import tsx` spends about a third more CPU building the same segment,
 * and its V8 helper threads several times more (measured on a 5M-row BTREE build).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === "--input-type") {
      if (eq < 0) i++;
      continue;
    }
    if (LOADER_FLAGS.has(flag)) {
      const value = eq > 0 ? a.slice(eq + 1) : execArgv[i + 1];
      if (value !== undefined && loadsTsx(value)) {
        if (eq < 0) i++;
        continue;
      }
    }
    kept.push(a);
  }
  return kept;
}
