// The script of the test page: the scenario over the browser entry, started by
// the test through window.runScenario().

import * as lancets from "../../src/browser.js";
import { runScenario, type ScenarioResult } from "./scenario.js";

(globalThis as unknown as { runScenario: () => Promise<ScenarioResult> }).runScenario = () => runScenario(lancets);
