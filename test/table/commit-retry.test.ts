// Commits keep retrying while other writers win the next version: appends
// never conflict with appends, so a busy table delays a commit but does not
// fail it, up to a deadline (timeoutMs); past it, a retryable
// CommitConflictError and nothing published.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CommitConflictError } from "../../src/core/errors.js";
import { MemoryStore } from "../../src/io/memory-store.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { textTable } from "../helpers/oracle.js";

/** A store on which the next `losses` manifest publications lose the race, as if other writers took the version first. */
class ContendedStore extends MemoryStore {
  losses = 0;
  attempts = 0;

  override async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    if (path.startsWith("_versions/")) {
      this.attempts++;
      if (this.losses > 0) {
        this.losses--;
        return false;
      }
    }
    return super.putIfAbsent(path, data);
  }
}

describe("commit retries", () => {
  test("an append that loses the race 22 times in a row still commits", async () => {
    const store = new ContendedStore("memory://contended/");
    await writeDataset(store, textTable(10));
    store.losses = 22; // more than the 20 attempts commits used to give up after
    store.attempts = 0;
    const next = await (await openDataset(store)).append(textTable(5, 10));
    assert.equal(store.attempts, 23);
    assert.equal(next.version, 2);
    assert.equal(next.countRows(), 15);
  });

  test("past the deadline: a retryable CommitConflictError saying how long it tried, nothing published", async () => {
    const store = new ContendedStore("memory://busy/");
    await writeDataset(store, textTable(10));
    store.losses = Number.POSITIVE_INFINITY;
    const ds = await openDataset(store);
    const started = Date.now();
    await assert.rejects(ds.append(textTable(5, 10), { timeoutMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof CommitConflictError, String(err));
      assert.equal(err.retryable, true);
      assert.match(err.message, /gave up after \d+ attempts in \d+\.\d s .*raise timeoutMs/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, "the deadline is kept");
    assert.equal((await openDataset(store)).version, 1);
    // the failed append's data files and transaction file are gone
    assert.deepEqual((await store.list("data/")).length, 1);
    assert.deepEqual((await store.list("_transactions/")).length, 1);
  });

  test("an input stream that fails after a data file was written leaves nothing behind", async () => {
    const store = new ContendedStore("memory://failing/");
    await writeDataset(store, textTable(10));
    const before = (await store.list("")).map((m) => m.path).sort();
    async function* failing() {
      yield* textTable(30, 10).batches;
      throw new Error("the source went away");
    }
    await assert.rejects((await openDataset(store)).append(failing(), { maxRowsPerFile: 10 }), /the source went away/);
    assert.deepEqual((await store.list("")).map((m) => m.path).sort(), before);
  });
});
