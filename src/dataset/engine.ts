// What a Dataset can do beyond reading: the index plugins it builds with (and
// whose seeds it plants on append). An engine is a plain value made by the
// entry point, or by a caller who wants another set, and handed to every
// Dataset it opens; no module fills it by being imported.

import { scalarIndexPlugins, type ScalarIndexPlugin } from "../index/plugins.js";

export interface Engine {
  /** Scalar index kinds this engine builds; their seed writers run on every append. */
  readonly indexPlugins: readonly ScalarIndexPlugin[];
}

export interface EngineOptions {
  /** Index plugins (default: BTREE, BITMAP, ZONEMAP and INVERTED). */
  indexPlugins?: readonly ScalarIndexPlugin[];
}

/** An engine with the given plugins, every scalar index kind by default. */
export function createEngine(options: EngineOptions = {}): Engine {
  return { indexPlugins: Object.freeze([...(options.indexPlugins ?? scalarIndexPlugins())]) };
}
