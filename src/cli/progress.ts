// Progress bars for index builds: one bar per segment, rows done of rows
// planned; drawn on stderr, also when it is not a terminal.

import cliProgress from "cli-progress";
import type { SegmentProgress } from "../index/segments-api.js";

export interface ProgressBars {
  update(p: SegmentProgress): void;
  stop(): void;
}

export function segmentBars(stream: NodeJS.WritableStream = process.stderr): ProgressBars {
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      hideCursor: true,
      clearOnComplete: false,
      format: " segment {segment} [{bar}] {percentage}% | {value}/{total} rows",
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<number, cliProgress.SingleBar>();
  return {
    update(p) {
      let bar = bars.get(p.groupIndex);
      if (!bar) {
        bar = multi.create(Math.max(1, p.rowsPlanned), 0, { segment: String(p.groupIndex).padStart(3) });
        bars.set(p.groupIndex, bar);
      }
      bar.update(Math.min(p.rowsDone, p.rowsPlanned));
    },
    stop() {
      multi.stop();
    },
  };
}

/**
 * Progress for one index build: bars appear with the first report (none when
 * `enabled` is false); `stop` closes them if they were drawn.
 */
export function buildProgress(enabled: boolean): { onProgress(p: SegmentProgress): void; stop(): void } {
  let bars: ProgressBars | undefined;
  return {
    onProgress(p) {
      if (!enabled) return;
      bars ??= segmentBars();
      bars.update(p);
    },
    stop() {
      bars?.stop();
    },
  };
}
