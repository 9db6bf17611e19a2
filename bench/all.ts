// `npm run bench`: runs every benchmark in turn (each in its own process,
// lancets and lancedb side by side within it), then writes BENCHMARKS.md with
// the ratio tables and docs/bench-build-times.svg, a chart of index build
// time per index type.
// Run: npm run bench [-- --quick]   (--quick: a tenth of the default sizes)
//      npm run bench -- --report-only  (rewrite the report from the last run's results)
//      npm run bench -- --object-store (also bench/object-store.ts, on a local S3
//      server; without it the report keeps its earlier object-store section)

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { extractSection } from "./object-store-report.js";

const quick = process.argv.includes("--quick");
const reportOnly = process.argv.includes("--report-only");
const objectStore = process.argv.includes("--object-store");
const out = join("bench", ".data", "results");

interface Bench {
  name: string;
  file: string;
  args: string[];
}

const BENCHES: Bench[] = [
  { name: "scan", file: "scan.ts", args: ["--rows", quick ? "500000" : "5000000"] },
  { name: "append", file: "append.ts", args: ["--rows", quick ? "500000" : "5000000"] },
  { name: "index-build", file: "index-build.ts", args: ["--rows", quick ? "500000" : "5000000"] },
  { name: "fts", file: "fts.ts", args: ["--docs", quick ? "100000" : "1000000"] },
  { name: "query", file: "query.ts", args: ["--rows", quick ? "500000" : "5000000"] },
  { name: "distributed", file: "distributed.ts", args: ["--rows", quick ? "1000000" : "2000000"] },
  { name: "seeds", file: "seeds.ts", args: ["--rows", quick ? "200000" : "2000000", "--append", quick ? "100000" : "1000000"] },
];

const started = Date.now();
if (!reportOnly) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
}
for (const b of reportOnly ? [] : BENCHES) {
  console.log(`\n== bench/${b.file} ${b.args.join(" ")}`);
  const t = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join("bench", b.file), ...b.args], { stdio: "inherit", env: { ...process.env, LANCETS_BENCH_OUT: out } });
  if (r.status !== 0) {
    console.error(`bench/${b.file} failed (exit ${r.status}); its section is left out`);
  }
  console.log(`(${((Date.now() - t) / 1000).toFixed(0)} s)`);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function load(name: string): any {
  const path = join(out, `${name}.json`);
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
}

