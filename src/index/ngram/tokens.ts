// Lance's NGRAM tokenisation (Lance scalar index "ngram"): the whole text is
// lowercased and folded to ASCII, cut into every run of three consecutive
// characters, and only the trigrams made of ASCII letters and digits are kept.
// A trigram becomes a number: each character's place in the alphabet
// "0-9a-z" plus one (0 stands for "no character"), weighted by 37^2, 37 and 1
// from the first character on, so "abc" = 11*1369 + 12*37 + 13. A character
// outside 0-9a-z (an upper-case letter that folding produced) takes the
// wrapped 8-bit place Lance's release builds compute for it. Token 0 is the
// null text's token.

import { foldToAscii } from "../inverted/tokenizer.js";

/** The trigram length Lance indexes. */
export const NGRAM_LENGTH = 3;
/** The token of a null text. */
export const NULL_TOKEN = 0;
/** One above the largest token any trigram gets (places wrap to at most 255). */
export const TOKEN_LIMIT = 256 * (37 * 37 + 37 + 1);

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** The place of one ASCII letter or digit, as Lance's u8 arithmetic gives it. */
function place(c: number): number {
  return c <= 57 ? c - 48 + 1 : (c - 97 + 10 + 1) & 0xff;
}

/** The token of the trigram of character codes a, b, c. */
export function trigramToken(a: number, b: number, c: number): number {
  return place(a) * 1369 + place(b) * 37 + place(c);
}

/**
 * Calls `visit` with the token of every trigram of ASCII letters and digits
 * in `text`, which is already lowercased and folded (repeats included).
 */
function visitFolded(text: string, visit: (token: number) => void): void {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isAlnum(c)) {
      run = 0;
      continue;
    }
    if (++run >= NGRAM_LENGTH) visit(trigramToken(text.charCodeAt(i - 2), text.charCodeAt(i - 1), c));
  }
}

/** Calls `visit` with the token of every trigram Lance indexes for `text` (repeats included). */
export function visitTextTokens(text: string, visit: (token: number) => void): void {
  visitFolded(foldToAscii(text.toLowerCase()), visit);
}

/**
 * The same for a text given as UTF-8 bytes; ASCII texts are tokenised from
 * the bytes themselves, others decoded first.
 */
export function visitUtf8Tokens(bytes: Uint8Array, start: number, end: number, decode: (bytes: Uint8Array) => string, visit: (token: number) => void): void {
  let run = 0;
  let a = 0;
  let b = 0;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      visitTextTokens(decode(bytes.subarray(start, end)), visit);
      return;
    }
  }
  for (let i = start; i < end; i++) {
    let c = bytes[i]!;
    if (!isAlnum(c)) {
      run = 0;
      continue;
    }
    if (c <= 90 && c >= 65) c += 32;
    if (++run >= NGRAM_LENGTH) visit(place(a) * 1369 + place(b) * 37 + place(c));
    a = b;
    b = c;
  }
}

/**
 * The tokens a row holding `substring` certainly has in an NGRAM index
 * (Lance's or lancets'), distinct, or undefined when the index cannot narrow
 * the rows: Lance's rule for substrings under three bytes, and substrings
 * without three ASCII letters or digits in a row. Only trigrams of the
 * substring's own ASCII letters and digits are taken: those a row holds
 * however Lance folds the characters around them.
 */
export function substringTokens(substring: string): number[] | undefined {
  if (new TextEncoder().encode(substring).byteLength < NGRAM_LENGTH) return undefined;
  const tokens = new Set<number>();
  let run = 0;
  for (let i = 0; i < substring.length; i++) {
    let c = substring.charCodeAt(i);
    if (!isAlnum(c)) {
      run = 0;
      continue;
    }
    if (c <= 90 && c >= 65) c += 32;
    if (++run >= NGRAM_LENGTH) {
      const a = substring.charCodeAt(i - 2) | 0x20;
      const b = substring.charCodeAt(i - 1) | 0x20;
      tokens.add(trigramToken(a, b, c));
    }
  }
  return tokens.size > 0 ? [...tokens] : undefined;
}
