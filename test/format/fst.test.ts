// Token FSTs as Lance 12 writes them: every token of the corpus maps to a
// distinct id below the key count, other strings map to nothing, and damaged
// bytes give a CorruptFileError or an answer, never another failure or a hang.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { makeVector } from "apache-arrow";
import { CorruptFileError } from "../../src/core/errors.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { FstMap } from "../../src/format/index/fst.js";
import { Tokenizer } from "../../src/index/inverted/tokenizer.js";
import { openDataset } from "../../src/node/open-dataset.js";
import { connect, rng, tablePath } from "../helpers/oracle.js";
import { textTable } from "../helpers/text-corpus.js";
import { tempDir } from "../helpers/tmp.js";

test("token FSTs Lance wrote: lookups, and damaged bytes", async () => {
  const dir = tempDir();
  const db = await connect(dir);
  const table = await db.createTable("t", textTable(2000, 0));
  await table.createIndex("text", { config: lancedb.Index.fts() });
  const ds = await openDataset(tablePath(dir, "t"));
  const segment = ds.describeIndices()[0]!.segments[0]!;
  const reader = await LanceFileReader.open(ds.store, `_indices/${segment.uuid}/part_0_tokens.lance`);
  const field = reader.schema.fields.find((f) => f.name === "_token_fst_bytes")!;
  const bytes = makeVector((await reader.readFields([field.id])).get(field.id)!).get(0) as Uint8Array;
  const fst = new FstMap(bytes, "tokens");

  // every token of the corpus, as the index's tokenizer produces it
  const texts = await table.query().select(["text"]).toArray();
  const tokenizer = new Tokenizer({});
  const tokens = new Set<string>();
  for (const r of texts) if (typeof r.text === "string") for (const t of tokenizer.tokenize(r.text)) tokens.add(t);
  assert.equal(fst.numKeys, tokens.size);
  const encoder = new TextEncoder();
  const ids = new Set<number>();
  for (const t of tokens) {
    const id = fst.get(encoder.encode(t));
    assert.ok(id !== undefined && id >= 0 && id < fst.numKeys, `${t} -> ${id}`);
    ids.add(id);
  }
  assert.equal(ids.size, tokens.size);
  for (const missing of ["", "zzzzzz", "runningx", "\u00ff\u00fe", "a".repeat(50)]) assert.equal(fst.get(encoder.encode(missing)), undefined, missing);

  const r = rng(5);
  const probes = [...tokens].slice(0, 40).map((t) => encoder.encode(t));
  for (let k = 0; k < 2000; k++) {
    const damaged = bytes.slice();
    for (let j = 0; j < 1 + Math.floor(r() * 3); j++) damaged[Math.floor(r() * damaged.length)] = Math.floor(r() * 256);
    try {
      const broken = new FstMap(damaged, "tokens");
      for (const p of probes) {
        const v = broken.get(p);
        assert.ok(v === undefined || Number.isFinite(v));
      }
    } catch (e) {
      assert.ok(e instanceof CorruptFileError, String(e));
    }
  }
});
