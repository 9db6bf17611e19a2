// `lancets demo`: the whole tour on synthetic data, on this machine. Writes a
// dataset, builds BTREE, BITMAP, ZONEMAP and FTS indexes on worker threads
// (with progress bars), appends rows with zone-map seeds, optimizes the
// indexes from those seeds, runs filters and a full-text search, and prints
// what each step used and how long it took.

import { existsSync, mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Float64, Int64, RecordBatch, Table, TimestampMicrosecond, Utf8, makeData, makeVector, vectorFromArray } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { LocalExecutor } from "../node/local-executor.js";
import { writeDataset } from "../node/open-dataset.js";
import type { Dataset, OptimizeResult } from "../dataset/dataset.js";
import { formatTable } from "./output.js";
import { buildProgress } from "./progress.js";

export interface DemoOptions {
  rows?: number;
  dir?: string;
  workers?: number;
  progress?: boolean;
}

const WORDS = (
  "river mountain engine table column index segment fragment version query search filter rows data file page " +
  "quick brown fox lazy dog running runner ran jumps jumped happy hopeful careful careless strong stronger light " +
  "lighter dark garden window kitchen market station harbor island forest desert winter summer autumn spring " +
  "morning evening night coffee tea bread butter apple orange lemon cherry music guitar piano violin drum song " +
  "writer reader painter teacher student doctor pilot sailor farmer baker build builds building built write " +
  "writes writing wrote read reads reading open opens opened close closes closed fast faster fastest slow slower " +
  "quiet loud bright cold warm hot small large tiny huge ancient modern simple complex network storage memory " +
  "cloud signal battery camera letter number vector matrix planet comet galaxy ocean valley canyon meadow bridge"
).split(" ");

const CATEGORIES = ["books", "music", "garden", "kitchen", "sports", "travel", "tools", "toys", "health", "office", "games", "outdoor"];

/** Deterministic pseudo-random numbers, so every run writes the same rows. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return (t >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2024, 0, 1) * 1000; // microseconds

/** Rows [start, start + n): ids, a category, a timestamp one second apart, a price and a sentence. */
export function demoBatch(start: number, n: number): RecordBatch {
  const r = generator(start + 17);
  const ids = new BigInt64Array(n);
  const ts = new BigInt64Array(n);
  const prices = new Float64Array(n);
  const categories: string[] = new Array(n);
  const texts: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = start + i;
    ids[i] = BigInt(k);
    ts[i] = BigInt(T0 + k * 1_000_000);
    prices[i] = Math.round(r() * 100_000) / 100;
    categories[i] = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!;
    const words: string[] = [];
    const len = 6 + Math.floor(r() * 12);
    for (let w = 0; w < len; w++) words.push(WORDS[Math.floor(r() * r() * WORDS.length)]!);
    texts[i] = words.join(" ");
  }
  const table = new Table({
    id: vectorFromArray(ids as never, new Int64()),
    category: vectorFromArray(categories, new Utf8()),
    ts: makeVector(makeData({ type: new TimestampMicrosecond(), length: n, nullCount: 0, data: ts })),
    price: vectorFromArray(prices as never, new Float64()),
    text: vectorFromArray(texts, new Utf8()),
  });
  return table.batches[0]!;
}

