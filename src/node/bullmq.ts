// Distributed index builds on BullMQ over Redis. A build is a flow: one child
// job per fragment group (queue "<prefix>-build") and a parent commit job
// (queue "<prefix>-commit"). `lancets worker` processes serve both queues:
// children build one uncommitted segment each on a worker thread (so the event
// loop keeps renewing the job lock) and return only the segment's JSON; the
// parent collects them and commits once (committing twice is harmless).
// Jobs carry the dataset URI and only the storage options that hold no secret
// (distributed/shared-storage-options.ts); each worker adds its own
// credentials from its command line and environment.

import type { ConnectionOptions } from "bullmq";
import { availableParallelism, hostname } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { LanceError } from "../core/errors.js";
import { commitJob, type IndexBuildJob, type IndexExecutor, type SegmentBuildTask, type SegmentProgress } from "../distributed/jobs.js";
import { shareStorageOptions } from "../distributed/shared-storage-options.js";
import { removeSegmentFiles } from "../index/segments-api.js";
import type { IndexSegment } from "../index/segment.js";
import { Snapshot } from "../table/snapshot.js";
import { kindOf, resolveStorageOptions } from "./object-store-uri.js";
import { openDataset } from "./open-dataset.js";
import type { WorkerResult, WorkerTask } from "./segment-worker.js";
import { resolveWorkerCode, workerExecArgv } from "./worker-code.js";

// BullMQ and ioredis are loaded on first use, so importing lancets (to read a file, say) never
// loads a Redis client.
const loadBullMQ = (): Promise<typeof import("bullmq")> => import("bullmq");
const loadRedis = async (): Promise<typeof import("ioredis").Redis> => (await import("ioredis")).Redis;

export interface RedisOptions {
  /** redis://host:port[/db] */
  redisUrl: string;
  /** Queue name prefix (default "lancets"). */
  prefix?: string;
  /** How long to wait for Redis before giving up (default 5000 ms). */
  connectTimeoutMs?: number;
}

export interface BullMQTiming {
  /** Job lock time; a worker that stops renewing it for this long loses the job (default 60 s). */
  lockDuration?: number;
  /** How often workers look for jobs whose lock expired (default 15 s). */
  stalledInterval?: number;
}

export function connectionFor(url: string, connectTimeoutMs: number): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LanceError("INVALID_INPUT", `not a Redis URL: ${url} (expected redis://host:port)`);
  }
  if (parsed.protocol !== "redis:") throw new LanceError("INVALID_INPUT", `not a Redis URL: ${url} (expected redis://host:port)`);
  return {
    host: parsed.hostname || "127.0.0.1",
    port: Number(parsed.port || 6379),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    maxRetriesPerRequest: null,
    connectTimeout: connectTimeoutMs,
  };
}

