// Writes one Lance 2.x file to an object store as it is encoded: each page's
// buffers go to the store's ObjectWriter when the page is added (an S3
// multipart upload, Azure blocks, a temporary file), so a writer holds the
// pages in flight, never the whole file. Nothing is visible at the path until
// the tail is written and the upload finished; a failure aborts the upload.

import { LanceError } from "../core/errors.js";
import type { FileTail } from "../format/file/layout-stream.js";
import { LanceFileLayout } from "../format/file/layout-stream.js";
import type { EncodedPage } from "../format/file/layout-writer.js";
import { openObjectWriter, type ObjectStore, type ObjectWriter } from "../io/object-store.js";

/** Pieces smaller than this are gathered before they are written (padding, small pages, the tail). */
const SMALL_PIECE_BYTES = 64 * 1024;
/** Gathered small pieces are written once they reach this size. */
const GATHER_BYTES = 1024 * 1024;

export class LanceFileWriter {
  private gathered = new Uint8Array(GATHER_BYTES);
  private gatheredBytes = 0;
  private failed = false;

  private constructor(
    private readonly writer: ObjectWriter,
    private readonly layout: LanceFileLayout,
  ) {}

  /** Starts the file at `path` (nothing is visible there until `finish`); `numColumns` as in LanceFileLayout. */
  static async open(store: ObjectStore, path: string, fileVersion: string, numColumns = 0): Promise<LanceFileWriter> {
    // an unknown version is refused before the upload begins
    const layout = new LanceFileLayout(fileVersion, numColumns);
    return new LanceFileWriter(await openObjectWriter(store, path), layout);
  }

  /** Bytes of the file so far. */
  get byteLength(): number {
    return this.layout.byteLength;
  }

  /** Writes the next page of column `column`. */
  async writePage(column: number, page: EncodedPage): Promise<void> {
    await this.push(this.layout.addPage(column, page));
  }

  /** Writes the global buffers, schema, column metadata and footer, and makes the file visible; returns its size in bytes. */
  async finish(tail: FileTail): Promise<number> {
    await this.push(this.layout.finish(tail));
    await this.guard(() => this.flushGathered());
    await this.guard(() => this.writer.finish());
    return this.layout.byteLength;
  }

  /** Discards the upload; succeeds when it already ended. */
  async abort(): Promise<void> {
    this.gathered = new Uint8Array(0);
    // a failed step has aborted the upload already
    if (this.failed) return;
    this.failed = true;
    await this.writer.abort();
  }

  private async push(pieces: readonly Uint8Array[]): Promise<void> {
    for (const piece of pieces) {
      if (piece.byteLength < SMALL_PIECE_BYTES) {
        if (this.gatheredBytes + piece.byteLength > this.gathered.byteLength) await this.guard(() => this.flushGathered());
        this.gathered.set(piece, this.gatheredBytes);
        this.gatheredBytes += piece.byteLength;
      } else {
        await this.guard(() => this.flushGathered());
        await this.guard(() => this.writer.write(piece));
      }
    }
  }

  private async flushGathered(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    const bytes = this.gathered.subarray(0, this.gatheredBytes);
    this.gatheredBytes = 0;
    await this.writer.write(bytes);
  }

  /** Runs one upload step; after a failure the upload is aborted and no further step runs. */
  private async guard(step: () => Promise<unknown>): Promise<void> {
    if (this.failed) throw new LanceError("INTERNAL", "a Lance file was written to after its upload failed");
    try {
      await step();
    } catch (err) {
      this.failed = true;
      await this.writer.abort().catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Writes a Lance file whose pages `produce` writes; returns the file's size.
 * Any failure (of `produce`, of encoding, of the upload) aborts the upload,
 * so nothing is left at `path`.
 */
export async function writeLanceFile(store: ObjectStore, path: string, fileVersion: string, produce: (writer: LanceFileWriter) => Promise<FileTail>): Promise<number> {
  const writer = await LanceFileWriter.open(store, path, fileVersion);
  try {
    const tail = await produce(writer);
    return await writer.finish(tail);
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}
