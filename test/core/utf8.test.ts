// The UTF-8 validity check string columns go through: the JavaScript check
// agrees with a fatal TextDecoder on random and edge-case bytes, and reports
// the first invalid byte.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { firstInvalidUtf8, isAscii } from "../../src/core/utf8.js";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
function decodes(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe("UTF-8 validity", () => {
  test("agrees with a fatal TextDecoder on random bytes at every alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 3 }), (raw, shift) => {
        const buffer = new Uint8Array(raw.length + shift);
        buffer.set(raw, shift);
        const bytes = buffer.subarray(shift);
        assert.equal(firstInvalidUtf8(bytes) < 0, decodes(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  test("isAscii finds a byte of 0x80 or more at any position and alignment", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }), (length, shift, at, high) => {
        const buffer = new Uint8Array(length + shift).fill(0x41);
        const bytes = buffer.subarray(shift);
        assert.equal(isAscii(bytes), true);
        if (length === 0) return;
        bytes[at % length] = high;
        assert.equal(isAscii(bytes), false, `byte ${at % length} of ${length} at shift ${shift}`);
      }),
      { numRuns: 3000 },
    );
  });

  test("valid text of every width passes, long ASCII runs included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.integer({ min: 0, max: 70 }), (text, ascii) => {
        assert.equal(firstInvalidUtf8(new TextEncoder().encode("x".repeat(ascii) + text)), -1);
      }),
      { numRuns: 2000 },
    );
  });

  test("overlong forms, surrogates, code points past U+10FFFF and truncated sequences are refused where they start", () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc0, 0x80], 1], // overlong NUL
      [[0xe0, 0x80, 0xaf], 0], // overlong slash
      [[0x61, 0x62, 0xed, 0xa0, 0x80], 2], // surrogate U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // U+110000
      [[0x61, 0x62, 0x63, 0x64, 0x65, 0xe2, 0x82], 5], // truncated at the end
      [[0xff], 0],
      [[0x80], 0],
    ];
    for (const [bytes, at] of cases) {
      assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), at, bytes.map((b) => b.toString(16)).join(" "));
      assert.equal(decodes(Uint8Array.from(bytes)), false);
    }
  });
});