/** Fails with a clear IO error when Redis does not answer within the timeout. */
export async function checkRedis(url: string, connectTimeoutMs = 5000): Promise<void> {
  const options = connectionFor(url, connectTimeoutMs) as Record<string, unknown>;
  const Redis = await loadRedis();
  const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on("error", () => undefined);
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), connectTimeoutMs).unref());
  try {
    await Promise.race([client.connect().then(() => client.ping()), timer]);
  } catch (err) {
    throw new LanceError("IO", `cannot reach Redis at ${url} within ${connectTimeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    client.disconnect();
  }
}

export function queueNames(prefix: string): { build: string; commit: string } {
  return { build: `${prefix}-build`, commit: `${prefix}-commit` };
}

/** What a job in Redis holds: plain JSON, readable by anyone with access to the queue. */
interface CommitData {
  job: Omit<IndexBuildJob, "tasks">;
  /** The non-secret storage options of an object-store dataset (endpoint, region, ...). */
  storageOptions?: Record<string, string>;
}

interface BuildData {
  task: SegmentBuildTask;
  storageOptions?: Record<string, string>;
}

/**
 * The options a worker opens a job's dataset with: its own (command line,
 * then environment) first, the job's non-secret options for the rest.
 * Undefined for datasets that are not in an object store.
 */
export function workerStorageOptions(uri: string, fromJob: Record<string, string> | undefined, own: Record<string, string> | undefined, env: Record<string, string | undefined> = process.env): Record<string, string> | undefined {
  const kind = kindOf(uri);
  if (kind === undefined) return undefined;
  return { ...resolveStorageOptions(kind, fromJob ?? {}, {}), ...resolveStorageOptions(kind, own ?? {}, env) };
}

export interface BullMQExecutorOptions extends RedisOptions {
  /** Attempts per segment build (default 3). */
  attempts?: number;
  /** Give up waiting for the whole flow after this long (default: wait); the build is then withdrawn. */
  timeoutMs?: number;
  /** Withdraws the build when aborted (e.g. on Ctrl-C): queued segment builds and the commit are removed. */
  signal?: AbortSignal;
  /** Messages about the build's state, such as waiting for workers to connect. */
  onStatus?: (text: string) => void;
}

/** Option names worth saying are kept back (the rest withheld are names not known to be harmless). */
const CREDENTIAL_NAME = /key|secret|token|sas|password|credential/i;

/** How often the executor says it is still waiting for workers. */
const WORKER_CHECK_MS = 10_000;

/** Submits index builds as BullMQ flows and waits for their commit. */
export class BullMQExecutor implements IndexExecutor {
  constructor(private readonly options: BullMQExecutorOptions) {}

  async run(ds: Snapshot, job: IndexBuildJob, onProgress?: (p: SegmentProgress) => void): Promise<Snapshot> {
    if (/^memory:\/\//i.test(job.uri)) {
      throw new LanceError("NOT_SUPPORTED", `a memory:// dataset lives in one process; workers cannot reach ${job.uri} (use LocalExecutor, or a dataset in an object store or on a shared volume)`);
    }
    const { shared, withheld } = shareStorageOptions(ds.store.storageOptions);
    const storageOptions = Object.keys(shared).length > 0 ? { storageOptions: shared } : {};
    const credentials = withheld.filter((name) => CREDENTIAL_NAME.test(name));
    if (credentials.length > 0) this.options.onStatus?.(`credentials (${credentials.join(", ")}) stay on this machine; workers use their own (lancets worker --storage-option, or AWS_* / AZURE_* variables)`);
    const timeout = this.options.connectTimeoutMs ?? 5000;
    await checkRedis(this.options.redisUrl, timeout);
    const connection = connectionFor(this.options.redisUrl, timeout);
    const names = queueNames(this.options.prefix ?? "lancets");
    const { FlowProducer, Job, Queue, QueueEvents } = await loadBullMQ();
    const flow = new FlowProducer({ connection });
    const buildEvents = new QueueEvents(names.build, { connection });
    const commitEvents = new QueueEvents(names.commit, { connection });
    const groupOfJob = new Map<string, SegmentBuildTask>();
    const onBuildProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      const task = groupOfJob.get(jobId);
      const rowsDone = (data as { rowsDone?: number } | null)?.rowsDone;
      if (task && typeof rowsDone === "number") onProgress?.({ groupIndex: task.groupIndex, rowsDone, rowsPlanned: task.plannedRows, done: false });
    };
    const onBuildDone = ({ jobId }: { jobId: string }): void => {
      const task = groupOfJob.get(jobId);
      if (task) onProgress?.({ groupIndex: task.groupIndex, rowsDone: task.plannedRows, rowsPlanned: task.plannedRows, done: true });
    };
    buildEvents.on("progress", onBuildProgress);
    buildEvents.on("completed", onBuildDone);
    try {
      await Promise.all([buildEvents.waitUntilReady(), commitEvents.waitUntilReady()]);
      const attempts = this.options.attempts ?? 3;
      const { tasks, ...rest } = job;
      const tree = await flow.add({
        name: "commit-index",
        queueName: names.commit,
        data: { job: rest, ...storageOptions } satisfies CommitData,
        opts: { attempts, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } },
        children: tasks.map((task) => ({
          name: "build-segment",
          queueName: names.build,
          data: { task, ...storageOptions } satisfies BuildData,
          opts: { attempts, backoff: { type: "exponential", delay: 1000 }, failParentOnFailure: true, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } },
        })),
      });
      for (const child of tree.children ?? []) groupOfJob.set(child.job.id!, (child.job.data as BuildData).task);
      // say so while no worker serves the build queue
      const buildQueue = new Queue(names.build, { connection });
      const checkWorkers = async (): Promise<void> => {
        const count = (await buildQueue.getWorkers().catch(() => [])).length;
        if (count === 0) this.options.onStatus?.(`waiting for workers (0 connected on queue ${names.build}); start one with: lancets worker --redis ${this.options.redisUrl}${this.options.prefix ? ` --prefix ${this.options.prefix}` : ""}`);
      };
      await checkWorkers();
      const workerTimer = setInterval(() => void checkWorkers(), WORKER_CHECK_MS);
      // a build given up on (timeout or abort) is withdrawn, so no worker that connects later commits it
      let stop: (reason: LanceError) => void = () => undefined;
      const stopped = new Promise<never>((_resolve, reject) => {
        stop = reject;
      });
      const onAbort = (): void => stop(new LanceError("IO", `the ${job.indexType} build of ${job.column} was cancelled; its queued segment builds were withdrawn`));
      if (this.options.signal?.aborted) onAbort();
      this.options.signal?.addEventListener("abort", onAbort);
      const timer = this.options.timeoutMs === undefined ? undefined : setTimeout(() => stop(new LanceError("IO", `the ${job.indexType} build of ${job.column} did not finish within ${(this.options.timeoutMs! / 1000).toFixed(0)} s; its queued segment builds were withdrawn`)), this.options.timeoutMs);
      let result: { version: number };
      try {
        result = (await Promise.race([tree.job.waitUntilFinished(commitEvents), stopped])) as { version: number };
      } catch (err) {
        if (err instanceof LanceError) {
          const commitQueue = new Queue(names.commit, { connection });
          try {
            await commitQueue.remove(tree.job.id!, { removeChildren: true });
          } finally {
            await commitQueue.close();
          }
          throw err;
        }
        // name the segment builds that failed, with their reasons
        const queue = new Queue(names.build, { connection });
        const reasons: string[] = [];
        try {
          for (const child of tree.children ?? []) {
            const j = await Job.fromId(queue, child.job.id!);
            if (j?.failedReason) reasons.push(`segment ${(child.job.data as BuildData).task.groupIndex}: ${j.failedReason}`);
          }
        } finally {
          await queue.close();
        }
        const detail = reasons.length > 0 ? reasons.join("; ") : err instanceof Error ? err.message : String(err);
        throw new LanceError("INTERNAL", `distributed index build failed: ${detail}`, { cause: err });
      } finally {
        clearInterval(workerTimer);
        clearTimeout(timer);
        this.options.signal?.removeEventListener("abort", onAbort);
        await buildQueue.close();
      }
      return await Snapshot.open(ds.store, { version: result.version });
    } finally {
      await Promise.allSettled([flow.close(), buildEvents.close(), commitEvents.close()]);
    }
  }
}

