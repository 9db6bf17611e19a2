// The full-text box: a query against the FTS indexes, hits best first with
// their BM25 scores.

import type { DatasetOverview } from "../../src/browser.js";
import { h, mount, rowsTable } from "../dom.js";
import type { ExploreSource } from "../source.js";
import { errorView } from "./error.js";

export function searchView(source: ExploreSource, overview: () => DatasetOverview): HTMLElement {
  const columns = [...new Set(overview().indices.filter((i) => i.indexType === "FTS").flatMap((i) => i.columns))];
  if (columns.length === 0) return h("p", { class: "empty" }, "no full-text index in this version");
  const input = h("input", { type: "text", name: "query", placeholder: "words to find", size: 40, spellcheck: "false" });
  const column = h("select", { name: "column" }, columns.length > 1 ? h("option", { value: "" }, "all columns") : null, columns.map((c) => h("option", { value: c }, c)));
  const limit = h("input", { type: "number", name: "limit", value: 20, min: 1, max: 1000, style: "width:5em" });
  const out = h("div", { class: "result", "data-state": "idle" });
  const form = h(
    "form",
    {
      class: "search-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const query = input.value.trim();
        if (!query) return;
        out.dataset.state = "loading";
        try {
          const page = await source.search(overview().version, { query, limit: Number(limit.value), ...(column.value ? { column: column.value } : {}) });
          mount(out, h("p", { class: "hits" }, `${page.rows.length} hit${page.rows.length === 1 ? "" : "s"}`), rowsTable(page.columns, page.rows, { name: "score", values: page.scores.map(String) }));
          out.dataset.state = "ready";
        } catch (err) {
          mount(out, errorView(err));
          out.dataset.state = "error";
        }
      },
    },
    h("label", {}, "search ", input),
    " in ",
    column,
    " ",
    h("label", {}, "best ", limit),
    " ",
    h("button", { type: "submit" }, "search"),
  );
  return h("div", {}, form, out);
}
