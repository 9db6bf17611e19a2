// Variable-width values gathered into one offsets array and one byte buffer
// as they are decoded, chunk after chunk (mini-block chunks, full-zip
// entries), so a page's strings are written once where they end up instead of
// decoded per chunk and concatenated afterwards. Both arrays grow
// geometrically; the block handed out is a view of their filled parts.

import { LanceError } from "../../core/errors.js";
import type { VariableBlock } from "./data-block.js";

/** The most bytes one block of values may hold (its offsets are 32-bit). */
export const MAX_VARIABLE_BYTES = 0xffffffff;

export class VariableBuilder {
  /** numValues + 1 used entries, the first 0. */
  offsets: Uint32Array;
  data: Uint8Array;
  /** A DataView over `data`'s whole buffer, for unaligned word stores. */
  view: DataView;
  numValues = 0;
  numBytes = 0;
  /** Stays true while every byte appended is below 0x80 and the appenders said so. */
  ascii = true;

  constructor(valuesHint: number, bytesHint: number) {
    this.offsets = new Uint32Array(Math.max(1, valuesHint) + 1);
    this.data = new Uint8Array(Math.max(16, bytesHint));
    this.view = new DataView(this.data.buffer);
  }

  /** Makes room for `n` more values. */
  reserveValues(n: number): void {
    const need = this.numValues + n + 1;
    if (need <= this.offsets.length) return;
    const grown = new Uint32Array(Math.max(need, this.offsets.length * 2));
    grown.set(this.offsets.subarray(0, this.numValues + 1));
    this.offsets = grown;
  }

  /**
   * Makes room for `n` more bytes; `expected` (at least n) is the size the
   * caller guesses the rest of its values will take, used when growing.
   */
  reserveBytes(n: number, expected = n): void {
    const need = this.numBytes + n;
    if (need <= this.data.length) return;
    if (need > MAX_VARIABLE_BYTES + 8) {
      throw new LanceError("NOT_SUPPORTED", `variable-width values of more than ${MAX_VARIABLE_BYTES} bytes cannot be read at once; read fewer rows at a time`);
    }
    const size = Math.min(MAX_VARIABLE_BYTES + 8, Math.max(need, this.numBytes + Math.max(n, expected), Math.floor(this.data.length * 1.5)));
    const grown = new Uint8Array(size);
    grown.set(this.data.subarray(0, this.numBytes));
    this.data = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends values given as n + 1 offsets into `bytes` (the first where the first value starts), copying their bytes in one block. */
  appendCopy(offsets: ArrayLike<number>, bytes: Uint8Array, n: number): void {
    const base = offsets[0]!;
    const length = offsets[n]! - base;
    this.reserveValues(n);
    this.reserveBytes(length);
    const out = this.offsets;
    const shift = this.numBytes - base;
    let v = this.numValues;
    for (let i = 1; i <= n; i++) out[++v] = offsets[i]! + shift;
    this.data.set(bytes.subarray(base, base + length), this.numBytes);
    this.numValues = v;
    this.numBytes += length;
    this.ascii = false;
  }

  /** Appends one value, bytes [start, end) of `bytes`. */
  appendValue(bytes: Uint8Array, start: number, end: number): void {
    this.reserveValues(1);
    this.reserveBytes(end - start);
    this.data.set(bytes.subarray(start, end), this.numBytes);
    this.numBytes += end - start;
    this.offsets[++this.numValues] = this.numBytes;
    this.ascii = false;
  }

  /** Appends an empty value (or a null's empty slot). */
  appendEmpty(): void {
    this.reserveValues(1);
    this.offsets[++this.numValues] = this.numBytes;
  }

  /** The values gathered so far. */
  finish(): VariableBlock {
    const block: VariableBlock = { kind: "variable", numValues: this.numValues, offsets: this.offsets.subarray(0, this.numValues + 1), data: this.data.subarray(0, this.numBytes) };
    if (this.ascii && this.numValues > 0) block.ascii = true;
    return block;
  }
}
