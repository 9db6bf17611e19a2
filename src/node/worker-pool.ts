// Worker threads that build index segments (piscina), started when first
// needed and kept for the next build: one pool per process by default
// (sharedWorkerPool), as many threads as cores unless a build asks for more.
// Idle threads do not keep the process alive; close() stops them at once.

import { availableParallelism } from "node:os";
import type { TransferListItem } from "node:worker_threads";
import type { Piscina } from "piscina";
import { LanceError } from "../core/errors.js";
import type { WorkerResult, WorkerTask } from "./segment-worker.js";
import { resolveWorkerCode, workerExecArgv, type WorkerCode, type WorkerCodeKind } from "./worker-code.js";

export interface WorkerPoolOptions {
  /** Most segments built at once, one per thread (default: the number of cores). */
  threads?: number;
  /** The file threads load (default: resolveWorkerCode()); it must default-export the segment builder. */
  code?: WorkerCode;
  /**
   * Most MiB of each thread's V8 young generation (default DEFAULT_YOUNG_GENERATION_MB). Node gives a
   * thread the main thread's (up to 48 MiB on 64-bit machines), which a segment build fills with
   * short-lived objects; with several threads that is resident memory the process holds several times.
   */
  youngGenerationMb?: number;
}

/**
 * Each thread's young generation by default, in MiB. Measured on 2-thread builds of 5M rows: the
 * process's peak RSS fell by 25-37 MiB (BTREE) and 72 MiB (INVERTED: 629 to 557 MiB; 581 MiB with
 * 12), with no change in CPU time beyond the machine's noise.
 */
export const DEFAULT_YOUNG_GENERATION_MB = 6;

export interface WorkerPoolStats {
  /** What the threads run (undefined until the first thread is asked for). */
  code: WorkerCodeKind | undefined;
  /** Threads started since the pool opened; a pool reused across builds starts none anew. */
  threadsStarted: number;
  /** Ids (worker_threads threadId) of the threads alive now. */
  threadIds: number[];
  /** Segment builds finished, failed ones included. */
  tasksRun: number;
}

interface Opened {
  piscina: Piscina;
  /** Rejects once the pool cannot run tasks any more. */
  broken: Promise<never>;
}

function checkThreads(threads: number, what: string): void {
  if (!Number.isSafeInteger(threads) || threads < 1) throw new LanceError("INVALID_INPUT", `${what} must be a positive integer, got ${threads}`);
}

