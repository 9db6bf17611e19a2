// The script of the test page: the scenario over the browser entry, started by
// the test through window.runScenario(), window.readScenario(files) and
// window.readOverHttp(url).

import * as lancets from "../../src/browser.js";
import { readOverHttp, readScenario, runScenario } from "./scenario.js";

Object.assign(globalThis, {
  runScenario: () => runScenario(lancets),
  readScenario: (files: Record<string, string>) => readScenario(lancets, files),
  readOverHttp: (url: string) => readOverHttp(lancets, url),
});
