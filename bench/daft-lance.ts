// bench/daft-lance: distributed index builds side by side with daft-lance.
// One dataset (the bench data: id int64, value float64, category string of 50
// values, text string; written by pylance 14 in fragments of 500,000 rows) and
// for each of BTREE, BITMAP, ZONEMAP and INVERTED a build as distributed
// segments by
//   - daft-lance 0.6.0 on Daft 0.7.26's native runner with 2 workers, its
//     default fragment_group_size (10) and one giving 2 segments,
//   - lancets on 2 worker threads (LocalExecutor),
//   - lancets on 2 `lancets worker` processes through BullMQ on a private Redis.
// Every build runs on a fresh copy, as a process of its own under
// /usr/bin/time -v (wall time and peak RSS of the whole job; for BullMQ the
// coordinator's and each worker's peak, from /proc). Then each engine's index is
// queried by pylance 14's planner and by lancets' planner: answers must agree
// and the index must be used.
// lancets runs as its package does, from compiled code: the sources are
// compiled into dist/ (tsc -p tsconfig.build.json) and the job script into
// plain JavaScript importing dist/, run by node without a TypeScript loader
// (tsx alone holds about 55 MiB); BullMQ workers run bin/lancets.js, which runs
// dist/ when it is not older than the sources.
// Python: a virtual environment of its own (.venv-bench), made on first run
// with daft==0.7.26 daft-lance==0.6.0 pylance==14.0.2.
// Run: npm run bench:daft-lance -- [--rows N] [--types BTREE,BITMAP,ZONEMAP,INVERTED]

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { transformSync } from "esbuild";
import { record } from "./results.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const rows = Number(arg("rows", "5000000"));
const fragmentRows = Number(arg("fragment-rows", "500000"));
const types = arg("types", "BTREE,BITMAP,ZONEMAP,INVERTED").split(",");
const base = resolve("bench", ".data", `daft-lance-${rows}`);
const venv = resolve(".venv-bench");
const python = join(venv, "bin", "python");
const PACKAGES = ["daft==0.7.26", "daft-lance==0.6.0", "pylance==14.0.2"];

const COLUMNS: Record<string, string> = { BTREE: "id", BITMAP: "category", ZONEMAP: "value", INVERTED: "text" };
const QUERIES: Record<string, string[]> = {
  BTREE: ["id = 1234567", `id BETWEEN 1000 AND 1100`, `id >= ${rows - 50}`],
  BITMAP: ["category = 'category-7'", "category IN ('category-1', 'category-42')"],
  ZONEMAP: ["value < 100", "value BETWEEN 500000 AND 500200"],
  // every match fits the limit (a cut among equal scores would differ between engines)
  INVERTED: ["977", "42 977"],
};

