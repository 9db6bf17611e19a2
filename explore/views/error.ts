// An error as the page shows it: the LanceError code and message.

import { h } from "../dom.js";

export function errorView(err: unknown): HTMLElement {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return h("div", { class: "error", role: "alert", "data-code": typeof code === "string" ? code : null }, typeof code === "string" ? h("strong", {}, `${code}: `) : null, message);
}