function* batches(start: number, n: number, size = 50_000): Generator<RecordBatch> {
  for (let s = 0; s < n; s += size) yield demoBatch(start + s, Math.min(size, n - s));
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function isoOf(micros: number): string {
  return new Date(micros / 1000).toISOString().replace("T", " ").slice(0, 19);
}

export async function runDemo(options: DemoOptions, print: (text: string) => void): Promise<void> {
  const rows = options.rows ?? 1_000_000;
  if (!Number.isSafeInteger(rows) || rows < 1000) throw new LanceError("INVALID_INPUT", `--rows must be an integer of at least 1000, got ${options.rows}`);
  const dir = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), "lancets-demo-"));
  const uri = join(dir, "demo.lance");
  if (existsSync(uri)) {
    throw new LanceError("INVALID_INPUT", `${uri} exists already (from an earlier demo?); remove it (rm -r ${uri}) or pass another --dir`);
  }
  const workers = options.workers ?? Math.max(2, availableParallelism());
  const executor = new LocalExecutor({ maxConcurrency: workers });
  const steps: [string, string, string][] = [];
  const time = async <T>(label: string, detail: (value: T) => string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await fn();
    const took = performance.now() - t;
    steps.push([label, detail(value), seconds(took)]);
    print(`${label.padEnd(24)} ${seconds(took).padStart(8)}  ${detail(value)}`);
    return value;
  };
  print(`lancets demo: ${rows.toLocaleString("en-US")} rows in ${uri}, ${workers} worker threads\n`);

  const perFile = Math.ceil(rows / 4);
  let ds = await time("write", (d: Dataset) => `${d.countRows().toLocaleString("en-US")} rows, ${d.manifest.fragments.length} fragments, version ${d.version}`, () =>
    writeDataset(uri, batches(0, rows), { maxRowsPerFile: perFile }),
  );

  const build = async (column: string, type: string, params?: Record<string, unknown>): Promise<void> => {
    const label = `${type} on ${column}`;
    const progress = buildProgress(options.progress !== false, label);
    ds = await time(
      label,
      (d: Dataset) => {
        const index = d.describeIndices().find((i) => i.name === `${column}_idx`)!;
        return `${index.segments.length} segments, ${index.numIndexedRows.toLocaleString("en-US")} rows`;
      },
      // the bar is finished (and left in place) before the step's line is printed
      () =>
        ds
          .createScalarIndex(column, type, {
            minGroups: workers,
            executor,
            uri,
            ...(params ? { params } : {}),
            onProgress: progress.onProgress,
          })
          .finally(() => progress.stop()),
    );
  };
  await build("id", "BTREE");
  await build("category", "BITMAP");
  await build("ts", "ZONEMAP", { rowsPerZone: 8192, useSeeds: true });
  await build("text", "FTS");

  const extra = Math.ceil(rows / 5);
  ds = await time("append (with seeds)", (d: Dataset) => `${extra.toLocaleString("en-US")} rows, zone-map seeds planted for ts; ${d.describeIndices().find((i) => i.name === "ts_idx")!.numUnindexedRows.toLocaleString("en-US")} rows unindexed`, () =>
    ds.append(batches(rows, extra), { maxRowsPerFile: perFile }),
  );
  const optimized = await time(
    "optimize indexes",
    (o: OptimizeResult) => o.indices.map((i) => `${i.name}: ${i.fragmentsFromSeeds > 0 ? `${i.fragmentsFromSeeds} from seeds` : `${i.fragmentsScanned} scanned`}`).join(", "),
    () => ds.optimizeIndices(),
  );
  ds = optimized.dataset;

  const total = rows + extra;
  const probe = Math.floor(total * 0.37);
  const from = T0 + Math.floor(total * 0.6) * 1_000_000;
  const filters = [
    `id = ${probe}`,
    `id BETWEEN ${Math.floor(total / 2)} AND ${Math.floor(total / 2) + 99}`,
    `category = 'garden' AND price < 500 AND id >= ${Math.floor(total / 10)} AND id < ${Math.floor(total / 10) + 20_000}`,
    `ts >= TIMESTAMP '${isoOf(from)}' AND ts < TIMESTAMP '${isoOf(from + 600_000_000)}'`,
  ];
  print("\nfilters (each checked against a full scan)");
  const queryRows: string[][] = [];
  for (const filter of filters) {
    const t = performance.now();
    const found = await ds.scan({ filter, columns: ["id"] }).toArrow();
    const took = performance.now() - t;
    const t2 = performance.now();
    const scanned = await ds.scan({ filter, columns: ["id"], useIndex: false }).toArrow();
    const tookScan = performance.now() - t2;
    const same = found.numRows === scanned.numRows && String(found.getChild("id")?.toArray()) === String(scanned.getChild("id")?.toArray());
    if (!same) throw new LanceError("INTERNAL", `the indexed answer to «${filter}» differs from a full scan`);
    const plan = await ds.explain(filter);
    const used = [...plan.matchAll(/: (BTREE|BITMAP|ZONEMAP) index (\S+),/g)].map((m) => `${m[1]} ${m[2]}`);
    queryRows.push([filter, String(found.numRows), seconds(took), seconds(tookScan), used.length > 0 ? [...new Set(used)].join(" + ") : "scan"]);
  }
  print(formatTable(["filter", "rows", "indexed", "full scan", "used"], queryRows));

  const query = "quick brown fox";
  const t = performance.now();
  const hits = await ds.scan({ fullTextSearch: { query }, columns: ["id", "text"], limit: 3 }).toArrow();
  const took = performance.now() - t;
  print(`\nfull-text search "${query}" (BM25 over ${ds.describeIndices().find((i) => i.name === "text_idx")!.segments.length} segments, ${seconds(took)})`);
  print(
    formatTable(
      ["id", "_score", "text"],
      Array.from({ length: hits.numRows }, (_, i) => [String(hits.getChild("id")!.get(i)), (hits.getChild("_score")!.get(i) as number).toFixed(3), String(hits.getChild("text")!.get(i)).slice(0, 70)]),
    ),
  );

  const bytes = (await ds.store.list("")).reduce((n, o) => n + o.size, 0);
  print(`\ndataset: ${uri} (version ${ds.version}, ${(bytes / 1e6).toFixed(1)} MB); it stays there until you remove it: rm -r ${uri}`);
  print("try:");
  print(`  npx lancets inspect ${uri}`);
  print(`  npx lancets query ${uri} --filter "category = 'music' AND price > 990" --columns id,category,price`);
  print(`  npx lancets query ${uri} --filter "${filters[0]}" --explain`);
  print(`  npx lancets search ${uri} "happy garden" --limit 5`);
}