function run(command: string, args: string[], what: string): string {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function lastJson<T>(out: string): T {
  return JSON.parse(out.trim().split("\n").filter((l) => l.startsWith("{")).at(-1)!) as T;
}

/** Runs a whole job under /usr/bin/time -v: its output, wall seconds, CPU seconds (user + system, all threads) and peak RSS in MiB. */
function timedJob(command: string, args: string[], what: string): { out: string; wallS: number; cpuS: number; peakMiB: number } {
  const r = spawnSync("/usr/bin/time", ["-v", command, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr.slice(-4000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  if (!rss || !wall) throw new Error(`${what}: no /usr/bin/time report in\n${r.stderr.slice(-2000)}`);
  const wallS = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpuS = user && system ? Number(user[1]) + Number(system[1]) : NaN;
  return { out: r.stdout, wallS, cpuS, peakMiB: Number(rss[1]) / 1024 };
}

function ensureVenv(): void {
  const ok = existsSync(python) && spawnSync(python, ["-c", "import daft, daft_lance, lance"]).status === 0;
  if (ok) return;
  console.log(`making ${venv} with ${PACKAGES.join(" ")}`);
  run("python3", ["-m", "venv", venv], "python3 -m venv");
  run(join(venv, "bin", "pip"), ["install", "--quiet", ...PACKAGES], "pip install");
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

/** Resolves once `child` has printed `pattern`, rejects after `timeoutMs` or on exit. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((done, fail) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${seen}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited with ${code}: ${seen}`));
    });
  });
}

/** CPU seconds (user + system, all threads) a live process has used so far, from /proc/PID/stat. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident set size of a live process, in MiB (VmHWM). */
function peakOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

ensureVenv();
mkdirSync(base, { recursive: true });
const source = join(base, "source.lance");
if (!existsSync(join(base, "READY"))) {
  rmSync(source, { recursive: true, force: true });
  console.log(`writing ${rows} rows with pylance 14`);
  run(python, ["bench/daft-lance.py", "write", "--path", source, "--rows", String(rows), "--fragment-rows", String(fragmentRows)], "write");
  writeFileSync(join(base, "READY"), "");
}
console.log("compiling lancets into dist/");
run(process.execPath, [resolve("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], "tsc -p tsconfig.build.json");
const jobScript = join(base, "daft-lance-job.mjs");
const dist = pathToFileURL(resolve("dist")).href;
writeFileSync(jobScript, transformSync(readFileSync("bench/daft-lance-job.ts", "utf8"), { loader: "ts", format: "esm", target: "node20" }).code.replaceAll(`"../src/`, `"${dist}/`));
const fragments = Math.ceil(rows / fragmentRows);
const tunedGroup = Math.ceil(fragments / 2);

const port = await freePort();
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdio: ["ignore", "pipe", "pipe"] });
await waitForOutput(redis, /Ready to accept connections/, 15_000, "redis-server");
const redisUrl = `redis://127.0.0.1:${port}`;

interface Build {
  type: string;
  engine: string;
  wallS: number;
  /** CPU seconds of the job's process (BullMQ: the coordinator's; the workers' in workerCpuS). */
  cpuS: number;
  peakMiB: number;
  workerPeakMiB?: number[];
  workerCpuS?: number[];
  segments: number[];
  path: string;
}

const ENGINES = ["daft-lance, default groups", `daft-lance, fragment_group_size ${tunedGroup}`, "lancets, 2 threads", "lancets, BullMQ 2 workers"];
const builds: Build[] = [];
const checks: { type: string; built: string; reader: string; agree: boolean; usedIndex: boolean }[] = [];
try {
  for (const type of types) {
    const column = COLUMNS[type]!;
    for (const [k, engine] of ENGINES.entries()) {
      const path = join(base, `${type.toLowerCase()}-${k}.lance`);
      rmSync(path, { recursive: true, force: true });
      cpSync(source, path, { recursive: true });
      let job: ReturnType<typeof timedJob>;
      let workerPeakMiB: number[] | undefined;
      let workerCpuS: number[] | undefined;
      if (k < 2) {
        job = timedJob(python, ["bench/daft-lance.py", "build", "--path", path, "--type", type, "--column", column, ...(k === 1 ? ["--group-size", String(tunedGroup)] : [])], `${engine} ${type}`);
      } else if (k === 2) {
        job = timedJob(process.execPath, [jobScript, "build", "--path", path, "--type", type, "--column", column, "--executor", "threads"], `${engine} ${type}`);
      } else {
        const prefix = `bench-${type.toLowerCase()}`;
        const workers = [0, 1].map(() => spawn(process.execPath, ["bin/lancets.js", "worker", "--redis", redisUrl, "--prefix", prefix, "--concurrency", "1"], { stdio: ["ignore", "pipe", "pipe"] }));
        try {
          await Promise.all(workers.map((w) => waitForOutput(w, /worker ready/, 120_000, "lancets worker")));
          // the workers' CPU from here on is the build's (starting them loaded modules)
          const cpuBefore = workers.map((w) => cpuOf(w.pid!));
          job = timedJob(process.execPath, [jobScript, "build", "--path", path, "--type", type, "--column", column, "--executor", "bullmq", "--redis", redisUrl, "--prefix", prefix], `${engine} ${type}`);
          workerPeakMiB = workers.map((w) => peakOf(w.pid!));
          workerCpuS = workers.map((w, i) => cpuOf(w.pid!) - cpuBefore[i]!);
        } finally {
          for (const w of workers) w.kill("SIGKILL");
        }
      }
      const { segments } = lastJson<{ segments: number[] }>(job.out);
      const b: Build = { type, engine, wallS: job.wallS, cpuS: job.cpuS, peakMiB: job.peakMiB, ...(workerPeakMiB ? { workerPeakMiB } : {}), ...(workerCpuS ? { workerCpuS } : {}), segments, path };
      builds.push(b);
      const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
      console.log(
        `${type.padEnd(8)} ${engine.padEnd(36)} ${job.wallS.toFixed(1).padStart(7)} s  CPU ${job.cpuS.toFixed(1).padStart(6)} s${workerCpuS ? ` (workers ${workerCpuS.map((x) => x.toFixed(1)).join(", ")} s)` : ""} ${job.peakMiB.toFixed(0).padStart(6)} MiB${workerPeakMiB ? ` (workers ${workerPeakMiB.map((x) => x.toFixed(0)).join(", ")} MiB)` : ""}  segments ${segments.join(",")}  load ${load}`,
      );
    }
    // every engine's index, read by both planners: the same answers, the index used
    const queries = JSON.stringify(QUERIES[type]);
    let reference: string | undefined;
    for (const b of builds.filter((x) => x.type === type)) {
      for (const [reader, command, args] of [
        ["pylance 14", python, ["bench/daft-lance.py", "verify", "--path", b.path, "--type", type, "--queries", queries]],
        ["lancets", process.execPath, [jobScript, "verify", "--path", b.path, "--type", type, "--queries", queries]],
      ] as const) {
        const answers = lastJson<Record<string, { count: number; sum: number; usedIndex: boolean }>>(run(command, [...args], `${reader} on ${b.engine} ${type}`));
        const shape = JSON.stringify(Object.entries(answers).map(([q, a]) => [q, a.count, a.sum]));
        reference ??= shape;
        const check = { type, built: b.engine, reader, agree: shape === reference, usedIndex: Object.values(answers).every((a) => a.usedIndex) };
        checks.push(check);
        if (!check.agree || !check.usedIndex) console.log(`  MISMATCH ${JSON.stringify(check)}: ${shape} vs ${reference}`);
      }
    }
    console.log(`  ${type}: ${checks.filter((c) => c.type === type && c.agree && c.usedIndex).length} of ${checks.filter((c) => c.type === type).length} (index, planner) pairs agree and use the index`);
    for (const b of builds.filter((x) => x.type === type)) rmSync(b.path, { recursive: true, force: true });
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  record("daft-lance", { rows, fragments, tunedGroup, load, builds: builds.map(({ path: _path, ...b }) => b), checks });
  console.log(`load average at the end: ${load}`);
} finally {
  redis.kill("SIGKILL");
}
