// The dictionary choice lancets makes per 2.1/2.2 page, checked against the
// files Lance 12 (lancedb) writes for the same rows: pages of sorted values
// whose equal values sit together and of few distinct values take a
// dictionary in both, pages of distinct values (small BTREE-sized pages
// too) in neither; and what lancets writes reads back equal by Lance 12 and
// Lance 14 (pylance).

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { PagedFileWriter } from "../../src/file/file-writer.js";
import { openFileReader } from "../../src/file/open-file-reader.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { writeDataset } from "../../src/node/open-dataset.js";
import { connect, tablePath } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { mapFilePages } from "../helpers/file-pages.js";
import { tempDir } from "../helpers/tmp.js";

/** Per column of one data file: for each page, whether it holds a dictionary, and its layout. */
function pageDictionaries(path: string): { dict: boolean; layout: string }[][] {
  return mapFilePages(path, (layout) => ({ dict: layout.case === "miniBlockLayout" && layout.value.dictionary !== undefined, layout: layout.case ?? "none" }));
}

function datasetDictionaries(dir: string): Map<number, boolean[]> {
  const out = new Map<number, boolean[]>();
  for (const file of readdirSync(join(dir, "data"))) {
    pageDictionaries(join(dir, "data", file)).forEach((pages, c) => out.set(c, [...(out.get(c) ?? []), ...pages.map((p) => p.dict)]));
  }
  return out;
}

const N = 200_000;

/** Asserts that `actual` holds the rows of `expected` in order, column by column (a plain scan of one fragment keeps row order). */
function assertSameColumns(actual: Table, expected: Table, label: string): void {
  assert.equal(actual.numRows, expected.numRows, `${label}: row count`);
  for (const field of expected.schema.fields) {
    const a = actual.getChild(field.name)!.toArray() as ArrayLike<unknown>;
    const b = expected.getChild(field.name)!.toArray() as ArrayLike<unknown>;
    let mismatches = 0;
    let first = -1;
    for (let i = 0; i < b.length; i++) {
      if (a[i] !== b[i]) {
        mismatches++;
        if (first < 0) first = i;
      }
    }
    assert.equal(mismatches, 0, `${label}: column ${field.name}: ${mismatches} mismatches, first at row ${first}: ${String(a[first])} for ${String(b[first])}`);
  }
}

function rows(): Table {
  const sortedRuns = new BigInt64Array(N);
  const ids = new BigInt64Array(N);
  const few = new BigInt64Array(N);
  const keys: string[] = new Array(N);
  const names: string[] = new Array(N);
  const shortKeys: string[] = new Array(N);
  for (let i = 0; i < N; i++) {
    // 12,500 distinct values, each in one run of 16: a sample of strata would never see two equal
    sortedRuns[i] = BigInt(Math.floor(i / 16)) * 1_000_003n;
    ids[i] = BigInt(i) * 7n - 3n;
    few[i] = BigInt(((i * 7919) % 40) - 20) * 1_000_000_007n;
    keys[i] = `key-${String(Math.floor(i / 8)).padStart(7, "0")}`;
    names[i] = `name-${i * 7919}`;
    shortKeys[i] = ["", "a", "žluť", "日本"][i % 4]!;
  }
  return new Table({
    sortedRuns: vectorFromArray(sortedRuns as never, new Int64()),
    ids: vectorFromArray(ids as never, new Int64()),
    few: vectorFromArray(few as never, new Int64()),
    keys: vectorFromArray(keys, new Utf8()),
    names: vectorFromArray(names, new Utf8()),
    shortKeys: vectorFromArray(shortKeys, new Utf8()),
  });
}

const session = pylanceSession("lancets-dictionary-choice-");
let dir: string;
before(() => {
  dir = tempDir("lancets-dictionary-choice-");
});

describe("dictionary choice per page, as Lance 12 makes it", () => {
  const data = rows();
  const columns = data.schema.fields.map((f) => f.name);

  for (const version of ["2.1", "2.2"] as const) {
    test(`file version ${version}: the same pages take a dictionary in lancets' and Lance's files; read back equal`, async () => {
      const name = `choice_${version.replace(".", "_")}`;
      await writeDataset(tablePath(dir, `${name}_lancets`), data, { dataStorageVersion: version });
      const db = await connect(dir);
      await db.createTable(`${name}_lance`, data, { dataStorageVersion: version } as never);
      const ours = datasetDictionaries(tablePath(dir, `${name}_lancets`));
      const theirs = datasetDictionaries(tablePath(dir, `${name}_lance`));
      const expected: Record<string, boolean> = {
        sortedRuns: version === "2.2",
        ids: false,
        few: version === "2.2",
        keys: true,
        names: false,
        shortKeys: true,
      };
      columns.forEach((column, c) => {
        assert.ok(theirs.get(c)!.every((d) => d === expected[column]), `Lance ${version} ${column}: ${JSON.stringify(theirs.get(c))}`);
        assert.ok(ours.get(c)!.every((d) => d === expected[column]), `lancets ${version} ${column}: ${JSON.stringify(ours.get(c))}`);
      });
      assertSameColumns(await (await db.openTable(`${name}_lancets`)).query().toArrow(), data, `lancedb ${version}`);
      if (!session.skip) assertSameColumns(await session.py.toTable(tablePath(dir, `${name}_lancets`)), data, `pylance ${version}`);
    });
  }

  test("pages of 4096 distinct 64-bit values (BTREE page data) take no dictionary; 4096 values of 100 distinct do", async () => {
    const store = new LocalFileStore(dir);
    const schema = new Table({ v: vectorFromArray(new BigInt64Array(0) as never, new Int64()) }).schema;
    const writer = await PagedFileWriter.open(store, "pages.lance", schema, { fileVersion: "2.2" });
    const pages: BigInt64Array[] = [];
    for (let p = 0; p < 6; p++) {
      const v = new BigInt64Array(4096);
      for (let i = 0; i < v.length; i++) v[i] = p % 2 === 0 ? BigInt(p * 4096 + i) : BigInt(Math.floor(i / 41)) * 977n;
      pages.push(v);
      await writer.addPage([vectorFromArray(v as never, new Int64()).data[0]!]);
    }
    await writer.finish();
    const dicts = pageDictionaries(join(dir, "pages.lance"))[0]!.map((p) => p.dict);
    assert.deepEqual(dicts, [false, true, false, true, false, true]);
    const reader = await openFileReader(store, "pages.lance");
    const [back] = [...(await reader.readFields([0])).values()];
    assert.deepEqual(Array.from(back!.values as BigInt64Array), pages.flatMap((p) => Array.from(p)));
  });
});
