// The query box: a filter, its plan (index segments used, fragments read and
// scanned) and the matching rows a page at a time.

import type { QueryPage } from "../../src/browser.js";
import { formatCount, h, mount, rowsTable } from "../dom.js";
import type { ExploreSource } from "../source.js";
import { errorView } from "./error.js";

const PAGE_SIZES = [25, 50, 100];

export function queryView(source: ExploreSource, version: () => number): HTMLElement {
  const input = h("input", { type: "text", name: "filter", placeholder: "id > 100 AND category = 'c1'", size: 60, spellcheck: "false" });
  const pageSize = h("select", { name: "pageSize" }, PAGE_SIZES.map((n) => h("option", { value: n }, `${n} rows`)));
  const useIndex = h("input", { type: "checkbox", name: "useIndex", checked: true });
  const out = h("div", { class: "result", "data-state": "idle" });
  let filter = "";
  const run = async (offset: number): Promise<void> => {
    out.dataset.state = "loading";
    try {
      const page = await source.query(version(), { filter, offset, limit: Number(pageSize.value), useIndex: useIndex.checked });
      mount(out, pageView(page, Number(pageSize.value), run));
      out.dataset.state = "ready";
    } catch (err) {
      mount(out, errorView(err));
      out.dataset.state = "error";
    }
  };
  const form = h(
    "form",
    {
      class: "query-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        filter = input.value.trim();
        if (filter) void run(0);
      },
    },
    h("label", {}, "filter ", input),
    " ",
    pageSize,
    " ",
    h("label", { title: "uncheck to evaluate the filter on every row" }, useIndex, " use indexes"),
    " ",
    h("button", { type: "submit" }, "run"),
  );
  return h("div", {}, form, out);
}

function pageView(page: QueryPage, pageSize: number, go: (offset: number) => Promise<void>): HTMLElement[] {
  const first = page.rows.length === 0 ? 0 : page.offset + 1;
  const last = page.offset + page.rows.length;
  const nav = h(
    "div",
    { class: "pager" },
    h("button", { type: "button", class: "prev", disabled: page.offset === 0, onclick: () => void go(Math.max(0, page.offset - pageSize)) }, "← previous"),
    " ",
    h("span", { class: "page-info", "data-offset": page.offset, "data-total": page.numRows }, `rows ${formatCount(first)}–${formatCount(last)} of ${formatCount(page.numRows)}`),
    " ",
    h("button", { type: "button", class: "next", disabled: last >= page.numRows, onclick: () => void go(page.offset + pageSize) }, "next →"),
  );
  return [h("pre", { class: "explain" }, page.explain), nav, rowsTable(page.columns, page.rows)];
}
