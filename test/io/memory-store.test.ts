// The in-memory store applies the same read bounds as the local one: a
// caller's bound on a whole object and the store's cap on one result; its
// writer keeps the ObjectWriter contract.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { writerConformance } from "../helpers/store-conformance.js";

function expectCode(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  return assert.rejects(promise, (err: unknown) => err instanceof LanceError && err.code === code && pattern.test(err.message));
}

describe("memory store read bounds", () => {
  test("whole reads past maxBytes are CORRUPT_FILE, results past the cap NOT_SUPPORTED", async () => {
    const store = new MemoryStore("memory://", { maxReadBytes: 100 });
    await store.put("a/m.manifest", new Uint8Array(64).fill(1));
    await store.put("a/big", new Uint8Array(200));
    assert.equal((await store.read("a/m.manifest", { maxBytes: 64 })).byteLength, 64);
    await expectCode(store.read("a/m.manifest", { maxBytes: 63 }), "CORRUPT_FILE", /a\/m\.manifest: object of 64 bytes .*at most 63 bytes/);
    await expectCode(store.read("a/big"), "NOT_SUPPORTED", /cannot read 200 bytes/);
    assert.equal((await store.readRange("a/big", 100, 100)).byteLength, 100);
    await expectCode(store.readRange("a/big", 0, 101), "NOT_SUPPORTED", /limit of a single read/);
    await expectCode(store.readRange("a/big", 1.5, 1), "CORRUPT_FILE", /passes the end/);
  });
});

describe("memory store writer", () => {
  writerConformance(async (prefix) => new MemoryStore(`memory://${prefix}`), { partBytes: 64 * 1024 });
});
