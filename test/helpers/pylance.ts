// Lance 14 through pylance, the second oracle: a Python process started once
// per test file (test/helpers/pylance-oracle.py) answers JSON requests; Arrow
// data crosses as Arrow IPC files. `.ci/run` installs pylance into
// .venv-oracle/; without it the tests that need it report themselves skipped.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { tempDir } from "./tmp.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "test/helpers/pylance-oracle.py");
export const PYLANCE_VENV = process.env.PYLANCE_VENV ?? join(ROOT, ".venv-oracle");
const PYTHON = join(PYLANCE_VENV, "bin/python");

/** Why pylance tests cannot run here, or undefined when they can. */
export function pylanceSkipReason(): string | undefined {
  if (!existsSync(PYTHON)) return `pylance 14 is not installed (no ${PYTHON}; .ci/run creates it)`;
  const lib = join(PYLANCE_VENV, "lib");
  const hasLance = existsSync(lib) && readdirSync(lib).some((py) => existsSync(join(lib, py, "site-packages/lance")));
  if (!hasLance) return `pylance is not installed in ${PYLANCE_VENV} (.ci/run installs it)`;
  return undefined;
}

export interface PylanceWriteOptions {
  data_storage_version?: string;
  allow_external_blob_outside_bases?: boolean;
  enable_stable_row_ids?: boolean;
  max_rows_per_file?: number;
  max_rows_per_group?: number;
}

export interface PylanceSummary {
  version: number;
  data_storage_version: string;
  count_rows: number;
  fragments: { id: number; physical_rows: number; num_deletions: number }[];
}

export interface PylanceIndexInfo {
  name: string;
  type: string;
  uuid: string;
  fields: string[];
  version: number;
  fragment_ids: number[];
}

export interface PylanceSegment {
  uuid: string;
  name: string;
  fields: number[];
  dataset_version: number;
  fragment_ids: number[];
  index_version: number;
  files: { path: string; size_bytes: number }[];
  type_url: string | null;
  details: string | null;
}

export interface PylanceQuery {
  columns?: string[];
  filter?: string;
  limit?: number;
  with_row_id?: boolean;
  with_row_address?: boolean;
  use_scalar_index?: boolean;
  full_text_query?: string | Record<string, unknown>;
  version?: number | undefined;
  blob_handling?: "all_binary" | "blobs_descriptions" | "all_descriptions";
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One pylance process; requests are answered in order. */
export class Pylance {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly scratch = tempDir("lancets-pylance-");
  private files = 0;
  private stderr = "";
  private exited: string | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const response = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(new Error(`pylance: ${response.error}`));
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.on("exit", (code) => {
      this.exited = `pylance exited with ${code}: ${this.stderr}`;
      for (const waiter of this.pending.values()) waiter.reject(new Error(`pylance exited with ${code}: ${this.stderr}`));
      this.pending.clear();
    });
  }