export class WorkerPool {
  #threads: number;
  #piscina: Promise<Opened> | undefined;
  readonly #codeGiven: WorkerCode | undefined;
  readonly #youngGenerationMb: number;
  /** The pool once opened, for stats. */
  #live: Piscina | undefined;
  #code: WorkerCodeKind | undefined;
  #started = 0;
  #tasksRun = 0;
  #running = 0;
  #closed = false;
  readonly #waiting: (() => void)[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: WorkerPoolOptions = {}) {
    this.#threads = options.threads ?? availableParallelism();
    checkThreads(this.#threads, "threads");
    this.#codeGiven = options.code;
    this.#youngGenerationMb = options.youngGenerationMb ?? DEFAULT_YOUNG_GENERATION_MB;
    checkThreads(this.#youngGenerationMb, "youngGenerationMb");
  }

  /** Most segments built at once. */
  get threads(): number {
    return this.#threads;
  }

  /** Lets `threads` segments be built at once from now on, if fewer were allowed. */
  widen(threads: number): void {
    checkThreads(threads, "threads");
    if (threads <= this.#threads) return;
    this.#threads = threads;
    while (this.#running < this.#threads && this.#waiting.length > 0) this.#admitNext();
  }

  stats(): WorkerPoolStats {
    return { code: this.#code, threadsStarted: this.#started, threadIds: this.#threadIds(), tasksRun: this.#tasksRun };
  }

  #threadIds(): number[] {
    return this.#live?.threads.map((t) => t.threadId).sort((a, b) => a - b) ?? [];
  }

  #open(): Promise<Opened> {
    this.#piscina ??= (async () => {
      const [{ Piscina }, code] = await Promise.all([import("piscina"), this.#codeGiven ?? resolveWorkerCode()]);
      this.#code = code.kind;
      // Threads start only for a task (minThreads 0) and stay (no idle timeout), so no thread is
      // ever stopped while it still loads its modules, which aborts Node 20. They run the file
      // itself, without this process's entry options or its TypeScript loader (workerExecArgv).
      const piscina = new Piscina({
        filename: code.file,
        minThreads: 0,
        maxThreads: 1024,
        idleTimeout: Infinity,
        execArgv: workerExecArgv(),
        resourceLimits: { maxYoungGenerationSizeMb: this.#youngGenerationMb },
      });
      piscina.on("workerCreate", () => void this.#started++);
      // A thread that fails while it starts leaves queued tasks waiting for a thread that piscina
      // will not start again: once no thread is left, every build waiting on this pool fails.
      let fail: (err: unknown) => void = () => undefined;
      const broken = new Promise<never>((_, reject) => (fail = reject));
      broken.catch(() => undefined);
      piscina.on("error", (err: unknown) => {
        if (piscina.threads.length > 0) return;
        if (this.#piscina === opened) this.#piscina = undefined;
        this.#live = undefined;
        fail(new LanceError("INTERNAL", `a worker thread failed to start (${code.file}): ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      });
      this.#live = piscina;
      return { piscina, broken };
    })();
    const opened = this.#piscina;
    return opened;
  }

  #admitNext(): void {
    this.#running++;
    this.#waiting.shift()!();
  }

  async #slot(): Promise<void> {
    if (this.#running < this.#threads) {
      this.#running++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    this.#running--;
    if (this.#running < this.#threads && this.#waiting.length > 0) this.#admitNext();
  }

  /** Builds one segment on a thread of this pool, waiting for a free one. */
  async run(payload: WorkerTask, transferList: TransferListItem[] = []): Promise<WorkerResult> {
    if (this.#closed) throw new LanceError("INVALID_INPUT", "this worker pool is closed; open another to build on worker threads");
    await this.#slot();
    const task = (async () => {
      try {
        if (this.#closed) throw new LanceError("INVALID_INPUT", "this worker pool was closed before the segment build started");
        const { piscina, broken } = await this.#open();
        return (await Promise.race([piscina.run(payload, { transferList }), broken])) as WorkerResult;
      } finally {
        this.#tasksRun++;
        this.#release();
      }
    })();
    this.#inFlight.add(task);
    try {
      return await task;
    } finally {
      this.#inFlight.delete(task);
    }
  }

  /** Stops the threads once the builds in progress have finished; the pool takes no more tasks. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#waiting.splice(0)) {
      this.#running++;
      wake();
    }
    await Promise.allSettled([...this.#inFlight]);
    const piscina = this.#piscina;
    this.#piscina = undefined;
    this.#live = undefined;
    if (piscina) await (await piscina).piscina.destroy();
  }
}

/** The process's pool: one per process, reused by every build that names no pool of its own. */
const shared: { pool: WorkerPool | undefined } = { pool: undefined };

/** The process's worker pool, allowing at least `threads` builds at once (default: the number of cores). */
export function sharedWorkerPool(threads?: number): WorkerPool {
  const wanted = Math.max(availableParallelism(), threads ?? 0);
  if (!shared.pool) shared.pool = new WorkerPool({ threads: wanted });
  else shared.pool.widen(wanted);
  return shared.pool;
}

/** Stops the process's worker threads (after the builds in progress); a later build starts new ones. */
export async function closeSharedWorkerPool(): Promise<void> {
  const pool = shared.pool;
  shared.pool = undefined;
  await pool?.close();
}
