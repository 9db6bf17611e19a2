// An ObjectStore held in memory: for tests and for staging data.

import { CorruptFileError, LanceError } from "../core/errors.js";
import {
  allocateReadBuffer,
  checkReadLength,
  checkStorePath,
  checkWholeRead,
  DEFAULT_MAX_READ_BYTES,
  type ObjectMeta,
  type ObjectStore,
  type ObjectWriter,
  type ReadOptions,
} from "./object-store.js";

export class MemoryStore implements ObjectStore {
  readonly uri: string;
  /** The largest result of one read; lower than V8's limit only to test how callers meet the cap. */
  readonly maxReadBytes: number;
  private readonly objects = new Map<string, Uint8Array>();

  constructor(uri = "memory://", options: { maxReadBytes?: number } = {}) {
    this.uri = uri;
    this.maxReadBytes = Math.min(options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES, DEFAULT_MAX_READ_BYTES);
  }

  private get(path: string): Uint8Array {
    const data = this.objects.get(checkStorePath(path, this.uri));
    if (data === undefined) throw new LanceError("NOT_FOUND", `${this.uri}${path} does not exist`);
    return data;
  }

  async size(path: string): Promise<number> {
    return this.get(path).byteLength;
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const data = this.get(path);
    checkWholeRead(path, data.byteLength, options, this.maxReadBytes);
    return data.slice();
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const data = this.get(path);
    if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > data.byteLength) {
      throw new CorruptFileError(path, byteOffset, `read of ${byteLength} bytes passes the end of the file (size ${data.byteLength})`);
    }
    checkReadLength(path, byteOffset, byteLength, this.maxReadBytes);
    return data.slice(byteOffset, byteOffset + byteLength);
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    this.objects.set(checkStorePath(path, this.uri), data.slice());
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    if (this.objects.has(checkStorePath(path, this.uri))) return false;
    this.objects.set(path, data.slice());
    return true;
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    checkStorePath(prefix, this.uri, true);
    const out: ObjectMeta[] = [];
    for (const [path, data] of this.objects) if (path.startsWith(prefix)) out.push({ path, size: data.byteLength });
    return out;
  }

  async delete(path: string): Promise<void> {
    this.objects.delete(checkStorePath(path, this.uri));
  }

  /** Collects the pieces; the object appears, whole, on finish. */
  async openWriter(path: string): Promise<ObjectWriter> {
    checkStorePath(path, this.uri);
    const objects = this.objects;
    let pieces: Uint8Array[] = [];
    let size = 0;
    let state: "open" | "finished" | "aborted" = "open";
    const checkOpen = (what: string): void => {
      if (state !== "open") throw new LanceError("INTERNAL", `${what} to ${path} after the writer finished or aborted`);
    };
    return {
      async write(chunk) {
        checkOpen("write");
        pieces.push(chunk.slice());
        size += chunk.byteLength;
      },
      async finish() {
        checkOpen("finish");
        const whole = allocateReadBuffer(path, size);
        let at = 0;
        for (const piece of pieces) {
          whole.set(piece, at);
          at += piece.byteLength;
        }
        pieces = [];
        objects.set(path, whole);
        state = "finished";
        return size;
      },
      async abort() {
        pieces = [];
        if (state === "open") state = "aborted";
      },
    };
  }
}
