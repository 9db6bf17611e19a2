// A few lines of DOM building: elements with attributes and children, HTML
// and SVG alike. No framework; every view rebuilds its part of the page.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el: Element, attrs: Attrs, children: Child[]): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : String(child));
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  fill(el, attrs, children.flat());
  return el;
}

/** An SVG element. */
export function s(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  fill(el, attrs, children.flat());
  return el;
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  fill(el, {}, children.flat());
}

export { formatBytes } from "../src/browser.js";

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatTime(iso: string | null): string {
  return iso === null ? "unknown time" : iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** A table of JSON cells; long values are cut, and their full text shown on hover. */
export function rowsTable(columns: string[], rows: unknown[][], extra?: { name: string; values: string[] }): HTMLTableElement {
  const cell = (v: unknown): HTMLTableCellElement => {
    const text = v === null ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return h("td", { title: text.length > 80 ? text : null, class: v === null ? "null" : null }, text.length > 80 ? `${text.slice(0, 79)}…` : text);
  };
  return h(
    "table",
    { class: "rows" },
    h("thead", {}, h("tr", {}, extra ? h("th", {}, extra.name) : null, columns.map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      rows.map((r, i) => h("tr", {}, extra ? h("td", { class: "score" }, extra.values[i]!) : null, r.map(cell))),
    ),
  );
}
