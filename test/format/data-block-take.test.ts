// takeFromBlock on variable-width blocks (dictionary lookups): values copied
// a word at a time, byte by byte near the end of the source, or as one block
// when long, equal a plain copy for any lengths, repeats and source offsets;
// and 32-bit indices read in place equal those assembled byte by byte.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { blockToU32, fixedBlock, takeFromBlock, type VariableBlock } from "../../src/format/encoding/data-block.js";

const CTX = { path: "data/x.lance", byteOffset: 0 };

test("property: variable-width takes equal a plain copy", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 90 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 80 }),
      fc.integer({ min: 0, max: 7 }),
      (values, picks, lead) => {
        // the block's bytes start `lead` bytes into their buffer
        const total = values.reduce((n, v) => n + v.length, 0);
        const buffer = new Uint8Array(lead + total);
        const offsets = new Uint32Array(values.length + 1);
        values.forEach((v, i) => {
          buffer.set(v, lead + offsets[i]!);
          offsets[i + 1] = offsets[i]! + v.length;
        });
        const block: VariableBlock = { kind: "variable", numValues: values.length, offsets, data: buffer.subarray(lead) };
        const indices = Uint32Array.from(picks, (p) => p % values.length);
        const out = takeFromBlock(block, indices, CTX);
        assert.equal(out.kind, "variable");
        const got = out as VariableBlock;
        assert.equal(got.data.length, got.offsets[indices.length]);
        for (let i = 0; i < indices.length; i++) {
          assert.deepEqual(got.data.subarray(got.offsets[i]!, got.offsets[i + 1]!), values[indices[i]!]!, `value ${i}`);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test("32-bit indices read in place or assembled give the same numbers", () => {
  const words = Uint32Array.of(0, 1, 0xffffffff, 123456789, 42);
  const bytes = new Uint8Array(words.buffer);
  const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
  unaligned.set(bytes);
  assert.deepEqual([...blockToU32(fixedBlock(32, 5, bytes), CTX)], [...words]);
  assert.deepEqual([...blockToU32(fixedBlock(32, 5, unaligned), CTX)], [...words]);
});
