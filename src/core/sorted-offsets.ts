// Sets of row offsets (or ids) as sorted, distinct Uint32Arrays: 4 bytes a
// row, merged in one pass, and never subject to the 2^24-entry cap of a JS
// Set. Used for candidate rows, deleted rows and filter results.

/** Sorts `values` in place and drops repeats; the result is a view of `values`. */
export function sortUnique(values: Uint32Array): Uint32Array {
  values.sort();
  let n = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[n - 1]) values[n++] = values[i]!;
  return values.subarray(0, n);
}

/** Whether a sorted array is strictly ascending (sorted and distinct). */
export function isSortedUnique(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (!(values[i - 1]! < values[i]!)) return false;
  return true;
}

/** The first position of a sorted array whose value is at least `bound`. */
export function lowerBound(sorted: ArrayLike<number>, bound: number, from = 0, to = sorted.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function hasSorted(sorted: ArrayLike<number>, value: number): boolean {
  const at = lowerBound(sorted, value);
  return at < sorted.length && sorted[at] === value;
}

/** Values in both sorted sets. */
export function intersectSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  return out.slice(0, n);
}

/** Values in either sorted set. */
export function unionSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x <= y) {
      out[n++] = x;
      i++;
      if (x === y) j++;
    } else {
      out[n++] = y;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.slice(0, n);
}

/** Values of sorted `a` that are not in sorted `removed`. */
export function subtractSorted(a: Uint32Array, removed: Uint32Array): Uint32Array {
  if (removed.length === 0) return a;
  const out = new Uint32Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < removed.length && removed[j]! < x) j++;
    if (j < removed.length && removed[j] === x) continue;
    out[n++] = x;
  }
  return out.slice(0, n);
}
