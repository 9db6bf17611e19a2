// English-like text for full-text tests: common words with inflections (for the
// stemmer), stop words, accented words, numbers, punctuation, mixed
// alphanumerics, other scripts and tokens of 40 bytes and more.

import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { rng } from "./oracle.js";

const STEMS = [
  "run", "jump", "index", "search", "data", "table", "query", "engine", "vector", "column", "store", "write", "read", "build",
  "segment", "fragment", "merge", "commit", "version", "token", "stem", "score", "rank", "match", "filter", "scan", "page",
  "nation", "relate", "condition", "happy", "agree", "connect", "general", "operate", "generous", "electric", "hope", "sense",
];
const SUFFIXES = ["", "s", "es", "ed", "ing", "er", "ers", "ly", "ness", "ation", "ational", "ize", "izing", "ful", "ive", "ies", "able"];
const STOP = ["the", "a", "of", "and", "to", "in", "is", "was", "have", "having", "does", "doing", "should", "would", "could", "ourselves", "because", "very", "don't", "it's"];
const ACCENTED = ["café", "naïve", "résumé", "straße", "façade", "über", "Ångström", "crème", "brûlée", "jalapeño", "smørrebrød", "Łódź", "ÉCOLE", "ecole", "Æsir"];
const OTHER = ["42", "2024", "3.14", "x86_64", "h2o", "COVID-19", "e-mail", "O'Brien", "don't", "l33t", "ελληνικά", "русский", "日本語", "tokenization", "internationalization"];
const LONG = ["a".repeat(39), "b".repeat(40), "supercalifragilisticexpialidociousness-extra", "é".repeat(20), "é".repeat(19) + "z"];

/** Every distinct word the corpus uses. */
export function vocabulary(): string[] {
  const words = new Set<string>();
  for (const s of STEMS) for (const x of SUFFIXES) words.add(s + x);
  for (const w of [...STOP, ...ACCENTED, ...OTHER, ...LONG]) words.add(w);
  return [...words];
}

export function textTable(n: number, start: number, seed = 11): Table {
  const r = rng(seed + start);
  const vocab = vocabulary();
  const pick = (): string => vocab[Math.floor(r() * vocab.length)]!;
  const texts = Array.from({ length: n }, (_, i) => {
    const k = start + i;
    if (k % 53 === 7) return null;
    if (k % 61 === 9) return "";
    const words = Array.from({ length: 2 + Math.floor(r() * 14) }, pick);
    return words.join(r() < 0.2 ? ", " : r() < 0.1 ? "! " : " ");
  });
  return new Table({
    id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(start + i)), new Int64()),
    text: vectorFromArray(texts, new Utf8()),
  });
}
