// A live view of distributed index builds: the segment build jobs in the
// BullMQ queue ("<prefix>-build", see bullmq.ts), each with its state (queued,
// running, done, failed), the worker that took it and its progress, counted
// per worker. Read-only: it never adds, moves or removes a job.

import type { Job, Queue } from "bullmq";
import type { SegmentBuildTask } from "../distributed/jobs.js";
import { checkRedis, connectionFor, queueNames, type RedisOptions } from "./bullmq.js";

export type SegmentJobState = "queued" | "running" | "done" | "failed";

export interface SegmentJobStatus {
  jobId: string;
  /** The index being built, its column and the dataset version it is built from. */
  index: string;
  column: string;
  datasetVersion: number;
  groupIndex: number;
  fragmentIds: number[];
  plannedRows: number;
  rowsDone: number | null;
  state: SegmentJobState;
  /** The worker that took the job (its name), null while queued. */
  worker: string | null;
  attemptsMade: number;
  failedReason: string | null;
}

export interface WorkerCounts {
  worker: string;
  queued: number;
  running: number;
  done: number;
  failed: number;
}

export interface BuildStatus {
  prefix: string;
  /** Workers connected to the build queue now. */
  workersConnected: number;
  segments: SegmentJobStatus[];
  /** Jobs per worker; queued jobs, which no worker holds yet, under "(queued)". */
  workers: WorkerCounts[];
}

export interface BuildWatcher {
  read(): Promise<BuildStatus>;
  close(): Promise<void>;
}

/** Jobs read per poll: the newest of each state. */
const MAX_JOBS = 1000;

const STATES: Record<string, SegmentJobState> = {
  waiting: "queued",
  "waiting-children": "queued",
  delayed: "queued",
  prioritized: "queued",
  paused: "queued",
  active: "running",
  completed: "done",
  failed: "failed",
};

function statusOf(job: Job, state: SegmentJobState): SegmentJobStatus | undefined {
  const task = (job.data as { task?: SegmentBuildTask } | undefined)?.task;
  if (!task || typeof task.groupIndex !== "number") return undefined;
  const progress = job.progress as { rowsDone?: unknown } | number | undefined;
  const rowsDone = state === "done" ? task.plannedRows : typeof progress === "object" && typeof progress?.rowsDone === "number" ? progress.rowsDone : null;
  return {
    jobId: String(job.id),
    index: task.name,
    column: task.column,
    datasetVersion: task.version,
    groupIndex: task.groupIndex,
    fragmentIds: [...task.fragmentIds],
    plannedRows: task.plannedRows,
    rowsDone,
    state,
    worker: state === "queued" ? null : (job.processedBy ?? null),
    attemptsMade: job.attemptsMade,
    failedReason: state === "failed" ? (job.failedReason ?? null) : null,
  };
}

function countPerWorker(segments: SegmentJobStatus[]): WorkerCounts[] {
  const counts = new Map<string, WorkerCounts>();
  for (const s of segments) {
    const worker = s.worker ?? "(queued)";
    let c = counts.get(worker);
    if (!c) counts.set(worker, (c = { worker, queued: 0, running: 0, done: 0, failed: 0 }));
    c[s.state]++;
  }
  return [...counts.values()].sort((a, b) => a.worker.localeCompare(b.worker));
}

/** Watches the build queue of a prefix; `read()` answers with the jobs it holds now. */
export async function openBuildWatcher(options: RedisOptions): Promise<BuildWatcher> {
  const timeout = options.connectTimeoutMs ?? 5000;
  await checkRedis(options.redisUrl, timeout);
  const prefix = options.prefix ?? "lancets";
  const { Queue } = await import("bullmq");
  const queue: Queue = new Queue(queueNames(prefix).build, { connection: connectionFor(options.redisUrl, timeout) });
  return {
    async read() {
      const byId = new Map<string, SegmentJobStatus>();
      // states in the order jobs pass through them, so a job that moves on between two reads is
      // found in both and kept in the later one (read the other way round it could be missed)
      for (const [name, state] of Object.entries(STATES)) {
        for (const job of await queue.getJobs([name as "waiting"], 0, MAX_JOBS - 1)) {
          const status = job ? statusOf(job, state) : undefined;
          if (status) byId.set(status.jobId, status);
        }
      }
      const segments = [...byId.values()];
      segments.sort((a, b) => a.index.localeCompare(b.index) || a.datasetVersion - b.datasetVersion || a.groupIndex - b.groupIndex);
      const workersConnected = (await queue.getWorkers().catch(() => [])).length;
      return { prefix, workersConnected, segments, workers: countPerWorker(segments) };
    },
    async close() {
      await queue.close();
    },
  };
}
