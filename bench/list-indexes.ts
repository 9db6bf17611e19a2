// bench/list-indexes: LABEL_LIST, BLOOMFILTER and NGRAM indexes, lancets
// against Lance in one run. Builds: each in a fresh process (lancets; pylance
// 14 for every type, lancedb = Lance 12 for LABEL_LIST, the one of the three
// it builds), CPU time (user + sys) of the build and the process's peak RSS.
// Queries: CPU time of count_rows per filter with and without the index, in
// lancets and in pylance, on the same data. The load average is printed with
// the results: on a shared machine CPU time is the number to compare.
// Run: npm run bench:list-indexes -- [--rows N]   (pylance from PYLANCE_VENV)

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";
import { Field, Int64, List, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../src/node/open-dataset.js";
import { record } from "./results.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const rows = Number(arg("rows", "1000000"));
const base = join("bench", ".data", `list-indexes-${rows}`);
const BATCH = 100_000;
const PYTHON = join(process.env.PYLANCE_VENV ?? ".venv-oracle", "bin", "python");
const WORDS = ["alpha", "beta", "gamma", "delta", "number", "report", "quarterly", "café", "lance", "index", "column", "vector", "search", "token", "filter"];

const TYPES = [
  { type: "LABEL_LIST", column: "tags", filters: ["array_has_any(tags, ['tag-3', 'tag-77'])", "array_contains(tags, 'tag-1')"] },
  { type: "BLOOMFILTER", column: "id", filters: ["id = 42", "id IN (7, 500000, 999999)"] },
  { type: "NGRAM", column: "doc", filters: ["contains(doc, 'number 3')", "contains(doc, 'quarterly report 12')"] },
] as const;

async function ensureSource(): Promise<string> {
  const path = join(base, "source.lance");
  if (existsSync(join(base, "READY"))) return path;
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  let seed = 7;
  const r = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  async function* batches(): AsyncGenerator<import("apache-arrow").RecordBatch> {
    for (let s = 0; s < rows; s += BATCH) {
      const n = Math.min(BATCH, rows - s);
      const ids = new BigInt64Array(n);
      const tags: string[][] = new Array(n);
      const docs: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = BigInt(s + i);
        tags[i] = Array.from({ length: Math.floor(r() * 4) }, () => `tag-${Math.floor(r() * 100)}`);
        docs[i] = Array.from({ length: 4 + Math.floor(r() * 8) }, () => (r() < 0.2 ? `number ${Math.floor(r() * 100)}` : WORDS[Math.floor(r() * WORDS.length)]!)).join(" ");
      }
      yield* new Table({
        id: vectorFromArray(ids as never, new Int64()),
        tags: vectorFromArray(tags as never, new List(new Field("item", new Utf8(), true))),
        doc: vectorFromArray(docs, new Utf8()),
      }).batches;
    }
  }
  await writeDataset(path, batches());
  writeFileSync(join(base, "READY"), "");
  return path;
}

interface Measured {
  cpuSeconds: number;
  peakMiB: number;
  /** lancets: CPU of a second build in the same process, on a fresh copy (code already compiled). */
  warmCpuSeconds?: number;
}

/** Child mode: one build in a fresh process, so its CPU time and peak RSS are its own. */
async function child(engine: string, type: string, column: string, path: string): Promise<void> {
  const before = process.cpuUsage();
  if (engine === "lancets") {
    await (await openDataset(path)).createScalarIndex(column, type);
  } else {
    const table = await (await lancedb.connect(join(path, ".."))).openTable(basename(path, ".lance"));
    await table.createIndex(column, { config: lancedb.Index.labelList() });
  }
  const used = process.cpuUsage(before);
  const peakMiB = peakRssKiB() / 1024;
  let warmCpuSeconds: number | undefined;
  if (engine === "lancets") {
    // the first build in a process also pays for compiling its code; a second one on a fresh copy does not
    const again = `${path}-warm`;
    rmSync(again, { recursive: true, force: true });
    cpSync(join(path, "..", "source.lance"), again, { recursive: true });
    const start = process.cpuUsage();
    await (await openDataset(again)).createScalarIndex(column, type);
    const warm = process.cpuUsage(start);
    warmCpuSeconds = (warm.user + warm.system) / 1e6;
    rmSync(again, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6, peakMiB, ...(warmCpuSeconds === undefined ? {} : { warmCpuSeconds }) }));
}

/**
 * This process's own peak RSS (VmHWM): getrusage's maxrss carries the
 * parent's size at fork across exec on Linux, which would floor every build
 * at the size of this benchmark's main process.
 */
function peakRssKiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

const PY_BUILD = `
import json, re, resource, sys, lance
path, column, kind = sys.argv[1:4]
ds = lance.dataset(path)
before = resource.getrusage(resource.RUSAGE_SELF)
ds.create_scalar_index(column, kind)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
# VmHWM: this process's own peak (ru_maxrss carries the parent's size at fork across exec)
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"cpuSeconds": cpu, "peakMiB": peak / 1024}))
`;

