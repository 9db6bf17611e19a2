// An ObjectStore that passes every call to another store and records the
// reads (whole objects, ranges, sizes, listings), for tests that assert how
// many requests and bytes a read costs. A new wrapper starts with empty
// caches: lancets keeps its caches per store object.

import type { ObjectMeta, ReadOptions } from "../../src/io/object-store.js";
import { ForwardingStore } from "./forwarding-store.js";

export interface RecordedRead {
  op: "read" | "readRange" | "size" | "list";
  path: string;
  byteOffset?: number;
  byteLength?: number;
}

export class CountingStore extends ForwardingStore {
  reads: RecordedRead[] = [];

  /** Bytes asked for by ranged reads since the last take, and forgets the reads. */
  takeRangeBytes(): number {
    return this.take().reduce((n, r) => n + (r.op === "readRange" ? r.byteLength! : 0), 0);
  }

  /** The reads recorded since the last call, and forgets them. */
  take(): RecordedRead[] {
    const out = this.reads;
    this.reads = [];
    return out;
  }

  override async size(path: string): Promise<number> {
    this.reads.push({ op: "size", path });
    return this.inner.size(path);
  }

  override async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const bytes = await this.inner.read(path, options);
    this.reads.push({ op: "read", path, byteOffset: 0, byteLength: bytes.byteLength });
    return bytes;
  }

  override async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.reads.push({ op: "readRange", path, byteOffset, byteLength });
    return this.inner.readRange(path, byteOffset, byteLength);
  }

  override async list(prefix: string): Promise<ObjectMeta[]> {
    this.reads.push({ op: "list", path: prefix });
    return this.inner.list(prefix);
  }
}

/** Bytes read more than once among `reads` (ranges of one path that overlap). */
export function bytesReadTwice(reads: RecordedRead[]): number {
  let twice = 0;
  const byPath = new Map<string, [number, number][]>();
  for (const r of reads) {
    if (r.byteOffset === undefined || r.byteLength === undefined) continue;
    const list = byPath.get(r.path) ?? [];
    list.push([r.byteOffset, r.byteOffset + r.byteLength]);
    byPath.set(r.path, list);
  }
  for (const ranges of byPath.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    let end = -1;
    for (const [s, e] of ranges) {
      if (s < end) twice += Math.min(e, end) - s;
      end = Math.max(end, e);
    }
  }
  return twice;
}