const f = (x: number, digits = 2): string => x.toFixed(digits);
const table = (head: string[], rows: string[][]): string => [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const lancedbVersion = JSON.parse(readFileSync(join("node_modules", "@lancedb", "lancedb", "package.json"), "utf8")).version as string;
const md: string[] = [];
md.push("# Benchmarks");
md.push("");
md.push(
  `Written by \`npm run bench\`${quick ? " (--quick: a tenth of the default sizes)" : ""} on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, @lancedb/lancedb ${lancedbVersion}. ` +
    `Every benchmark runs lancets and lancedb on the same data in one process run (index builds: one process per build), so the ratios compare like with like on this machine; absolute numbers vary between runs by several percent. ` +
    (reportOnly ? "" : `Whole run: ${((Date.now() - started) / 60000).toFixed(0)} min.`),
);

const scan = load("scan");
if (scan) {
  md.push("", `## Scan`, "", `${scan.rows.toLocaleString("en-US")} rows written by lancedb (Lance ${scan.version}), one column at a time, best of 3. Above 1: lancets reads faster.`, "");
  md.push(table(["column", "lancets rows/s", "lancedb rows/s", "lancets / lancedb"], scan.columns.map((c: any) => [c.column, c.lancetsRowsPerS.toExponential(2), c.lancedbRowsPerS.toExponential(2), f(c.lancetsRowsPerS / c.lancedbRowsPerS)])));
}
const append = load("append");
if (append) {
  md.push("", "## Write", "", `${append.rows.toLocaleString("en-US")} rows (int64, float64, string) written as a new dataset (Lance ${append.version}). Above 1: lancets takes longer.`, "");
  md.push(table(["lancets s", "lancedb s", "lancets / lancedb"], [[f(append.lancetsS), f(append.lancedbS), f(append.lancetsS / append.lancedbS)]]));
  if (append.lancetsCpuS && append.lancedbCpuS) {
    md.push("", "CPU seconds (user+sys of the process) each engine spent on its write; a loaded machine stretches wall times, not these.", "");
    md.push(table(["lancets CPU s", "lancedb CPU s", "lancets / lancedb"], [[f(append.lancetsCpuS), f(append.lancedbCpuS), f(append.lancetsCpuS / append.lancedbCpuS)]]));
  }
  if (append.lancetsBytes && append.lancedbBytes) {
    md.push("", "Data files written (bytes of `data/*.lance`); above 1: lancets' files are larger.", "");
    md.push(table(["lancets MB", "lancedb MB", "lancets / lancedb"], [[f(append.lancetsBytes / 1e6, 1), f(append.lancedbBytes / 1e6, 1), f(append.lancetsBytes / append.lancedbBytes)]]));
  }
}
const build = load("index-build");
const fts = load("fts");
if (build || fts) {
  md.push("", "## Index builds", "", "Each build in its own process, on a copy of the same dataset; peak = that process's peak RSS. lancedb cannot build ZONEMAP indexes. Above 1: lancets takes longer.", "");
  const rows: string[][] = [];
  for (const b of build?.builds ?? []) {
    rows.push([b.type, b.column, `${build.rows.toLocaleString("en-US")} rows`, f(b.lancets.seconds), b.lancedb ? f(b.lancedb.seconds) : "n/a", b.lancedb ? f(b.lancets.seconds / b.lancedb.seconds) : "n/a", f(b.lancets.peakMiB, 0), b.lancedb ? f(b.lancedb.peakMiB, 0) : "n/a"]);
  }
  if (fts) rows.push(["FTS", "text", `${fts.docs.toLocaleString("en-US")} docs`, f(fts.build.lancetsS), f(fts.build.lancedbS), f(fts.build.lancetsS / fts.build.lancedbS), "", ""]);
  md.push(table(["type", "column", "size", "lancets s", "lancedb s", "lancets / lancedb", "lancets peak MiB", "lancedb peak MiB"], rows));
  md.push("", "![Index build time per index type](docs/bench-build-times.svg)");
  const bars = [...(build?.builds ?? []).map((b: any) => ({ label: b.type, lancets: b.lancets.seconds, lancedb: b.lancedb?.seconds })), ...(fts ? [{ label: "FTS", lancets: fts.build.lancetsS, lancedb: fts.build.lancedbS }] : [])];
  mkdirSync("docs", { recursive: true });
  writeFileSync(join("docs", "bench-build-times.svg"), chart(bars));
}
if (fts) {
  md.push("", "## Full-text search", "", `Mean latency of 20 queries (top 10 rows) over ${fts.docs.toLocaleString("en-US")} documents, each engine over its own index. Above 1: lancets takes longer.`, "");
  const ftsRows = [["bench corpus, 20 queries", fts.query]];
  if (fts.zipf) ftsRows.push(["Zipf corpus, 20 queries", fts.zipf.query]);
  if (fts.zipf?.oneTerm) ftsRows.push([`Zipf, one term in ${fts.zipf.oneTerm.postings.toLocaleString("en-US")} documents`, fts.zipf.oneTerm]);
  md.push(table(["search", "lancets ms", "lancets over Lance's index ms", "lancedb ms", "lancets / lancedb"], ftsRows.map(([label, q]: any) => [label, f(q.lancetsMs, 1), q.lancetsOnLanceIndexMs === undefined ? "" : f(q.lancetsOnLanceIndexMs, 1), f(q.lancedbMs, 1), f(q.lancetsMs / q.lancedbMs)])));
}
const query = load("query");
if (query) {
  md.push("", "## Filtered queries", "", `${query.rows.toLocaleString("en-US")} rows in ${query.fragments} fragments, indexes built by lancets (lancedb's planner uses the same segments); mean latency of 10 filters (3 without an index) returning every matching row of three columns. lancets / lancedb above 1: lancets takes longer; no index / lancets: how much the index saves lancets.`, "");
  md.push("The ids are shuffled within blocks of 250,000 rows and the categories are random, so the rows of a 0.1% id range or of one category are spread over whole pages: both engines then decode nearly every chunk of those pages, lancets in JavaScript. Point lookups and zone-map ranges touch a few chunks.", "");
  md.push(table(["query", "index", "rows / query", "lancets ms", "lancedb ms", "lancets / lancedb", "lancets, no index ms", "no index / lancets"], query.shapes.map((s: any) => [s.name, s.index, f(s.rows, 0), f(s.lancetsMs, 1), f(s.lancedbMs, 1), f(s.lancetsMs / s.lancedbMs), f(s.noIndexMs, 0), f(s.noIndexMs / s.lancetsMs, 1)])));
}
const dist = load("distributed");
if (dist) {
  md.push("", "## Distributed builds", "", `${dist.rows.toLocaleString("en-US")} rows in ${dist.fragments} fragments, 2 segments per build, on one machine: a single process, 2 worker threads, and 2 \`lancets worker\` processes through BullMQ on a local Redis. Speed-up over the single process.`, "");
  md.push(`Worker threads come from one pool per process, started by the first build and reused by the others; they run ${dist.threadCode === "compiled" ? "the compiled package" : dist.threadCode === "bundled" ? "the sources bundled once with esbuild (about 0.3 s to load per thread, against about 3 s through tsx)" : "the TypeScript sources through tsx"}. BullMQ workers are warm processes.`, "");
  md.push(
    table(
      ["type", "column", "single s", "single CPU s (main thread)", "2 threads s", "speed-up", "threads CPU s", "longest thread CPU s", "2 idle cores, bound on speed-up", "BullMQ s", "speed-up", "BullMQ CPU s", "load average"],
      dist.builds.map((b: any) => [b.type, b.column, f(b.singleS), `${f(b.singleCpuS)} (${f(b.singleMainCpuS)})`, f(b.threadsS), f(b.singleS / b.threadsS), f(b.threadsCpuS), f(b.threadsCriticalCpuS), f(b.idleSpeedup), b.bullmqS === undefined ? "" : f(b.bullmqS), b.bullmqS === undefined ? "" : f(b.singleS / b.bullmqS), b.bullmqCpuS === undefined ? "" : f(b.bullmqCpuS), b.load]),
    ),
  );
  md.push("", "CPU time: the process's (all its threads; BullMQ: coordinator and worker processes). The bound: a build takes at least its longest thread's CPU time and half of all its CPU time on 2 cores.");
}
const daft = load("daft-lance");
if (daft) {
  md.push("", "## Side by side with daft-lance", "", `\`npm run bench:daft-lance\` (not part of \`bench/all.ts\`): ${daft.rows.toLocaleString("en-US")} rows in ${daft.fragments} fragments written by pylance 14; each index built as distributed segments, every build a process of its own on a fresh copy (wall time and peak RSS of the whole job from \`/usr/bin/time -v\`; BullMQ: the coordinator, and each worker process's peak). daft-lance 0.6.0 on Daft 0.7.26's native runner with 2 workers, with its default \`fragment_group_size\` (10) and with ${daft.tunedGroup}; lancets on 2 worker threads and on 2 BullMQ workers. Load average at the end of the run: ${daft.load}.`, "");
  md.push(table(["type", "engine", "segments", "wall s", "peak RSS MiB"], daft.builds.map((b: any) => [b.type, b.engine, b.segments.join(", "), f(b.wallS, 1), `${f(b.peakMiB, 0)}${b.workerPeakMiB ? ` (workers ${b.workerPeakMiB.map((x: number) => f(x, 0)).join(", ")})` : ""}`])));
  const ok = daft.checks.filter((c: any) => c.agree && c.usedIndex).length;
  md.push("", `Each index was queried by pylance 14's planner and by lancets' planner: ${ok} of ${daft.checks.length} (index, planner) pairs returned the same rows as every other pair and used the index.`);
}
const seeds = load("seeds");
if (seeds) {
  const n = seeds.rounds ?? 5;
  md.push("", "## Index seeds", "", `${seeds.rows.toLocaleString("en-US")} rows of 256-byte strings with a ZONEMAP (seeds on); ${seeds.appendRows.toLocaleString("en-US")} rows appended, then the index is extended. Every append runs in a process of its own on a fresh copy, ${n} of each kind in balanced order (plain, seeded, seeded, plain, ...), so neither kind gets the first or the second slot more often; the overhead is the median of the ${n} back-to-back pairs' ratios, which cancels slow stretches of the machine better than the ratio of medians.`, "");
  md.push(
    table(
      ["", "seconds", "ratio"],
      [
        ["optimizeIndices from seeds", f(seeds.seedsS, 3), ""],
        ["optimizeIndices rescanning", f(seeds.rescanS, 3), `${f(seeds.rescanS / seeds.seedsS, 1)}x slower`],
        [`append, no index (median of ${n})`, `${f(seeds.appendPlainS)} (runs ${(seeds.appendPlainRuns ?? []).map((x: number) => f(x)).join(", ")})`, ""],
        [`append, planting seeds (median of ${n})`, `${f(seeds.appendSeededS)} (runs ${(seeds.appendSeededRuns ?? []).map((x: number) => f(x)).join(", ")})`, `${f((seeds.appendSeededS / seeds.appendPlainS - 1) * 100, 1)}% (medians), ${seeds.pairedOverhead === undefined ? "" : `${f(seeds.pairedOverhead * 100, 1)}% (median of pairs)`}`],
        ...(seeds.appendPlainCpuS === undefined
          ? []
          : [
              [`append CPU, no index (median of ${n})`, f(seeds.appendPlainCpuS), ""],
              [`append CPU, planting seeds (median of ${n})`, f(seeds.appendSeededCpuS), `${f(seeds.cpuOverhead * 100, 1)}%`],
              ["seed writer alone over the appended rows, CPU (median of 5)", f(seeds.seedWriterCpuS, 3), `${f((seeds.seedWriterCpuS / seeds.appendPlainCpuS) * 100, 1)}% of the plain append's CPU`],
            ]),
      ],
    ),
  );
}
const previousObjectStore = existsSync("BENCHMARKS.md") ? extractSection(readFileSync("BENCHMARKS.md", "utf8")) : undefined;
if (previousObjectStore) md.push("", previousObjectStore);
md.push("");
writeFileSync("BENCHMARKS.md", md.join("\n"));
if (objectStore && !reportOnly) {
  console.log("\n== bench/object-store.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", join("bench", "object-store.ts"), "--rows", quick ? "100000" : "1000000"], { stdio: "inherit" });
  if (r.status !== 0) console.error(`bench/object-store.ts failed (exit ${r.status}); its section is left as it was`);
}
console.log(`\nwrote BENCHMARKS.md and docs/bench-build-times.svg (${((Date.now() - started) / 60000).toFixed(1)} min)`);

