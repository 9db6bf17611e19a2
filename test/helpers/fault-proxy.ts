// An HTTP proxy on loopback in front of a test server that passes requests
// through unchanged (headers included, so signatures still match) and answers
// the ones `refuse` picks with a 500 of its own, for tests of uploads whose
// parts fail part-way.

import { createServer, request, type IncomingMessage } from "node:http";

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Requests answered with the injected 500 so far. */
  refused: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, refuse: (req: IncomingMessage) => boolean): Promise<FaultProxy> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    if (refuse(req)) {
      proxy.refused++;
      req.resume();
      req.on("end", () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>`;
        res.writeHead(500, { "content-type": "application/xml", "content-length": String(Buffer.byteLength(body)) });
        res.end(body);
      });
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const proxy: FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    refused: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
