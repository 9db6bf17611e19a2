// A Map that holds more than V8's 2^24 entries (past that `Map.set` throws
// "Map maximum size exceeded"): entries go into one Map until it holds
// SHARD_ENTRIES, then into a new one. With a single shard (every table below
// 8 million distinct keys) each operation is one Map operation; beyond, a
// lookup asks each shard. For vocabularies and distinct values, keyed by
// anything a Map accepts.

export const SHARD_ENTRIES = 1 << 23;

export class ShardedMap<K, V> {
  private readonly shards: Map<K, V>[] = [new Map()];

  constructor(private readonly shardEntries = SHARD_ENTRIES) {}

  get size(): number {
    let n = 0;
    for (const s of this.shards) n += s.size;
    return n;
  }

  get shardCount(): number {
    return this.shards.length;
  }

  get(key: K): V | undefined {
    const shards = this.shards;
    if (shards.length === 1) return shards[0]!.get(key);
    for (const s of shards) {
      const v = s.get(key);
      if (v !== undefined || s.has(key)) return v;
    }
    return undefined;
  }

  has(key: K): boolean {
    for (const s of this.shards) if (s.has(key)) return true;
    return false;
  }

  set(key: K, value: V): this {
    const shards = this.shards;
    if (shards.length > 1) {
      for (let i = 0; i < shards.length - 1; i++) {
        if (shards[i]!.has(key)) {
          shards[i]!.set(key, value);
          return this;
        }
      }
    }
    let last = shards[shards.length - 1]!;
    if (last.size >= this.shardEntries && !last.has(key)) {
      last = new Map();
      shards.push(last);
    }
    last.set(key, value);
    return this;
  }

  *entries(): IterableIterator<[K, V]> {
    for (const s of this.shards) yield* s.entries();
  }

  *keys(): IterableIterator<K> {
    for (const s of this.shards) yield* s.keys();
  }

  *values(): IterableIterator<V> {
    for (const s of this.shards) yield* s.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
