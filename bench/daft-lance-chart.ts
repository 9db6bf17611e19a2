// bench/daft-lance-chart: docs/bench-daft-lance.svg, the distributed builds
// side by side with daft-lance as a chart: CPU time per index type and
// engine (user + system of the job; BullMQ: coordinator and workers), wall
// time and peak memory beside each bar. CPU time is the bar because the
// machine is shared: wall time there measures the load as much as the build. Reads the results bench/daft-lance
// recorded (LANCETS_BENCH_OUT/daft-lance.json; several files: one group of
// bars per file), or else the tables of BENCHMARKS.md's "Side by side with
// daft-lance" section (one group per "### N rows" table), so the chart always
// shows the numbers the document gives.
// Run: npx tsx bench/daft-lance-chart.ts [results.json ...]

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Build {
  /** The index type, and the rows of the run ("BTREE, 20M rows") when the chart shows several. */
  type: string;
  engine: string;
  wallS: number;
  /** CPU seconds of the whole job (BullMQ: the coordinator's and the workers' added). */
  cpuS: number;
  /** Peak RSS as the table gives it (coordinator, and workers in brackets). */
  peak: string;
}

/** "20M rows" for 20,000,000. */
function rowsLabel(rows: number): string {
  return rows >= 1e6 ? `${rows / 1e6}M rows` : `${rows} rows`;
}

function fromResults(file: string, labelled: boolean): Build[] {
  const r = JSON.parse(readFileSync(file, "utf8")) as { rows: number; builds: { type: string; engine: string; wallS: number; cpuS: number; peakMiB: number; workerPeakMiB?: number[]; workerCpuS?: number[] }[] };
  return r.builds.map((b) => ({
    type: labelled ? `${b.type}, ${rowsLabel(r.rows)}` : b.type,
    engine: b.engine,
    wallS: b.wallS,
    cpuS: b.cpuS + (b.workerCpuS ?? []).reduce((n, x) => n + x, 0),
    peak: `${b.peakMiB.toFixed(0)}${b.workerPeakMiB ? ` (workers ${b.workerPeakMiB.map((x) => x.toFixed(0)).join(", ")})` : ""}`,
  }));
}

function fromBenchmarks(): Build[] {
  const text = readFileSync("BENCHMARKS.md", "utf8");
  const section = text.slice(text.indexOf("## Side by side with daft-lance"));
  const builds: Build[] = [];
  const lines = section.split("\n").slice(1);
  const labelled = lines.filter((l) => /^### [\d,]+ rows/.test(l)).length > 1;
  let rows = "";
  for (const line of lines) {
    if (line.startsWith("## ")) break;
    const heading = /^### ([\d,]+) rows/.exec(line);
    if (heading) rows = rowsLabel(Number(heading[1]!.replaceAll(",", "")));
    const cells = line.split("|").map((c) => c.trim());
    // | type | engine | segments | wall s | CPU s | peak RSS MiB | before: wall s, peak MiB |
    // (BullMQ's CPU cell: the coordinator's, then "(workers a, b)": all three are the job's)
    if (cells.length !== 9 || !/^\d/.test(cells[4]!)) continue;
    builds.push({ type: labelled && rows ? `${cells[1]!}, ${rows}` : cells[1]!, engine: cells[2]!, wallS: Number(cells[4]), cpuS: (cells[5]!.match(/[\d.]+/g) ?? []).reduce((n, x) => n + Number(x), 0), peak: cells[6]! });
  }
  return builds;
}

const COLORS = ["#e08a2c", "#f0b878", "#2f6fb3", "#7fb0e0", "#163f6e"];

/** One legend entry for daft-lance's tuned group size whatever it is (it depends on the rows). */
function engineKey(engine: string): string {
  return engine.replace(/^daft-lance, fragment_group_size \d+$/, "daft-lance, fragment_group_size for 2 segments");
}

function chart(all: Build[]): string {
  const builds = all.map((b) => ({ ...b, engine: engineKey(b.engine) }));
  const engines = [...new Set(builds.map((b) => b.engine))];
  const types = [...new Set(builds.map((b) => b.type))];
  const width = 760;
  const left = 90;
  const right = 250;
  const barH = 16;
  // each type's group has a bar per engine that built it
  const groupEngines = (t: string): string[] => engines.filter((e) => builds.some((b) => b.type === t && b.engine === e));
  const groupH = (t: string): number => groupEngines(t).length * (barH + 3) + 16;
  const top = 30 + Math.ceil(engines.length / 2) * 18 + 10;
  const height = top + types.reduce((n, t) => n + groupH(t), 0) + 20;
  const max = Math.max(...builds.map((b) => b.cpuS)) || 1;
  const scale = (s: number): number => ((width - left - right) * s) / max;
  const esc = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="15" font-weight="600">Distributed index builds, 2 workers: CPU seconds (wall s; peak RSS MiB)</text>`);
  engines.forEach((e, i) => {
    const x = left + (i % 2) * 300;
    const y = 30 + Math.floor(i / 2) * 18;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${y + 10}">${esc(e)}</text>`);
  });
  let y0 = top;
  for (const t of types) {
    const h = groupH(t);
    const [kind, rows] = t.split(", ");
    parts.push(`<text x="${left - 10}" y="${y0 + h / 2}" text-anchor="end" font-weight="600">${esc(kind!)}</text>`);
    if (rows) parts.push(`<text x="${left - 10}" y="${y0 + h / 2 + 14}" text-anchor="end" fill="#555">${esc(rows)}</text>`);
    groupEngines(t).forEach((e, k) => {
      const b = builds.find((x) => x.type === t && x.engine === e)!;
      const y = y0 + k * (barH + 3);
      const color = COLORS[engines.indexOf(e) % COLORS.length];
      parts.push(`<rect x="${left}" y="${y}" width="${scale(b.cpuS).toFixed(1)}" height="${barH}" fill="${color}"/>`);
      parts.push(`<text x="${(left + scale(b.cpuS) + 6).toFixed(1)}" y="${y + 12}">${b.cpuS.toFixed(1)} s (${b.wallS.toFixed(1)} s; ${esc(b.peak.replace(/ \(workers (.*)\)$/, "; workers $1"))})</text>`);
    });
    y0 += h;
  }
  parts.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${y0 - 12}" stroke="#999"/>`);
  parts.push("</svg>");
  return parts.join("\n");
}

const given = process.argv.length > 2 ? process.argv.slice(2) : process.env.LANCETS_BENCH_OUT ? [join(process.env.LANCETS_BENCH_OUT, "daft-lance.json")] : [];
const builds = given.length > 0 && given.every((f) => existsSync(f)) ? given.flatMap((f) => fromResults(f, given.length > 1)) : fromBenchmarks();
if (builds.length === 0) {
  console.error("no daft-lance results: run npm run bench:daft-lance first");
  process.exitCode = 1;
} else {
  writeFileSync(join("docs", "bench-daft-lance.svg"), chart(builds));
  console.log(`wrote docs/bench-daft-lance.svg (${builds.length} builds)`);
}
