// Loads the TypeScript worker through tsx when lancets runs from its sources
// (worker threads do not inherit tsx's loader on Node 20).
import { register } from "tsx/esm/api";

register();
const worker = await import("./segment-worker.ts");
export default worker.default;
