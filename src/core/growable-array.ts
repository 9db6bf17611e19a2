// Typed arrays that grow as values are pushed. Row-sized lists live in these
// rather than in JS arrays: a JS array of numbers costs twice the memory, and
// growing one past about 112 million elements aborts the process (V8's
// backing store limit), where a typed array reaches 4 GiB.

type NumberArray = Float64Array | Uint32Array | Int32Array | Uint8Array;

export class GrowableArray<T extends NumberArray> {
  private data: T;
  length = 0;

  constructor(
    private readonly make: new (length: number) => T,
    capacity = 64,
  ) {
    this.data = new make(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  /** Pushes every value of `values`. */
  append(values: ArrayLike<number>): void {
    while (this.length + values.length > this.data.length) this.grow();
    this.data.set(values, this.length);
    this.length += values.length;
  }

  /** Bytes allocated, including room not yet pushed to. */
  get byteCapacity(): number {
    return this.data.byteLength;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  private grow(): void {
    const next = new this.make(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }

  /** The pushed values, without copying (valid until the next push). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }

  /** The pushed values in an array of their own. */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}
