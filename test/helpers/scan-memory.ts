// A child process that scans a dataset with lancets and reports the peak
// resident memory the scan added (Linux VmHWM, reset before the scan, minus the
// resident memory before it),
// as JSON on stdout. Run with --expose-gc, garbage is collected after every
// batch of a scan, so the peak measures what the scan holds rather than how
// late the collector runs. Usage: node --import tsx scan-memory.ts <dataset> <limit|all|filter|count> [batchSize]
// (filter: the first row that is not null; count: rows that are not null)
import { readFileSync, writeFileSync } from "node:fs";
import { openDataset } from "../../src/node/open-dataset.js";

const [path, mode, batchSize] = process.argv.slice(2);
const ds = await openDataset(path!);
// a zero-row scan first, so module loading and file opening are not counted
for await (const _ of ds.scan({ limit: 0 })) void _;
// "5" resets the kernel's peak resident size (VmHWM) to the current one
writeFileSync("/proc/self/clear_refs", "5");
const before = process.memoryUsage().rss;
const peakBytes = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;
let rows = 0;
let batches = 0;
let maxBatchRows = 0;
let wrongValues = 0;
let firstValue = "";
const options = mode === "limit" ? { limit: 1 } : mode === "filter" ? { filter: "s IS NOT NULL", limit: 1 } : { batchSize: Number(batchSize ?? 8192) };
const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
const counted = mode === "count" ? await ds.countRows("s IS NOT NULL") : undefined;
for await (const batch of counted === undefined ? ds.scan(options) : []) {
  const column = batch.getChildAt(0)!;
  if (batches === 0) firstValue = String(column.get(0));
  // a value from each batch is compared; reading them all would cost more than the scan
  if (String(column.get(batch.numRows - 1)) !== firstValue) wrongValues++;
  rows += batch.numRows;
  batches++;
  collect();
  maxBatchRows = Math.max(maxBatchRows, batch.numRows);
}
if (counted !== undefined) rows = counted;
process.stdout.write(`${JSON.stringify({ rows, batches, maxBatchRows, wrongValues, firstValue: firstValue.slice(0, 8), firstLength: firstValue.length, addedBytes: peakBytes() - before })}\n`);
