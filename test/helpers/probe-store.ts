// An ObjectStore wrapper that watches how objects are written: every piece
// handed to a writer (streamed uploads) and every whole put, with an optional
// failure on the Nth piece written, for tests of streamed writes.

import { LanceError } from "../../src/core/errors.js";
import { openObjectWriter, type ObjectStore, type ObjectWriter } from "../../src/io/object-store.js";
import { ForwardingStore } from "./forwarding-store.js";

export interface ProbeOptions {
  /** The Nth piece written through any writer (from 1) fails with an IO error. */
  failOnWrite?: number;
  /** Called after each piece is written, with the running totals. */
  onWrite?: (path: string, chunkBytes: number) => void;
}

export class ProbeStore extends ForwardingStore {
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
    inner: ObjectStore,
    private readonly options: ProbeOptions = {},
  ) {
    super(inner);
  }

  override async put(path: string, data: Uint8Array): Promise<void> {
    this.maxPutBytes = Math.max(this.maxPutBytes, data.byteLength);
    await this.inner.put(path, data);
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
