// Runs corruption fuzz cases in child processes (see child.ts) and judges
// them: a case fails when an operation throws anything but a LanceError,
// returns data from outside the dataset root, runs past the per-case timeout,
// grows the process past the memory bound, or kills its process. Shared by
// the suite's test (a fixed seed, a bounded count) and `npm run fuzz`.

import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BatchMessage, ChildMessage } from "./child.js";
import { buildFixtures, type FuzzFixture } from "./fixtures.js";
import { generateCase, type FuzzCase } from "./mutate.js";

export interface FuzzOptions {
  seed: number;
  count: number;
  /** First case index (default 0); cases are (seed, start) .. (seed, start + count - 1). */
  start?: number;
  /** Run exactly these case indices instead of a range. */
  indices?: number[];
  /** Extra cases run as they are (the harness's own checks). */
  extraCases?: FuzzCase[];
  /** Per-case limit (default 20 s). */
  timeoutMs?: number;
  /** Resident memory limit of a case's process (default 1.5 GiB). */
  rssLimitBytes?: number;
  /** Cases per child process (default 25). */
  batchSize?: number;
  /** Child processes at once (default 1). */
  concurrency?: number;
  /** Scratch directory: fixtures and damaged copies. */
  workDir: string;
  /** Already built fixtures (built under workDir otherwise). */
  fixtures?: FuzzFixture[];
  onResult?: (r: CaseResult, done: number, total: number) => void;
}

export type CaseOutcome = "ok" | "error" | "failure";

export interface CaseResult {
  case: FuzzCase;
  outcome: CaseOutcome;
  /** LanceError codes met by the case's steps. */
  codes: string[];
  /** The first LanceError met, as "step: code: message". */
  firstError?: string;
  /** What went wrong, for failures. */
  failure?: string;
  /** "defect" (bad error type or data from outside), "hang", "memory", "crash". */
  failureKind?: "defect" | "hang" | "memory" | "crash";
  ms: number;
  maxRssBytes: number;
}

