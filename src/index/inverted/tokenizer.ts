// Lance's default full-text tokenizer ("simple" base tokenizer with filters),
// reproduced token for token. The pipeline order is Lance's:
//   split on non-alphanumeric -> drop tokens of max_token_length UTF-8 bytes or
//   more -> lowercase -> Snowball (Porter2) English stem -> drop stop words ->
//   fold to ASCII.
// Stemming runs before stop-word removal, so a stop word survives when its stem
// differs ("does" -> "doe").

import { stem } from "porter2";
import { LanceError } from "../../core/errors.js";

export interface TokenizerParams {
  baseTokenizer: "simple" | "whitespace" | "raw";
  language: string;
  maxTokenLength: number | null;
  lowerCase: boolean;
  stem: boolean;
  removeStopWords: boolean;
  asciiFolding: boolean;
  withPosition: boolean;
}

export const DEFAULT_TOKENIZER_PARAMS: TokenizerParams = {
  baseTokenizer: "simple",
  language: "English",
  maxTokenLength: 40,
  lowerCase: true,
  stem: true,
  removeStopWords: true,
  asciiFolding: true,
  withPosition: false,
};

/**
 * English stop words as Lance 12 removes them (established by probing Lance:
 * the single-word entries of the NLTK English list), compared with stemmed tokens.
 */
const ENGLISH_STOP_WORDS = new Set(
  (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself " +
    "it its itself they them their theirs themselves what which who whom this that these those am is are was were be " +
    "been being have has had having do does did doing a an the and but if or because as until while of at by for with " +
    "about against between into through during before after above below to from up down in out on off over under again " +
    "further then once here there when where why how all any both each few more most other some such no nor not only " +
    "own same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn " +
    "haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn"
  ).split(" "),
);

const WORD = /[\p{Alphabetic}\p{N}]+/gu;
const MARKS = /\p{M}/gu;
const encoder = new TextEncoder();

/** Letters that do not decompose into ASCII under NFKD. */
const FOLD_TABLE: Record<string, string> = {
  ß: "ss",
  ẞ: "SS",
  æ: "ae",
  Æ: "AE",
  œ: "oe",
  Œ: "OE",
  ø: "o",
  Ø: "O",
  ł: "l",
  Ł: "L",
  đ: "d",
  Đ: "D",
  ð: "d",
  Ð: "D",
  þ: "th",
  Þ: "TH",
  ħ: "h",
  Ħ: "H",
  ı: "i",
  ŀ: "l",
  Ŀ: "L",
  ŧ: "t",
  Ŧ: "T",
};

function isAscii(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function foldToAscii(token: string): string {
  if (isAscii(token)) return token;
  let out = "";
  for (const ch of token) {
    if (ch.charCodeAt(0) <= 0x7f) {
      out += ch;
      continue;
    }
    const mapped = FOLD_TABLE[ch];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    const stripped = ch.normalize("NFKD").replace(MARKS, "");
    // a character with no ASCII decomposition (a lone combining mark included) is kept
    out += isAscii(stripped) && stripped.length > 0 ? stripped : ch;
  }
  return out;
}

function byteLength(token: string): number {
  return isAscii(token) ? token.length : encoder.encode(token).byteLength;
}

function splitBase(text: string, base: TokenizerParams["baseTokenizer"]): string[] {
  switch (base) {
    case "simple":
      return text.match(WORD) ?? [];
    case "whitespace":
      return text.split(/\s+/u).filter((t) => t.length > 0);
    case "raw":
      return text.length > 0 ? [text] : [];
    default:
      throw new LanceError("NOT_SUPPORTED", `base tokenizer "${String(base)}" is not supported; use simple, whitespace or raw`);
  }
}

export class Tokenizer {
  readonly params: TokenizerParams;
  private readonly stopWords: ReadonlySet<string>;

  constructor(params: Partial<TokenizerParams> = {}) {
    this.params = { ...DEFAULT_TOKENIZER_PARAMS, ...params };
    if (this.params.language !== "English" && (this.params.stem || this.params.removeStopWords)) {
      throw new LanceError("NOT_SUPPORTED", `language "${this.params.language}" is not supported for stemming or stop words; lancets supports English`);
    }
    this.stopWords = ENGLISH_STOP_WORDS;
  }

  /** Tokens of one document, in order (duplicates kept). */
  tokenize(text: string): string[] {
    const p = this.params;
    const out: string[] = [];
    for (const word of splitBase(text, p.baseTokenizer)) {
      const token = this.tokenOfWord(word);
      if (token !== null) out.push(token);
    }
    return out;
  }

  /** Whether a text of ASCII characters splits into its runs of ASCII letters and digits (the "simple" base tokenizer). */
  get splitsAsciiAlphanumeric(): boolean {
    return this.params.baseTokenizer === "simple";
  }

  /** The token of one word as the base tokenizer split it, or null when it is dropped. */
  tokenOfWord(word: string): string | null {
    const p = this.params;
    let token = word;
    if (p.maxTokenLength !== null && byteLength(token) >= p.maxTokenLength) return null;
    if (p.lowerCase) token = token.toLowerCase();
    if (p.stem) token = stem(token);
    if (p.removeStopWords && this.stopWords.has(token)) return null;
    if (p.asciiFolding) token = foldToAscii(token);
    return token;
  }
}
