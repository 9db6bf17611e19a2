// Exact-key lookups in a finite state transducer map as the Rust `fst` crate
// (0.4) serializes it; Lance 12 stores a full-text partition's token set this
// way (token bytes -> token id).
//
//   0      u64 version (1..3)   8  u64 map type
//   16...  nodes, written leaves first; a node's address is its last byte (the
//          state byte) and its fields lie below it
//   end    u64 number of keys, u64 root address, u32 checksum (version 3 only)
//
// State byte, top two bits: 11 one transition to the node written just before
// (output 0), 10 one transition, 01 final node with any number of
// transitions, 00 non-final node with any number of transitions. The low six
// bits hold an input byte as a 1-based index into a table of common bytes
// (0: stored in the byte below), or the number of transitions (0: stored in
// the byte below, where 1 stands for 256). Transition targets are stored as
// distances below the node's lowest byte (0: the empty final node at address
// 0); outputs add up along the path.

import { CorruptFileError } from "../../core/errors.js";

/** Bytes of the common-input table by 1-based index (index 1 is 't'). */
const COMMON = "te/oasripcnw.hlm-du012g=:bf3y5&_4v9678k%?xCDASFIBEjPTzRNM+LOqHG";
const COMMON_BYTES = Uint8Array.from([...COMMON].map((c) => c.charCodeAt(0)));

interface Node {
  final: boolean;
  finalOutput: number;
  /** Transition for an input byte: [target address, output], or undefined. */
  find(input: number): [number, number] | undefined;
}

function u64(bytes: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

export class FstMap {
  private readonly version: number;
  private readonly root: number;
  readonly numKeys: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly path: string,
  ) {
    if (bytes.length < 32) throw new CorruptFileError(path, 0, `token FST of ${bytes.length} bytes is shorter than its header and footer`);
    this.version = u64(bytes, 0);
    if (this.version < 1 || this.version > 3) throw new CorruptFileError(path, 0, `token FST version ${this.version} is not 1, 2 or 3`);
    const tail = this.version >= 3 ? 4 : 0;
    this.root = u64(bytes, bytes.length - tail - 8);
    this.numKeys = u64(bytes, bytes.length - tail - 16);
    if (this.root !== 0 && (this.root < 16 || this.root >= bytes.length - tail - 16)) {
      throw new CorruptFileError(path, bytes.length - tail - 8, `token FST root address ${this.root} is outside its ${bytes.length} bytes`);
    }
  }

  private fail(at: number, detail: string): never {
    throw new CorruptFileError(this.path, at, `token FST: ${detail}`);
  }

  private at(i: number): number {
    if (!(i >= 16 && i < this.bytes.length)) this.fail(i, `node byte ${i} is outside the transducer`);
    return this.bytes[i]!;
  }

  /** A little-endian unsigned integer of `size` bytes at `at`, inside the node area. */
  private uint(at: number, size: number): number {
    if (size === 0) return 0;
    if (!(at >= 16 && at + size <= this.bytes.length)) this.fail(at, `a ${size}-byte field at ${at} is outside the transducer`);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.bytes[at + i]!;
    return v;
  }

  private node(addr: number): Node {
    if (addr === 0) return { final: true, finalOutput: 0, find: () => undefined };
    const state = this.at(addr);
    const kind = state >> 6;
    if (kind === 3 || kind === 2) {
      const common = state & 0x3f;
      const inputLen = common === 0 ? 1 : 0;
      const input = common === 0 ? this.at(addr - 1) : COMMON_BYTES[common - 1];
      if (input === undefined) this.fail(addr, `common input index ${common} is out of range`);
      if (kind === 3) {
        // the target is the node written just below this one
        const end = addr - inputLen;
        return { final: false, finalOutput: 0, find: (x) => (x === input ? [end - 1, 0] : undefined) };
      }
      const sizes = this.at(addr - inputLen - 1);
      const tsize = sizes >> 4;
      const osize = sizes & 15;
      if (tsize > 8 || osize > 8) this.fail(addr, `pack sizes ${tsize}/${osize} exceed 8 bytes`);
      const deltaAt = addr - inputLen - 1 - tsize;
      const outAt = deltaAt - osize;
      if (outAt < 16) this.fail(addr, "a one-transition node reaches below the header");
      const end = outAt;
      const delta = this.uint(deltaAt, tsize);
      const output = osize === 0 ? 0 : this.uint(outAt, osize);
      return { final: false, finalOutput: 0, find: (x) => (x === input ? [delta === 0 ? 0 : end - delta, output] : undefined) };
    }
    const final = kind === 1;
    let n = state & 0x3f;
    let ntransLen = 0;
    if (n === 0) {
      ntransLen = 1;
      n = this.at(addr - 1);
      if (n === 1) n = 256;
    }
    const sizes = this.at(addr - ntransLen - 1);
    const tsize = sizes >> 4;
    const osize = sizes & 15;
    if (tsize > 8 || osize > 8) this.fail(addr, `pack sizes ${tsize}/${osize} exceed 8 bytes`);
    const indexSize = this.version >= 2 && n > 32 ? 256 : 0;
    const top = addr - ntransLen - 1; // the pack-sizes byte
    const inputsTop = top - indexSize; // inputs lie below, T0 highest
    const totalTrans = n + n * tsize + indexSize;
    const finalOutputAt = top - totalTrans - n * osize - osize;
    const end = top - totalTrans - n * osize - (final ? osize : 0);
    if (end < 16) this.fail(addr, `a node of ${n} transitions reaches below the header`);
    const finalOutput = final && osize > 0 ? this.uint(finalOutputAt, osize) : 0;
    const transition = (i: number): [number, number] => {
      const delta = this.uint(inputsTop - n - i * tsize - tsize, tsize);
      const output = osize === 0 ? 0 : this.uint(top - totalTrans - i * osize - osize, osize);
      return [delta === 0 ? 0 : end - delta, output];
    };
    return {
      final,
      finalOutput,
      find: (x) => {
        if (indexSize > 0) {
          const i = this.at(top - 256 + x);
          return i < n ? transition(i) : undefined;
        }
        for (let p = 0; p < n; p++) {
          if (this.at(inputsTop - 1 - p) === x) return transition(p);
        }
        return undefined;
      },
    };
  }

  /** The value stored for `key`, or undefined. */
  get(key: Uint8Array): number | undefined {
    let node = this.node(this.root);
    let out = 0;
    for (const x of key) {
      const t = node.find(x);
      if (!t) return undefined;
      out += t[1];
      node = this.node(t[0]);
    }
    return node.final ? out + node.finalOutput : undefined;
  }
}
