// The versions timeline: one mark per version with its operation, time and
// rows; choosing one checks that version out.

import type { DatasetOverview } from "../../src/browser.js";
import { formatCount, formatTime, h } from "../dom.js";

const OPERATION_NAMES: Record<string, string> = {
  overwrite: "create / overwrite",
  append: "append",
  delete: "delete",
  update: "update",
  createIndex: "create index",
  rewrite: "compaction",
  merge: "add columns",
  restore: "restore",
  project: "drop columns",
  updateConfig: "config",
  dataReplacement: "replace data",
  reserveFragments: "reserve fragments",
  clone: "clone",
  unknown: "unknown",
};

export function operationName(kind: string): string {
  return OPERATION_NAMES[kind] ?? kind;
}

export function versionsView(overview: DatasetOverview, select: (version: number) => void): HTMLElement {
  const maxRows = Math.max(1, ...overview.versions.map((v) => v.numRows));
  return h(
    "ol",
    { class: "timeline" },
    overview.versions.map((v) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            class: `version op-${v.operation}${v.version === overview.version ? " selected" : ""}`,
            "data-version": v.version,
            "data-operation": v.operation,
            "data-rows": v.numRows,
            "aria-pressed": v.version === overview.version ? "true" : "false",
            title: `version ${v.version}: ${operationName(v.operation)} at ${formatTime(v.timestamp)}; ${formatCount(v.numRows)} rows in ${v.numFragments} fragments${v.numDeletedRows > 0 ? `, ${formatCount(v.numDeletedRows)} deleted` : ""}`,
            onclick: () => select(v.version),
          },
          h("span", { class: "bar", style: `height:${Math.max(2, Math.round((28 * v.numRows) / maxRows))}px` }),
          h("span", { class: "v" }, `v${v.version}`),
          h("span", { class: "op" }, operationName(v.operation)),
          h("span", { class: "rows" }, `${formatCount(v.numRows)} rows`),
          h("span", { class: "time" }, formatTime(v.timestamp)),
        ),
      ),
    ),
  );
}
