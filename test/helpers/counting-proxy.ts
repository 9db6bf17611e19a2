// An HTTP proxy on loopback in front of a test server (S3 or Azure Blob) that
// forwards every request unchanged (headers included, so signatures still
// match) and records each one, for tests that compare how many requests
// lancets and Lance send for the same answer. It runs in the test's process:
// lancedb's requests come from its own threads, so they pass while the test
// awaits.

import { Agent, createServer, request } from "node:http";

export interface ProxiedRequest {
  method: string;
  /** The decoded path and query as sent ("/bucket/db/t.lance/_versions/...?..."). */
  url: string;
  /** The server's status (0 while the answer has not come). */
  status: number;
}

export interface CountingProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Requests received since the last `take`, in the order they arrived; forgets them. */
  take(): ProxiedRequest[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let seen: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    let url = req.url ?? "";
    try {
      url = decodeURIComponent(url);
    } catch {
      // kept as sent
    }
    // recorded on arrival: a request whose answer a client has seen is always here
    const entry: ProxiedRequest = { method: req.method ?? "", url, status: 0 };
    seen.push(entry);
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      entry.status = answer.statusCode ?? 502;
      res.writeHead(entry.status, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    take() {
      const out = seen;
      seen = [];
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `options` with its endpoint (aws_endpoint or azure_endpoint) sent through `proxy`, and the endpoint it replaced. */
export function throughProxy(options: Record<string, string>, proxyEndpoint: string): Record<string, string> {
  const out = { ...options };
  for (const key of ["aws_endpoint", "azure_endpoint"]) {
    const value = out[key];
    if (value === undefined) continue;
    const path = new URL(value).pathname.replace(/\/$/, "");
    out[key] = `${proxyEndpoint}${path}`;
  }
  return out;
}

/** The origin of the endpoint option in `options`, which a proxy forwards to. */
export function endpointOrigin(options: Record<string, string>): string {
  const value = options["aws_endpoint"] ?? options["azure_endpoint"];
  if (value === undefined) throw new Error("no aws_endpoint or azure_endpoint in the storage options");
  return new URL(value).origin;
}
