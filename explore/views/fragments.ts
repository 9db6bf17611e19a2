// The fragments table: rows, deleted rows, data files and their file
// versions, size, the columns seeded in its data files, and the indexes
// covering it.

import type { DatasetOverview } from "../../src/browser.js";
import { formatBytes, formatCount, h } from "../dom.js";

export function fragmentsView(overview: DatasetOverview): HTMLElement {
  const coveredBy = new Map<number, string[]>();
  for (const index of overview.indices) {
    for (const segment of index.segments) {
      if (segment.ignored !== undefined) continue;
      for (const id of segment.fragmentIds) {
        const names = coveredBy.get(id) ?? [];
        if (!names.includes(index.name)) names.push(index.name);
        coveredBy.set(id, names);
      }
    }
  }
  const header = ["fragment", "rows", "physical rows", "deleted", "data files", "file versions", "size", "seeds", "indexed by"];
  return h(
    "table",
    { class: "fragments" },
    h("thead", {}, h("tr", {}, header.map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      overview.fragments.map((f) => {
        const indexed = coveredBy.get(f.id) ?? [];
        const missing = overview.indices.filter((i) => !indexed.includes(i.name)).map((i) => i.name);
        return h(
          "tr",
          { "data-fragment": f.id, class: missing.length > 0 ? "unindexed" : null },
          h("td", {}, String(f.id)),
          h("td", { class: "num" }, formatCount(f.numRows)),
          h("td", { class: "num" }, formatCount(f.physicalRows)),
          h("td", { class: f.deletedRows > 0 ? "num deleted" : "num", title: f.deletionFile?.path ?? null }, formatCount(f.deletedRows)),
          h("td", { class: "num", title: f.dataFiles.map((d) => `${d.path} (${d.fileVersion}, fields ${d.fieldIds.join(",")})`).join("\n") }, String(f.dataFiles.length)),
          h("td", {}, [...new Set(f.dataFiles.map((d) => d.fileVersion))].join(", ")),
          h("td", { class: "num" }, formatBytes(f.dataFiles.reduce((n, d) => n + d.sizeBytes, 0))),
          h("td", { class: "seeds", "data-seeds": f.seeds === null ? null : f.seeds.join(",") }, f.seeds === null ? "not read" : f.seeds.length > 0 ? f.seeds.join(", ") : "—"),
          h("td", { title: missing.length > 0 ? `not covered by ${missing.join(", ")}` : null }, indexed.length > 0 ? indexed.join(", ") : "—"),
        );
      }),
    ),
  );
}
