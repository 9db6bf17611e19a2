// Deep corruption fuzz runs: `npm run fuzz -- --count N [--seed S] [--start I]
// [--case I] [--concurrency C] [--timeout MS] [--keep DIR] [--verbose]`. Prints a summary
// (cases, outcomes by error code, slowest case, peak memory) and every failure
// with the command that replays it; exits 1 when any case failed.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeCase, formatSummary, runFuzz } from "../test/fuzz/runner.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "500" },
    seed: { type: "string" },
    start: { type: "string", default: "0" },
    case: { type: "string", multiple: true },
    concurrency: { type: "string", default: "1" },
    timeout: { type: "string", default: "20000" },
    "batch-size": { type: "string", default: "25" },
    keep: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

function int(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${text}`);
    process.exit(2);
  }
  return n;
}

const seed = values.seed !== undefined ? int("seed", values.seed) : Math.floor(Math.random() * 2 ** 31);
const workDir = values.keep ?? mkdtempSync(join(tmpdir(), "lancets-fuzz-"));
console.log(`fuzz: seed ${seed}, work directory ${workDir}`);
let lastPrint = 0;
const summary = await runFuzz({
  seed,
  count: int("count", values.count!),
  start: int("start", values.start!),
  ...(values.case ? { indices: values.case.map((c) => int("case", c)), batchSize: 1 } : { batchSize: int("batch-size", values["batch-size"]!) }),
  concurrency: Math.max(1, int("concurrency", values.concurrency!)),
  timeoutMs: int("timeout", values.timeout!),
  workDir,
  onResult: (r, done, total) => {
    if (r.outcome === "failure") console.log(`case ${r.case.index}: FAILURE (${r.failureKind})`);
    else if (values.verbose) console.log(`case ${r.case.index} ${r.ms.toFixed(0)} ms ${describeCase(r.case)}\n  -> ${r.firstError ?? "ok"}`);
    if (Date.now() - lastPrint > 5000 || done === total) {
      lastPrint = Date.now();
      console.log(`${done}/${total} cases`);
    }
  },
});
console.log(formatSummary(summary));
if (values.keep === undefined) rmSync(workDir, { recursive: true, force: true });
process.exit(summary.failures.length > 0 ? 1 : 0);
