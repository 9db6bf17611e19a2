// `lancets explore <uri> [--port N] [--redis URL]`: serves the explorer page
// on loopback and answers its JSON API from the dataset, opened here through
// the local file system or the object store (credentials never reach the
// page). With --redis the page also shows the distributed builds in the
// BullMQ queue, live.
//
//   GET /                 the page (explore/, bundled by scripts/build-explore.mjs)
//   GET /api/overview     ?version=N  versions, fragments, index segments (dataset/overview.ts)
//   GET /api/query        ?version=N&filter=...&offset=&limit=&useIndex=
//   GET /api/search       ?version=N&query=...&column=&limit=&filter=
//   GET /api/build        the segment build jobs and their workers (with --redis)

import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LanceError } from "../core/errors.js";
import type { Dataset } from "../dataset/dataset.js";
import { readDatasetOverview, readQueryPage, readSearchPage } from "../dataset/overview.js";
import { openBuildWatcher, type BuildWatcher } from "../node/build-status.js";
import { openDataset } from "../node/open-dataset.js";
import { storageOf, type StorageCliOptions } from "./storage.js";
import { waitForStopSignal } from "./signals.js";

/** The page's files by name: index.html, explore.js, explore.css. */
export type ExplorePage = Record<string, string>;

const PAGE_FILES = ["index.html", "explore.js", "explore.css"];
const CONTENT_TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
/** Versions kept open besides the latest. */
const OPEN_VERSIONS = 16;

export interface ExploreOptions extends StorageCliOptions {
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  redis?: string;
  prefix?: string;
}

export interface ExploreServer {
  /** http://127.0.0.1:port/ */
  url: string;
  close(): Promise<void>;
}

function readPageFrom(dir: string): ExplorePage | undefined {
  if (!PAGE_FILES.every((f) => existsSync(join(dir, f)))) return undefined;
  return Object.fromEntries(PAGE_FILES.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/**
 * The page: in the package, dist/explore/ next to this module's folder; in a
 * source checkout (this module run as TypeScript), bundled afresh from
 * explore/ with esbuild, or else the last build's.
 */
export async function loadExplorePage(): Promise<ExplorePage> {
  const here = dirname(fileURLToPath(import.meta.url));
  if (import.meta.url.endsWith(".ts")) {
    const script = join(here, "..", "..", "scripts", "build-explore.mjs");
    if (existsSync(script)) {
      try {
        const { bundleExplorePage } = (await import(pathToFileURL(script).href)) as { bundleExplorePage: () => Promise<ExplorePage> };
        return await bundleExplorePage();
      } catch {
        // esbuild (a development dependency) is missing: the last build may still be there
      }
    }
    const built = readPageFrom(join(here, "..", "..", "dist", "explore"));
    if (built) return built;
  } else {
    const built = readPageFrom(join(here, "..", "explore"));
    if (built) return built;
  }
  throw new LanceError("NOT_FOUND", `the explorer page is not built (dist/explore/ is missing); run \`npm run build\` in the lancets checkout`);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** A URI as the page shows it: without user info or query (where credentials could hide). */
function labelOf(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.protocol.length > 2) return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    // a local path
  }
  return uri;
}

function statusOf(err: unknown): number {
  if (!(err instanceof LanceError)) return 500;
  if (err.code === "INVALID_INPUT" || err.code === "NOT_SUPPORTED") return 400;
  if (err.code === "NOT_FOUND" || err.code === "INDEX_NOT_FOUND") return 404;
  return 500;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function intParam(params: URLSearchParams, name: string, min: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new LanceError("INVALID_INPUT", `${name} must be an integer of at least ${min}, got "${raw}"`);
  return n;
}

function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value.trim() === "") throw new LanceError("INVALID_INPUT", `${name} is missing`);
  return value;
}

