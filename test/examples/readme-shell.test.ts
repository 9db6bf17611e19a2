// Every sh/bash block of README.md and docs/*.md runs, line by line, as a
// user would type it: `npx lancets` is this checkout's bin/lancets.js, the
// placeholder paths are a copy of a small dataset, `redis://...` is a private
// redis-server, and long-running commands (`lancets worker`, `redis-server`)
// run in the background until the block ends, then must stop cleanly on
// SIGTERM. Every command must exit 0 and print what it should. A block that
// cannot run here says why in a `<!-- sh-test: skip: reason -->` line right
// above it.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { tableToIPC } from "apache-arrow";
import { main } from "../../src/cli/main.js";
import { demoBatch } from "../../src/cli/demo.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { freePort, startRedis, type RedisServer } from "../helpers/redis.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "lancets.js");
const SKIP_MARKER = /^<!--\s*sh-test:\s*skip:\s*(.+?)\s*-->$/;

interface ShellBlock {
  file: string;
  line: number;
  commands: string[];
  skip?: string;
}

/** The sh/bash fenced blocks of a markdown file: their command lines (comments and blank lines dropped, `\` continuations joined). */
function shellBlocks(file: string, text: string): ShellBlock[] {
  const lines = text.split("\n");
  const out: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(sh|bash|shell)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const marker = SKIP_MARKER.exec((lines[i - 1] ?? "").trim());
    const commands: string[] = [];
    let pending = "";
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith("```"); j++) {
      const line = lines[j]!;
      if (line.endsWith("\\")) {
        pending += line.slice(0, -1);
        continue;
      }
      const command = (pending + line).trim();
      pending = "";
      if (command !== "" && !command.startsWith("#")) commands.push(command);
    }
    out.push({ file, line: i + 1, commands, ...(marker ? { skip: marker[1]! } : {}) });
    i = j;
  }
  return out;
}

function documents(): { file: string; text: string }[] {
  const docs = readdirSync(join(ROOT, "docs")).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`);
  return ["README.md", ...docs].map((file) => ({ file, text: readFileSync(join(ROOT, file), "utf8") }));
}

interface Context {
  dir: string;
  table: string;
  redis: () => Promise<string>;
  /** Redis started by a redis-server line of the block itself. */
  ownRedis?: { port: number; url: string };
}

/** The command as it runs here. */
async function localCommand(command: string, ctx: Context): Promise<string> {
  let c = command.replace(/\bnpx lancets\b/g, `node ${BIN}`);
  c = c.replace(/(?:path\/to|\/shared)\/table\.lance/g, ctx.table);
  c = c.replace(/\[--rows N\]/g, "--rows 1000").replace(/\[--dir D\]/g, `--dir ${join(ctx.dir, "demo")}`);
  // optional arguments are given
  c = c.replace(/\[(--[^\]]*)\]/g, "$1");
  if (/^redis-server\b/.test(c)) {
    const port = await freePort();
    ctx.ownRedis = { port, url: `redis://127.0.0.1:${port}` };
    return c.replace(/--port \d+/, `--port ${port}`).replace(/--bind \S+/, "--bind 127.0.0.1");
  }
  const urls = c.match(/redis:\/\/[^\s]+/g);
  if (urls) {
    const url = ctx.ownRedis?.url ?? (await ctx.redis());
    c = c.replace(/redis:\/\/[^\s]+/g, url);
  }
  return c;
}

/** Commands that serve until stopped, and the line each prints once it is ready. */
const SERVERS: [RegExp, RegExp][] = [
  [/lancets\.js worker\b/, /lancets worker ready/],
  [/lancets\.js explore\b/, /lancets explore: .* at http:\/\/127\.0\.0\.1:\d+\//],
  [/^redis-server\b/, /Ready to accept connections/],
];

/** What some commands must print besides exiting 0. */
const EXPECTED: [RegExp, (out: string) => void][] = [
  [/ inspect .*--json/, (out) => assert.ok(JSON.parse(out))],
  [/ scan .*--json/, (out) => out.trim().split("\n").forEach((l) => assert.ok(JSON.parse(l)))],
  [/ query .*--explain/, (out) => assert.match(out, /^filter: price > 10/m)],
  [/ search /, (out) => assert.match(out, /_score/)],
  [/ demo /, (out) => assert.match(out, /dataset: .*demo\.lance/)],
  [/ index create .*--redis/, (out) => assert.match(out, /text_idx/)],
  [/ append /, (out) => assert.match(out, /appended \d+ rows?/)],
];

function startServer(command: string, ready: RegExp, cwd: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not get ready: ${seen}`)), 30_000);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolvePromise({ child, output: () => seen });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready: ${seen}`));
    });
  });
}

