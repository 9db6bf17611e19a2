// Machine-readable results of a benchmark run: when LANCETS_BENCH_OUT names a
// directory (bench/all.ts sets it), each benchmark writes <name>.json there.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function record(name: string, result: unknown): void {
  const dir = process.env.LANCETS_BENCH_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2));
}
