// NGRAM segments: those lancets builds hold the very tokens and posting lists
// Lance 14 (pylance) builds from the same rows, and pylance's planner uses
// them for contains(col, 'x') with the rows of a twin table without index, in
// 1, 2 and 5 segments; lancets uses pylance-built ones; random substrings over
// random text (nulls, empty strings, case, accents and other non-ASCII
// characters, digits) give the rows of a full scan; NGRAM on a non-string
// column is refused before any work.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Int32, Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { writeDataset } from "../../../src/browser.js";
import { LanceError } from "../../../src/core/errors.js";
import { decodeRoaringTreemap, encodeRoaringTreemap } from "../../../src/format/index/roaring-treemap.js";
import { openFileReader } from "../../../src/file/open-file-reader.js";
import { substringTokens, trigramToken, visitTextTokens } from "../../../src/index/ngram/tokens.js";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { LocalExecutor } from "../../../src/node/local-executor.js";
import { openDataset, writeDataset as writeAt } from "../../../src/node/open-dataset.js";
import { closeSharedWorkerPool } from "../../../src/node/worker-pool.js";
import { planQuery } from "../../../src/query/filtered-scan.js";
import { runCli } from "../../helpers/cli.js";
import { rng } from "../../helpers/oracle.js";
import { pylanceSession } from "../../helpers/pylance.js";
import { tempDir } from "../../helpers/tmp.js";

const py = pylanceSession("lancets-ngram-");
const N = 6000;
const WORDS = ["number", "Number", "NUMBER", "café", "Café", "straße", "naïve", "über", "ÆON", "x-ray", "a b c", "abc", "ABC", "ab", "日本語", "emoji😀ok", "Ⓐbc", "ﬁle", "ǅemo", "3", "42", "1234", "déjà", "vu", "the", "quick", "brown", "fox"];

function doc(r: () => number, i: number): string | null {
  if (i % 23 === 0) return null;
  if (i % 29 === 0) return "";
  const n = 1 + Math.floor(r() * 6);
  const parts: string[] = [];
  for (let k = 0; k < n; k++) parts.push(r() < 0.3 ? `number ${Math.floor(r() * 40)}` : WORDS[Math.floor(r() * WORDS.length)]!);
  return parts.join(r() < 0.8 ? " " : "");
}

function table(seed = 3): Table {
  const r = rng(seed);
  return new Table({
    id: vectorFromArray(Array.from({ length: N }, (_, i) => BigInt(i)), new Int64()),
    doc: vectorFromArray(Array.from({ length: N }, (_, i) => doc(r, i)), new Utf8()),
  });
}

/** Random substrings: of the words, across words, short ones, absent ones, case and accents changed. */
function filters(seed: number, count: number): string[] {
  const r = rng(seed);
  const out = ["contains(doc, 'number 3')", "contains(doc, '')", "contains(doc, 'ab')", "contains(doc, 'a b')", "contains(doc, 'zzz')", "contains(doc, 'CAF')", "contains(doc, 'café')", "contains(doc, 'ﬁl')", "NOT contains(doc, 'num')", "contains(doc, 'num') AND id < 3000", "contains(doc, 'number') OR contains(doc, 'fox')"];
  for (let k = 0; k < count; k++) {
    const w = WORDS[Math.floor(r() * WORDS.length)]! + (r() < 0.5 ? ` ${WORDS[Math.floor(r() * WORDS.length)]!}` : "");
    const chars = Array.from(w);
    const start = Math.floor(r() * chars.length);
    const end = Math.min(chars.length, start + 1 + Math.floor(r() * 6));
    let s = chars.slice(start, end).join("");
    if (r() < 0.2) s = s.toUpperCase();
    out.push(`contains(doc, '${s.replace(/'/g, "''")}')`);
  }
  return out;
}