/** Serves the page and its API for the dataset at `uri` until closed. */
export async function startExploreServer(uri: string, options: ExploreOptions = {}, page?: ExplorePage): Promise<ExploreServer> {
  const files = page ?? (await loadExplorePage());
  let latest = await openDataset(uri, storageOf(options));
  const watcher: BuildWatcher | undefined = options.redis ? await openBuildWatcher({ redisUrl: options.redis, ...(options.prefix ? { prefix: options.prefix } : {}) }) : undefined;
  const versions = new Map<number, Promise<Dataset>>();
  const datasetAt = async (version: number | undefined): Promise<Dataset> => {
    if (version === undefined) {
      const newest = await latest.latestVersion();
      if (newest !== latest.version) latest = await latest.checkout(newest);
      return latest;
    }
    if (version === latest.version) return latest;
    let ds = versions.get(version);
    if (!ds) {
      if (versions.size >= OPEN_VERSIONS) versions.delete(versions.keys().next().value!);
      ds = latest.checkout(version);
      versions.set(version, ds);
      ds.catch(() => versions.delete(version));
    }
    return ds;
  };
  const html = files["index.html"]!.replace(
    /<body([^>]*)>/,
    `<body$1 data-api="api" data-label="${escapeAttribute(labelOf(uri))}"${watcher ? ' data-build="1"' : ""}>`,
  );
  let origin = "";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // only pages served from this address may ask (a rebound DNS name would bring another Host)
    const host = req.headers.host ?? "";
    if (host !== new URL(origin).host && host !== new URL(origin).host.replace("127.0.0.1", "localhost")) return sendJson(res, 403, { error: { code: "INVALID_INPUT", message: `unexpected Host ${host}` } });
    if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: { code: "NOT_SUPPORTED", message: `${req.method} is not served` } });
    const url = new URL(req.url ?? "/", origin);
    const path = url.pathname;
    if (path === "/" || path === "/index.html") return send(res, 200, CONTENT_TYPES.html!, html);
    const file = /^\/(explore\.(js|css))$/.exec(path);
    if (file) return send(res, 200, CONTENT_TYPES[file[2]!]!, files[file[1]!]!);
    if (!path.startsWith("/api/")) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: `no ${path}` } });
    try {
      const p = url.searchParams;
      switch (path) {
        case "/api/overview":
          return sendJson(res, 200, await readDatasetOverview(await datasetAt(intParam(p, "version", 1))));
        case "/api/query": {
          const offset = intParam(p, "offset", 0);
          const limit = intParam(p, "limit", 1);
          const ds = await datasetAt(intParam(p, "version", 1));
          return sendJson(
            res,
            200,
            await readQueryPage(ds, { filter: requiredParam(p, "filter"), ...(offset === undefined ? {} : { offset }), ...(limit === undefined ? {} : { limit }), useIndex: p.get("useIndex") !== "false" }),
          );
        }
        case "/api/search": {
          const limit = intParam(p, "limit", 1);
          const column = p.get("column");
          const filter = p.get("filter");
          const ds = await datasetAt(intParam(p, "version", 1));
          return sendJson(res, 200, await readSearchPage(ds, { query: requiredParam(p, "query"), ...(limit === undefined ? {} : { limit }), ...(column ? { column } : {}), ...(filter ? { filter } : {}) }));
        }
        case "/api/build":
          if (!watcher) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "no build queue is watched (start lancets explore with --redis)" } });
          return sendJson(res, 200, await watcher.read());
        default:
          return sendJson(res, 404, { error: { code: "NOT_FOUND", message: `no ${path}` } });
      }
    } catch (err) {
      const code = err instanceof LanceError ? err.code : "INTERNAL";
      return sendJson(res, statusOf(err), { error: { code, message: err instanceof Error ? err.message : String(err) } });
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: "INTERNAL", message: err instanceof Error ? err.message : String(err) } });
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    await watcher?.close();
    throw new LanceError("IO", `cannot listen on 127.0.0.1:${options.port ?? 0}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await watcher?.close();
    },
  };
}

/** Serves until SIGINT or SIGTERM. */
export async function runExplore(uri: string, options: ExploreOptions, print: (text: string) => void): Promise<void> {
  const stop = waitForStopSignal();
  try {
    const server = await startExploreServer(uri, options);
    print(`lancets explore: ${labelOf(uri)} at ${server.url}${options.redis ? ` (builds on ${options.redis})` : ""}; Ctrl-C stops`);
    await stop.signalled;
    await server.close();
  } finally {
    stop.dispose();
  }
}
