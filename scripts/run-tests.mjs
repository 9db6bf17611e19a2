// Runs every test file under test/ with node's test runner and tsx, so worker
// threads and child processes load TypeScript exactly as in development.
// Extra arguments narrow the run to files whose path contains one of them.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect("test")
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...files],
  // Lance's own log lines (warnings about the legacy or foreign indexes some tests build on purpose) stay out of the report
  { stdio: "inherit", env: { LANCEDB_LOG: "error", ...process.env, AWS_EC2_METADATA_DISABLED: "true" } },
);
process.exit(result.status ?? 1);
