// ASCII documents split in place: the word table finds every word added
// (across growth) and no other; a partition built from words looked up by
// their bytes writes the files of one built from the tokenizer's strings,
// byte for byte, over text with case, digits, punctuation, stop words, words
// too long to index, non-ASCII documents, empty and null documents.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Utf8, vectorFromArray } from "apache-arrow";
import { MemoryStore } from "../../../src/io/memory-store.js";
import { PartitionBuilder } from "../../../src/index/inverted/partition.js";
import { Tokenizer } from "../../../src/index/inverted/tokenizer.js";
import { hashBytes, WordTable } from "../../../src/index/inverted/word-table.js";
import { rng } from "../../helpers/oracle.js";

const encoder = new TextEncoder();

/** A tokenizer that never lets the partition split documents itself. */
class StringTokenizer extends Tokenizer {
  override get splitsAsciiAlphanumeric(): boolean {
    return false;
  }
}

describe("ASCII words looked up by their bytes", () => {
  test("the word table finds every word added, across growth, and no other", () => {
    const table = new WordTable();
    const words = Array.from({ length: 20_000 }, (_, i) => encoder.encode(`w${(i * 7919) % 100_003}x${i % 13}`));
    words.forEach((w, i) => {
      assert.equal(table.get(w, 0, w.length, hashBytes(w, 0, w.length)), undefined);
      table.add(w, 0, w.length, hashBytes(w, 0, w.length), i - 5);
    });
    assert.equal(table.size, words.length);
    words.forEach((w, i) => assert.equal(table.get(w, 0, w.length, hashBytes(w, 0, w.length)), i - 5));
    // a word inside a larger buffer, and prefixes of words, which were never added
    const text = encoder.encode(`..${new TextDecoder().decode(words[123]!)}..`);
    assert.equal(table.get(text, 2, text.length - 2, hashBytes(text, 2, text.length - 2)), 118);
    assert.equal(table.get(text, 2, text.length - 3, hashBytes(text, 2, text.length - 3)), undefined);
  });

  test("a partition of ASCII documents split in place writes the tokenizer's files", async () => {
    const next = rng(5);
    const pieces = ["The", "running", "RUNS", "runner's", "a", "and", "doesn't", "x86", "2024", "e-mail", "foo_bar", "Über", "naïve", "日本語", "caf\u00e9", "ÆON", "q".repeat(39), "Q".repeat(40), "zz".repeat(30), "-", "  ", "\t", "!?", "it's", "THEY", "were", "fishing"];
    const docs = Array.from({ length: 3000 }, (_, i) => {
      if (i % 97 === 3) return null;
      if (i % 89 === 5) return "";
      if (i % 83 === 7) return "the and a of";
      const ascii = i % 5 !== 0;
      const words = Array.from({ length: 1 + Math.floor(next() * 25) }, () => {
        const w = pieces[Math.floor(next() * pieces.length)]!;
        return ascii ? w.replace(/[^\x00-\x7f]/g, "") : w;
      });
      return words.join(next() < 0.5 ? " " : ",");
    });
    const values = vectorFromArray(docs, new Utf8()).data[0]!;
    const rowIds = Float64Array.from({ length: docs.length }, (_, i) => i * 3 + 1);
    const written = async (tokenizer: Tokenizer): Promise<Map<string, Uint8Array>> => {
      const partition = new PartitionBuilder(tokenizer);
      // in two calls, so that words seen in the first are found in the second
      partition.addDocs(values, rowIds, 0, 1700);
      partition.addDocs(values, rowIds, 1700, docs.length);
      const store = new MemoryStore();
      const files = await partition.write(store, "seg", 0);
      return new Map(await Promise.all(files.map(async (f) => [f.path, await store.read(`seg/${f.path}`)] as const)));
    };
    const inPlace = await written(new Tokenizer());
    const fromStrings = await written(new StringTokenizer());
    assert.deepEqual([...inPlace.keys()].sort(), [...fromStrings.keys()].sort());
    for (const [path, bytes] of inPlace) assert.deepEqual(bytes, fromStrings.get(path), path);
  });
});
