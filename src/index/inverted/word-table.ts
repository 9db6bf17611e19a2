// Words of ASCII text looked up by their bytes: an open-addressing hash table
// over typed arrays from a word's UTF-8 bytes to a number (for a partition
// build, the word's token id, or -1 when the tokenizer drops it). Documents
// are split and looked up in place, without a string per word: strings are
// made only for words not seen before.

import { GrowableArray } from "../../core/growable-array.js";

/** FNV-1a over bytes[start, end). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export class WordTable {
  private slots = new Int32Array(1 << 12).fill(-1);
  private readonly wordBytes = new GrowableArray(Uint8Array, 1 << 12);
  private readonly wordStart = new GrowableArray(Float64Array, 1 << 10);
  private readonly hashes = new GrowableArray(Uint32Array, 1 << 10);
  private readonly values = new GrowableArray(Int32Array, 1 << 10);

  get size(): number {
    return this.values.length;
  }

  /** Bytes allocated: the words, four numbers a word and the slots. */
  get bytes(): number {
    return this.wordBytes.byteCapacity + this.wordStart.byteCapacity + this.hashes.byteCapacity + this.values.byteCapacity + this.slots.byteLength;
  }

  /** The value of word bytes[start, end) with hash `hash`; undefined when absent. */
  get(bytes: Uint8Array, start: number, end: number, hash: number): number | undefined {
    const mask = this.slots.length - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]!;
      if (e < 0) return undefined;
      if (this.hashes.get(e) === hash && this.equals(e, bytes, start, end)) return this.values.get(e);
    }
  }

  /** Adds word bytes[start, end) (absent) with `value`. */
  add(bytes: Uint8Array, start: number, end: number, hash: number, value: number): void {
    const e = this.values.length;
    this.wordStart.push(this.wordBytes.length);
    this.wordBytes.append(bytes.subarray(start, end));
    this.hashes.push(hash);
    this.values.push(value);
    if (2 * this.values.length > this.slots.length) this.rehash(2 * this.slots.length);
    else this.place(e);
  }

  private equals(e: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.wordStart.get(e);
    const to = e + 1 < this.wordStart.length ? this.wordStart.get(e + 1) : this.wordBytes.length;
    if (to - from !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.wordBytes.get(from + i) !== bytes[start + i]) return false;
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes.get(e) & mask;
    while (this.slots[s]! >= 0) s = (s + 1) & mask;
    this.slots[s] = e;
  }

  private rehash(slots: number): void {
    this.slots = new Int32Array(slots).fill(-1);
    for (let e = 0; e < this.values.length; e++) this.place(e);
  }
}
