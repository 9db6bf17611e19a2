// PartWriter over a scripted service: parts reassemble to the bytes written
// whatever the chunk sizes, no more than `concurrency` parts are in flight, the
// memory held stays within (concurrency + 1) parts however large the object,
// a small object is one PUT, and every failure aborts the upload once.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LanceError } from "../../src/core/errors.js";
import { PartWriter, type PartTarget, type PartUpload } from "../../src/io/part-writer.js";

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A service that stores parts after `delayMs`, failing the parts `failParts` names. */
function scripted(options: { partBytes: number; singleShotMaxBytes: number; concurrency: number; delayMs?: number; failParts?: number[]; maxParts?: number }) {
  const log = {
    puts: [] as Uint8Array[],
    started: 0,
    parts: new Map<number, Uint8Array>(),
    inFlight: 0,
    maxInFlight: 0,
    completed: undefined as string[] | undefined,
    aborts: 0,
    /** The buffers part bodies were views of. */
    buffers: new Set<ArrayBufferLike>(),
  };
  const upload: PartUpload = {
    async uploadPart(partNumber, body) {
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      log.buffers.add(body.buffer);
      const copy = body.slice();
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      log.inFlight--;
      if (options.failParts?.includes(partNumber)) throw Object.assign(new Error("injected"), { status: 500 });
      log.parts.set(partNumber, copy);
      return `tag-${partNumber}`;
    },
    async complete(tags) {
      log.completed = [...tags];
    },
    async abort() {
      log.aborts++;
    },
  };
  const target: PartTarget = {
    path: "mem://x/data/a.lance",
    partBytes: options.partBytes,
    singleShotMaxBytes: options.singleShotMaxBytes,
    concurrency: options.concurrency,
    maxParts: options.maxParts ?? 10_000,
    async putWhole(body) {
      log.puts.push(body.slice());
    },
    async startUpload() {
      log.started++;
      return upload;
    },
    fail: (err, operation) => (err instanceof LanceError ? err : new LanceError("IO", `${operation} of mem://x/data/a.lance failed: ${String(err)}`, { cause: err })),
  };
  /** The stored object: the parts in order, joined. */
  const assembled = (): Uint8Array => {
    const tags = log.completed ?? [];
    const pieces = tags.map((_, i) => log.parts.get(i + 1)!);
    const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  };
  return { target, log, assembled };
}

/** Writes `data` in chunks whose sizes cycle through `sizes`, reusing one buffer as a caller would. */
async function writeInChunks(writer: PartWriter, data: Uint8Array, sizes: number[]): Promise<void> {
  const scratch = new Uint8Array(Math.max(...sizes));
  for (let at = 0, i = 0; at < data.byteLength; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.byteLength - at);
    scratch.set(data.subarray(at, at + n));
    await writer.write(scratch.subarray(0, n));
    scratch.fill(0xee); // the writer must have copied what it keeps
    at += n;
  }
}

