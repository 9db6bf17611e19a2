// What the fuzz does with each damaged dataset: every read path a caller has
// (open, counts, index descriptions, scans, filtered scans answered by each
// index, full-text search, take, older versions, cleanup listing) and one
// append. Every step may fail only with a LanceError; no returned row may
// hold a sentinel value (data from outside the dataset root).

import { DataType, type Table } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset } from "../../src/node/open-dataset.js";
import type { Dataset } from "../../src/dataset/dataset.js";
import { SENTINEL_ID_BASE, SENTINEL_TEXT } from "./fixtures.js";

export interface OperationsOutcome {
  /** LanceError codes in the order the steps met them ("ok" steps are not listed). */
  codes: string[];
  /** The first LanceError, as "step: message". */
  firstError?: string;
  /** Steps that succeeded. */
  okSteps: number;
  /** The first defect: an error that is not a LanceError, or data from outside the root. */
  failure?: string;
}

class Defect extends Error {}

function holdsSentinel(value: unknown): boolean {
  if (typeof value === "string") return value.includes(SENTINEL_TEXT);
  if (typeof value === "bigint") return value >= SENTINEL_ID_BASE && value < SENTINEL_ID_BASE + 100_000n;
  if (value !== null && typeof value === "object" && Symbol.iterator in value) {
    for (const v of value as Iterable<unknown>) if (holdsSentinel(v)) return true;
  }
  return false;
}

/** Throws a Defect when any string or 64-bit integer in `table` (lists included) is a sentinel value. */
export function checkNoSentinel(table: Table, step: string): void {
  for (const field of table.schema.fields) {
    const t = field.type;
    // sentinel values are strings and 64-bit ids (in any wrapping: dictionary, list, struct)
    if (DataType.isFloat(t) || DataType.isBool(t) || (DataType.isInt(t) && t.bitWidth < 64)) continue;
    const column = table.getChild(field.name);
    if (!column) continue;
    for (const v of column) {
      if (holdsSentinel(v)) throw new Defect(`${step}: column ${field.name} returned ${String(v).slice(0, 80)}, a value of the dataset outside the root`);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : `thrown non-error ${String(err)}`;
}

/** Records what a step threw: a LanceError's code, or the defect. */
export function judgeError(step: string, err: unknown, out: OperationsOutcome): void {
  if (err instanceof Defect) out.failure = err.message;
  else if (err instanceof LanceError) {
    out.codes.push(err.code);
    out.firstError ??= `${step}: ${err.code}: ${err.message.slice(0, 300)}`;
  } else out.failure = `${step}: ${describe(err)}`;
}

export async function runOperations(path: string, opts: { filters: readonly string[]; ftsQuery?: string }): Promise<OperationsOutcome> {
  const out: OperationsOutcome = { codes: [], okSteps: 0 };
  const step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T | undefined> => {
    if (out.failure) return undefined;
    try {
      const value = await fn();
      out.okSteps++;
      return value;
    } catch (err) {
      judgeError(name, err, out);
      return undefined;
    }
  };
  const checked = async (name: string, fn: () => Promise<Table>): Promise<Table | undefined> =>
    step(name, async () => {
      const t = await fn();
      checkNoSentinel(t, name);
      return t;
    });

  const ds = await step("open", () => openDataset(path));
  if (!ds) return out;
  await step("countRows", () => ds.countRows());
  await step("fragments", () => ds.fragments());
  await step("describeIndices", () => ds.describeIndices());
  await step("schema", () => ds.schema.fields.length);
  const all = await checked("scan", () => ds.scan().toArrow());
  await checked("scan rowid", () => ds.scan({ columns: ["id"], withRowId: true, withRowAddress: true, limit: 50 }).toArrow());
  for (const filter of opts.filters) await checked(`filter ${filter}`, () => ds.scan({ filter, columns: ["id", "category", "text"] }).toArrow());
  await step("count", () => ds.countRows(opts.filters[0]!));
  await step("explain", () => ds.explain("id = 17 AND category = 'c3'"));
  if (opts.ftsQuery) await checked("full-text search", () => ds.scan({ fullTextSearch: { query: opts.ftsQuery! }, limit: 20 }).toArrow());
  await checked("take", () => ds.take([0, 1, 5, 2 ** 32 + 1, 2 ** 33, 3 * 2 ** 32 + 7]));
  const versions = await step("listVersions", () => ds.listVersions());
  if (versions && versions.length > 1) {
    const first = await step("checkout", () => ds.checkout(versions[0]!.version));
    if (first) await checked("scan first version", () => first.scan({ limit: 100 }).toArrow());
  }
  await step("cleanup dry run", () => ds.cleanup({ olderThanMs: 0, dryRun: true }));
  // an append to the damaged copy: rows read back from it, or fresh ones when none could be read
  if (all && all.numRows > 0) {
    const appended = await step("append", () => ds.append(all.slice(0, 5)));
    if (appended) {
      const reopened: Dataset | undefined = await step("reopen", () => openDataset(path));
      if (reopened) await checked("scan after append", () => reopened.scan({ filter: "id < 40", columns: ["id", "category"] }).toArrow());
    }
  }
  return out;
}
