// bench/scale: peak memory and time of index builds as tables grow. Each build
// runs in its own process under /usr/bin/time -v (peak RSS as the OS counts
// it; without /usr/bin/time, the child's VmHWM from /proc/self/status just
// before it exits), one segment over every fragment: lancets BTREE, BITMAP,
// ZONEMAP and FTS within their default budget (and BTREE within --memory),
// and lancedb's BTREE, BITMAP and FTS on the same data.
// Time: from opening the dataset to the index files written, modules loaded
// beforehand (their load time is reported apart); process CPU includes both,
// build CPU (user + system of every thread) counts only the build.
// Run: npm run bench:scale -- [rows...] [--memory 64MiB] [--only btree,bitmap,...] [--out file.jsonl]
//   rows default 1000000 5000000; FTS indexes a table of rows / 5 documents;
//   each result is also appended to --out (default bench/.data/scale-results.jsonl)
//   kinds: btree btree-memory btree-budget lancedb-btree bitmap lancedb-bitmap
//          zonemap zonemap-memory fts lancedb-fts

import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Float64, Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";

const BATCH = 1_000_000;
const MiB = 1024 * 1024;
const DEFAULT_KINDS = ["btree", "btree-budget", "lancedb-btree", "bitmap", "lancedb-bitmap", "zonemap", "fts", "lancedb-fts"];

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : NaN;
}

const LANCEDB_INDEX: Record<string, [string, "btree" | "bitmap" | "fts"]> = {
  "lancedb-btree": ["v", "btree"],
  "lancedb-bitmap": ["c", "bitmap"],
  "lancedb-fts": ["text", "fts"],
};
const LANCETS_INDEX: Record<string, [string, string]> = {
  btree: ["v", "BTREE"],
  "btree-memory": ["v", "BTREE"],
  "btree-budget": ["v", "BTREE"],
  bitmap: ["c", "BITMAP"],
  zonemap: ["f", "ZONEMAP"],
  fts: ["text", "FTS"],
};

async function child(kind: string, path: string, memoryBytes: number): Promise<void> {
  // modules are loaded before the clock starts (lancedb's native library, lancets' sources through tsx), and timed apart
  const loading = performance.now();
  const lancedb = LANCEDB_INDEX[kind] ? await import("@lancedb/lancedb") : undefined;
  const lancets = lancedb ? undefined : { ...(await import("../src/node/open-dataset.js")), ...(await import("../src/index/training.js")), ...(await import("../src/index/zonemap/build.js")) };
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let uncommitted: string | undefined;
  if (lancedb) {
    const [column, type] = LANCEDB_INDEX[kind]!;
    const db = await lancedb.connect(join(path, ".."));
    const table = await db.openTable(path.endsWith("docs.lance") ? "docs" : "t");
    await table.createIndex(column, { config: lancedb.Index[type](), replace: true });
  } else {
    const { openDataset, loadTrainingData, buildZoneMapInMemory } = lancets!;
    const ds = await openDataset(path);
    const fragmentIds = ds.manifest.fragments.map((f) => f.id);
    if (kind === "zonemap-memory") {
      await buildZoneMapInMemory(ds.store, "_indices/bench-zonemap", await loadTrainingData(ds.snapshot, "f", fragmentIds));
      uncommitted = "_indices/bench-zonemap";
    } else {
      const [column, type] = LANCETS_INDEX[kind]!;
      const params = memoryBytes > 0 ? { memoryBytes } : {};
      const segment = await ds.createIndexUncommitted(column, type, { fragmentIds, name: `bench_${kind}`, params });
      uncommitted = `_indices/${segment.uuid}`;
    }
  }
  const ms = performance.now() - started;
  if (uncommitted) rmSync(join(path, uncommitted), { recursive: true, force: true });
  const cpu = process.cpuUsage();
  const buildCpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(JSON.stringify({ ms, loadMs: started - loading, cpuMs: (cpu.user + cpu.system) / 1000, buildCpuMs: (buildCpu.user + buildCpu.system) / 1000, vmHwmKiB: vmHwmKiB() }) + "\n");
}

/** A table of `rows` rows: v int64 (pseudo-random below 10M), f float64, c int32 (100 values). */
async function ensureTable(dir: string, rows: number): Promise<string> {
  const path = join(dir, "t.lance");
  if (existsSync(join(dir, "READY"))) return path;
  // loaded only here, so the lancets builds' processes do not carry lancedb's native library
  const lancedb = await import("@lancedb/lancedb");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await lancedb.connect(dir);
  let table: Awaited<ReturnType<typeof db.createTable>> | undefined;
  let seed = 12345;
  for (let s = 0; s < rows; s += BATCH) {
    const n = Math.min(BATCH, rows - s);
    const v = new BigInt64Array(n);
    const f = new Float64Array(n);
    const c = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      v[i] = BigInt(seed % 10_000_000);
      f[i] = (seed % 1_000_003) / 7;
      c[i] = (seed >>> 9) % 100;
    }
    const batch = new Table({ v: vectorFromArray(v as never, new Int64()), f: vectorFromArray(f as never, new Float64()), c: vectorFromArray(c as never, new Int32()) });
    if (!table) table = await db.createTable("t", batch);
    else await table.add(batch);
  }
  writeFileSync(join(dir, "READY"), "");
  return path;
}