export interface WorkerOptions extends RedisOptions, BullMQTiming {
  /** Segment builds at once (worker threads; default: the number of cores). */
  concurrency?: number;
  /**
   * Storage options for object-store datasets, credentials included; they never leave this
   * process. The environment (AWS_*, AZURE_*) fills in what they leave out, and a job's
   * non-secret options (endpoint, region, ...) what both leave out.
   */
  storageOptions?: Record<string, string>;
  onEvent?: (text: string) => void;
  /** Recorded on each job this worker takes (default host:pid). */
  name?: string;
}

export interface RunningWorker {
  /** Finishes the jobs in progress, then stops. */
  close(): Promise<void>;
}

/** Serves build and commit jobs until closed. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const timeout = options.connectTimeoutMs ?? 5000;
  await checkRedis(options.redisUrl, timeout);
  const connection = connectionFor(options.redisUrl, timeout);
  const names = queueNames(options.prefix ?? "lancets");
  const concurrency = options.concurrency ?? availableParallelism();
  const log = options.onEvent ?? (() => undefined);
  const [{ Piscina }, code] = await Promise.all([import("piscina"), resolveWorkerCode()]);
  const pool = new Piscina({ filename: code.file, maxThreads: concurrency, minThreads: 1, execArgv: workerExecArgv() });
  // The worker is ready once its first thread has loaded the segment builder: destroying a pool
  // whose thread is still loading its modules aborts Node 20, so a SIGTERM right after "ready" must
  // not find one loading.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown): void => reject(err);
    pool.once("workerCreate", () => {
      pool.off("error", onError);
      resolve();
    });
    pool.once("error", onError);
  });
  const timing = { lockDuration: options.lockDuration ?? 60_000, stalledInterval: options.stalledInterval ?? 15_000 };
  const { Worker } = await loadBullMQ();
  // stored on every job it takes, so a live view can say which worker built which segment
  const workerName = options.name ?? `${hostname()}:${process.pid}`;

  const build = new Worker(
    names.build,
    async (job: import("bullmq").Job) => {
      const { task, storageOptions } = job.data as BuildData;
      log(`building segment ${task.groupIndex} of ${task.name} (fragments ${task.fragmentIds.join(",")})`);
      const resolved = workerStorageOptions(task.uri, storageOptions, options.storageOptions);
      const { port1, port2 } = new MessageChannel();
      port1.on("message", (m: { rowsDone: number }) => void job.updateProgress({ rowsDone: m.rowsDone }).catch(() => undefined));
      try {
        const payload: WorkerTask = { task, port: port2, ...(resolved ? { storageOptions: resolved } : {}) };
        const { segment } = (await pool.run(payload, { transferList: [port2] })) as WorkerResult;
        log(`built segment ${task.groupIndex} of ${task.name}: ${segment.uuid}`);
        return segment;
      } finally {
        port1.close();
      }
    },
    { connection, concurrency, name: workerName, ...timing },
  );
  const commit = new Worker(
    names.commit,
    async (job: import("bullmq").Job) => {
      const { job: spec, storageOptions } = job.data as CommitData;
      const values = Object.values(await job.getChildrenValues<IndexSegment>());
      const resolved = workerStorageOptions(spec.uri, storageOptions, options.storageOptions);
      const ds = (await openDataset(spec.uri, resolved ? { storageOptions: resolved } : {})).snapshot;
      try {
        const committed = await commitJob(ds, spec, values);
        log(`committed ${values.length} segment(s) of ${spec.name}: version ${committed.version}`);
        return { version: committed.version };
      } catch (err) {
        // segments that will never be committed are removed (later attempts rebuild nothing: the flow has failed)
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) for (const s of values) await removeSegmentFiles(ds.store, s.uuid);
        throw err;
      }
    },
    { connection, concurrency: 1, ...timing },
  );
  for (const w of [build, commit]) w.on("error", (err) => log(`worker error: ${err.message}`));
  await Promise.all([build.waitUntilReady(), commit.waitUntilReady()]);
  return {
    async close() {
      await Promise.allSettled([build.close(), commit.close()]);
      await pool.destroy();
    },
  };
}

/** Removes queued jobs of a prefix (tests and operators). */
export async function obliterateQueues(options: RedisOptions): Promise<void> {
  const connection = connectionFor(options.redisUrl, options.connectTimeoutMs ?? 5000);
  const names = queueNames(options.prefix ?? "lancets");
  const { Queue } = await loadBullMQ();
  for (const name of [names.build, names.commit]) {
    const q = new Queue(name, { connection });
    await q.obliterate({ force: true });
    await q.close();
  }
}
