// `lancets scan <uri>` prints rows of a dataset; `lancets query <uri> --filter`
// prints the rows matching a filter, its plan (--explain) or its count.

import type { Table } from "apache-arrow";
import { openDataset } from "../node/open-dataset.js";
import { formatTable, toJson } from "./output.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

export interface ScanCliOptions {
  columns?: string;
  limit?: number;
  version?: number;
  json?: boolean;
  rowAddress?: boolean;
  filter?: string;
  explain?: boolean;
  count?: boolean;
  /** false: evaluate the filter on every row instead of asking the index segments. */
  index?: boolean;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.subarray(0, 16)).toString("hex")}${value.byteLength > 16 ? `… (${value.byteLength} bytes)` : ""}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    const text = toJson(typeof (value as { toJSON?: () => unknown }).toJSON === "function" ? (value as { toJSON: () => unknown }).toJSON() : value).replace(/\s+/g, " ");
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  }
  const text = String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

export function formatRows(table: Table): string {
  const names = table.schema.fields.map((f) => f.name);
  const rows: string[][] = [];
  for (let i = 0; i < table.numRows; i++) rows.push(names.map((n) => cell(table.getChild(n)!.get(i))));
  return formatTable(names, rows);
}

export async function runScan(uri: string, options: ScanCliOptions & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, { ...storageOf(options), ...(options.version === undefined ? {} : { version: options.version }) });
  if (options.filter !== undefined && options.explain) {
    print(await ds.explain(options.filter));
    return;
  }
  if (options.filter !== undefined && options.count) {
    print(String(await ds.countRows(options.filter, { useIndex: options.index ?? true })));
    return;
  }
  const columns = options.columns?.split(",").map((c) => c.trim()).filter((c) => c.length > 0);
  const table = await ds
    .scan({
      ...(columns ? { columns } : {}),
      limit: options.limit ?? 20,
      withRowAddress: options.rowAddress ?? false,
      ...(options.filter !== undefined ? { filter: options.filter, useIndex: options.index ?? true } : {}),
    })
    .toArrow();
  if (options.json) {
    const names = table.schema.fields.map((f) => f.name);
    for (let i = 0; i < table.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const n of names) {
        const v = table.getChild(n)!.get(i);
        row[n] = v !== null && typeof v === "object" && typeof (v as { toJSON?: () => unknown }).toJSON === "function" ? (v as { toJSON: () => unknown }).toJSON() : v;
      }
      print(JSON.stringify(row, jsonValue));
    }
    return;
  }
  print(formatRows(table));
  const limit = options.limit ?? 20;
  // the total is counted only when the limit may have cut the result
  const total = table.numRows < limit ? table.numRows : options.filter !== undefined ? await ds.countRows(options.filter, { useIndex: options.index ?? true }) : ds.countRows();
  const shown = total > table.numRows ? `${table.numRows} of ${total.toLocaleString("en-US")} rows; --limit to see more` : `${total.toLocaleString("en-US")} row${total === 1 ? "" : "s"}`;
  print(`(${shown})`);
}

/**
 * JSON for a value: Int64 values as JSON numbers when exact (strings beyond
 * 2^53, so no digit is lost), binary as base64.
 */
export function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v >= -MAX_EXACT && v <= MAX_EXACT ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return v;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
