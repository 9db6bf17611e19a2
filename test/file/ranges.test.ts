// Reading several row ranges of a file at once (readFieldRanges): for files
// of every version, with many pages or one, the rows equal slices of a full
// read, and only the pages holding the ranges are fetched.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Bool, Field, Float64, Int64, makeData, makeVector, Struct, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { encodeArrowFile } from "../../src/file/file-writer.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { rng } from "../helpers/oracle.js";
import { CountingStore } from "../helpers/counting-store.js";

const N = 20_000;

function sample(): Table {
  const r = rng(3);
  const ids = Array.from({ length: N }, (_, i) => BigInt(i * 3));
  const names = Array.from({ length: N }, (_, i) => (r() < 0.1 ? null : `name-${i}-${"x".repeat(i % 13)}`));
  const prices = Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : i / 4));
  const flags = Array.from({ length: N }, (_, i) => (i % 7 === 0 ? null : i % 3 === 0));
  const inner = [vectorFromArray(prices, new Float64()).data[0]!, vectorFromArray(flags, new Bool()).data[0]!];
  const point = makeData({ type: new Struct([new Field("p", new Float64(), true), new Field("f", new Bool(), true)]), length: N, nullCount: 0, children: inner });
  return new Table({
    id: vectorFromArray(ids, new Int64()),
    name: vectorFromArray(names, new Utf8()),
    price: vectorFromArray(prices, new Float64()),
    flag: vectorFromArray(flags, new Bool()),
    point: makeVector(point),
  });
}

function values(d: Data): string[] {
  const vec = makeVector(d);
  return Array.from({ length: vec.length }, (_, i) => {
    const x = vec.get(i) as unknown;
    const plain = x !== null && typeof x === "object" && "toJSON" in x ? (x as { toJSON(): unknown }).toJSON() : x;
    return JSON.stringify(plain, (_k, y: unknown) => (typeof y === "bigint" ? String(y) : y));
  });
}

for (const version of ["2.0", "2.1", "2.2"]) {
  for (const rowsPerPage of [undefined, 1000, 4096]) {
    test(`file ${version}, ${rowsPerPage ? `${rowsPerPage} rows per page` : "one page per column"}: several ranges equal slices of a full read`, async () => {
      const table = sample();
      const store = new MemoryStore();
      const bytes = encodeArrowFile(table, { fileVersion: version, ...(rowsPerPage ? { rowsPerPage } : {}) });
      await store.put("f.lance", bytes);
      const counting = new CountingStore(store);
      const reader = await LanceFileReader.open(counting, "f.lance");
      const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
      const full = await reader.readFields(ids);
      const ranges = [
        { start: 0, end: 3 },
        { start: 17, end: 18 },
        { start: 999, end: 1001 },
        { start: 4000, end: 4200 },
        { start: 12_345, end: 12_346 },
        { start: N - 5, end: N },
      ];
      counting.take();
      const part = await reader.readFieldRanges(ids, ranges);
      const partBytes = counting.takeRangeBytes();
      for (const id of ids) {
        const want = ranges.flatMap((r) => values(full.get(id)!.slice(r.start, r.end - r.start)));
        assert.deepEqual(values(part.get(id)!), want, `field ${id}`);
      }
      // one range, and an empty list of ranges
      const one = await reader.readFieldRanges(ids, [{ start: 5, end: 9 }]);
      const fetched = counting.takeRangeBytes();
      if (version !== "2.0") {
        // mini-block pages fetch their chunk metadata, then only the chunks holding the rows
        assert.ok(fetched < bytes.byteLength / 4, `fetched ${fetched} of ${bytes.byteLength} bytes for 4 rows`);
      }
      for (const id of ids) assert.deepEqual(values(one.get(id)!), values(full.get(id)!.slice(5, 4)));
      const none = await reader.readFieldRanges(ids, []);
      for (const id of ids) assert.equal(none.get(id)!.length, 0);
      if (rowsPerPage === 1000) {
        // pages of the plain columns far from every range are not fetched
        assert.ok(partBytes < bytes.byteLength * 0.7, `fetched ${partBytes} of ${bytes.byteLength} bytes`);
      }
      await assert.rejects(reader.readFieldRanges(ids, [{ start: 10, end: 20 }, { start: 15, end: 30 }]), /overlap/);
      await assert.rejects(reader.readFieldRanges(ids, [{ start: 10, end: N + 1 }]), /outside/);
    });
  }
}
