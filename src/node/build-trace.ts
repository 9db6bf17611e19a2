// An opt-in trace of a build on worker threads: when each segment was queued,
// started, had its dataset open and finished, and how the thread spent the
// time between (on a CPU, waiting for one, waiting for I/O), plus the serial
// parts on the calling thread (planning before, commit after). It tells a
// build that does not scale apart: segments of unequal work (one lane idle
// while the other runs), serial parts, threads starved of CPU by a loaded
// machine, or threads waiting on reads.
//
// Thread CPU time comes from Linux's /proc/thread-self/schedstat (nanoseconds
// on a CPU, nanoseconds runnable but waiting for one); elsewhere those fields
// are absent.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/** CPU time of the calling thread so far (Linux), in milliseconds. */
export interface ThreadClock {
  /** On a CPU. */
  cpuMs: number;
  /** Runnable but waiting for a CPU (the machine's load). */
  waitMs: number;
}

/** The calling thread's CPU clock, or undefined where /proc/thread-self is not readable. */
export function threadClock(): ThreadClock | undefined {
  try {
    const [run, wait] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ");
    const cpuMs = Number(run) / 1e6;
    const waitMs = Number(wait) / 1e6;
    return Number.isFinite(cpuMs) && Number.isFinite(waitMs) ? { cpuMs, waitMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds since the epoch, sub-millisecond, comparable across threads of one process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** What a worker thread measured while building one segment. */
export interface SegmentWorkTrace {
  /** worker_threads threadId of the thread that built it. */
  threadId: number;
  /** The module the thread ran (compiled, bundled or the TypeScript source). */
  workerUrl: string;
  /** When that thread started (its modules loading until its first task). */
  threadStartedAt: number;
  /** The thread took the task. */
  startedAt: number;
  /** Its dataset version was open. */
  openedAt: number;
  /** The segment's files were written. */
  builtAt: number;
  /** Thread CPU time during the task (undefined off Linux). */
  cpuMs?: number;
  /** Time the thread was runnable but had no CPU during the task (undefined off Linux). */
  runQueueMs?: number;
  /** Time the thread's event loop waited for I/O during the task. */
  ioWaitMs: number;
  /** Largest V8 heap of the thread seen at the end of the task (bytes). */
  heapBytes: number;
  /** The memory budget the segment was built within (bytes): its share of the executor's. */
  memoryBytes?: number;
  /** The thread's V8 young generation limit in MiB (WorkerPool youngGenerationMb). */
  youngGenerationMb?: number;
}

/** One segment of a traced build: the coordinator's view and the thread's. */
export interface SegmentTrace extends SegmentWorkTrace {
  groupIndex: number;
  plannedRows: number;
  fragmentIds: number[];
  /** The coordinator handed the task to the pool. */
  queuedAt: number;
  /** The coordinator had the segment back. */
  finishedAt: number;
}

/** A traced build on worker threads. */
export interface BuildTrace {
  /** The executor was given the planned job. */
  startedAt: number;
  /** Every segment was back; the commit started. */
  commitStartedAt: number;
  /** The index was committed. */
  committedAt: number;
  /** CPU time of the calling thread from start to commit (undefined off Linux). */
  coordinatorCpuMs?: number;
  segments: SegmentTrace[];
}

/** Figures drawn from a trace, in milliseconds unless named otherwise. */
export interface BuildTraceSummary {
  wallMs: number;
  commitMs: number;
  /** Sum of the threads' CPU time over all segments. */
  workerCpuMs: number;
  /** The most CPU time one thread spent, its segments added: the build's critical path in CPU. */
  criticalCpuMs: number;
  /** Per thread: CPU, run-queue wait and I/O wait over its segments, and when its last segment ended (ms after start). */
  threads: { threadId: number; segments: number; rows: number; cpuMs: number; runQueueMs: number; ioWaitMs: number; busyMs: number; doneAtMs: number }[];
  /** Time between the first and the last thread finishing its work: a lane idle while another still runs. */
  imbalanceMs: number;
  /** Start of the threads this build started (environment and modules loading until the first task), summed. */
  threadStartMs: number;
}

/** Adds a trace's segments up per thread. */
export function summarizeBuildTrace(trace: BuildTrace): BuildTraceSummary {
  const byThread = new Map<number, BuildTraceSummary["threads"][number]>();
  const firstTask = new Map<number, SegmentTrace>();
  for (const s of trace.segments) {
    const t = byThread.get(s.threadId) ?? { threadId: s.threadId, segments: 0, rows: 0, cpuMs: 0, runQueueMs: 0, ioWaitMs: 0, busyMs: 0, doneAtMs: 0 };
    t.segments++;
    t.rows += s.plannedRows;
    t.cpuMs += s.cpuMs ?? 0;
    t.runQueueMs += s.runQueueMs ?? 0;
    t.ioWaitMs += s.ioWaitMs;
    t.busyMs += s.builtAt - s.startedAt;
    t.doneAtMs = Math.max(t.doneAtMs, s.builtAt - trace.startedAt);
    byThread.set(s.threadId, t);
    const first = firstTask.get(s.threadId);
    if (!first || s.startedAt < first.startedAt) firstTask.set(s.threadId, s);
  }
  // a thread started by this build loaded its modules between its start and its first task
  let threadStartMs = 0;
  for (const s of firstTask.values()) if (s.threadStartedAt >= trace.startedAt) threadStartMs += Math.max(0, s.startedAt - s.threadStartedAt);
  const threads = [...byThread.values()].sort((a, b) => a.threadId - b.threadId);
  const done = threads.map((t) => t.doneAtMs);
  return {
    wallMs: trace.committedAt - trace.startedAt,
    commitMs: trace.committedAt - trace.commitStartedAt,
    workerCpuMs: threads.reduce((n, t) => n + t.cpuMs, 0),
    criticalCpuMs: Math.max(0, ...threads.map((t) => t.cpuMs)),
    threads,
    imbalanceMs: done.length > 1 ? Math.max(...done) - Math.min(...done) : 0,
    threadStartMs,
  };
}

/** A few lines describing a trace, for logs and benchmarks. */
export function formatBuildTrace(trace: BuildTrace): string {
  const s = summarizeBuildTrace(trace);
  const f = (ms: number): string => (ms / 1000).toFixed(2);
  const lines = [
    `wall ${f(s.wallMs)} s, commit ${f(s.commitMs)} s, coordinator CPU ${trace.coordinatorCpuMs === undefined ? "?" : f(trace.coordinatorCpuMs)} s, ` +
      `worker CPU ${f(s.workerCpuMs)} s (critical path ${f(s.criticalCpuMs)} s), lanes end ${f(s.imbalanceMs)} s apart, thread start ${f(s.threadStartMs)} s`,
  ];
  for (const t of s.threads) {
    lines.push(
      `  thread ${t.threadId}: ${t.segments} segment(s), ${t.rows} rows, busy ${f(t.busyMs)} s = CPU ${f(t.cpuMs)} + run queue ${f(t.runQueueMs)} + I/O wait ${f(t.ioWaitMs)} s, done at ${f(t.doneAtMs)} s`,
    );
  }
  return lines.join("\n");
}
