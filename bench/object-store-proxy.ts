// A counting HTTP proxy for bench/object-store: listens on a free loopback
// port and forwards every request unchanged (headers included, so signatures
// stay valid) to the S3 server given as argv[2], counting requests by kind and
// the bytes of each response body. It runs in its own process (forked with an
// IPC channel) so its work never shares an event loop with the engine being
// timed. Messages: { cmd: "reset", log?: boolean } clears the counters (and
// starts or stops keeping each request), { cmd: "counts" } answers with them.

import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** HEAD, GET (an object, whole or a range), LIST (GET on the bucket), PUT, POST, DELETE. */
export type RequestKind = "HEAD" | "GET" | "LIST" | "PUT" | "POST" | "DELETE" | "OTHER";

export interface LoggedRequest {
  kind: RequestKind;
  /** Path and query as sent, without the bucket's host. */
  url: string;
  /** The Range header, when there was one. */
  range?: string;
  status: number;
  responseBytes: number;
}

export interface ProxyCounts {
  requests: Partial<Record<RequestKind, number>>;
  /** Response body bytes per kind. */
  responseBytes: Partial<Record<RequestKind, number>>;
  /** Request body bytes (uploads). */
  requestBytes: number;
  log: LoggedRequest[];
}

function kindOf(req: IncomingMessage): RequestKind {
  const url = new URL(req.url ?? "/", "http://x");
  const key = url.pathname.split("/").filter((s) => s.length > 0);
  switch (req.method) {
    case "HEAD":
      return "HEAD";
    case "GET":
      // path style: /bucket is the bucket (a listing), /bucket/key an object
      return key.length <= 1 || url.searchParams.has("list-type") ? "LIST" : "GET";
    case "PUT":
      return "PUT";
    case "POST":
      return "POST";
    case "DELETE":
      return "DELETE";
    default:
      return "OTHER";
  }
}

function startProxy(target: URL): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let counts: ProxyCounts = { requests: {}, responseBytes: {}, requestBytes: 0, log: [] };
  let logging = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const kind = kindOf(req);
    counts.requests[kind] = (counts.requests[kind] ?? 0) + 1;
    const tally = counts;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        let bytes = 0;
        up.on("data", (chunk: Buffer) => {
          bytes += chunk.byteLength;
          tally.responseBytes[kind] = (tally.responseBytes[kind] ?? 0) + chunk.byteLength;
        });
        up.on("end", () => {
          if (logging && tally === counts) {
            const range = req.headers.range;
            tally.log.push({ kind, url: req.url ?? "", ...(range ? { range } : {}), status: up.statusCode ?? 0, responseBytes: bytes });
          }
        });
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.on("data", (chunk: Buffer) => {
      tally.requestBytes += chunk.byteLength;
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    process.send!({ port: (server.address() as AddressInfo).port });
  });
  process.on("message", (msg: { cmd: string; log?: boolean }) => {
    if (msg.cmd === "reset") {
      counts = { requests: {}, responseBytes: {}, requestBytes: 0, log: [] };
      logging = msg.log === true;
      process.send!({ ok: true });
    } else if (msg.cmd === "counts") {
      process.send!(counts);
    }
  });
  process.on("disconnect", () => process.exit(0));
}

if (process.argv[2]) startProxy(new URL(process.argv[2]));
