// Small Arrow column builders shared by the index writers.

import { Binary, Field, makeData, RecordBatch, Schema, Struct, Table, Uint32, Uint64, type Data, type DataType } from "apache-arrow";
import { concatData, nullData } from "../core/arrow-data.js";

export function uint32Data(values: ArrayLike<number>): Data {
  return makeData({ type: new Uint32(), length: values.length, nullCount: 0, data: Uint32Array.from(values) });
}

/** UInt64 data from numbers below 2^53, built from 32-bit halves. */
export function uint64Data(values: ArrayLike<number>): Data {
  const words = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // ToUint32 keeps the low 32 bits of any integer below 2^53
    const lo = v >>> 0;
    words[2 * i] = lo;
    words[2 * i + 1] = (v - lo) / 0x1_0000_0000;
  }
  return makeData({ type: new Uint64(), length: values.length, nullCount: 0, data: words } as never);
}

export function binaryData(values: Uint8Array[]): Data {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  values.forEach((v, i) => {
    total += v.byteLength;
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  values.forEach((v, i) => bytes.set(v, offsets[i]!));
  return makeData({ type: new Binary(), length: values.length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

/** A one-batch table with explicit nullability per column. */
export function tableOf(columns: { name: string; data: Data; nullable: boolean }[], metadata: Record<string, string> = {}): Table {
  const schema = new Schema(
    columns.map((c) => new Field(c.name, c.data.type, c.nullable)),
    new Map(Object.entries(metadata)),
  );
  const length = columns[0]?.data.length ?? 0;
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns.map((c) => c.data) });
  return new Table([new RecordBatch(schema, struct)]);
}

/** Concatenates many small Data as they come, a thousand at a time, so zones cost no object each. */
export class DataCollector {
  private chunks: Data[] = [];
  private pending: Data[] = [];

  constructor(private readonly type: DataType) {}

  push(data: Data): void {
    this.pending.push(data);
    if (this.pending.length >= 1024) this.flush();
  }

  private flush(): void {
    if (this.pending.length > 0) this.chunks.push(concatData(this.pending));
    this.pending = [];
  }

  finish(): Data {
    this.flush();
    return this.chunks.length > 0 ? concatData(this.chunks) : nullData(this.type, 0);
  }
}
