// The compressed encodings lancets writes in file versions 2.1 and 2.2
// (inline bit-packing, run-length values, dictionaries of strings and of
// 64-bit values, FSST strings, constant pages, bit-packed def levels) read
// back equal by lancets, by Lance 12 (lancedb) and by Lance 14 (pylance), over
// values needing every bit width from 0 to 64, negatives, nulls, empty and
// unicode strings, all-null pages and several data files. The page
// layouts in the data file are checked too, so a writer that silently fell
// back to plain values fails here.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import {
  Binary,
  Bool,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  RecordBatch,
  Schema,
  Table,
  Uint16,
  Utf8,
  vectorFromArray,
  type DataType,
} from "apache-arrow";
import type { CompressiveEncoding } from "../../src/format/pb/encodings_v2_1_pb.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { mapFilePages } from "../helpers/file-pages.js";
import { tempDir } from "../helpers/tmp.js";
import { assertSameRows } from "../helpers/values.js";

/** Bit widths the `wide` column needs, one per group of 1024 rows. */
const WIDTHS = [0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 53, 63, 64];

function batch(start: number, n: number, seed: number, allNullBatch: boolean): RecordBatch {
  const r = rng(seed);
  const big = (bits: number): bigint => {
    if (bits === 0) return 0n;
    // a value with exactly `bits` significant bits (as an unsigned 64-bit pattern)
    let v = 1n << BigInt(bits - 1);
    v |= BigInt(Math.floor(r() * 2 ** Math.min(bits - 1, 30)));
    return BigInt.asIntN(64, v);
  };
  const words = ["alpha", "beta", "gamma", "žluťoučký", "日本語", "🎉", ""];
  const cols: Record<string, { type: DataType; values: unknown[]; nullable?: boolean }> = {
    id: { type: new Int64(), values: Array.from({ length: n }, (_, i) => BigInt(start + i)) },
    wide: { type: new Int64(), values: Array.from({ length: n }, (_, i) => big(WIDTHS[Math.floor((start + i) / 1024) % WIDTHS.length]!)) },
    neg: { type: new Int32(), values: Array.from({ length: n }, () => Math.floor(r() * 2000) - 1000) },
    tiny: { type: new Int8(), values: Array.from({ length: n }, () => Math.floor(r() * 100)) },
    small16: { type: new Uint16(), values: Array.from({ length: n }, () => Math.floor(r() * 300)) },
    maybe: { type: new Int32(), values: Array.from({ length: n }, () => (allNullBatch || r() < 0.2 ? null : Math.floor(r() * 5000))) },
    sparse: { type: new Int64(), values: Array.from({ length: n }, (_, i) => ((start + i) % 3001 === 7 ? null : BigInt(start + i) * 3n)) },
    f64: { type: new Float64(), values: Array.from({ length: n }, () => r() * 1000) },
    f32: { type: new Float32(), values: Array.from({ length: n }, () => Math.fround(r() - 0.5)) },
    flag: { type: new Bool(), values: Array.from({ length: n }, () => r() < 0.3) },
    name: { type: new Utf8(), values: Array.from({ length: n }, (_, i) => `name-${(start + i) * 7919}`) },
    note: {
      type: new Utf8(),
      values: Array.from({ length: n }, (_, i) => {
        if (allNullBatch || (start + i) % 13 === 5) return null;
        if ((start + i) % 17 === 3) return "";
        return Array.from({ length: 1 + Math.floor(r() * 6) }, () => words[Math.floor(r() * words.length)]).join(" ") + ` #${start + i}`;
      }),
    },
    large: { type: new LargeUtf8(), values: Array.from({ length: n }, (_, i) => `row ${start + i} of the large text column, number ${(start + i) % 977}`) },
    bin: { type: new Binary(), values: Array.from({ length: n }, () => Uint8Array.from({ length: Math.floor(r() * 24) }, () => Math.floor(r() * 256))) },
    allnull: { type: new Int64(), values: Array.from({ length: n }, () => null) },
    constant: { type: new Int32(), values: Array.from({ length: n }, () => 42) },
    constantNull: { type: new Int64(), values: Array.from({ length: n }, (_, i) => (i % 9 === 2 ? null : -3n)) },
    codes: { type: new Int64(), values: Array.from({ length: n }, (_, i) => BigInt((((start + i) * 7919) % 1500) + 1)) },
    levels: { type: new Float64(), values: Array.from({ length: n }, () => Math.floor(r() * 20) * 0.25 - 2) },
    constantFlag: { type: new Bool(), values: Array.from({ length: n }, () => true) },
    runs: { type: new Int64(), values: Array.from({ length: n }, (_, i) => BigInt(Math.floor((start + i) / 300)) * 1_000_000_007n) },
    city: { type: new Utf8(), values: Array.from({ length: n }, () => ["Praha", "Brno", "Ostrava", "Plzeň", "Liberec", "Olomouc"][Math.floor(r() * 6)]) },
    cityNull: { type: new Utf8(), values: Array.from({ length: n }, (_, i) => (allNullBatch || i % 4 === 1 ? null : ["", "x", "žluťoučký", "日本語🎉"][i % 4])) },
    tag: { type: new Binary(), values: Array.from({ length: n }, () => Uint8Array.of(0, 255, Math.floor(r() * 3))) },
    runsNull: { type: new Int16(), values: Array.from({ length: n }, (_, i) => ((start + i) % 41 === 0 ? null : Math.floor((start + i) / 700) - 9)) },
  };
  const fields = Object.entries(cols).map(([name, c]) => new Field(name, c.type, true));
  const table = new Table(Object.fromEntries(Object.entries(cols).map(([name, c]) => [name, vectorFromArray(c.values as never, c.type as never)])));
  return new RecordBatch(new Schema(fields), table.batches[0]!.data);
}

