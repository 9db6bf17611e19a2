// `lancets worker --redis URL`: serves distributed index builds until SIGTERM
// or SIGINT, then finishes the jobs in progress and exits.

import { startWorker } from "../node/bullmq.js";

export interface WorkerCliOptions {
  redis: string;
  concurrency?: number;
  prefix?: string;
  lockDuration?: number;
  stalledInterval?: number;
}

export async function runWorker(options: WorkerCliOptions, print: (text: string) => void): Promise<void> {
  const worker = await startWorker({
    redisUrl: options.redis,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
    onEvent: (text) => print(`${new Date().toISOString()} ${text}`),
  });
  print(`lancets worker ready on ${options.redis} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      print(`${signal}: finishing current jobs`);
      void worker.close().then(resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  print("lancets worker stopped");
}