const PY_QUERY = `
import json, sys, time, lance
path, reps = sys.argv[1], int(sys.argv[2])
filters = json.loads(sys.argv[3])
ds = lance.dataset(path)
out = {}
for f in filters:
    row = {}
    for use in (True, False):
        ds.scanner(filter=f, use_scalar_index=use).count_rows()
        t = time.process_time()
        for _ in range(reps):
            n = ds.scanner(filter=f, use_scalar_index=use).count_rows()
        row["index" if use else "scan"] = (time.process_time() - t) / reps
        row["rows"] = n
    out[f] = row
print(json.dumps(out))
`;

function measure(engine: string, type: string, column: string, path: string): Measured {
  const out =
    engine === "pylance"
      ? execFileSync(PYTHON, ["-c", PY_BUILD, path, column, type], { encoding: "utf8" })
      : execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", engine, type, column, path], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Measured;
}

/** CPU seconds per count of `filter` (mean of `reps`, after one warm-up). */
async function lancetsQuery(path: string, filter: string, useIndex: boolean, reps: number): Promise<{ cpuSeconds: number; rows: number }> {
  const ds = await openDataset(path);
  let n = await ds.countRows(filter, { useIndex });
  const before = process.cpuUsage();
  for (let k = 0; k < reps; k++) n = await ds.countRows(filter, { useIndex });
  const used = process.cpuUsage(before);
  return { cpuSeconds: (used.user + used.system) / 1e6 / reps, rows: n };
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  const [engine, type, column, path] = process.argv.slice(childAt + 1);
  await child(engine!, type!, column!, path!);
  process.exit(0);
}

const source = await ensureSource();
const REPS = 2;
console.log(`bench/list-indexes: ${rows} rows, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log("build        lancets CPU s  (2nd build)  pylance CPU s  ratio  lancedb CPU s   lancets MiB  pylance MiB  lancedb MiB");
const results: Record<string, unknown>[] = [];
for (const { type, column, filters } of TYPES) {
  const paths = { lancets: join(base, `lancets-${type}.lance`), pylance: join(base, `pylance-${type}.lance`), lancedb: join(base, `lancedb-${type}.lance`) };
  for (const p of Object.values(paths)) {
    rmSync(p, { recursive: true, force: true });
    cpSync(source, p, { recursive: true });
  }
  const a = measure("lancets", type, column, paths.lancets);
  const b = measure("pylance", type, column, paths.pylance);
  const c = type === "LABEL_LIST" ? measure("lancedb", type, column, paths.lancedb) : undefined;
  console.log(
    `${type.padEnd(12)} ${a.cpuSeconds.toFixed(2).padStart(13)}  ${(a.warmCpuSeconds ?? NaN).toFixed(2).padStart(11)}  ${b.cpuSeconds.toFixed(2).padStart(13)}  ${(a.cpuSeconds / b.cpuSeconds).toFixed(2).padStart(5)}  ${(c ? c.cpuSeconds.toFixed(2) : "n/a").padStart(13)}   ${a.peakMiB.toFixed(0).padStart(11)}  ${b.peakMiB.toFixed(0).padStart(11)}  ${(c ? c.peakMiB.toFixed(0) : "n/a").padStart(11)}`,
  );
  // queries on the lancets-built index (both engines) and without it
  const theirs = JSON.parse(execFileSync(PYTHON, ["-c", PY_QUERY, paths.lancets, String(REPS), JSON.stringify(filters)], { encoding: "utf8" }).trim()) as Record<string, { index: number; scan: number; rows: number }>;
  const queries: Record<string, unknown>[] = [];
  for (const filter of filters) {
    const withIndex = await lancetsQuery(paths.lancets, filter, true, REPS);
    const without = await lancetsQuery(paths.lancets, filter, false, REPS);
    const py = theirs[filter]!;
    if (py.rows !== withIndex.rows || without.rows !== withIndex.rows) throw new Error(`${filter}: lancets counts ${withIndex.rows} / ${without.rows}, pylance ${py.rows}`);
    console.log(`  query ${filter.padEnd(44)} rows ${String(withIndex.rows).padStart(7)}  lancets ms index ${(withIndex.cpuSeconds * 1e3).toFixed(1).padStart(7)} scan ${(without.cpuSeconds * 1e3).toFixed(1).padStart(7)}   pylance ms index ${(py.index * 1e3).toFixed(1).padStart(7)} scan ${(py.scan * 1e3).toFixed(1).padStart(7)}`);
    queries.push({ filter, rows: withIndex.rows, lancetsIndexCpu: withIndex.cpuSeconds, lancetsScanCpu: without.cpuSeconds, pylanceIndexCpu: py.index, pylanceScanCpu: py.scan });
  }
  results.push({ type, column, lancets: a, pylance: b, ...(c ? { lancedb: c } : {}), queries });
  for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log("(CPU = user + sys of the build's own process; 2nd build = a second lancets build in that process on a fresh copy; MiB = that process's peak RSS, first build; query CPU per count_rows on lancets' index, mean of 2 after a warm-up)");
record("list-indexes", { rows, loadAverage: loadavg(), results });
