// Record batches made on demand for streaming-write tests: an id counting up
// from `firstId`, random 64-bit integers and doubles (incompressible, so the
// bytes written track the bytes given) and strings of printable characters;
// every 7th double and every 11th string is null when `nulls` is set.

import { Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, Utf8 } from "apache-arrow";
import { dataByteSize } from "../../src/core/arrow-data.js";
import { rng } from "./oracle.js";

export const STREAM_SCHEMA = new Schema([
  new Field("id", new Int64(), false),
  new Field("r", new Int64(), false),
  new Field("f", new Float64(), true),
  new Field("s", new Utf8(), true),
]);

function validity(n: number, every: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(n / 8)).fill(255);
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    if (k % every === 3) {
      bitmap[k >> 3]! &= ~(1 << (k & 7));
      nulls++;
    }
  }
  return { bitmap, nulls };
}

/** `columns`: the columns to keep (default all of STREAM_SCHEMA). */
export function streamBatch(firstId: number, n: number, seed: number, nulls = false, stringBytes = 12, columns?: readonly string[]): RecordBatch {
  const r = rng(seed);
  const id = new BigInt64Array(n);
  for (let k = 0; k < n; k++) id[k] = BigInt(firstId + k);
  const ri = new Uint32Array(2 * n);
  for (let k = 0; k < ri.length; k++) ri[k] = (r() * 2 ** 32) >>> 0;
  const f = new Float64Array(n);
  for (let k = 0; k < n; k++) f[k] = r() * 1e9;
  const bytes = new Uint8Array(n * stringBytes);
  for (let k = 0; k < bytes.length; k += 4) {
    // four printable characters from one draw
    let x = (r() * 2 ** 32) >>> 0;
    for (let j = k; j < Math.min(k + 4, bytes.length); j++, x >>>= 8) bytes[j] = 33 + ((x & 255) % 94);
  }
  const offsets = new Int32Array(n + 1);
  for (let k = 0; k <= n; k++) offsets[k] = k * stringBytes;
  const fv = nulls ? validity(n, 7) : undefined;
  const sv = nulls ? validity(n, 11) : undefined;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: id }),
    makeData({ type: new Int64(), length: n, nullCount: 0, data: new BigInt64Array(ri.buffer) }),
    makeData({ type: new Float64(), length: n, nullCount: fv?.nulls ?? 0, data: f, ...(fv ? { nullBitmap: fv.bitmap } : {}) }),
    makeData({ type: new Utf8(), length: n, nullCount: sv?.nulls ?? 0, valueOffsets: offsets, data: bytes, ...(sv ? { nullBitmap: sv.bitmap } : {}) }),
  ];
  const keep = STREAM_SCHEMA.fields.map((f, k) => k).filter((k) => !columns || columns.includes(STREAM_SCHEMA.fields[k]!.name));
  const schema = new Schema(keep.map((k) => STREAM_SCHEMA.fields[k]!));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: keep.map((k) => children[k]!) }));
}

export function batchBytes(batch: RecordBatch): number {
  return batch.data.children.reduce((sum, c) => sum + dataByteSize(c), 0);
}