/** (token, row ids) of every row of the segments' posting files, sorted. */
async function postingsOf(path: string, name: string): Promise<Map<number, number[]>> {
  const ds = await openDataset(path);
  const out = new Map<number, number[]>();
  for (const segment of ds.snapshot.indices.filter((i) => i.name === name)) {
    const reader = await openFileReader(ds.store, `_indices/${segment.uuid}/ngram_postings.lance`);
    const top = reader.schema.fields.filter((f) => f.parentId === -1);
    assert.deepEqual(top.map((f) => f.name), ["tokens", "posting_list"]);
    const data = await reader.readFields(top.map((f) => f.id));
    const tokens = data.get(top[0]!.id)!.values as Uint32Array;
    const lists = data.get(top[1]!.id)!;
    const offsets = lists.valueOffsets as Int32Array;
    for (let k = 0; k < lists.length; k++) {
      const ids = Array.from(decodeRoaringTreemap((lists.values as Uint8Array).subarray(offsets[k]!, offsets[k + 1]!), "posting"));
      out.set(tokens[k]!, [...(out.get(tokens[k]!) ?? []), ...ids].sort((a, b) => a - b));
    }
  }
  return out;
}

after(() => closeSharedWorkerPool());

describe("NGRAM tokens", () => {
  test("trigrams of ASCII letters and digits, lowercased and folded, numbered as Lance numbers them", () => {
    const tokens = (text: string): number[] => {
      const out: number[] = [];
      visitTextTokens(text, (t) => out.push(t));
      return out;
    };
    const code = (s: string): number => trigramToken(s.charCodeAt(0), s.charCodeAt(1), s.charCodeAt(2));
    assert.equal(code("000"), 1 * 1369 + 1 * 37 + 1);
    assert.equal(code("abc"), 11 * 1369 + 12 * 37 + 13);
    assert.equal(code("zz9"), 36 * 1369 + 36 * 37 + 10);
    assert.deepEqual(tokens("Hello"), ["hel", "ell", "llo"].map(code));
    assert.deepEqual(tokens("a b"), []);
    assert.deepEqual(tokens(""), []);
    assert.deepEqual(tokens("Café"), ["caf", "afe"].map(code));
    assert.deepEqual(tokens("ab😀cde"), ["cde"].map(code));
    assert.deepEqual(substringTokens("ab"), undefined);
    assert.deepEqual(substringTokens("é"), undefined);
    assert.deepEqual(substringTokens("a b c"), undefined);
    // only the substring's own ASCII letters and digits: "café" gives "caf"
    assert.deepEqual(substringTokens("CAFé"), [code("caf")]);
    assert.deepEqual(substringTokens("abab"), [code("aba"), code("bab")]);
  });

  test("posting lists are roaring treemaps, round trip over 64-bit row ids", () => {
    const ids = [0, 1, 5, 65_536, 0x1_0000_0000 + 3, 7 * 0x1_0000_0000 + 123_456];
    const bytes = encodeRoaringTreemap(ids);
    assert.deepEqual(Array.from(decodeRoaringTreemap(bytes, "t")), ids);
    assert.deepEqual(Array.from(bytes.subarray(0, 12)), [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => decodeRoaringTreemap(bytes.subarray(0, 20), "t"), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE");
    assert.throws(() => decodeRoaringTreemap(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]), "t"), (e: unknown) => e instanceof LanceError && e.code === "CORRUPT_FILE");
  });
});

