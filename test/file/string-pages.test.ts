// String pages written by Lance 12 (lancedb), read by lancets: FSST mini-block
// pages (decoded chunk after chunk into one builder) and plain variable-width
// pages, with nulls, empty strings, non-ASCII text, bytes no FSST symbol
// covers (escapes), several pages per column, in 2.1 and 2.2. Full scans at
// several batch sizes and row ranges that start and end inside chunks and
// pages, or span page boundaries, equal the values written and lancedb's own
// read. The page layouts are checked, so a writer that stopped using FSST
// fails here rather than passing without testing it.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Binary, makeVector, RecordBatch, Table, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { mapFilePages } from "../helpers/file-pages.js";
import { tempDir } from "../helpers/tmp.js";

// Lance 12 cuts a column's page once 8 MiB of its values have accumulated: about 100 bytes a row
// over 100,000 rows gives the text column two pages or more
const BATCH = 25_000;
const BATCHES = 4;
const N = BATCH * BATCHES;
const WORDS = ["alpha", "žluťoučký kůň", "日本語", "🎉", "lancets", "", "\u0001\u0002", "~`|", "Ωμέγα"];

/** Row i's values: text (FSST), code (short, plain), blob (binary, plain). */
function text(i: number, r: () => number): string | null {
  if (i % 11 === 3) return null;
  if (i % 13 === 5) return "";
  const words = Array.from({ length: 1 + Math.floor(r() * 12) }, () => WORDS[Math.floor(r() * WORDS.length)]);
  return `row-${i}-${words.join(" ")}-${Math.floor(r() * 1e9).toString(36)}`;
}

function code(i: number): string | null {
  return i % 7 === 2 ? null : ((i * 7919) % 46_000).toString(36);
}

function blob(i: number, r: () => number): Uint8Array | null {
  if (i % 17 === 4) return null;
  return Uint8Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 256));
}

interface Source {
  text: (string | null)[];
  code: (string | null)[];
  blob: (Uint8Array | null)[];
}

function source(): Source {
  const r = rng(21);
  const out: Source = { text: [], code: [], blob: [] };
  for (let i = 0; i < N; i++) {
    out.text.push(text(i, r));
    out.code.push(code(i));
    out.blob.push(blob(i, r));
  }
  return out;
}

function table(src: Source): Table {
  const batches: RecordBatch[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const slice = <T>(xs: T[]): T[] => xs.slice(b * BATCH, (b + 1) * BATCH);
    const t = new Table({
      text: vectorFromArray(slice(src.text), new Utf8()),
      code: vectorFromArray(slice(src.code), new Utf8()),
      blob: vectorFromArray(slice(src.blob), new Binary()),
    });
    batches.push(...t.batches);
  }
  return new Table(batches);
}

/** Per column: the value encoding of each mini-block page (e.g. "fsst(variable)"), its chunk count and rows. */
function pageEncodings(file: string): { encoding: string; chunks: number; numRows: number }[][] {
  return mapFilePages(file, (layout, page, footer) => {
    if (layout.case === "fullZipLayout") return { encoding: `fullZip:${layout.value.valueCompression?.compression.case}`, chunks: 0, numRows: page.numRows };
    if (layout.case !== "miniBlockLayout") return { encoding: layout.case ?? "none", chunks: 0, numRows: page.numRows };
    const value = layout.value.valueCompression?.compression;
    const inner = value?.case === "fsst" ? `(${value.value.values?.compression.case})` : "";
    const metaBytes = Number(page.bufferSizes[0]);
    return { encoding: `${value?.case}${inner}${layout.value.dictionary ? "+dict" : ""}`, chunks: metaBytes / (footer.majorVersion === 2 && footer.minorVersion === 1 ? 2 : 4), numRows: page.numRows };
  });
}

function strings(d: Data): (string | null)[] {
  const v = makeVector(d);
  return Array.from({ length: v.length }, (_, i) => v.get(i) as string | null);
}

function hex(d: Data): (string | null)[] {
  const v = makeVector(d);
  return Array.from({ length: v.length }, (_, i) => {
    const x = v.get(i) as Uint8Array | null;
    return x === null ? null : Buffer.from(x).toString("hex");
  });
}

const hexOf = (xs: (Uint8Array | null)[]): (string | null)[] => xs.map((x) => (x === null ? null : Buffer.from(x).toString("hex")));

