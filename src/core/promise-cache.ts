// Small least-recently-used caches of loads in flight or done. Lance files and
// index segments never change once written, so what was loaded from a store
// can be reused; a failed load is forgotten so the next call tries again.

/** At most `capacity` loads by key, the least recently used dropped first. */
export class PromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    let found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
    } else {
      found = load();
      const settled = found;
      found.catch(() => {
        if (this.entries.get(key) === settled) this.entries.delete(key);
      });
    }
    this.entries.set(key, found);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return found;
  }
}

/** One PromiseCache per owner object (an object store), released with the owner. */
export class CachePerOwner<O extends object, V> {
  private readonly caches = new WeakMap<O, PromiseCache<V>>();

  constructor(private readonly capacity: number) {}

  of(owner: O): PromiseCache<V> {
    let cache = this.caches.get(owner);
    if (!cache) this.caches.set(owner, (cache = new PromiseCache<V>(this.capacity)));
    return cache;
  }
}

/**
 * Loads by key kept while their sizes (known once loaded) sum to at most
 * `capacityBytes`, the least recently used dropped first. A value larger than
 * the whole budget is returned but not kept.
 */
export class SizedPromiseCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; bytes: number }>();
  private totalBytes = 0;

  constructor(
    private readonly capacityBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.value;
    }
    const entry = { value: load(), bytes: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (v) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = this.sizeOf(v);
        this.totalBytes += entry.bytes;
        for (const [k, e] of this.entries) {
          if (this.totalBytes <= this.capacityBytes) break;
          this.entries.delete(k);
          this.totalBytes -= e.bytes;
        }
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }
}
