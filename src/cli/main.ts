// The `lancets` command line.

import { Command, CommanderError, InvalidArgumentError } from "commander";
import { LanceError } from "../core/errors.js";
import { runInspect } from "./inspect.js";
import { runScan } from "./scan.js";
import { runAppend } from "./append.js";
import { runSearch } from "./search.js";
import { runIndexCleanup, runIndexCreate, runIndexDrop, runIndexList, runIndexOptimize } from "./index-cmd.js";
import { runWorker } from "./worker-cmd.js";
import { parseDuration, runCleanup } from "./cleanup.js";
import { runDemo } from "./demo.js";
import { runExplore } from "./explore.js";
import { LANCETS_VERSION } from "../table/writer-version.js";
import { collectStorageOption, STORAGE_OPTION_HELP, WORKER_STORAGE_OPTION_HELP } from "./storage.js";

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** A byte size: 1048576, 64MiB, 1.5GiB, 512KiB (binary units; KB/MB/GB read as the same). */
function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError("expected a size such as 64MiB, 1GiB or a number of bytes");
  const unit = m[2]!.toLowerCase()[0] ?? "";
  const scale = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * scale);
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("a version is a positive integer");
  return n;
}

export function buildProgram(print: (text: string) => void, printError: (text: string) => void = print): Command {
  const program = new Command("lancets")
    .description("A pure-TypeScript engine for Lance datasets")
    .version(LANCETS_VERSION, "-V, --version", "print the lancets version")
    // options before the command belong to lancets itself, so `inspect --version 3` stays the command's
    .enablePositionalOptions()
    // help, usage and argument errors go where the caller's output goes (subcommands inherit this)
    .configureOutput({ writeOut: (text) => print(text.replace(/\n$/, "")), writeErr: (text) => printError(text.replace(/\n$/, "")) })
    .exitOverride()
    .showHelpAfterError();
  program
    .command("demo")
    .description("the tour on synthetic data: write, index on worker threads, append with seeds, optimize, query, search")
    .option("--rows <n>", "rows to write first (default 1000000; 20% more are appended)", parsePositive)
    .option("--dir <path>", "directory for demo.lance (default: a new temporary directory)")
    .option("--workers <n>", "worker threads (default: the number of cores, at least 2)", parsePositive)
    .option("--no-progress", "no progress bars")
    .action(async (opts: { rows?: number; dir?: string; workers?: number; progress?: boolean }) => {
      await runDemo(opts, print);
    });
  program
    .command("inspect")
    .description("describe a dataset: version, schema, fragments, indices")
    .argument("<uri>", "dataset path or file:// URI")
    .option("--json", "print JSON instead of text")
    .option("--version <n>", "inspect this version instead of the latest", parseVersion)
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; json?: boolean; version?: number }) => {
      await runInspect(uri, opts, print);
    });
  program
    .command("scan")
    .description("print rows of a dataset")
    .argument("<uri>", "dataset path or file:// URI")
    .option("--columns <names>", "comma-separated column names (default: all)")
    .option("--limit <n>", "rows to print (default 20)", parseCount)
    .option("--version <n>", "read this version instead of the latest", parseVersion)
    .option("--row-address", "add the _rowaddr column")
    .option("--json", "print one JSON object per row (64-bit integers as numbers when exact, as strings beyond 2^53)")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; columns?: string; limit?: number; version?: number; json?: boolean; rowAddress?: boolean }) => {
      await runScan(uri, opts, print);
    });
  program
    .command("query")
    .description("print the rows matching a SQL filter, using index segments where they help")
    .argument("<uri>", "dataset path or file:// URI")
    .requiredOption("--filter <sql>", `e.g. "price > 10 AND category IN ('a', 'b')"`)
    .option("--columns <names>", "comma-separated column names (default: all)")
    .option("--limit <n>", "rows to print (default 20)", parseCount)
    .option("--version <n>", "read this version instead of the latest", parseVersion)
    .option("--row-address", "add the _rowaddr column")
    .option("--explain", "print which index segments and fragments each predicate uses, without reading rows")
    .option("--count", "print the number of matching rows")
    .option("--no-index", "evaluate the filter on every row instead of asking index segments")
    .option("--json", "print one JSON object per row (64-bit integers as numbers when exact, as strings beyond 2^53)")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; filter: string; columns?: string; limit?: number; version?: number; rowAddress?: boolean; explain?: boolean; count?: boolean; index?: boolean; json?: boolean }) => {
      await runScan(uri, opts, print);
    });
  program
    .command("append")
    .description("append rows from an Arrow IPC file/stream or JSON lines (creates the dataset if needed)")
    .argument("<uri>", "dataset path or file:// URI")
    .requiredOption("--input <file>", "data.arrow (IPC file or stream) or data.jsonl")
    .option("--data-storage-version <v>", "file format of a new dataset: 2.0, 2.1 or 2.2 (default 2.2)")
    .option("--max-rows-per-file <n>", "rows per data file", parseCount)
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; input: string; dataStorageVersion?: string; maxRowsPerFile?: number }) => {
      await runAppend(uri, opts, print);
    });
  program
    .command("search")
    .description("full-text search (BM25) over an FTS / INVERTED index")
    .argument("<uri>", "dataset path or file:// URI")
    .argument("<query>", "words to search for")
    .option("--column <name>", "text column (default: the column of the full-text index)")
    .option("--columns <names>", "columns to print (default: all)")
    .option("--limit <n>", "rows to return (default 10)", parseCount)
    .option("--filter <sql>", "rank only the rows matching this filter")
    .option("--json", "print one JSON object per row (64-bit integers as numbers when exact, as strings beyond 2^53)")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, query: string, opts: { storageOption?: Record<string, string>; column?: string; columns?: string; limit?: number; json?: boolean; filter?: string }) => {
      await runSearch(uri, query, opts, print);
    });
  program
    .command("cleanup")
    .description(
      "remove data files, transaction files, deletion files and index segment directories that no version references (left by failed writes and builds), and abort unfinished S3 multipart uploads under the dataset; files and uploads younger than --older-than are kept, since a write or build may still be using them",
    )
    .argument("<uri>", "dataset path or file:// URI")
    .option("--older-than <duration>", "only files older than this: 30s, 15m, 1h, 7d (default 1h)", parseDuration)
    .option("--dry-run", "list what would be removed, remove nothing")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; olderThan?: number; dryRun?: boolean }) => {
      await runCleanup(uri, opts, print);
    });
  const index = program.command("index").description("scalar index segments: create, list, optimize, drop, cleanup");
  index
    .command("create")
    .description("build and commit a BTREE, BITMAP, ZONEMAP or FTS (INVERTED) index, one segment per fragment group")
    .argument("<uri>", "dataset path or file:// URI")
    .requiredOption("--column <name>", "column to index")
    .requiredOption("--type <type>", "btree | bitmap | zonemap | fts | inverted | label_list | bloomfilter | ngram")
    .option("--name <name>", "index name (default <column>_idx)")
    .option("--group-size <n>", "fragments per segment (default: at least one group per worker)", parsePositive)
    .option("--rows-per-zone <n>", "ZONEMAP rows per zone (default 8192)", parsePositive)
    .option("--memory <size>", "BTREE, BITMAP, FTS: memory budget per segment build, e.g. 64MiB (default 256MiB); past it, BTREE and BITMAP spill sorted runs to temporary files and FTS writes another partition", parseSize)
    .option("--seeds", "ZONEMAP: plant zone-map seeds in data files appended later, so `index optimize` need not rescan them")
    .option("--replace", "replace an existing index of the same name")
    .option("--workers <n>", "worker threads on this machine (default: the number of cores)", parsePositive)
    .option("--redis <url>", "build on `lancets worker` processes through BullMQ on this Redis (redis://host:port)")
    .option("--prefix <name>", "BullMQ queue prefix (default lancets)")
    .option("--timeout <seconds>", "with --redis: withdraw the build if it has not finished by then (Ctrl-C withdraws it too)", parsePositive)
    .option("--no-progress", "do not draw progress bars")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; column: string; type: string; name?: string; groupSize?: number; rowsPerZone?: number; memory?: number; seeds?: boolean; replace?: boolean; workers?: number; redis?: string; prefix?: string; progress?: boolean; timeout?: number }) => {
      await runIndexCreate(uri, opts, print, printError);
    });
  index
    .command("list")
    .description("list indices with their segments and coverage")
    .argument("<uri>", "dataset path or file:// URI")
    .option("--json", "print JSON")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; json?: boolean }) => {
      await runIndexList(uri, opts, print);
    });
  index
    .command("optimize")
    .description("index the fragments each index does not cover yet (zone maps from seeds where planted)")
    .argument("<uri>", "dataset path or file:// URI")
    .option("--name <name>", "only this index")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; name?: string }) => {
      await runIndexOptimize(uri, opts, print);
    });
  index
    .command("cleanup")
    .description("remove index segment directories that no version references (failed or abandoned builds); `lancets cleanup` also removes data, transaction and deletion files")
    .argument("<uri>", "dataset path or file:// URI")
    .option("--older-than-seconds <n>", "only directories whose newest file is older than this (default 3600)", parseCount)
    .option("--older-than <duration>", "the same as a duration: 30s, 15m, 1h, 7d", parseDuration)
    .option("--dry-run", "list what would be removed, remove nothing")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; olderThanSeconds?: number; olderThan?: number; dryRun?: boolean }) => {
      await runIndexCleanup(uri, opts, print);
    });
  program
    .command("worker")
    .description("serve distributed index builds from a BullMQ queue until stopped (SIGTERM finishes the current job)")
    .requiredOption("--redis <url>", "Redis URL (redis://host:port)")
    .option("--concurrency <n>", "segment builds at once (default: the number of cores)", parsePositive)
    .option("--prefix <name>", "BullMQ queue prefix (default lancets)")
    .option("--lock-duration <ms>", "job lock duration (default 60000)", parsePositive)
    .option("--stalled-interval <ms>", "stalled-job check interval (default 15000)", parsePositive)
    .option("--storage-option <key=value>", WORKER_STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (opts: { redis: string; concurrency?: number; prefix?: string; lockDuration?: number; stalledInterval?: number; storageOption?: Record<string, string> }) => {
      await runWorker(opts, print);
    });
  program
    .command("explore")
    .description("serve a web page of the dataset on 127.0.0.1: versions, fragments, index coverage, queries (and a distributed build, with --redis)")
    .argument("<uri>", "dataset path or URI")
    .option("--port <n>", "port (default: any free one)", parseCount)
    .option("--redis <url>", "also show the segment builds queued in this Redis (redis://host:port), live")
    .option("--prefix <name>", "BullMQ queue prefix (default lancets)")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; port?: number; redis?: string; prefix?: string }) => {
      await runExplore(uri, opts, print);
    });
  index
    .command("drop")
    .description("remove every segment of an index")
    .argument("<uri>", "dataset path or file:// URI")
    .requiredOption("--name <name>", "index name")
    .option("--storage-option <key=value>", STORAGE_OPTION_HELP, collectStorageOption)
    .action(async (uri: string, opts: { storageOption?: Record<string, string>; name: string }) => {
      await runIndexDrop(uri, opts, print);
    });
  return program;
}

/** Runs the CLI; returns the process exit code. */
/** API wording in error messages, said the way the command line says it. */
const CLI_WORDING: [RegExp, string][] = [
  [/pass replace: true/g, "pass --replace"],
  [/name the column to search in fullTextSearch\.columns/g, "name the column to search with --column"],
  [/name one in fullTextSearch\.columns/g, "name one with --column"],
  [/fullTextSearch\.columns/g, "--column"],
  [/raise timeoutMs/g, "try again later"],
];

export function cliMessage(message: string): string {
  return CLI_WORDING.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}

export async function main(argv: string[], print: (text: string) => void = (t) => console.log(t), printError: (text: string) => void = (t) => console.error(t)): Promise<number> {
  const program = buildProgram(print, printError);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof LanceError) {
      printError(`lancets: ${err.code}: ${cliMessage(err.message)}`);
      return 1;
    }
    printError(`lancets: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 70;
  }
}
