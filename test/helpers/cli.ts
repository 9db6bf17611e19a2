// Runs the `lancets` command in this process and collects what it prints.

import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  /** Standard output (with `mergeErrors`, error output too, in order). */
  out: string;
  /** Error output (empty with `mergeErrors`). */
  err: string;
}

export async function runCli(args: string[], options: { mergeErrors?: boolean } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["node", "lancets", ...args], (t) => out.push(t), (t) => (options.mergeErrors ? out : err).push(t));
  return { code, out: out.join("\n"), err: err.join("\n") };
}
