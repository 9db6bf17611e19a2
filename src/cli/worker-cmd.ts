// `lancets worker --redis URL`: serves distributed index builds until SIGTERM
// or SIGINT, then finishes the jobs in progress and exits.

import { startWorker } from "../node/bullmq.js";

export interface WorkerCliOptions {
  redis: string;
  concurrency?: number;
  prefix?: string;
  lockDuration?: number;
  stalledInterval?: number;
  /** Collected from every --storage-option: this worker's own, credentials included. */
  storageOption?: Record<string, string>;
}

export async function runWorker(options: WorkerCliOptions, print: (text: string) => void): Promise<void> {
  // SIGTERM and SIGINT are caught before the worker says it is ready: a signal sent as soon as
  // "ready" is read must find the handler in place, not the default action (which kills at once)
  let onSignal: (signal: string) => void = () => undefined;
  const signalled = new Promise<string>((resolve) => (onSignal = resolve));
  const onTerm = (): void => onSignal("SIGTERM");
  const onInt = (): void => onSignal("SIGINT");
  process.once("SIGTERM", onTerm);
  process.once("SIGINT", onInt);
  try {
    const worker = await startWorker({
      redisUrl: options.redis,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
      ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
      ...(options.storageOption ? { storageOptions: options.storageOption } : {}),
      onEvent: (text) => print(`${new Date().toISOString()} ${text}`),
    });
    print(`lancets worker ready on ${options.redis} (pid ${process.pid})`);
    const signal = await signalled;
    print(`${signal}: finishing current jobs`);
    await worker.close();
    print("lancets worker stopped");
  } finally {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  }
}
