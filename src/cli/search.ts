// `lancets search <uri> "query" [--column text] [--filter sql] --limit 10`: full-text search.

import { openDataset } from "../node/open-dataset.js";
import { formatRows } from "./scan.js";
import { storageOf, type StorageCliOptions } from "./storage.js";

export interface SearchCliOptions {
  column?: string;
  limit?: number;
  columns?: string;
  json?: boolean;
  filter?: string;
}

export async function runSearch(uri: string, query: string, options: SearchCliOptions & StorageCliOptions, print: (text: string) => void): Promise<void> {
  const ds = await openDataset(uri, storageOf(options));
  const columns = options.columns?.split(",").map((c) => c.trim()).filter((c) => c.length > 0);
  const table = await ds
    .scan({
      fullTextSearch: { query, ...(options.column ? { columns: [options.column] } : {}) },
      limit: options.limit ?? 10,
      ...(columns ? { columns } : {}),
      ...(options.filter !== undefined ? { filter: options.filter } : {}),
    })
    .toArrow();
  if (options.json) {
    for (let i = 0; i < table.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const f of table.schema.fields) row[f.name] = table.getChild(f.name)!.get(i);
      print(JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    }
    return;
  }
  print(formatRows(table));
  print(`(${table.numRows} row${table.numRows === 1 ? "" : "s"})`);
}
