// `lancets worker --redis URL`: serves distributed index builds until SIGTERM
// or SIGINT, then finishes the jobs in progress and exits.

import { startWorker } from "../node/bullmq.js";
import { waitForStopSignal } from "./signals.js";

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
  const stop = waitForStopSignal();
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
    const signal = await stop.signalled;
    print(`${signal}: finishing current jobs`);
    await worker.close();
    print("lancets worker stopped");
  } finally {
    stop.dispose();
  }
}
