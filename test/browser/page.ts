// The script of the test page: the scenario over the browser entry, started by
// the test through window.runScenario() and window.readScenario(files).

import * as lancets from "../../src/browser.js";
import { readScenario, runScenario } from "./scenario.js";

Object.assign(globalThis, {
  runScenario: () => runScenario(lancets),
  readScenario: (files: Record<string, string>) => readScenario(lancets, files),
});