function stop(server: { child: ChildProcess; output: () => string }): Promise<number | null> {
  return new Promise((resolvePromise) => {
    if (server.child.exitCode !== null) return resolvePromise(server.child.exitCode);
    server.child.on("exit", (code) => resolvePromise(code));
    server.child.kill("SIGTERM");
  });
}

async function runBlock(block: ShellBlock, ctx: Context): Promise<void> {
  const servers: { command: string; child: ChildProcess; output: () => string }[] = [];
  try {
    for (const command of block.commands) {
      const local = await localCommand(command, ctx);
      const server = SERVERS.find(([pattern]) => pattern.test(local));
      if (server) {
        servers.push({ command, ...(await startServer(local, server[1], ctx.dir)) });
        continue;
      }
      const r = spawnSync("bash", ["-c", local], { cwd: ctx.dir, encoding: "utf8", timeout: 120_000 });
      const where = `${block.file}:${block.line}: ${command}\n(ran: ${local})\n${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 0, `exit ${r.status ?? r.signal}: ${where}`);
      assert.ok(r.stdout.trim().length > 0, `no output: ${where}`);
      assert.doesNotMatch(r.stdout + r.stderr, /\b(Error|TypeError|RangeError)\b|\n\s+at .+:\d+:\d+/, `error output: ${where}`);
      for (const [pattern, check] of EXPECTED) if (pattern.test(local)) check(r.stdout);
    }
  } finally {
    // servers stop in reverse order (workers before their Redis), each cleanly
    for (const s of servers.reverse()) {
      const code = await stop(s);
      assert.equal(code, 0, `${block.file}:${block.line}: ${s.command} exited with ${code} on SIGTERM:\n${s.output()}`);
    }
  }
}

let base: string;
let redis: RedisServer | undefined;

before(async () => {
  // a small dataset of the demo's columns (id, category, ts, price, text) in 4 fragments and 3 versions
  base = join(tempDir(), "table.lance");
  const ds = await writeDataset(base, demoBatch(0, 1000), { maxRowsPerFile: 250 });
  await (await ds.append(demoBatch(1000, 250))).append(demoBatch(1250, 250));
});
after(() => redis?.stop());

/** A fresh copy of the dataset, input files for `append`, and whatever index the block names. */
async function prepare(block: ShellBlock): Promise<Context> {
  const dir = tempDir("lancets-readme-");
  const table = join(dir, "table.lance");
  cpSync(base, table, { recursive: true });
  const ds = await openDataset(table);
  writeFileSync(join(dir, "data.arrow"), tableToIPC(await ds.scan({ limit: 5 }).toArrow(), "file"));
  // JSON lines as `scan --json` writes them (they append back with their types)
  const lines: string[] = [];
  assert.equal(await main(["node", "lancets", "scan", table, "--limit", "3", "--json"], (t) => lines.push(t)), 0);
  writeFileSync(join(dir, "data.jsonl"), `${lines.join("\n")}\n`);
  // the seeds section's command optimizes the index its example creates
  if (block.commands.some((c) => /--name s_idx\b/.test(c))) {
    const indexed = await ds.createScalarIndex("ts", "ZONEMAP", { name: "s_idx", params: { useSeeds: true } });
    await indexed.append(demoBatch(1500, 100));
  }
  return {
    dir,
    table,
    redis: async () => (redis ??= await startRedis()).url,
  };
}

describe("README and docs shell blocks", () => {
  const blocks = documents().flatMap(({ file, text }) => shellBlocks(file, text));

  test("every block is found, and a skipped block says why", () => {
    assert.ok(blocks.length >= 4, `found ${blocks.length} blocks`);
    for (const b of blocks) if (b.skip !== undefined) assert.ok(b.skip.length > 10, `${b.file}:${b.line}: a skip needs a reason`);
  });

  for (const block of blocks) {
    const first = (block.commands[0] ?? "(empty)").replace(/\s+#.*$/, "");
    test(`${block.file}:${block.line}: ${first}${block.commands.length > 1 ? ` (+${block.commands.length - 1} more)` : ""}`, block.skip ? { skip: block.skip } : {}, async () => {
      await runBlock(block, await prepare(block));
    });
  }
});
