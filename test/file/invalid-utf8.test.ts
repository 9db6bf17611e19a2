// String pages holding bytes that are not UTF-8 are a corrupt file, as in
// Lance: reading them is CORRUPT_FILE naming the column, never replacement
// characters. Binary columns with the same bytes, and valid text of every
// width, read as before. Lancets' writer refuses such strings, so the files
// are made by writing placeholders of the same lengths and putting the bad
// bytes in their place; Lance refuses to read each of them too.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Binary, Field, makeData, RecordBatch, Schema, Struct, Table, Utf8 } from "apache-arrow";
import { LanceError } from "../../src/core/errors.js";
import { openDataset, writeDataset } from "../../src/node/open-dataset.js";
import { connect, STORAGE_VERSIONS, tablePath } from "../helpers/oracle.js";
import { tempDir } from "../helpers/tmp.js";

/** A one-column table of `values` (byte strings) as Utf8 or Binary, built without validation. */
function bytesTable(values: number[][], type: Utf8 | Binary): Table {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => (offsets[i + 1] = offsets[i]! + v.length));
  const data = Uint8Array.from(values.flat());
  const schema = new Schema([new Field("s", type, true)]);
  const column = makeData({ type, length: values.length, nullCount: 0, valueOffsets: offsets, data } as never);
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: values.length, nullCount: 0, children: [column] }))]);
}

const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];
const CASES: { name: string; values: number[][]; value: number }[] = [
  { name: "a byte that starts no character", values: [ascii("ab"), [0xff, 0xfe], ascii("cd")], value: 1 },
  { name: "a truncated sequence", values: [ascii("ok"), ascii("fine"), [0x63, 0xe2, 0x82]], value: 2 },
  { name: "a surrogate", values: [[0xed, 0xa0, 0x80], ascii("x")], value: 0 },
  // "é" split across two values: the bytes together are valid, each value is not
  { name: "a character split between two values", values: [ascii("x"), [0x61, 0xc3], [0xa9, 0x62]], value: 2 },
];

/** Writes `values` as a Utf8 column through ASCII placeholders of the same lengths, then puts the real bytes in the data file. */
async function writeRawStrings(path: string, values: number[][], version: (typeof STORAGE_VERSIONS)[number]): Promise<void> {
  let letter = 0;
  const placeholders = values.map((v) => v.map(() => 0x41 + (letter++ % 26)));
  await writeDataset(path, bytesTable(placeholders, new Utf8()), { dataStorageVersion: version });
  const files = readdirSync(join(path, "data"));
  assert.equal(files.length, 1);
  const file = join(path, "data", files[0]!);
  const bytes = readFileSync(file);
  const from = Buffer.from(placeholders.flat());
  const at = bytes.indexOf(from);
  assert.ok(at >= 0 && bytes.indexOf(from, at + 1) < 0, "the placeholder bytes appear once in the data file");
  Buffer.from(values.flat()).copy(bytes, at);
  writeFileSync(file, bytes);
}

describe("invalid UTF-8 in string columns", () => {
  for (const version of STORAGE_VERSIONS) {
    test(`${version}: CORRUPT_FILE naming the column, as Lance refuses it`, async () => {
      const dir = tempDir();
      const db = await connect(dir);
      for (const [k, c] of CASES.entries()) {
        const path = tablePath(dir, `bad${k}`);
        await writeRawStrings(path, c.values, version);
        const ds = await openDataset(path);
        await assert.rejects(ds.scan().toArrow(), (err: unknown) => {
          assert.ok(err instanceof LanceError, String(err));
          assert.equal(err.code, "CORRUPT_FILE", err.message);
          assert.match(err.message, new RegExp(`corrupt file data/.*column "s" holds invalid UTF-8: value ${c.value} of the`));
          return true;
        }, c.name);
        await assert.rejects((await db.openTable(`bad${k}`)).query().toArrow(), /utf-8/i, `Lance reads ${c.name}`);
      }
    });

    test(`${version}: the same bytes in a binary column, and valid text of every width, read as Lance reads them`, async () => {
      const dir = tempDir();
      const db = await connect(dir);
      const binary = CASES.flatMap((c) => c.values);
      await writeDataset(tablePath(dir, "bin"), bytesTable(binary, new Binary()), { dataStorageVersion: version });
      const ours = (await (await openDataset(tablePath(dir, "bin"))).scan().toArrow()).getChild("s")!.toArray().map((v: Uint8Array) => [...v]);
      assert.deepEqual(ours, binary);
      const theirs = (await (await db.openTable("bin")).query().toArray()).map((r) => [...(r.s as Uint8Array)]);
      assert.deepEqual(theirs, binary);
      const text = ["plain", "é", "€uro", "𝄞 clef", "", "mixed ascii and 日本語"];
      await writeDataset(tablePath(dir, "text"), bytesTable(text.map(ascii), new Utf8()), { dataStorageVersion: version });
      assert.deepEqual((await (await openDataset(tablePath(dir, "text"))).scan().toArrow()).getChild("s")!.toArray(), text);
      assert.deepEqual((await (await db.openTable("text")).query().toArray()).map((r) => r.s), text);
    });
  }
});
