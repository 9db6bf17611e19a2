// A small stateful fake of Google Cloud Storage's JSON API on a loopback
// port, written from Google's JSON API reference: objects get (metadata, or
// media with alt=media and a Range header), insert (uploadType=media,
// multipart and resumable, with ifGenerationMatch), list (prefix, pageToken,
// maxResults), delete. It checks the bearer token on every request, records
// every request it sees, and answers failures with the API's error document.
// No GCS emulator installable here supports the preconditions Lance relies
// on, so this fake is what the GCS store is tested against.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface GcsFakeRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  authorization: string | undefined;
  range: string | undefined;
  status: number;
}

interface StoredObject {
  data: Buffer;
  generation: number;
  updated: string;
}

interface Session {
  bucket: string;
  name: string;
  ifGenerationMatch: number | undefined;
  pieces: Buffer[];
  received: number;
}

export interface GcsFake {
  endpoint: string;
  /** The token every request must carry as `Authorization: Bearer ...`. */
  token: string;
  /** A token the fake knows but that may do nothing: every request with it gets 403. */
  deniedToken: string;
  requests: GcsFakeRequest[];
  /** Objects stored, by bucket and name. */
  objects(bucket: string): Map<string, StoredObject>;
  /** Answers the next `count` requests with `status` (for retry tests). */
  failNext(status: number, count: number): void;
  /** Sends only half the body of the next `count` media downloads, then drops the connection. */
  breakNextBodies(count: number): void;
  /** Resumable sessions begun and not yet finished. */
  openSessions(): number;
  /** Largest page a list returns, to exercise pageToken. */
  pageSize: number;
  /** Whether requests without an Authorization header are served (an emulator's way). */
  allowAnonymous: boolean;
  stop(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, reason: string, message: string): void {
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: "global", reason }] } });
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a multipart/related body: [headers text, body bytes]. */
function multipartParts(body: Buffer, boundary: string): { headers: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // "\r\n" headers "\r\n\r\n" body "\r\n"
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    parts.push({ headers: part.subarray(0, split).toString(), body: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

export async function startGcsFake(buckets: string[]): Promise<GcsFake> {
  const store = new Map<string, Map<string, StoredObject>>(buckets.map((b) => [b, new Map()]));
  const sessions = new Map<string, Session>();
  const requests: GcsFakeRequest[] = [];
  const token = `fake-token-${randomUUID()}`;
  const deniedToken = `denied-token-${randomUUID()}`;
  let failures: { status: number; count: number } = { status: 0, count: 0 };
  let bodiesToBreak = 0;
  const sendMedia = (res: ServerResponse, status: number, headers: Record<string, string | number>, data: Buffer): void => {
    res.writeHead(status, headers);
    if (bodiesToBreak > 0) {
      bodiesToBreak--;
      res.write(data.subarray(0, data.byteLength >> 1), () => res.destroy());
    } else {
      res.end(data);
    }
  };
  let generation = 1;
  let endpoint = "";

  const resource = (bucket: string, name: string, o: StoredObject): Record<string, unknown> => ({
    kind: "storage#object",
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: "1",
    contentType: "application/octet-stream",
    size: String(o.data.byteLength),
    updated: o.updated,
    timeCreated: o.updated,
  });

  const insert = (res: ServerResponse, bucket: string, name: string, data: Buffer, ifGenerationMatch: number | undefined): void => {
    const objects = store.get(bucket)!;
    const existing = objects.get(name);
    if (ifGenerationMatch !== undefined && (existing?.generation ?? 0) !== ifGenerationMatch) {
      sendError(res, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    const o = { data, generation: generation++, updated: new Date().toISOString() };
    objects.set(name, o);
    sendJson(res, 200, resource(bucket, name, o));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fake");
    const q = url.searchParams;
    const method = req.method ?? "GET";
    const auth = req.headers.authorization;
    if (failures.count > 0) {
      failures.count--;
      await bodyOf(req);
      sendError(res, failures.status, "backendError", "Backend Error");
      return;
    }
    if (auth === `Bearer ${deniedToken}`) {
      await bodyOf(req);
      sendError(res, 403, "forbidden", "lancets-test@example.iam.gserviceaccount.com does not have storage.objects access to the Google Cloud Storage object. Permission denied.");
      return;
    }
    if (auth !== `Bearer ${token}` && !(auth === undefined && fake.allowAnonymous)) {
      await bodyOf(req);
      sendError(res, 401, "required", "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.");
      return;
    }

    // resumable session continuation: PUT /upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id=...
    const uploadId = q.get("upload_id");
    if (uploadId !== null) {
      const session = sessions.get(uploadId);
      const data = await bodyOf(req);
      if (session === undefined) return sendError(res, 404, "notFound", "No such upload session.");
      if (method === "DELETE") {
        sessions.delete(uploadId);
        res.writeHead(499).end();
        return;
      }
      // the client finishes an empty upload with "bytes 0--1/0", which GCS accepts
      const range = /^bytes (?:(\d+)-(-?\d+)|\*)\/(\d+|\*)$/.exec(req.headers["content-range"] ?? "");
      if (range === null) return sendError(res, 400, "invalid", `bad Content-Range ${req.headers["content-range"]}`);
      if (range[1] !== undefined) {
        if (Number(range[1]) !== session.received) return sendError(res, 400, "invalid", `chunk starts at ${range[1]}, expected ${session.received}`);
        session.pieces.push(data);
        session.received += data.byteLength;
      }
      if (range[3] !== "*" && Number(range[3]) === session.received) {
        sessions.delete(uploadId);
        insert(res, session.bucket, session.name, Buffer.concat(session.pieces), session.ifGenerationMatch);
        return;
      }
      res.writeHead(308, session.received > 0 ? { range: `bytes=0-${session.received - 1}`, "content-length": "0" } : { "content-length": "0" });
      res.end();
      return;
    }

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const listing = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const bucket = decodeURIComponent((upload ?? object ?? listing)?.[1] ?? "");
    const body = await bodyOf(req);
    if (!upload && !object && !listing) return sendError(res, 404, "notFound", `Not Found: ${url.pathname}`);
    const objects = store.get(bucket);
    if (objects === undefined) return sendError(res, 404, "notFound", "The specified bucket does not exist.");
    const precondition = q.get("ifGenerationMatch");
    const ifGenerationMatch = precondition === null ? undefined : Number(precondition);

    if (upload && method === "POST") {
      const type = q.get("uploadType");
      if (type === "media") return insert(res, bucket, q.get("name") ?? "", body, ifGenerationMatch);
      if (type === "multipart") {
        const boundary = /boundary="?([^";]+)"?/.exec(req.headers["content-type"] ?? "")?.[1];
        if (!boundary) return sendError(res, 400, "invalid", "multipart upload without a boundary");
        const [meta, media] = multipartParts(body, boundary);
        if (!meta || !media) return sendError(res, 400, "invalid", "multipart upload needs metadata and media parts");
        const name = q.get("name") ?? (JSON.parse(meta.body.toString()) as { name?: string }).name ?? "";
        return insert(res, bucket, name, Buffer.from(media.body), ifGenerationMatch);
      }
      if (type === "resumable") {
        const name = q.get("name") ?? (body.byteLength > 0 ? (JSON.parse(body.toString()) as { name?: string }).name : undefined) ?? "";
        const id = randomUUID();
        sessions.set(id, { bucket, name, ifGenerationMatch, pieces: [], received: 0 });
        res.writeHead(200, { location: `${endpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`, "content-length": "0" });
        res.end();
        return;
      }
      return sendError(res, 400, "invalid", `unknown uploadType ${type}`);
    }

    if (listing && method === "GET") {
      const prefix = q.get("prefix") ?? "";
      const names = [...objects.keys()].filter((n) => n.startsWith(prefix)).sort();
      const from = q.get("pageToken") ? names.indexOf(q.get("pageToken")!) : 0;
      const max = Math.min(fake.pageSize, Number(q.get("maxResults") ?? fake.pageSize));
      const page = names.slice(from, from + max);
      const next = names[from + max];
      return sendJson(res, 200, { kind: "storage#objects", items: page.map((n) => resource(bucket, n, objects.get(n)!)), ...(next ? { nextPageToken: next } : {}) });
    }

    if (object) {
      const name = decodeURIComponent(object[2]!);
      const o = objects.get(name);
      if (method === "DELETE") {
        if (!o) return sendError(res, 404, "notFound", `No such object: ${bucket}/${name}`);
        objects.delete(name);
        res.writeHead(204).end();
        return;
      }
      if (method !== "GET") return sendError(res, 405, "invalid", `${method} not allowed`);
      if (!o) return sendError(res, 404, "notFound", `No such object: ${bucket}/${name}`);
      if (q.get("alt") !== "media") return sendJson(res, 200, resource(bucket, name, o));
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      if (range === null) {
        return sendMedia(res, 200, { "content-type": "application/octet-stream", "content-length": o.data.byteLength, "x-goog-generation": String(o.generation) }, o.data);
      }
      const start = Number(range[1]);
      const end = Math.min(range[2] === "" ? o.data.byteLength - 1 : Number(range[2]), o.data.byteLength - 1);
      if (start >= o.data.byteLength) return sendError(res, 416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
      const part = o.data.subarray(start, end + 1);
      return sendMedia(res, 206, { "content-type": "application/octet-stream", "content-length": part.byteLength, "content-range": `bytes ${start}-${end}/${o.data.byteLength}` }, part);
    }
    sendError(res, 405, "invalid", `${method} ${url.pathname} not allowed`);
  };

  const server: Server = createServer((req, res) => {
    const entry: GcsFakeRequest = { method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, range: req.headers.range, status: 0 };
    requests.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
    });
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, "backendError", String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const fake: GcsFake = {
    endpoint,
    token,
    deniedToken,
    requests,
    pageSize: 1000,
    allowAnonymous: false,
    objects: (bucket) => store.get(bucket)!,
    failNext: (status, count) => {
      failures = { status, count };
    },
    breakNextBodies: (count) => {
      bodiesToBreak = count;
    },
    openSessions: () => sessions.size,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