/** Word k of a 50,000-word vocabulary, made of syllables. */
function word(k: number): string {
  const syllables = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "va", "ze", "bri", "dor", "fen", "gal", "hus", "jin"];
  let w = "";
  do {
    w += syllables[k % 16];
    k = Math.floor(k / 16);
  } while (k > 0);
  return w;
}

/** A table of `docs` documents of 8 to 40 words drawn about as often as in natural text (log-uniform ranks). */
async function ensureDocs(dir: string, docs: number): Promise<string> {
  const path = join(dir, "docs.lance");
  if (existsSync(join(dir, "DOCS_READY"))) return path;
  const lancedb = await import("@lancedb/lancedb");
  rmSync(path, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await lancedb.connect(dir);
  const vocab = Array.from({ length: 50_000 }, (_, k) => word(k));
  const logV = Math.log(vocab.length);
  let table: Awaited<ReturnType<typeof db.createTable>> | undefined;
  let seed = 777;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const per = BATCH / 5;
  for (let s = 0; s < docs; s += per) {
    const n = Math.min(per, docs - s);
    const texts: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = 8 + Math.floor(next() * 33);
      const words: string[] = new Array(len);
      for (let k = 0; k < len; k++) words[k] = vocab[Math.floor(Math.exp(next() * logV)) - 1]!;
      texts[i] = words.join(" ");
    }
    const batch = new Table({ id: vectorFromArray(BigInt64Array.from({ length: n }, (_, i) => BigInt(s + i)) as never, new Int64()), text: vectorFromArray(texts, new Utf8()) });
    if (!table) table = await db.createTable("docs", batch);
    else await table.add(batch);
  }
  writeFileSync(join(dir, "DOCS_READY"), "");
  return path;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB|KiB)?$/.exec(text);
  if (!m) throw new Error(`bad size ${text}`);
  return Math.floor(Number(m[1]) * (m[2] === "GiB" ? 1024 * MiB : m[2] === "MiB" ? MiB : m[2] === "KiB" ? 1024 : 1));
}

function runChild(kind: string, path: string, memoryBytes: number): { ms: number; loadMs: number; cpuMs: number; buildCpuMs: number; peakMiB: number } {
  const args = ["--import", "tsx", "bench/scale.ts", "--child", kind, path, String(memoryBytes)];
  const timed = existsSync("/usr/bin/time");
  const r = timed ? spawnSync("/usr/bin/time", ["-v", process.execPath, ...args], { encoding: "utf8", maxBuffer: 64 * MiB }) : spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ms: number; loadMs: number; cpuMs: number; buildCpuMs: number; vmHwmKiB: number };
  const rss = timed ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]) : out.vmHwmKiB;
  return { ms: out.ms, loadMs: out.loadMs, cpuMs: out.cpuMs, buildCpuMs: out.buildCpuMs, peakMiB: rss / 1024 };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1]!, argv[2]!, Number(argv[3]));
  const budget = option(argv, "--memory");
  const memoryBytes = budget ? parseSize(budget) : 64 * MiB;
  const kinds = option(argv, "--only")?.split(",") ?? DEFAULT_KINDS;
  const out = option(argv, "--out") ?? join("bench", ".data", "scale-results.jsonl");
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith("--")).map(Number);
  const results: string[] = [];
  for (const rows of sizes.length > 0 ? sizes : [1_000_000, 5_000_000]) {
    const dir = join("bench", ".data", `scale-v2-${rows}`);
    for (const kind of kinds) {
      const fts = kind.endsWith("fts");
      const path = fts ? await ensureDocs(dir, Math.floor(rows / 5)) : await ensureTable(dir, rows);
      // lancets builds within their default budget, btree-budget within --memory, btree-memory with room for all
      const memory = kind === "btree-budget" ? memoryBytes : kind === "btree-memory" ? 64 * 1024 * MiB : 0;
      const { ms, loadMs, cpuMs, buildCpuMs, peakMiB } = runChild(kind, path, memory);
      const label = `${kind}${memory > 0 ? ` (${memory / MiB} MiB)` : ""}`;
      appendFileSync(out, JSON.stringify({ rows, docs: fts ? Math.floor(rows / 5) : undefined, kind: label, ms, loadMs, cpuMs, buildCpuMs, peakMiB, load: readFileSync("/proc/loadavg", "utf8").split(" ")[0], at: new Date().toISOString() }) + "\n");
      const line = `| ${rows.toLocaleString("en")} | ${label} | ${(ms / 1000).toFixed(1)} s | ${(cpuMs / 1000).toFixed(1)} s | ${(buildCpuMs / 1000).toFixed(1)} s | ${peakMiB.toFixed(0)} MiB |`;
      console.log(line);
      results.push(line);
    }
  }
  console.log(["", "| rows | build | time | process CPU | build CPU | peak RSS |", "|---|---|---|---|---|---|", ...results].join("\n"));
}

await main();
