// The explorer page. `lancets explore` serves it with data-api on <body> (the
// server's JSON API); as a static bundle it opens the dataset URL given in
// ?url= (or typed in) directly, through the browser entry's HttpStore.
// <body data-state> is "ready" once a version is drawn, "error" when loading
// failed.

import type { DatasetOverview } from "../src/browser.js";
import { formatCount, formatTime, h, mount } from "./dom.js";
import { ApiSource, DirectSource, type ExploreSource } from "./source.js";
import { buildView } from "./views/build.js";
import { coverageView } from "./views/coverage.js";
import { errorView } from "./views/error.js";
import { fragmentsView } from "./views/fragments.js";
import { queryView } from "./views/query.js";
import { searchView } from "./views/search.js";
import { versionsView } from "./views/versions.js";

function section(id: string, title: string): { el: HTMLElement; body: HTMLElement } {
  const body = h("div", { class: "body" });
  return { el: h("section", { id }, h("h2", {}, title), body), body };
}

function start(app: HTMLElement, source: ExploreSource): void {
  const summary = h("p", { class: "summary" });
  const versions = section("versions", "Versions");
  const coverageInfo = h("pre", { class: "coverage-info" }, "hover a segment or an unindexed fragment");
  const coverage = section("coverage", "Index coverage");
  const fragments = section("fragments", "Fragments");
  const query = section("query", "Query");
  const search = section("search", "Full-text search");
  const build = source.build ? section("build", "Distributed build") : undefined;
  mount(app, summary, versions.el, coverage.el, fragments.el, query.el, search.el, build?.el);
  if (build && source.build) mount(build.body, buildView(source.build));
  let current: DatasetOverview | undefined;
  const load = async (version?: number): Promise<void> => {
    document.body.dataset.state = "loading";
    try {
      current = await source.overview(version);
    } catch (err) {
      mount(summary, errorView(err));
      document.body.dataset.state = "error";
      return;
    }
    const o = current;
    mount(
      summary,
      h("strong", {}, source.label),
      ` · version ${o.version}${o.version === o.latestVersion ? " (latest)" : ` of ${o.latestVersion}`} · ${formatTime(o.timestamp)} · Lance ${o.dataStorageVersion} · ${formatCount(o.numRows)} rows in ${o.fragments.length} fragments · `,
      o.schema.map((f) => `${f.name}: ${f.type}`).join(", "),
      " ",
      h("button", { type: "button", class: "reload", title: "look for a newer version and show it", onclick: () => void load() }, "latest ↻"),
    );
    mount(versions.body, versionsView(o, (v) => void load(v)));
    mount(coverage.body, coverageView(o, coverageInfo), coverageInfo);
    mount(fragments.body, fragmentsView(o));
    mount(query.body, queryView(source, () => o.version));
    mount(search.body, searchView(source, () => o));
    document.body.dataset.version = String(o.version);
    document.body.dataset.state = "ready";
  };
  void load();
}

/** The static page's form: the dataset URL to open. */
function urlForm(app: HTMLElement, initial: string): HTMLElement {
  const input = h("input", { type: "url", name: "url", value: initial, placeholder: "https://host/path/to/table.lance", size: 60 });
  return h(
    "form",
    {
      class: "open-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const url = new URL(input.value.trim(), location.href).href.replace(/\/+$/, "");
        history.replaceState(null, "", `?url=${encodeURIComponent(url)}`);
        start(app, new DirectSource(url));
      },
    },
    h("label", {}, "dataset URL ", input),
    " ",
    h("button", { type: "submit" }, "open"),
  );
}

function main(): void {
  const app = document.getElementById("app")!;
  const api = document.body.dataset.api;
  if (api !== undefined) {
    start(app, new ApiSource(api, document.body.dataset.label ?? "dataset", document.body.dataset.build === "1"));
    return;
  }
  const url = new URLSearchParams(location.search).get("url");
  document.getElementById("open")!.replaceChildren(urlForm(app, url ?? ""));
  if (url) start(app, new DirectSource(new URL(url, location.href).href.replace(/\/+$/, "")));
  else document.body.dataset.state = "idle";
}

main();
