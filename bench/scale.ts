// bench/scale: peak memory and time of index builds as tables grow. Each build
// runs in its own process under /usr/bin/time -v (peak RSS as the OS counts
// it; without /usr/bin/time, the child's VmHWM from /proc/self/status just
// before it exits): lancets BTREE in memory and within a budget, lancets
// ZONEMAP from the whole column and streamed, and lancedb's BTREE.
// Run: npm run bench:scale -- [rows...] [--memory 64MiB]   (default 1000000 5000000;
// BTREE is built within 256 MiB and within --memory)

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Float64, Int64, Table, vectorFromArray } from "apache-arrow";

const BATCH = 1_000_000;
const MiB = 1024 * 1024;

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function child(kind: string, path: string, memoryBytes: number): Promise<void> {
  const started = performance.now();
  let uncommitted: string | undefined;
  if (kind === "lancedb-btree") {
    const lancedb = await import("@lancedb/lancedb");
    const db = await lancedb.connect(join(path, ".."));
    const table = await db.openTable("t");
    await table.createIndex("v", { config: lancedb.Index.btree(), replace: true });
  } else {
    const { openDataset } = await import("../src/node/open-dataset.js");
    const ds = await openDataset(path);
    const fragmentIds = ds.manifest.fragments.map((f) => f.id);
    if (kind === "zonemap-memory") {
      const { loadTrainingData } = await import("../src/index/training.js");
      const { buildZoneMapInMemory } = await import("../src/index/zonemap/build.js");
      await buildZoneMapInMemory(ds.store, "_indices/bench-zonemap", await loadTrainingData(ds.snapshot, "f", fragmentIds));
      uncommitted = "_indices/bench-zonemap";
    } else {
      const column = kind.startsWith("zonemap") ? "f" : "v";
      const type = kind.startsWith("zonemap") ? "ZONEMAP" : "BTREE";
      const segment = await ds.createIndexUncommitted(column, type, { fragmentIds, name: `bench_${kind}`, params: { memoryBytes } });
      uncommitted = `_indices/${segment.uuid}`;
    }
  }
  const ms = performance.now() - started;
  if (uncommitted) rmSync(join(path, uncommitted), { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ ms, vmHwmKiB: vmHwmKiB() }) + "\n");
}

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
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      v[i] = BigInt(seed % 10_000_000);
      f[i] = (seed % 1_000_003) / 7;
    }
    const batch = new Table({ v: vectorFromArray(v as never, new Int64()), f: vectorFromArray(f as never, new Float64()) });
    if (!table) table = await db.createTable("t", batch);
    else await table.add(batch);
  }
  writeFileSync(join(dir, "READY"), "");
  return path;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB|KiB)?$/.exec(text);
  if (!m) throw new Error(`bad size ${text}`);
  return Math.floor(Number(m[1]) * (m[2] === "GiB" ? 1024 * MiB : m[2] === "MiB" ? MiB : m[2] === "KiB" ? 1024 : 1));
}

function runChild(kind: string, path: string, memoryBytes: number): { ms: number; peakMiB: number } {
  const args = ["--import", "tsx", "bench/scale.ts", "--child", kind, path, String(memoryBytes)];
  const timed = existsSync("/usr/bin/time");
  const r = timed ? spawnSync("/usr/bin/time", ["-v", process.execPath, ...args], { encoding: "utf8" }) : spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ms: number; vmHwmKiB: number };
  const rss = timed ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]) : out.vmHwmKiB;
  return { ms: out.ms, peakMiB: rss / 1024 };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1]!, argv[2]!, Number(argv[3]));
  const mi = argv.indexOf("--memory");
  const memoryBytes = mi >= 0 ? parseSize(argv[mi + 1]!) : 64 * MiB;
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && argv[i - 1] !== "--memory").map(Number);
  const cases: [string, number][] = [
    ["btree-memory", 64 * 1024 * MiB],
    ["btree-budget", 256 * MiB],
    ["btree-budget", memoryBytes],
    ["lancedb-btree", 0],
    ["zonemap-memory", 0],
    ["zonemap-stream", 0],
  ];
  const results: string[] = [];
  for (const rows of sizes.length > 0 ? sizes : [1_000_000, 5_000_000]) {
    const dir = join("bench", ".data", `scale-${rows}`);
    const path = await ensureTable(dir, rows);
    for (const [kind, memory] of cases) {
      const { ms, peakMiB } = runChild(kind, path, memory);
      const line = `| ${rows.toLocaleString("en")} | ${kind}${kind === "btree-budget" ? ` (${memory / MiB} MiB)` : ""} | ${(ms / 1000).toFixed(1)} s | ${peakMiB.toFixed(0)} MiB |`;
      console.log(line);
      results.push(line);
    }
  }
  console.log(["", "| rows | build | time | peak RSS |", "|---|---|---|---|", ...results].join("\n"));
}

await main();