  static start(): Pylance {
    const reason = pylanceSkipReason();
    if (reason) throw new Error(reason);
    const child = spawn(PYTHON, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LANCE_LOG: "error" } });
    return new Pylance(child);
  }

  request<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.exited) return reject(new Error(this.exited));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  private scratchFile(ext: string): string {
    return join(this.scratch, `${this.files++}.${ext}`);
  }

  version(): Promise<string> {
    return this.request("version");
  }

  /** Writes (mode create, append or overwrite) an Arrow table with pylance. */
  async write(uri: string, table: Table, options: PylanceWriteOptions = {}, mode = "create", largeLists: string[] = []): Promise<PylanceSummary> {
    const ipc = this.scratchFile("arrow");
    writeFileSync(ipc, tableToIPC(table, "file"));
    return this.request("write", { uri, ipc, options, mode, large_lists: largeLists });
  }

  summary(uri: string): Promise<PylanceSummary> {
    return this.request("summary", { uri });
  }

  delete(uri: string, predicate: string): Promise<PylanceSummary> {
    return this.request("delete", { uri, predicate });
  }

  update(uri: string, updates: Record<string, string>, where?: string): Promise<PylanceSummary> {
    return this.request("update", { uri, updates, where });
  }

  /** Renames columns etc.: [{ path: "a", name: "b" }, ...] as pylance's alter_columns takes them. */
  alterColumns(uri: string, alterations: Record<string, unknown>[]): Promise<PylanceSummary> {
    return this.request("alter_columns", { uri, alterations });
  }

  compact(uri: string, options: Record<string, unknown> = {}): Promise<PylanceSummary & { fragments_removed: number; fragments_added: number }> {
    return this.request("compact", { uri, options });
  }

  createScalarIndex(uri: string, column: string, indexType: string, options: { name?: string; params?: Record<string, unknown> } = {}): Promise<PylanceIndexInfo[]> {
    return this.request("create_scalar_index", { uri, column, index_type: indexType, ...options });
  }

  createIndexUncommitted(uri: string, column: string, indexType: string, fragmentIds: number[], options: { name?: string; params?: Record<string, unknown> } = {}): Promise<PylanceSegment> {
    return this.request("create_index_uncommitted", { uri, column, index_type: indexType, fragment_ids: fragmentIds, ...options });
  }

  commitExistingIndexSegments(uri: string, name: string, column: string, segments: PylanceSegment[]): Promise<PylanceIndexInfo[]> {
    return this.request("commit_existing_index_segments", { uri, name, column, segments });
  }

  optimizeIndices(uri: string, options: Record<string, unknown> = {}): Promise<PylanceIndexInfo[]> {
    return this.request("optimize_indices", { uri, options });
  }

  indices(uri: string): Promise<PylanceIndexInfo[]> {
    return this.request("indices", { uri });
  }

  /** Reads rows with pylance (to_table), returned as an apache-arrow Table. */
  async toTable(uri: string, query: PylanceQuery = {}): Promise<Table> {
    const out = this.scratchFile("arrow");
    await this.request("to_table", { uri, out, ...query });
    return tableFromIPC(readFileSync(out));
  }

  explain(uri: string, query: PylanceQuery): Promise<string> {
    return this.request("explain", { uri, ...query });
  }

  /** Blob bytes at the row addresses (take_blobs, each handle read whole); null for null values. */
  async takeBlobs(uri: string, column: string, addresses: bigint[]): Promise<(Uint8Array | null)[]> {
    const out = await this.request<(string | null)[]>("take_blobs", { uri, column, addresses: addresses.map(Number) });
    return out.map((b) => (b === null ? null : new Uint8Array(Buffer.from(b, "base64"))));
  }

  /** read_blobs: (row address, bytes) pairs in the order asked. */
  async readBlobs(uri: string, column: string, addresses: bigint[]): Promise<[bigint, Uint8Array | null][]> {
    const out = await this.request<[number, string | null][]>("read_blobs", { uri, column, addresses: addresses.map(Number) });
    return out.map(([a, b]) => [BigInt(a), b === null ? null : new Uint8Array(Buffer.from(b, "base64"))]);
  }

  /** Arrow type of each top-level column as pyarrow names it (large lists included). */
  fieldTypes(uri: string): Promise<Record<string, string>> {
    return this.request("field_types", { uri });
  }

  countRows(uri: string, filter?: string): Promise<number> {
    return this.request("count_rows", { uri, filter });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/**
 * One pylance process and a temporary directory for a test file: started
 * before its tests when the environment is there, closed after them. `skip`
 * says why the file's tests cannot run otherwise.
 */
export function pylanceSession(prefix: string): { readonly skip: string | undefined; readonly py: Pylance; readonly dir: string } {
  const skip = pylanceSkipReason();
  let py: Pylance | undefined;
  let dir = "";
  before(() => {
    if (skip) return;
    py = Pylance.start();
    dir = tempDir(prefix);
  });
  after(() => py?.close());
  return {
    skip,
    get py(): Pylance {
      if (!py) throw new Error("pylance is not running");
      return py;
    },
    get dir(): string {
      return dir;
    },
  };
}