describe("PartWriter", () => {
  test("odd-sized chunks across part boundaries reassemble byte for byte, parts numbered in order", async () => {
    const partBytes = 1000;
    for (const sizes of [[1], [7, 999, 1001, 3], [2500, 1], [333]]) {
      const { target, log, assembled } = scripted({ partBytes, singleShotMaxBytes: 1500, concurrency: 3 });
      const writer = new PartWriter(target);
      const data = bytes(7 * partBytes + 421, sizes.length);
      await writeInChunks(writer, data, sizes);
      assert.equal(log.completed, undefined, "nothing completed before finish");
      assert.equal(await writer.finish(), data.byteLength);
      assert.deepEqual(log.completed, Array.from({ length: 8 }, (_, i) => `tag-${i + 1}`));
      assert.deepEqual(assembled(), data, `chunk sizes ${sizes.join(",")}`);
      for (let i = 1; i < 8; i++) assert.equal(log.parts.get(i)!.byteLength, partBytes);
      assert.equal(log.puts.length, 0);
      assert.equal(log.aborts, 0);
    }
  });

  test("an object within the threshold is one PUT at finish and begins no upload; one byte more is parts", async () => {
    const small = scripted({ partBytes: 100, singleShotMaxBytes: 250, concurrency: 2 });
    const writer = new PartWriter(small.target);
    await writer.write(bytes(200));
    await writer.write(bytes(50, 2));
    assert.equal(small.log.puts.length, 0, "nothing sent before finish");
    assert.equal(await writer.finish(), 250);
    assert.equal(small.log.started, 0);
    assert.deepEqual(small.log.puts, [new Uint8Array([...bytes(200), ...bytes(50, 2)])]);

    const empty = scripted({ partBytes: 100, singleShotMaxBytes: 250, concurrency: 2 });
    assert.equal(await new PartWriter(empty.target).finish(), 0);
    assert.deepEqual(empty.log.puts, [new Uint8Array(0)]);

    const over = scripted({ partBytes: 100, singleShotMaxBytes: 250, concurrency: 2 });
    const overWriter = new PartWriter(over.target);
    await overWriter.write(bytes(251, 3));
    await overWriter.finish();
    assert.equal(over.log.started, 1);
    assert.deepEqual(over.assembled(), bytes(251, 3));
    assert.equal(over.log.completed!.length, 3);
  });

  test("memory stays within (concurrency + 1) parts and concurrency parts are in flight, for an object of 40 parts", async () => {
    const partBytes = 64 * 1024;
    const concurrency = 3;
    const { target, log, assembled } = scripted({ partBytes, singleShotMaxBytes: partBytes, concurrency, delayMs: 5 });
    const writer = new PartWriter(target);
    const data = bytes(40 * partBytes + 17, 5);
    let peakSeen = 0;
    const sizes = [10_007, 150_001, 333];
    for (let at = 0, i = 0; at < data.byteLength; i++) {
      const n = Math.min(sizes[i % sizes.length]!, data.byteLength - at);
      await writer.write(data.subarray(at, at + n));
      peakSeen = Math.max(peakSeen, writer.bufferedBytes);
      at += n;
    }
    await writer.finish();
    assert.deepEqual(assembled(), data);
    assert.equal(log.maxInFlight, concurrency);
    assert.ok(writer.peakBufferedBytes <= (concurrency + 1) * partBytes, `peak ${writer.peakBufferedBytes} bytes`);
    assert.ok(writer.peakBufferedBytes >= peakSeen && peakSeen >= concurrency * partBytes, `peak ${writer.peakBufferedBytes}, seen ${peakSeen}`);
    assert.equal(writer.bufferedBytes, 0, "nothing held after finish");
  });

  test("uploadAll sends the caller's bytes as parts without staging them", async () => {
    const { target, log, assembled } = scripted({ partBytes: 1000, singleShotMaxBytes: 1000, concurrency: 2 });
    const writer = new PartWriter(target);
    const data = bytes(4500, 8);
    await writer.uploadAll(data);
    assert.deepEqual(assembled(), data);
    assert.equal(log.completed!.length, 5);
    assert.deepEqual([...log.buffers], [data.buffer], "parts are views of the caller's bytes");
    assert.ok(writer.peakBufferedBytes <= 3 * 1000 && log.maxInFlight === 2, `peak ${writer.peakBufferedBytes}`);
    await assert.rejects(writer.write(bytes(1)), /after the writer finished or aborted/);
  });

  test("a failed part rejects a later write or finish with a LanceError, aborts the upload once, and never completes it", async () => {
    for (const failAt of [1, 3]) {
      const { target, log } = scripted({ partBytes: 100, singleShotMaxBytes: 100, concurrency: 2, failParts: [failAt] });
      const writer = new PartWriter(target);
      let caught: unknown;
      try {
        for (let i = 0; i < 20; i++) await writer.write(bytes(90, i));
        await writer.finish();
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof LanceError && caught.code === "IO", String(caught));
      assert.match((caught as LanceError).message, /write of mem:\/\/x\/data\/a\.lance failed: Error: injected/);
      assert.equal(log.aborts, 1);
      assert.equal(log.completed, undefined);
      assert.equal(log.inFlight, 0, "no part left running");
      await writer.abort();
      assert.equal(log.aborts, 1, "abort after the failure has nothing more to do");
      await assert.rejects(writer.write(bytes(1)), /after the writer finished or aborted/);
    }
  });

  test("abort discards a begun upload after its parts settle; abort after finish changes nothing", async () => {
    const { target, log } = scripted({ partBytes: 100, singleShotMaxBytes: 100, concurrency: 4, delayMs: 20 });
    const writer = new PartWriter(target);
    await writer.write(bytes(450));
    await writer.abort();
    assert.equal(log.inFlight, 0);
    assert.equal(log.aborts, 1);
    await writer.abort();
    assert.equal(log.aborts, 1);
    await assert.rejects(writer.finish(), /after the writer finished or aborted/);

    const done = scripted({ partBytes: 100, singleShotMaxBytes: 100, concurrency: 4 });
    const finished = new PartWriter(done.target);
    await finished.write(bytes(250));
    await finished.finish();
    await finished.abort();
    assert.equal(done.log.aborts, 0);
  });

  test("an object needing more parts than the service allows is NOT_SUPPORTED and aborted", async () => {
    const { target, log } = scripted({ partBytes: 10, singleShotMaxBytes: 10, concurrency: 2, maxParts: 3 });
    const writer = new PartWriter(target);
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 10; i++) await writer.write(bytes(10, i));
        await writer.finish();
      })(),
      (err: unknown) => err instanceof LanceError && err.code === "NOT_SUPPORTED" && /more than 3 parts of 10 bytes/.test(err.message),
    );
    assert.equal(log.aborts, 1);
  });
});