/** Three parts (three fragments): a large one, one whose `maybe` and `note` are all null, a short one. */
function parts(): Table[] {
  const sizes = [WIDTHS.length * 1024 + 300, 2500, 700];
  const out: Table[] = [];
  let start = 0;
  sizes.forEach((n, k) => {
    out.push(new Table([batch(start, n, 11 + k, k === 1)]));
    start += n;
  });
  return out;
}

function describeEncoding(e: CompressiveEncoding | undefined): string {
  const c = e?.compression;
  if (!c || c.case === undefined) return "none";
  if (c.case === "fsst") return `fsst(${describeEncoding(c.value.values)})`;
  if (c.case === "outOfLineBitpacking") return `oolbp${c.value.uncompressedBitsPerValue}(${describeEncoding(c.value.values)})`;
  if (c.case === "inlineBitpacking") return `ibp${c.value.uncompressedBitsPerValue}`;
  if (c.case === "flat") return `flat${c.value.bitsPerValue}`;
  if (c.case === "variable") return `var(${describeEncoding(c.value.offsets)})`;
  if (c.case === "general") return `lz4(${describeEncoding(c.value.values)})`;
  if (c.case === "rle") return `rle(${describeEncoding(c.value.values)}, ${describeEncoding(c.value.runLengths)})`;
  return c.case;
}

/** Per column, the layout, value and def encodings of its pages in every data file of the dataset. */
function pageEncodings(datasetDir: string): Set<string>[] {
  const out: Set<string>[] = [];
  for (const file of readdirSync(join(datasetDir, "data"))) {
    fileEncodings(join(datasetDir, "data", file)).forEach((pages, c) => {
      out[c] ??= new Set();
      for (const p of pages) out[c]!.add(p);
    });
  }
  return out;
}

function fileEncodings(path: string): string[][] {
  return mapFilePages(path, (layout, page) => {
    if (layout.case === "miniBlockLayout") {
      const def = layout.value.defCompression ? ` def ${describeEncoding(layout.value.defCompression)}` : "";
      const dict = layout.value.dictionary ? ` dict ${describeEncoding(layout.value.dictionary)} of ${layout.value.numDictionaryItems}` : "";
      return `mb ${describeEncoding(layout.value.valueCompression)}${def}${dict}`;
    }
    if (layout.case === "constantLayout" && layout.value.inlineValue !== undefined) {
      return `constant ${Array.from(layout.value.inlineValue).join(",")}${page.bufferSizes.length ? ` + ${page.bufferSizes.length} buffers` : ""}`;
    }
    return layout.case ?? "none";
  });
}

const session = pylanceSession("lancets-compressed-encodings-");
let dir: string;
before(() => {
  dir = tempDir("lancets-compressed-encodings-");
});