/** A grouped horizontal bar chart of build seconds, lancets and lancedb per index type. */
function chart(bars: { label: string; lancets: number; lancedb?: number }[]): string {
  const width = 640;
  const left = 90;
  const right = 70;
  const rowH = 56;
  const top = 48;
  const height = top + bars.length * rowH + 40;
  const max = Math.max(...bars.flatMap((b) => [b.lancets, b.lancedb ?? 0])) || 1;
  const scale = (s: number): number => ((width - left - right) * s) / max;
  const esc = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="600">Index build time (seconds, lower is better)</text>`);
  parts.push(`<rect x="${left}" y="30" width="12" height="12" fill="#2f6fb3"/><text x="${left + 18}" y="40">lancets</text>`);
  parts.push(`<rect x="${left + 90}" y="30" width="12" height="12" fill="#e08a2c"/><text x="${left + 108}" y="40">lancedb</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH + 8;
    parts.push(`<text x="${left - 10}" y="${y + 24}" text-anchor="end" font-weight="600">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${scale(b.lancets).toFixed(1)}" height="18" fill="#2f6fb3"/>`);
    parts.push(`<text x="${(left + scale(b.lancets) + 6).toFixed(1)}" y="${y + 14}">${b.lancets.toFixed(2)} s</text>`);
    if (b.lancedb !== undefined) {
      parts.push(`<rect x="${left}" y="${y + 22}" width="${scale(b.lancedb).toFixed(1)}" height="18" fill="#e08a2c"/>`);
      parts.push(`<text x="${(left + scale(b.lancedb) + 6).toFixed(1)}" y="${y + 36}">${b.lancedb.toFixed(2)} s</text>`);
    } else {
      parts.push(`<text x="${left + 4}" y="${y + 36}" fill="#888">lancedb cannot build it</text>`);
    }
  });
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + bars.length * rowH}" stroke="#999"/>`);
  parts.push("</svg>");
  return parts.join("\n");
}
