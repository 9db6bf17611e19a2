// Scratch memory reused from page to page: what it hands out is zeroed and
// 8-byte aligned, a page that outgrows it gets fresh memory and the next page
// a larger buffer, and pages encoded with one scratch are byte for byte the
// pages encoded without it, none of them changed by the pages after it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Binary, Float64, Int16, Int64, LargeUtf8, Struct, Field, Utf8, makeData, vectorFromArray, type Data } from "apache-arrow";
import { encodeFieldV21 } from "../../src/format/file/encode-v21.js";
import { PageScratch } from "../../src/format/file/page-scratch.js";
import { rng } from "../helpers/oracle.js";

describe("PageScratch", () => {
  test("zeroed, 8-byte aligned memory, reused after startPage; a page larger than the buffer grows it for the next", () => {
    const scratch = new PageScratch();
    scratch.startPage();
    const a = scratch.bytes(3);
    a.fill(7);
    const b = scratch.uint32(5);
    assert.equal(b.byteOffset % 8, 0);
    assert.equal(b.byteOffset - a.byteOffset, 8);
    assert.equal(a.buffer, b.buffer);
    scratch.startPage();
    const c = scratch.bytes(3);
    assert.equal(c.buffer, a.buffer, "the next page reuses the memory");
    assert.deepEqual(Array.from(c), [0, 0, 0], "and gets it zeroed");
    const big = scratch.float64(100_000);
    assert.notEqual(big.buffer, a.buffer, "more than the buffer holds: fresh memory");
    assert.equal(big.length, 100_000);
    scratch.startPage();
    const again = scratch.float64(100_000);
    const after = scratch.bytes(16);
    assert.equal(again.buffer, after.buffer, "the buffer grew to the last page's needs");
    assert.ok(again.buffer.byteLength >= 800_024);
  });
});

function page(seed: number, n: number): { name: string; data: Data }[] {
  const r = rng(seed);
  const words = ["alpha", "beta", "žluťoučký", "日本語", "🎉", "", "name-"];
  const text = (i: number): string | null => (i % 11 === 3 ? null : Array.from({ length: 1 + Math.floor(r() * 4) }, () => words[Math.floor(r() * words.length)]).join("") + `${i * 7919}`);
  const utf8 = vectorFromArray(Array.from({ length: n }, (_, i) => text(i)), new Utf8()).data[0]!;
  const large = vectorFromArray(Array.from({ length: n }, (_, i) => `row ${i} of ${seed} ${"x".repeat(i % 40)}`), new LargeUtf8()).data[0]!;
  const ids = vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(seed * 1_000_000 + i)), new Int64()).data[0]!;
  const f64 = vectorFromArray(Array.from({ length: n }, () => r() * 1000), new Float64()).data[0]!;
  const small = vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : Math.floor(r() * 300))), new Int16()).data[0]!;
  const bin = vectorFromArray(Array.from({ length: n }, () => Uint8Array.from({ length: Math.floor(r() * 30) }, () => Math.floor(r() * 256))), new Binary()).data[0]!;
  const city = vectorFromArray(Array.from({ length: n }, () => ["Praha", "Brno", "Ostrava"][Math.floor(r() * 3)]!), new Utf8()).data[0]!;
  const type = new Struct([new Field("id", new Int64(), false), new Field("label", new Utf8(), true)]);
  const struct = makeData({ type, length: n, nullCount: 0, children: [ids, utf8] });
  return [
    { name: "utf8", data: utf8 },
    { name: "large", data: large },
    { name: "ids", data: ids },
    { name: "f64", data: f64 },
    { name: "small", data: small },
    { name: "bin", data: bin },
    { name: "city", data: city },
    { name: "struct", data: struct },
  ];
}

const bytesOf = (columns: ReturnType<typeof encodeFieldV21>): Uint8Array[] => columns.flatMap((c) => c.pages.flatMap((p) => p.buffers));

function assertSameBuffers(actual: Uint8Array[], expected: Uint8Array[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: buffer count`);
  actual.forEach((b, k) => assert.ok(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(expected[k]!), `${label}: buffer ${k} differs`));
}

describe("encoding with a scratch", () => {
  for (const version of ["2.1", "2.2"]) {
    test(`pages equal those encoded without it, and stay so while later pages reuse it (file version ${version})`, () => {
      const scratch = new PageScratch();
      const kept: { label: string; buffers: Uint8Array[]; copies: Uint8Array[] }[] = [];
      // pages of growing and shrinking sizes, so the scratch both grows and is reused
      for (const [k, n] of [3000, 16_000, 500, 16_000, 7000].entries()) {
        for (const { name, data } of page(k + 1, n)) {
          const withScratch = encodeFieldV21(name, data, version, scratch);
          const without = encodeFieldV21(name, data, version);
          const label = `${name}, page ${k} (${n} rows)`;
          const buffers = bytesOf(withScratch);
          assertSameBuffers(buffers, bytesOf(without), label);
          kept.push({ label, buffers, copies: buffers.map((b) => b.slice()) });
        }
      }
      for (const { label, buffers, copies } of kept) assertSameBuffers(buffers, copies, `${label}: changed by a later page`);
    });
  }
});
