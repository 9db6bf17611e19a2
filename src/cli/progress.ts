// Progress of an index build on stderr. In a terminal: one bar for the whole
// build (rows done of rows planned over every segment, segments finished),
// left in place when the build ends. Elsewhere (a pipe, a log file): one line
// per finished segment, nothing redrawn.

import cliProgress from "cli-progress";
import type { SegmentProgress } from "../distributed/jobs.js";

export interface BuildProgress {
  onProgress(p: SegmentProgress): void;
  stop(): void;
}

interface SegmentState {
  rowsDone: number;
  rowsPlanned: number;
  done: boolean;
}

/** Progress for one index build; nothing is drawn when `enabled` is false. */
export function buildProgress(enabled: boolean, label = "index", stream: NodeJS.WriteStream = process.stderr): BuildProgress {
  const segments = new Map<number, SegmentState>();
  let bar: cliProgress.SingleBar | undefined;
  const totals = (): { done: number; planned: number; finished: number } => {
    let done = 0;
    let planned = 0;
    let finished = 0;
    for (const s of segments.values()) {
      done += s.rowsDone;
      planned += s.rowsPlanned;
      if (s.done) finished++;
    }
    return { done, planned, finished };
  };
  return {
    onProgress(p) {
      if (!enabled) return;
      const before = segments.get(p.groupIndex);
      segments.set(p.groupIndex, { rowsDone: Math.min(p.rowsDone, p.rowsPlanned), rowsPlanned: p.rowsPlanned, done: p.done });
      const t = totals();
      if (!stream.isTTY) {
        if (p.done && !before?.done) stream.write(`${label}: segment ${p.groupIndex} done, ${p.rowsPlanned.toLocaleString("en-US")} rows (${t.finished} segment${t.finished === 1 ? "" : "s"} done)\n`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, hideCursor: true, clearOnComplete: false, format: ` ${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} rows | {finished} segment(s) done` },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(1, t.planned), t.done, { finished: t.finished });
      }
      bar.setTotal(Math.max(1, t.planned));
      bar.update(t.done, { finished: t.finished });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
