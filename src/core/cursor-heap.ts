// A binary min-heap for k-way merges of sorted runs: the items are cursors
// whose key changes in place as they move on, so after each step the caller
// either restores the order below the top or removes the exhausted top.

export class CursorHeap<T> {
  private readonly items: T[];

  /** Orders `items` (taken over, not copied) by `before`, the strict "comes first" of two items. */
  constructor(
    items: T[],
    private readonly before: (a: T, b: T) => boolean,
  ) {
    this.items = items;
    for (let k = (items.length >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  get size(): number {
    return this.items.length;
  }

  /** The first item; undefined when the heap is empty. */
  top(): T | undefined {
    return this.items[0];
  }

  /** The item that comes first after the top (the lesser of its two children); undefined with fewer than two items. */
  second(): T | undefined {
    const heap = this.items;
    if (heap.length < 3) return heap[1];
    return this.before(heap[2]!, heap[1]!) ? heap[2] : heap[1];
  }

  /** Restores the order after the top item's key changed. */
  topChanged(): void {
    this.siftDown(0);
  }

  /** Removes the top item. */
  removeTop(): void {
    const last = this.items.pop();
    if (this.items.length === 0 || last === undefined) return;
    this.items[0] = last;
    this.siftDown(0);
  }

  private siftDown(k: number): void {
    const heap = this.items;
    const n = heap.length;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.before(heap[r]!, heap[l]!) ? r : l;
      if (!this.before(heap[m]!, heap[k]!)) return;
      [heap[m], heap[k]] = [heap[k]!, heap[m]!];
      k = m;
    }
  }
}
