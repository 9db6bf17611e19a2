// An ObjectStore wrapper that watches how objects are written: every piece
// handed to a writer (streamed uploads) and every whole put, with an optional
// failure on the Nth piece written, for tests of streamed writes.

import { LanceError } from "../../src/core/errors.js";
import { openObjectWriter, type ObjectMeta, type ObjectStore, type ObjectWriter, type ReadOptions } from "../../src/io/object-store.js";

export interface ProbeOptions {
  /** The Nth piece written through any writer (from 1) fails with an IO error. */
  failOnWrite?: number;
  /** Called after each piece is written, with the running totals. */
  onWrite?: (path: string, chunkBytes: number) => void;
}

export class ProbeStore implements ObjectStore {
  readonly uri: string;
  /** Bytes handed to writers so far. */
  bytesWritten = 0;
  /** Pieces handed to writers so far. */
  writes = 0;
  /** The largest single piece. */
  maxChunkBytes = 0;
  /** The largest whole object put with `put`, by path prefix "data/" or not. */
  maxPutBytes = 0;
  readonly opened: string[] = [];
  readonly finished: string[] = [];
  readonly aborted: string[] = [];

  constructor(
    readonly inner: ObjectStore,
    private readonly options: ProbeOptions = {},
  ) {
    this.uri = inner.uri;
  }

  size(path: string): Promise<number> {
    return this.inner.size(path);
  }
  read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    return this.inner.read(path, options);
  }
  readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    return this.inner.readRange(path, byteOffset, byteLength);
  }
  async put(path: string, data: Uint8Array): Promise<void> {
    this.maxPutBytes = Math.max(this.maxPutBytes, data.byteLength);
    await this.inner.put(path, data);
  }
  putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(path, data);
  }
  list(prefix: string): Promise<ObjectMeta[]> {
    return this.inner.list(prefix);
  }
  delete(path: string): Promise<void> {
    return this.inner.delete(path);
  }

  async openWriter(path: string): Promise<ObjectWriter> {
    const inner = await openObjectWriter(this.inner, path);
    this.opened.push(path);
    return {
      write: async (chunk) => {
        this.writes++;
        if (this.options.failOnWrite !== undefined && this.writes === this.options.failOnWrite) {
          throw new LanceError("IO", `injected failure on write ${this.writes} (${path})`);
        }
        await inner.write(chunk);
        this.bytesWritten += chunk.byteLength;
        this.maxChunkBytes = Math.max(this.maxChunkBytes, chunk.byteLength);
        this.options.onWrite?.(path, chunk.byteLength);
      },
      finish: async () => {
        const size = await inner.finish();
        this.finished.push(path);
        return size;
      },
      abort: async () => {
        this.aborted.push(path);
        await inner.abort();
      },
    };
  }
}