export interface FuzzSummary {
  seed: number;
  results: CaseResult[];
  failures: CaseResult[];
  /** Cases by first LanceError code ("ok" when every step succeeded). */
  byCode: Record<string, number>;
  slowest: CaseResult | undefined;
  maxRssBytes: number;
  ms: number;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `cases` in one child after another until all have a result. */
async function runCases(cases: FuzzCase[], fixtures: FuzzFixture[], opts: Required<Pick<FuzzOptions, "timeoutMs" | "rssLimitBytes" | "workDir">>, report: (r: CaseResult) => void): Promise<void> {
  let pending = [...cases];
  while (pending.length > 0) {
    const done = await runChild(pending, fixtures, opts, report);
    pending = pending.filter((c) => !done.has(c.index));
  }
}

function runChild(cases: FuzzCase[], fixtures: FuzzFixture[], opts: Required<Pick<FuzzOptions, "timeoutMs" | "rssLimitBytes" | "workDir">>, report: (r: CaseResult) => void): Promise<Set<number>> {
  return new Promise((resolve) => {
    const done = new Set<number>();
    const child: ChildProcess = fork(CHILD, [], { execArgv: ["--import", "tsx", "--max-old-space-size=4096"], stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let current: { index: number; started: number } | undefined;
    let peak = 0;
    let judged: { kind: "hang" | "memory"; detail: string } | undefined;
    const byIndex = new Map(cases.map((c) => [c.index, c]));
    const finish = (c: FuzzCase, r: Omit<CaseResult, "case">): void => {
      done.add(c.index);
      report({ case: c, ...r });
    };
    const watch = setInterval(() => {
      if (!current || judged) return;
      const rss = rssOf(child.pid!);
      peak = Math.max(peak, rss);
      const elapsed = Date.now() - current.started;
      if (rss > opts.rssLimitBytes) judged = { kind: "memory", detail: `resident memory reached ${(rss / 2 ** 20).toFixed(0)} MiB (limit ${(opts.rssLimitBytes / 2 ** 20).toFixed(0)} MiB)` };
      else if (elapsed > opts.timeoutMs) judged = { kind: "hang", detail: `no result after ${elapsed} ms (limit ${opts.timeoutMs} ms)` };
      if (judged) child.kill("SIGKILL");
    }, 50);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "start") {
        current = { index: m.index, started: Date.now() };
        peak = 0;
      } else if (m.type === "done") {
        const c = byIndex.get(m.index)!;
        current = undefined;
        const failed = m.outcome.failure !== undefined;
        const result: Omit<CaseResult, "case"> = {
          outcome: failed ? "failure" : m.outcome.codes.length > 0 ? "error" : "ok",
          codes: m.outcome.codes,
          ms: m.ms,
          maxRssBytes: Math.max(m.maxRssBytes, peak),
        };
        if (m.outcome.firstError) result.firstError = m.outcome.firstError;
        if (failed) {
          result.failure = m.outcome.failure!;
          result.failureKind = "defect";
        }
        finish(c, result);
      } else if (m.type === "uncaught" && current) {
        const c = byIndex.get(current.index)!;
        finish(c, { outcome: "failure", failureKind: "defect", failure: `uncaught: ${m.error}`, codes: [], ms: Date.now() - current.started, maxRssBytes: peak });
        current = undefined;
      }
    });
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      if (current && !done.has(current.index)) {
        const c = byIndex.get(current.index)!;
        const ms = Date.now() - current.started;
        if (judged) finish(c, { outcome: "failure", failureKind: judged.kind, failure: judged.detail, codes: [], ms, maxRssBytes: peak });
        else finish(c, { outcome: "failure", failureKind: "crash", failure: `the process died (exit ${code}, signal ${signal}): ${stderr.trim().split("\n").slice(-8).join("\n")}`, codes: [], ms, maxRssBytes: peak });
      } else if (done.size === 0 && (code !== 0 || signal)) {
        // died before its first case: blame the first so the run moves on
        finish(cases[0]!, { outcome: "failure", failureKind: "crash", failure: `the process died before its first case (exit ${code}, signal ${signal}): ${stderr.trim().split("\n").slice(-8).join("\n")}`, codes: [], ms: 0, maxRssBytes: 0 });
      }
      resolve(done);
    });
    const message: BatchMessage = { cases, fixtures, workDir: opts.workDir };
    child.send(message);
  });
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  mkdirSync(options.workDir, { recursive: true });
  const fixtures = options.fixtures ?? (await buildFixtures(join(options.workDir, "fixtures")));
  const start = options.start ?? 0;
  const indices = options.indices ?? Array.from({ length: options.count }, (_, i) => start + i);
  const cases = [...indices.map((i) => generateCase(options.seed, i, fixtures)), ...(options.extraCases ?? [])];
  const batchSize = options.batchSize ?? 25;
  const batches: FuzzCase[][] = [];
  for (let i = 0; i < cases.length; i += batchSize) batches.push(cases.slice(i, i + batchSize));
  const limits = { timeoutMs: options.timeoutMs ?? 20_000, rssLimitBytes: options.rssLimitBytes ?? 1.5 * 2 ** 30, workDir: join(options.workDir, "cases") };
  const results: CaseResult[] = [];
  const report = (r: CaseResult): void => {
    results.push(r);
    options.onResult?.(r, results.length, cases.length);
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) await runCases(batches[next++]!, fixtures, limits, report);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
  results.sort((a, b) => a.case.index - b.case.index);
  const byCode: Record<string, number> = {};
  for (const r of results) {
    const key = r.outcome === "failure" ? `failure:${r.failureKind}` : (r.codes[0] ?? "ok");
    byCode[key] = (byCode[key] ?? 0) + 1;
  }
  const slowest = results.reduce<CaseResult | undefined>((a, r) => (!a || r.ms > a.ms ? r : a), undefined);
  return {
    seed: options.seed,
    results,
    failures: results.filter((r) => r.outcome === "failure"),
    byCode,
    slowest,
    maxRssBytes: results.reduce((m, r) => Math.max(m, r.maxRssBytes), 0),
    ms: Date.now() - started,
  };
}

/** One line per mutation, for reports. */
export function describeCase(c: FuzzCase): string {
  return `${c.fixture} ${c.mutations.map((m) => (m.target === "control" ? `control ${m.kind}` : m.target === "bytes" ? `${m.role} ${JSON.stringify(m.mutation)}` : `${m.role} ${JSON.stringify(m.edit)}`)).join(" + ")}`;
}

/** The summary as text: totals, outcomes by code, slowest case, peak memory, and every failure with its replay command. */
export function formatSummary(s: FuzzSummary): string {
  const lines: string[] = [];
  lines.push(`seed ${s.seed}: ${s.results.length} cases in ${(s.ms / 1000).toFixed(1)} s, ${s.failures.length} failure${s.failures.length === 1 ? "" : "s"}`);
  for (const [k, n] of Object.entries(s.byCode).sort((a, b) => b[1] - a[1])) lines.push(`  ${k.padEnd(20)} ${n}`);
  if (s.slowest) lines.push(`slowest: case ${s.slowest.case.index} ${s.slowest.ms.toFixed(0)} ms (${describeCase(s.slowest.case)})`);
  lines.push(`max RSS: ${(s.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
  for (const f of s.failures) {
    lines.push("");
    lines.push(`FAILURE (${f.failureKind}) case ${f.case.index}: ${describeCase(f.case)}`);
    lines.push(`  replay: npm run fuzz -- --seed ${f.case.seed} --case ${f.case.index}`);
    lines.push(`  ${(f.failure ?? "").split("\n").slice(0, 12).join("\n  ")}`);
  }
  return lines.join("\n");
}
