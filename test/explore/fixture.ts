// The dataset the explorer tests look at: several versions (create, two index
// builds, an append, a delete by Lance itself), a BTREE index of three
// segments and an FTS index of two, and an unindexed tail of two fragments.

import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { InProcessExecutor, openDataset, writeDataset } from "../../src/lancets.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

export const FILTER = "id >= 30 AND id < 95";
export const QUERY = "lance segment";

const WORDS = ["lance", "table", "segment", "fragment", "index", "version", "query", "search", "column", "row", "the", "a"];

function rows(start: number, count: number): Table {
  let state = 7 + start;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return new Table({
    id: vectorFromArray(Array.from({ length: count }, (_, i) => BigInt(start + i)), new Int64()),
    category: vectorFromArray(Array.from({ length: count }, (_, i) => `c${(start + i) % 4}`), new Utf8()),
    text: vectorFromArray(
      Array.from({ length: count }, () => Array.from({ length: 3 + Math.floor(next() * 6) }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(" ")),
      new Utf8(),
    ),
  });
}

/** Writes the dataset; returns its directory (the parent, for Lance) and path. */
export async function writeExploreDataset(): Promise<{ dir: string; path: string }> {
  const dir = tempDir("lancets-explore-");
  const path = tablePath(dir, "explore");
  const executor = new InProcessExecutor();
  let ds = await writeDataset(path, rows(0, 240), { maxRowsPerFile: 40 });
  ds = await ds.createScalarIndex("id", "BTREE", { fragmentGroupSize: 2, executor });
  ds = await ds.createScalarIndex("text", "FTS", { fragmentGroupSize: 3, executor });
  await ds.append(rows(240, 80), { maxRowsPerFile: 40 });
  const lance = await (await connect(dir)).openTable("explore");
  await lance.delete("id < 10");
  const latest = await openDataset(path);
  if (latest.version !== 5) throw new Error(`expected version 5, got ${latest.version}`);
  return { dir, path };
}
