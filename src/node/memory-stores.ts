// memory:// datasets. Each memory:// URI names one MemoryStore held by a
// registry object; the process has one (`memoryStores`, used by openDataset
// and writeDataset), and a caller may keep its own. A store lives until it is
// dropped from its registry, so a dataset written to memory://scratch can be
// opened again by URI anywhere in the process, as with Lance while its store
// is in use. Nothing is shared between processes or worker threads.

import { LanceError } from "../core/errors.js";
import { MemoryStore } from "../io/memory-store.js";

/** The key of a memory:// URI: its host and path without trailing "/" (memory://a/b and memory://a/b/ are one store). */
export function memoryKey(uri: string): string {
  const m = /^memory:\/\/([^?#]*)$/i.exec(uri);
  if (!m) throw new LanceError("INVALID_INPUT", `not a memory location: ${uri} (expected memory://name)`);
  const key = m[1]!.replace(/\/+$/, "");
  if (key.split("/").some((s) => s === "." || s === "..")) throw new LanceError("INVALID_INPUT", `memory location ${uri} has "." or ".." segments`);
  return key;
}

/** The in-memory stores of one process (or of one caller that keeps its own), by memory:// URI. */
export class MemoryStoreRegistry {
  private readonly stores = new Map<string, MemoryStore>();

  /** The store for `uri`, created empty on first use. */
  open(uri: string): MemoryStore {
    const key = memoryKey(uri);
    let store = this.stores.get(key);
    if (store === undefined) {
      store = new MemoryStore(`memory://${key}/`);
      this.stores.set(key, store);
    }
    return store;
  }

  /** Whether `uri` names a store of this registry. */
  has(uri: string): boolean {
    return this.stores.has(memoryKey(uri));
  }

  /** Forgets the store of `uri` (its memory is freed once no Dataset refers to it); true if there was one. */
  drop(uri: string): boolean {
    return this.stores.delete(memoryKey(uri));
  }

  /** The URIs of the stores held. */
  uris(): string[] {
    return [...this.stores.keys()].map((key) => `memory://${key}`);
  }
}

/** The registry openDataset and writeDataset use for memory:// URIs. */
export const memoryStores = new MemoryStoreRegistry();