for (const version of ["2.1", "2.2"]) {
  describe(`string pages written by lancedb, file version ${version}`, () => {
    const dir = tempDir();
    const src = source();
    let datasetPath = "";
    let file = "";
    /** Rows of the text column's first page. */
    let firstPageRows = 0;

    before(async () => {
      const db = await connect(dir);
      await db.createTable("t", table(src), { dataStorageVersion: version } as never);
      datasetPath = tablePath(dir, "t");
      const files = readdirSync(join(datasetPath, "data"));
      assert.equal(files.length, 1, "one data file");
      file = files[0]!;
      firstPageRows = pageEncodings(join(datasetPath, "data", file))[0]![0]!.numRows;
    });

    test("the text column is FSST in several pages of several chunks; code and blob are plain variable-width", () => {
      const columns = pageEncodings(join(datasetPath, "data", file));
      const [textPages, codePages, blobPages] = columns;
      assert.ok(textPages!.length >= 2, `text has ${textPages!.length} pages`);
      for (const p of textPages!) {
        assert.equal(p.encoding, "fsst(variable)");
        assert.ok(p.chunks >= 4, `an FSST page of ${p.chunks} chunks`);
      }
      assert.ok(codePages!.every((p) => p.encoding === "variable"), JSON.stringify(codePages));
      assert.ok(blobPages!.every((p) => p.encoding === "variable"), JSON.stringify(blobPages));
    });

    test("full scans at several batch sizes equal the values written and lancedb's read", async () => {
      const theirs = await (await (await connect(dir)).openTable("t")).query().toArrow();
      assert.deepEqual(theirs.getChild("text")!.toArray(), src.text, "lancedb reads what was written");
      const ds = await openDataset(datasetPath);
      for (const batchSize of [N, 777]) {
        const ours = await ds.scan({ batchSize }).toArrow();
        assert.equal(ours.numRows, N);
        assert.deepEqual(ours.getChild("text")!.toArray(), src.text, `text, batches of ${batchSize}`);
        assert.deepEqual(ours.getChild("code")!.toArray(), src.code, `code, batches of ${batchSize}`);
        const blobs = ours.getChild("blob")!;
        assert.deepEqual(
          Array.from({ length: N }, (_, i) => blobs.get(i) as Uint8Array | null).map((x) => (x === null ? null : Buffer.from(x).toString("hex"))),
          hexOf(src.blob),
          `blob, batches of ${batchSize}`,
        );
      }
    });

    test("row ranges inside chunks, across chunk and page boundaries, equal the values written", async () => {
      const reader = await LanceFileReader.open(new LocalFileStore(datasetPath), `data/${file}`);
      const ids = reader.schema.fields.filter((f) => f.parentId === -1).map((f) => f.id);
      const edge = firstPageRows;
      assert.ok(edge > 1000 && edge < N - 5000, `the first page ends at row ${edge}`);
      // sorted and apart, so they can also be read at once
      const ranges = [
        { start: 0, end: 1 },
        { start: 3, end: 300 },
        { start: 301, end: 304 },
        { start: 1000, end: 1001 },
        { start: edge - 5, end: edge + 5 },
        { start: edge + 7, end: edge + 3000 },
        { start: N - 4000, end: N - 2 },
        { start: N - 1, end: N },
      ];
      for (const range of ranges) {
        const got = await reader.readFieldRanges(ids, [range]);
        const label = `rows ${range.start}..${range.end}`;
        assert.deepEqual(strings(got.get(ids[0]!)!), src.text.slice(range.start, range.end), `text ${label}`);
        assert.deepEqual(strings(got.get(ids[1]!)!), src.code.slice(range.start, range.end), `code ${label}`);
        assert.deepEqual(hex(got.get(ids[2]!)!), hexOf(src.blob.slice(range.start, range.end)), `blob ${label}`);
      }
      // one range over the page boundary, then all of them at once, decoded from the same pages
      const across = await reader.readFieldRanges(ids, [{ start: 17, end: edge + 1234 }]);
      assert.deepEqual(strings(across.get(ids[0]!)!), src.text.slice(17, edge + 1234), "text over the page boundary");
      const got = await reader.readFieldRanges(ids, ranges);
      const expected = ranges.flatMap((r) => src.text.slice(r.start, r.end));
      assert.deepEqual(strings(got.get(ids[0]!)!), expected, "text of eight ranges at once");
    });
  });
}

/** Long values (Lance zips them whole, full-zip pages, FSST per value): nulls, empty strings, non-ASCII and escaped bytes. */
function longText(n: number): (string | null)[] {
  const r = rng(8);
  return Array.from({ length: n }, (_, i) => {
    if (i % 9 === 4) return null;
    if (i % 10 === 7) return "";
    return `${Array.from({ length: 40 + Math.floor(r() * 40) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ")} #${i}`;
  });
}

for (const version of ["2.1", "2.2"]) {
  test(`full-zip string pages written by lancedb (${version}) read whole and in ranges`, async () => {
    const values = longText(600);
    const dir = tempDir();
    const db = await connect(dir);
    await db.createTable("t", new Table({ s: vectorFromArray(values, new Utf8()) }), { dataStorageVersion: version } as never);
    const path = tablePath(dir, "t");
    const file = readdirSync(join(path, "data"))[0]!;
    const pages = pageEncodings(join(path, "data", file))[0]!;
    assert.ok(pages.length > 0 && pages.every((p) => p.encoding === "fullZip:fsst"), JSON.stringify(pages));
    const ds = await openDataset(path);
    assert.deepEqual((await ds.scan({ batchSize: 97 }).toArrow()).getChild("s")!.toArray(), values);
    const reader = await LanceFileReader.open(new LocalFileStore(path), `data/${file}`);
    const id = reader.schema.fields[0]!.id;
    for (const range of [
      { start: 0, end: 1 },
      { start: 4, end: 5 },
      { start: 3, end: 300 },
      { start: 599, end: 600 },
    ]) {
      const got = await reader.readFieldRanges([id], [range]);
      assert.deepEqual(strings(got.get(id)!), values.slice(range.start, range.end), `rows ${range.start}..${range.end}`);
    }
  });
}
