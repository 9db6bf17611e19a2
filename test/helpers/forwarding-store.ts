// An ObjectStore that hands every required call to another store unchanged: the
// base of the test wrappers that count, delay or fail some of those calls and
// override only those. Optional capabilities (writers, key-ordered listing,
// pending uploads) are not forwarded, so callers see a plain store.

import type { ObjectMeta, ObjectStore, ReadOptions } from "../../src/io/object-store.js";

export class ForwardingStore implements ObjectStore {
  readonly uri: string;

  constructor(readonly inner: ObjectStore) {
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

  put(path: string, data: Uint8Array): Promise<void> {
    return this.inner.put(path, data);
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
}