describe("contains()", () => {
  test("NULL for null texts and a NULL substring, TRUE for the empty substring, case and accents as written", async () => {
    const ds = await writeDataset(new MemoryStore(), new Table({ id: vectorFromArray([0, 1, 2, 3, 4], new Int32()), doc: vectorFromArray(["Café au lait", null, "", "cafe", "日本語 number 3"], new Utf8()) }));
    const ids = async (filter: string): Promise<number[]> => Array.from((await ds.scan({ filter, columns: ["id"] }).toArrow()).getChild("id")!.toArray() as Int32Array);
    assert.deepEqual(await ids("contains(doc, 'Caf')"), [0]);
    assert.deepEqual(await ids("contains(doc, 'caf')"), [3]);
    assert.deepEqual(await ids("contains(doc, 'é')"), [0]);
    assert.deepEqual(await ids("contains(doc, '')"), [0, 2, 3, 4]);
    assert.deepEqual(await ids("NOT contains(doc, 'caf')"), [0, 2, 4]);
    assert.deepEqual(await ids("contains(doc, NULL)"), []);
    assert.deepEqual(await ids("NOT contains(doc, NULL)"), []);
    assert.deepEqual(await ids("contains(doc, 'caf') OR doc IS NULL"), [1, 3]);
    assert.deepEqual(await ids("contains(doc, '本語 n')"), [4]);
    await assert.rejects(ds.scan({ filter: "contains(id, 'x')" }).toArrow(), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /contains needs a string column/.test(e.message));
    await assert.rejects(ds.scan({ filter: "contains(doc, 3)" }).toArrow(), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT");
  });
});

test("contains() matches within one row's bytes only, never across two rows", async () => {
  const docs = ["xab", "cdx", "aaab", "ab", "", null, "é✓é", "✓"];
  const ds = await writeDataset(new MemoryStore(), new Table({ id: vectorFromArray(docs.map((_, i) => i), new Int32()), doc: vectorFromArray(docs, new Utf8()) }));
  const ids = async (filter: string): Promise<number[]> => Array.from((await ds.scan({ filter, columns: ["id"] }).toArrow()).getChild("id")!.toArray() as Int32Array);
  assert.deepEqual(await ids("contains(doc, 'abcd')"), []);
  assert.deepEqual(await ids("contains(doc, 'bc')"), []);
  assert.deepEqual(await ids("contains(doc, 'aab')"), [2]);
  assert.deepEqual(await ids("contains(doc, 'ab')"), [0, 2, 3]);
  assert.deepEqual(await ids("contains(doc, 'b')"), [0, 2, 3]);
  assert.deepEqual(await ids("contains(doc, '✓é')"), [6]);
  assert.deepEqual(await ids("contains(doc, 'é✓')"), [6]);
  assert.deepEqual(await ids("contains(doc, '✓')"), [6, 7]);
  assert.deepEqual(await ids("contains(doc, 'x')"), [0, 1]);
});

test("an NGRAM search over several roaring containers: common trigrams, disjoint lists, an absent one", async () => {
  // 70,000 rows: row ids span two 65,536-row containers
  const n = 70_000;
  const docs = Array.from({ length: n }, (_, i) => `common ${i < 1000 ? "alpha" : ""} ${i >= 65_536 && i % 3 === 0 ? "omega" : ""} ${i % 50 === 0 ? "mixed" : ""} ${i % 7 === 0 ? "seven" : ""}`);
  const ds = await (await writeDataset(new MemoryStore(), new Table({ id: vectorFromArray(docs.map((_, i) => i), new Int32()), doc: vectorFromArray(docs, new Utf8()) }))).createScalarIndex("doc", "NGRAM");
  const expected = (f: (d: string) => boolean): number => docs.filter(f).length;
  const cases: [string, number, number][] = [
    // filter, rows, candidate rows from the index
    ["contains(doc, 'common')", n, n],
    ["contains(doc, 'alpha omega')", 0, 0],
    ["contains(doc, 'omega')", expected((d) => d.includes("omega")), expected((d) => d.includes("omega"))],
    ["contains(doc, 'mixed seven')", expected((d) => d.includes("mixed seven")), expected((d) => d.includes("mixed") && d.includes("seven"))],
    ["contains(doc, 'common  mixed')", expected((d) => d.includes("common  mixed")), expected((d) => d.includes("mixed"))],
    ["contains(doc, 'alpha mixed')", expected((d) => d.includes("alpha mixed")), expected((d) => d.includes("alpha") && d.includes("mixed"))],
    ["contains(doc, 'zebra')", 0, 0],
  ];
  for (const [filter, rows, candidates] of cases) {
    const plan = await planQuery(ds.snapshot, filter);
    assert.equal(plan.plan.fragments[0]!.candidateRows, candidates, filter);
    assert.equal(await ds.countRows(filter), rows, filter);
    assert.equal(await ds.countRows(filter, { useIndex: false }), rows, filter);
  }
});

test("NGRAM on a non-string column is refused before any work", async () => {
  const store = new MemoryStore();
  const ds = await writeDataset(store, new Table({ n: vectorFromArray([1, 2], new Int32()) }));
  const before = (await store.list("")).length;
  await assert.rejects(ds.createScalarIndex("n", "NGRAM", { executor: new LocalExecutor() }), (e: unknown) => e instanceof LanceError && e.code === "INVALID_INPUT" && /NGRAM index needs a string column/.test(e.message));
  assert.equal((await store.list("")).length, before);
});

describe("NGRAM segments and Lance 14", { skip: py.skip ?? false }, () => {
  test("lancets' segment holds Lance's tokens and posting lists for the same rows", async () => {
    const lancePath = join(py.dir, "ng-lance.lance");
    const oursPath = join(py.dir, "ng-ours.lance");
    await py.py.write(lancePath, table(), { max_rows_per_file: 2500 });
    await py.py.write(oursPath, table(), { max_rows_per_file: 2500 });
    await py.py.createScalarIndex(lancePath, "doc", "NGRAM");
    await (await openDataset(oursPath)).createScalarIndex("doc", "NGRAM", { fragmentGroupSize: 3 });
    const theirs = await postingsOf(lancePath, "doc_idx");
    const ours = await postingsOf(oursPath, "doc_idx");
    assert.ok(theirs.size > 100, `${theirs.size} tokens`);
    assert.deepEqual([...ours.keys()].sort((a, b) => a - b), [...theirs.keys()].sort((a, b) => a - b));
    for (const [token, ids] of theirs) assert.deepEqual(ours.get(token), ids, `token ${token}`);
  });

  for (const segments of [1, 2, 5]) {
    test(`pylance's planner uses lancets' ${segments} segment(s), with the rows of a twin table without index`, async () => {
      const path = join(py.dir, `ng-${segments}.lance`);
      const twin = join(py.dir, `ng-${segments}-twin.lance`);
      await py.py.write(path, table(segments), { max_rows_per_file: 1200 });
      await py.py.write(twin, table(segments), { max_rows_per_file: 1200 });
      const executor = segments === 2 ? new LocalExecutor({ maxConcurrency: 2 }) : undefined;
      const ds = await (await openDataset(path)).createScalarIndex("doc", "NGRAM", { fragmentGroupSize: segments === 1 ? 5 : segments === 2 ? 3 : 1, ...(executor ? { executor } : {}) });
      assert.equal(ds.describeIndices().find((i) => i.name === "doc_idx")!.segments.length, segments);
      let narrowed = 0;
      let checked = 0;
      for (const filter of filters(segments * 7, 25)) {
        const expected = await py.py.countRows(twin, filter);
        assert.equal(await ds.countRows(filter, { useIndex: false }), expected, filter);
        assert.equal(await ds.countRows(filter), expected, filter);
        const plan = await planQuery(ds.snapshot, filter);
        if (plan.plan.fragments.some((f) => f.candidateRows !== undefined)) narrowed++;
        // pylance answers short and letterless substrings from the index as well; only those lancets narrows are compared
        if (!/contains\(doc, '(ab|a b|)'\)/.test(filter)) {
          if (/ngram|NGRAM/.test(await ds.explain(filter))) {
            assert.match(await py.py.explain(path, { filter }), /ScalarIndexQuery.*NGram/, filter);
            assert.equal(await py.py.countRows(path, filter), expected, filter);
            checked++;
          }
        }
      }
      assert.ok(narrowed > 10, `${narrowed} filters narrowed by the index`);
      assert.ok(checked > 10, `${checked} filters checked against pylance's use of the index`);
      assert.equal(await py.py.countRows(path, "contains(doc, 'number 3')"), await py.py.countRows(twin, "contains(doc, 'number 3')"));
    });
  }

  test("lancets uses Lance-built NGRAM indexes, with the rows of a full scan", async () => {
    const path = join(py.dir, "ng-built-by-lance.lance");
    await py.py.write(path, table(9), { max_rows_per_file: 2000 });
    await py.py.createScalarIndex(path, "doc", "NGRAM");
    const ds = await openDataset(path);
    assert.deepEqual(ds.describeIndices().map((i) => i.indexType), ["NGRAM"]);
    assert.match(await ds.explain("contains(doc, 'number 3')"), /NGRAM index doc_idx/);
    for (const filter of filters(9, 30)) {
      const full = await ds.countRows(filter, { useIndex: false });
      assert.equal(await ds.countRows(filter), full, filter);
      assert.equal(await py.py.countRows(path, filter), full, filter);
    }
  });

  test("new fragments: optimizeIndices adds a segment pylance uses; the CLI builds with --type ngram", async () => {
    const dir = tempDir();
    const path = join(dir, "t.lance");
    let ds = await writeAt(path, table(4));
    ds = await ds.createScalarIndex("doc", "NGRAM");
    ds = await ds.append(table(5));
    await ds.optimizeIndices();
    ds = await openDataset(path);
    const cli = await runCli(["index", "create", path, "--column", "doc", "--type", "ngram", "--name", "doc_cli", "--no-progress", "--workers", "1"], { mergeErrors: true });
    assert.equal(cli.code, 0, cli.out);
    ds = await openDataset(path);
    assert.deepEqual(ds.describeIndices().find((i) => i.name === "doc_cli")?.indexType, "NGRAM");
    const idx = ds.describeIndices().find((i) => i.name === "doc_idx")!;
    assert.deepEqual(idx.segments.flatMap((s) => s.fragmentIds).sort(), [0, 1]);
    for (const filter of ["contains(doc, 'number 3')", "contains(doc, 'über')", "contains(doc, 'fox')"]) {
      const full = await ds.countRows(filter, { useIndex: false });
      assert.equal(await ds.countRows(filter), full, filter);
      assert.equal(await py.py.countRows(path, filter), full, filter);
      assert.match(await py.py.explain(path, { filter }), /ScalarIndexQuery.*NGram/, filter);
    }
  });
});

test("Lance 12's planner uses lancets' NGRAM segments, with the rows of a full scan", async () => {
  const { connect } = await import("../../helpers/oracle.js");
  const dir = tempDir();
  let ds = await writeAt(join(dir, "t.lance"), table(12), { maxRowsPerFile: 2000 });
  ds = await ds.createScalarIndex("doc", "NGRAM", { fragmentGroupSize: 2 });
  assert.equal(ds.describeIndices()[0]!.segments.length, 2);
  const t = await (await connect(dir)).openTable("t");
  let checked = 0;
  for (const filter of filters(12, 20)) {
    const full = await ds.countRows(filter, { useIndex: false });
    assert.equal(await ds.countRows(filter), full, filter);
    if (!/NGRAM index/.test(await ds.explain(filter))) continue;
    assert.match(await t.query().where(filter).explainPlan(true), /ScalarIndexQuery.*NGram/, filter);
    assert.equal(await t.countRows(filter), full, filter);
    checked++;
  }
  assert.ok(checked > 10, `${checked} filters compared`);
  // Lance answers a substring without a trigram of letters or digits ('a b') with no rows from the
  // index; lancets scans for it instead
  assert.ok((await ds.countRows("contains(doc, 'a b')")) > 0);
});

test("NGRAM segments built uncommitted, merged and committed: Lance 12 uses the merged segment", async () => {
  const { connect } = await import("../../helpers/oracle.js");
  const dir = tempDir();
  let ds = await writeAt(join(dir, "t.lance"), table(13), { maxRowsPerFile: 1500 });
  const a = await ds.createIndexUncommitted("doc", "ngram", { name: "doc_idx", fragmentIds: [0, 1] });
  const b = await ds.createIndexUncommitted("doc", "NGRAM", { name: "doc_idx", fragmentIds: [2] });
  const c = await ds.createIndexUncommitted("doc", "NGRAM", { name: "doc_idx", fragmentIds: [3] });
  assert.deepEqual([a.indexType, a.files.map((f) => f.path)], ["NGRAM", ["ngram_postings.lance"]]);
  const merged = await ds.mergeExistingIndexSegments([b, c]);
  assert.deepEqual(merged.fragmentIds, [2, 3]);
  ds = await ds.commitExistingIndexSegments("doc_idx", "doc", [a, merged]);
  assert.equal(ds.describeIndices()[0]!.segments.length, 2);
  const t = await (await connect(dir)).openTable("t");
  for (const filter of ["contains(doc, 'number 3')", "contains(doc, 'Straße')", "contains(doc, 'quick')"]) {
    const full = await ds.countRows(filter, { useIndex: false });
    assert.match(await ds.explain(filter), /NGRAM index doc_idx.*2 segments/, filter);
    assert.match(await t.query().where(filter).explainPlan(true), /ScalarIndexQuery.*NGram/, filter);
    assert.equal(await t.countRows(filter), full, filter);
    assert.equal(await ds.countRows(filter), full, filter);
  }
});