describe("compressed 2.1/2.2 encodings lancets writes", () => {
  const input = parts();
  const data = new Table(input.flatMap((t) => t.batches));
  const columns = data.schema.fields.map((f) => f.name);
  const has = (pages: Set<string> | undefined, encoding: string, why = ""): void => {
    assert.ok(pages?.has(encoding), `${encoding} among ${JSON.stringify([...(pages ?? [])])} ${why}`);
  };

  for (const version of ["2.1", "2.2"] as const) {
    test(`read back equal by lancets, Lance 12 and Lance 14, file version ${version}`, async () => {
      const name = `enc_${version.replace(".", "_")}`;
      const uri = tablePath(dir, name);
      let ds = await writeDataset(uri, input[0]!, { dataStorageVersion: version });
      for (const part of input.slice(1)) ds = await ds.append(part);
      assert.equal(ds.fragments().length, 3);

      const pages = pageEncodings(uri);
      const byColumn = Object.fromEntries(columns.map((c, k) => [c, pages[k]!]));
      assert.deepEqual([...byColumn.id!], ["mb ibp64"]);
      has(byColumn.wide, "mb ibp64");
      assert.deepEqual([...byColumn.neg!], ["mb flat32"], "negatives need every bit: plain values");
      has(byColumn.tiny, "mb ibp8");
      has(byColumn.small16, "mb ibp16");
      has(byColumn.maybe, "mb ibp32 def oolbp16(flat1)");
      has(byColumn.maybe, "constantLayout", "(an all-null page)");
      has(byColumn.sparse, "mb ibp64 def flat16", "(groups without nulls keep raw def levels)");
      has(byColumn.flag, "mb flat1");
      has(byColumn.name, "mb fsst(var(flat32))");
      has(byColumn.note, "mb fsst(var(flat32)) def oolbp16(flat1)");
      has(byColumn.note, "constantLayout");
      has(byColumn.large, "mb fsst(var(flat64))");
      assert.deepEqual([...byColumn.bin!], ["mb var(flat32)"], "binary is not FSST-compressed");
      assert.deepEqual([...byColumn.allnull!], ["constantLayout"]);
      if (version === "2.1") {
        assert.deepEqual([...byColumn.constant!], ["mb rle(flat32, flat8)"]);
        has(byColumn.constantNull, "mb rle(flat64, flat8) def oolbp16(flat1)");
        assert.deepEqual([...byColumn.constantFlag!], ["mb flat1"]);
      } else {
        assert.deepEqual([...byColumn.constant!], ["constant 42,0,0,0"]);
        assert.deepEqual([...byColumn.constantNull!], ["constant 253,255,255,255,255,255,255,255 + 2 buffers"]);
        assert.deepEqual([...byColumn.constantFlag!], ["constant 1"]);
      }
      const startsWith = (pages: Set<string> | undefined, prefix: string): void => {
        assert.ok([...(pages ?? [])].some((p) => p.startsWith(prefix)), `${prefix}... among ${JSON.stringify([...(pages ?? [])])}`);
      };
      if (version === "2.1") {
        assert.deepEqual([...byColumn.runs!], ["mb rle(flat64, flat8)"]);
        has(byColumn.codes, "mb ibp64");
        has(byColumn.levels, "mb flat64", "(negative doubles set the sign bit)");
      } else {
        // 2.2 dictionaries of 64-bit values: run-length indices over an LZ4 block, bit-packed items
        startsWith(byColumn.runs, "mb rle(flat32, flat8) dict lz4(flat64) of");
        has(byColumn.codes, "mb ibp32 dict oolbp64(flat11) of 1500");
        has(byColumn.levels, "mb ibp32 dict lz4(flat64) of 20");
      }
      has(byColumn.runsNull, "mb rle(flat16, flat8) def oolbp16(flat1)");
      const dict = version === "2.1" ? "var(flat32)" : "lz4(var(flat32))";
      has(byColumn.city, `mb ibp32 dict ${dict} of 6`);
      has(byColumn.cityNull, `mb ibp32 def oolbp16(flat1) dict ${dict} of 3`, "(a null slot is the empty value)");
      has(byColumn.cityNull, `mb ibp32 def ibp16 dict ${dict} of 3`, "(at most 1024 levels: inline bit-packed)");
      has(byColumn.tag, `mb ibp32 dict ${dict} of 3`);

      const ours = await (await openDataset(uri)).scan().toArrow();
      assertSameRows(ours, data, "id", columns, `lancets ${version}`);
      const lance12 = await (await (await connect(dir)).openTable(name)).query().toArrow();
      assertSameRows(lance12, data, "id", columns, `lancedb ${version}`);
      if (!session.skip) {
        const lance14 = await session.py.toTable(uri);
        assertSameRows(lance14, data, "id", columns, `pylance ${version}`);
      }
    });
  }

  test("the bench's rows (int64, float64, string) take at most 1.15x the bytes Lance 12 writes, in both versions", async () => {
    const n = 200_000;
    const ids = new BigInt64Array(n);
    const values = new Float64Array(n);
    const names: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = BigInt(i);
      values[i] = i * 0.5;
      names[i] = `name-${i * 7919}`;
    }
    const rows = new Table({ id: vectorFromArray(ids as never, new Int64()), value: vectorFromArray(values as never, new Float64()), name: vectorFromArray(names, new Utf8()) });
    const dataBytes = (datasetDir: string): number =>
      readdirSync(join(datasetDir, "data")).reduce((sum, f) => sum + readFileSync(join(datasetDir, "data", f)).length, 0);
    const db = await connect(dir);
    for (const version of ["2.1", "2.2"] as const) {
      const name = `size_${version.replace(".", "_")}`;
      await writeDataset(tablePath(dir, `${name}_lancets`), rows, { dataStorageVersion: version });
      await db.createTable(`${name}_lance`, rows, { dataStorageVersion: version } as never);
      const ours = dataBytes(tablePath(dir, `${name}_lancets`));
      const theirs = dataBytes(tablePath(dir, `${name}_lance`));
      assert.ok(ours <= 1.15 * theirs, `${version}: lancets ${ours} bytes, Lance ${theirs} bytes (${(ours / theirs).toFixed(3)}x)`);
    }
  });
});
