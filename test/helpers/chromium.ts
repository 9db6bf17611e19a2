// Headless Chromium for the browser and explorer tests (Debian's package, flags as CI
// runs it), a static file server with range support, and where screenshots go.

import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { tempDir } from "./tmp.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
/** Screenshots of the tests (git-ignored). */
export const ARTIFACTS = resolve(import.meta.dirname, "..", "..", ".test-artifacts", "explore");

export async function launchChromium(): Promise<BrowserContext> {
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(tempDir("lancets-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

export interface StaticServer {
  origin: string;
  /** Every request, in order. */
  requests: { method: string; url: string; range: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Serves `page` (file name -> text) under /static/ and the files under each
 * `dirs` entry under its name, answering `Range: bytes=a-b` with 206.
 */
export async function startStaticServer(page: Record<string, string>, dirs: Record<string, string>): Promise<StaticServer> {
  const requests: StaticServer["requests"] = [];
  const types: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({ method: req.method ?? "", url: url.pathname, range: req.headers.range });
    const name = /^\/static\/([\w.-]+)$/.exec(url.pathname)?.[1];
    if (name && page[name] !== undefined) {
      res.writeHead(200, { "content-type": types[name.split(".").pop()!] ?? "application/octet-stream" });
      return void res.end(page[name]);
    }
    for (const [prefix, dir] of Object.entries(dirs)) {
      if (!url.pathname.startsWith(`/${prefix}/`)) continue;
      const file = resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length + 2)));
      if (!file.startsWith(`${dir}/`) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
      const data = readFileSync(file);
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (!range) return void res.writeHead(200, { "content-length": data.byteLength }).end(req.method === "HEAD" ? undefined : data);
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), data.byteLength - 1)];
      if (start >= data.byteLength) return void res.writeHead(416, { "content-range": `bytes */${data.byteLength}` }).end();
      res.writeHead(206, { "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${data.byteLength}` });
      return void res.end(req.method === "HEAD" ? undefined : data.subarray(start, end + 1));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
