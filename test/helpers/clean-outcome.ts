// Reading a damaged file must end in a clean read or a LanceError, quickly:
// never another error type, never a hang.

import assert from "node:assert/strict";
import { LanceError } from "../../src/core/errors.js";

export async function expectCleanOutcome(read: () => Promise<unknown>, label: string, maxMs = 5000): Promise<"ok" | "error"> {
  const started = Date.now();
  try {
    await read();
    return "ok";
  } catch (err) {
    assert.ok(err instanceof LanceError, `${label}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return "error";
  } finally {
    assert.ok(Date.now() - started < maxMs, `${label}: took ${Date.now() - started} ms`);
  }
}
