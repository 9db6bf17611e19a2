// bench/daft-lance-job: the lancets side of bench/daft-lance.ts, one job per
// process so that its wall time and peak memory are the whole job's.
//   build  --path P --type T --column C --executor threads|bullmq [--redis URL --prefix X]
//          2 segments, on 2 worker threads or on 2 lancets worker processes
//   verify --path P --type T --queries JSON
//          answers of lancets' planner over the committed index, and whether it used it

import { BullMQExecutor } from "../src/node/bullmq.js";
import { LocalExecutor } from "../src/node/local-executor.js";
import { openDataset } from "../src/node/open-dataset.js";
import { closeSharedWorkerPool } from "../src/node/worker-pool.js";

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} is required`);
  return process.argv[i + 1]!;
}

const command = process.argv[2];
const path = arg("path");
const type = arg("type");

if (command === "build") {
  const column = arg("column");
  const executor = arg("executor") === "threads" ? new LocalExecutor({ maxConcurrency: 2 }) : new BullMQExecutor({ redisUrl: arg("redis"), prefix: arg("prefix") });
  const started = performance.now();
  const ds = await (await openDataset(path)).createScalarIndex(column, type, { name: `${column}_idx`, executor, minGroups: 2 });
  const seconds = (performance.now() - started) / 1000;
  await closeSharedWorkerPool();
  console.log(JSON.stringify({ seconds, segments: ds.describeIndices().map((i) => i.segments.length) }));
} else if (command === "verify") {
  const ds = await openDataset(path);
  const out: Record<string, { count: number; sum: number; usedIndex: boolean }> = {};
  for (const q of JSON.parse(arg("queries")) as string[]) {
    const fts = type === "INVERTED";
    const table = await ds.scan(fts ? { fullTextSearch: { query: q }, limit: 1_000_000, columns: ["id"] } : { filter: q, columns: ["id"] }).toArrow();
    let count = 0;
    let sum = 0;
    for (const id of table.getChild("id")!) {
      count++;
      sum += Number(id);
    }
    // a full-text search runs on the index only; a filter used it when no fragment was scanned
    const usedIndex = fts ? ds.describeIndices().some((i) => i.indexType === "FTS" || i.indexType === "INVERTED") : /fragments scanned: none/.test(await ds.explain(q)) && / index \S+_idx/.test(await ds.explain(q));
    out[q] = { count, sum, usedIndex };
  }
  console.log(JSON.stringify(out));
} else {
  throw new Error(`unknown command ${command}`);
}
