// A distributed build in progress (lancets explore --redis): the segment
// build jobs in the queue with their state and progress, counted per worker,
// refreshed every second while the page is open.

import type { BuildStatus } from "../../src/node/build-status.js";
import { formatCount, h, mount } from "../dom.js";
import { errorView } from "./error.js";

const POLL_MS = 1000;

export function buildView(read: () => Promise<BuildStatus>): HTMLElement {
  const out = h("div", { class: "build", "data-state": "loading" });
  let polls = 0;
  const poll = async (): Promise<void> => {
    try {
      const status = await read();
      mount(out, statusView(status));
      out.dataset.state = "ready";
    } catch (err) {
      mount(out, errorView(err));
      out.dataset.state = "error";
    }
    out.dataset.polls = String(++polls);
    if (out.isConnected || polls === 1) setTimeout(() => void poll(), POLL_MS);
  };
  void poll();
  return out;
}

function statusView(status: BuildStatus): HTMLElement[] {
  const workers = h(
    "table",
    { class: "workers" },
    h("thead", {}, h("tr", {}, ["worker", "queued", "running", "done", "failed"].map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      status.workers.map((w) =>
        h("tr", { "data-worker": w.worker }, h("td", {}, w.worker), h("td", { class: "num" }, w.queued), h("td", { class: "num" }, w.running), h("td", { class: "num" }, w.done), h("td", { class: w.failed > 0 ? "num failed" : "num" }, w.failed)),
      ),
    ),
  );
  const segments = h(
    "table",
    { class: "segments" },
    h("thead", {}, h("tr", {}, ["index", "from version", "segment", "fragments", "state", "worker", "progress"].map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      status.segments.map((sg) => {
        const fraction = sg.rowsDone === null || sg.plannedRows === 0 ? (sg.state === "done" ? 1 : 0) : Math.min(1, sg.rowsDone / sg.plannedRows);
        return h(
          "tr",
          { "data-job": sg.jobId, "data-state": sg.state, class: `job ${sg.state}` },
          h("td", {}, `${sg.index} (${sg.column})`),
          h("td", { class: "num" }, sg.datasetVersion),
          h("td", { class: "num" }, sg.groupIndex),
          h("td", {}, sg.fragmentIds.join(", ")),
          h("td", { title: sg.failedReason ?? null }, sg.state),
          h("td", {}, sg.worker ?? "—"),
          h("td", {}, h("progress", { max: 1, value: fraction }), ` ${formatCount(sg.rowsDone ?? 0)} / ${formatCount(sg.plannedRows)} rows`),
        );
      }),
    ),
  );
  return [h("p", {}, `queue ${status.prefix}-build · ${status.workersConnected} worker${status.workersConnected === 1 ? "" : "s"} connected · ${status.segments.length} segment job${status.segments.length === 1 ? "" : "s"}`), workers, segments];
}
