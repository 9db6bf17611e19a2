// The process that runs fuzz cases, one batch at a time: the runner sends a
// batch over IPC, this process reports "start" before each case and the
// outcome after it, and exits when the batch is done. A hang, a crash or a
// runaway allocation therefore costs only this process, and the runner knows
// which case caused it.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { applyCase, type FuzzCase } from "./mutate.js";
import { judgeError, runOperations, type OperationsOutcome } from "./operations.js";
import type { FuzzFixture } from "./fixtures.js";

export interface BatchMessage {
  cases: FuzzCase[];
  fixtures: FuzzFixture[];
  workDir: string;
}

export type ChildMessage =
  | { type: "start"; index: number }
  | { type: "done"; index: number; outcome: OperationsOutcome; ms: number; maxRssBytes: number }
  | { type: "uncaught"; error: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function control(kind: string, c: FuzzCase, fixture: FuzzFixture, dir: string): Promise<OperationsOutcome> {
  if (kind === "type-error") {
    const out: OperationsOutcome = { codes: [], okSteps: 0 };
    judgeError("control", new TypeError("Cannot read properties of null (reading 'x')"), out);
    return out;
  }
  if (kind === "hang") for (;;);
  if (kind === "memory") {
    const held: Buffer[] = [];
    for (let i = 0; i < 32; i++) held.push(Buffer.alloc(64 * 1024 * 1024, 1));
    return { codes: [], okSteps: held.length };
  }
  // "leak": the operations pointed at the sentinel dataset itself must report its rows
  const applied = applyCase({ ...c, mutations: [] }, fixture, dir);
  return runOperations(join(applied.root, "outside", "secret.lance"), { filters: fixture.filters });
}

async function runBatch(batch: BatchMessage): Promise<void> {
  for (const c of batch.cases) {
    // a path of its own per case: lancets caches index segments by location and uuid, which copies share
    const dir = join(batch.workDir, `case-${c.seed}-${c.index}-${process.pid}`);
    await send({ type: "start", index: c.index });
    const started = performance.now();
    let outcome: OperationsOutcome;
    const ctl = c.mutations.find((m) => m.target === "control");
    const fixture = batch.fixtures.find((f) => f.name === c.fixture)!;
    if (ctl && ctl.target === "control") {
      outcome = await control(ctl.kind, c, fixture, dir);
    } else {
      let applied;
      try {
        applied = applyCase(c, fixture, dir);
      } catch (err) {
        throw new Error(`the fuzz could not apply case ${c.index}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      outcome = await runOperations(applied.path, { filters: fixture.filters, ...(fixture.ftsQuery ? { ftsQuery: fixture.ftsQuery } : {}) });
    }
    const ms = performance.now() - started;
    rmSync(dir, { recursive: true, force: true });
    await send({ type: "done", index: c.index, outcome, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  }
}

process.on("uncaughtException", (err) => {
  void send({ type: "uncaught", error: err.stack ?? String(err) }).then(() => process.exit(3));
});
process.on("unhandledRejection", (err) => {
  void send({ type: "uncaught", error: err instanceof Error ? (err.stack ?? err.message) : String(err) }).then(() => process.exit(3));
});
process.once("message", (batch: BatchMessage) => {
  runBatch(batch).then(
    () => process.disconnect(),
    (err: unknown) => {
      void send({ type: "uncaught", error: err instanceof Error ? (err.stack ?? err.message) : String(err) }).then(() => process.exit(3));
    },
  );
});
