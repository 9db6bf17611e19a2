// Copies of fixture datasets that a test may damage freely.

import { cpSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./tmp.js";

export function copyDataset(path: string): string {
  const target = join(tempDir("lancets-copy-"), "copy.lance");
  cpSync(path, target, { recursive: true });
  return target;
}
