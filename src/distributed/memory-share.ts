// The memory budget of segment builds that run at once in one process (on
// worker threads): they share it, so that a build on N threads stays within
// the budget one build would have in a single process, instead of N times it.
// Each build's share travels in its task's params (memoryBytes), which every
// builder that holds data in memory (BTREE, BITMAP, FTS, LABEL_LIST) reads.

import { LanceError } from "../core/errors.js";
import { DEFAULT_MEMORY_BYTES, MIN_MEMORY_BYTES } from "../index/btree/build.js";
import type { SegmentBuildTask } from "./jobs.js";

/** The least a build gets from a shared budget (when the budget allows it): what the builders need for pages of their default size. */
export const MIN_SHARE_BYTES = 16 * 1024 * 1024;

/** Checks a shared budget: a whole number of bytes, at least MIN_MEMORY_BYTES. */
export function checkSharedMemoryBytes(budgetBytes: unknown): number {
  if (typeof budgetBytes !== "number" || !Number.isSafeInteger(budgetBytes) || budgetBytes < MIN_MEMORY_BYTES) {
    throw new LanceError("INVALID_INPUT", `memoryBytes must be a whole number of bytes, at least ${MIN_MEMORY_BYTES} (1 MiB), got ${String(budgetBytes)}`);
  }
  return budgetBytes;
}

/**
 * Each of `concurrent` builds' share of `budgetBytes` (default: one build's
 * default budget): an equal part, but at least MIN_SHARE_BYTES when the
 * budget is that large.
 */
export function memoryShareBytes(concurrent: number, budgetBytes: number = DEFAULT_MEMORY_BYTES): number {
  if (!Number.isSafeInteger(concurrent) || concurrent < 1) throw new LanceError("INVALID_INPUT", `builds at once must be a positive integer, got ${concurrent}`);
  const budget = checkSharedMemoryBytes(budgetBytes);
  return Math.max(Math.floor(budget / concurrent), Math.min(budget, MIN_SHARE_BYTES));
}

/** The task with its share of the budget, unless its params already name a budget of its own (then that one is kept). */
export function withMemoryShare(task: SegmentBuildTask, shareBytes: number): SegmentBuildTask {
  if (task.params.memoryBytes !== undefined) return task;
  return { ...task, params: { ...task.params, memoryBytes: shareBytes } };
}
