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
