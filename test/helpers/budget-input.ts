// Index builds within a memory budget: training input served in batches from
// arrays held by the test, and a store that counts, and can fail, the objects
// it is given.

import type { DataType } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import type { ObjectWriter } from "../../src/io/object-store.js";
import type { TrainingData, TrainingInput } from "../../src/index/training.js";

export const MiB = 1024 * 1024;

/** The training data as a stream of batches of `batchRows` rows. */
export function batchedInput(training: TrainingData, batchRows: number): TrainingInput {
  return {
    valueType: training.values.type as DataType,
    load: async () => training,
    async *batches() {
      for (let at = 0; at < training.rowIds.length; at += batchRows) {
        const n = Math.min(batchRows, training.rowIds.length - at);
        yield { fragmentId: 0, values: training.values.slice(at, n), rowIds: training.rowIds.subarray(at, at + n), offsets: new Int32Array(n) };
      }
    },
  };
}

/**
 * A store that counts the objects written, whole (`put`) or through a writer
 * (counted when the writer is opened), and can fail the n-th temporary file
 * (paths with "/tmp-") or the n-th object of any kind.
 */
export class SpyStore extends MemoryStore {
  tmpWrites = 0;
  objectWrites = 0;
  failAt = Infinity;
  failObjectAt = Infinity;

  private note(path: string): void {
    if (++this.objectWrites >= this.failObjectAt) throw new LanceError("IO", `injected failure writing ${path}`);
    if (path.includes("/tmp-") && ++this.tmpWrites >= this.failAt) throw new LanceError("IO", `injected failure writing ${path}`);
  }

  override async put(path: string, data: Uint8Array): Promise<void> {
    this.note(path);
    return super.put(path, data);
  }

  override async openWriter(path: string): Promise<ObjectWriter> {
    this.note(path);
    return super.openWriter(path);
  }
}

export async function listFiles(store: MemoryStore, dir: string): Promise<string[]> {
  return (await store.list(`${dir}/`)).map((f) => f.path).sort();
}

export const isInvalidInput = (pattern: RegExp) => (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && pattern.test(e.message);
