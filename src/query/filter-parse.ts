// The filter language: the SQL expressions Lance accepts in `where` for scalar
// columns. Comparisons, BETWEEN, IN, IS [NOT] NULL, LIKE, AND / OR / NOT and
// parentheses over literals of every scalar type (numbers, strings, booleans,
// NULL, DATE '...', TIMESTAMP '...', CAST(literal AS type) for decimals and
// others). Identifiers may be quoted with double quotes or backticks; a bare
// boolean column is a condition; `--` starts a comment. List columns take
// array_has_any(col, [...]), array_has_all(col, [...]) and array_contains(col, x)
// (array_has is the same function; make_array(...) is the same list as [...]).
// String columns take contains(col, 'substring').

import { LanceError } from "../core/errors.js";

export type Literal =
  /**
   * `integer`: an integer that fits Int64 (or UInt64 when positive); other numbers are Float64.
   * `cast`: written as CAST(... AS FLOAT | DOUBLE | an integer type); such a value is not
   * converted to a float column's type, the column is widened to its type instead.
   * A NaN's sign is in `text` (`-NaN`).
   */
  | { kind: "number"; text: string; value: number; integer: boolean; cast?: "float" | "double" | "integer" }
  | { kind: "string"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "null" }
  | { kind: "date"; days: number; text: string }
  | { kind: "timestamp"; micros: bigint; text: string }
  | { kind: "decimal"; digits: bigint; scale: number; text: string };

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Expr =
  | { kind: "and" | "or"; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr }
  | { kind: "cmp"; op: CompareOp; column: string; value: Literal }
  | { kind: "between"; column: string; low: Literal; high: Literal; negated: boolean }
  | { kind: "in"; column: string; values: Literal[]; negated: boolean }
  | { kind: "isnull"; column: string; negated: boolean }
  | { kind: "like"; column: string; pattern: string; negated: boolean; caseInsensitive: boolean; escape: string }
  /**
   * A list column holds any / all of `values` (array_has_any, array_has_all); `single` for
   * array_contains / array_has, whose one value may be NULL (then every row is NULL).
   */
  | { kind: "array"; fn: "any" | "all"; column: string; values: Literal[]; single: boolean }
  /** contains(column, value): the string column holds `value` as a substring. */
  | { kind: "contains"; column: string; value: Literal }
  | { kind: "literal"; value: Literal };

/** The list functions of the filter language, by lower-case name. */
const ARRAY_FUNCTIONS: Record<string, { fn: "any" | "all"; single: boolean }> = {
  array_has_any: { fn: "any", single: false },
  array_has_all: { fn: "all", single: false },
  array_contains: { fn: "any", single: true },
  array_has: { fn: "any", single: true },
};

interface Token {
  kind: "ident" | "qident" | "number" | "string" | "op" | "punct" | "end";
  text: string;
  position: number;
}

function fail(position: number, detail: string): never {
  throw new LanceError("INVALID_INPUT", `filter parse error at position ${position}: ${detail}`);
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "-" && input[i + 1] === "-") {
      while (i < input.length && input[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(ch)) {
      while (i < input.length && /[A-Za-z0-9_.]/.test(input[i]!)) i++;
      tokens.push({ kind: "ident", text: input.slice(start, i), position: start });
    } else if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(input[i + 1] ?? ""))) {
      while (i < input.length && /[0-9]/.test(input[i]!)) i++;
      if (input[i] === ".") {
        i++;
        while (i < input.length && /[0-9]/.test(input[i]!)) i++;
      }
      if (/[eE]/.test(input[i] ?? "")) {
        i++;
        if (/[+-]/.test(input[i] ?? "")) i++;
        if (!/[0-9]/.test(input[i] ?? "")) fail(i, "expected digits in the exponent");
        while (i < input.length && /[0-9]/.test(input[i]!)) i++;
      }
      tokens.push({ kind: "number", text: input.slice(start, i), position: start });
    } else if (ch === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= input.length) fail(start, "unterminated string literal");
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i++];
      }
      tokens.push({ kind: "string", text: value, position: start });
    } else if (ch === '"' || ch === "`") {
      const close = input.indexOf(ch, i + 1);
      if (close < 0) fail(start, `unterminated quoted identifier`);
      tokens.push({ kind: "qident", text: input.slice(i + 1, close), position: start });
      i = close + 1;
    } else if (ch === "<" || ch === ">" || ch === "!" || ch === "=") {
      const two = input.slice(i, i + 2);
      if (two === "<=" || two === ">=" || two === "!=" || two === "<>") {
        tokens.push({ kind: "op", text: two === "<>" ? "!=" : two, position: start });
        i += 2;
      } else if (ch === "!") {
        fail(start, `unexpected "!"`);
      } else {
        tokens.push({ kind: "op", text: ch, position: start });
        i++;
      }
    } else if (ch === "(" || ch === ")" || ch === "," || ch === "-" || ch === "+" || ch === "[" || ch === "]") {
      tokens.push({ kind: "punct", text: ch, position: start });
      i++;
    } else {
      fail(start, `unexpected character ${JSON.stringify(ch)}`);
    }
  }
  tokens.push({ kind: "end", text: "", position: input.length });
  return tokens;
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TS_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

function parseDate(text: string, position: number): number {
  const m = DATE_RE.exec(text);
  if (!m) fail(position, `invalid DATE literal '${text}' (expected YYYY-MM-DD)`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) fail(position, `invalid date '${text}'`);
  return ms / 86_400_000;
}

function parseTimestamp(text: string, position: number): bigint {
  const m = TS_RE.exec(text);
  if (!m) {
    if (DATE_RE.test(text)) return BigInt(parseDate(text, position)) * 86_400_000_000n;
    fail(position, `invalid TIMESTAMP literal '${text}' (expected YYYY-MM-DD[ HH:MM:SS[.ffffff][Z|+HH:MM]])`);
  }
  const [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || mi > 59 || sec > 59) fail(position, `invalid time in '${text}'`);
  parseDate(`${m[1]}-${m[2]}-${m[3]}`, position);
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h, mi, sec);
  const zone = m[8];
  if (zone && zone !== "Z") {
    const digits = zone.replace(":", "");
    const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
    ms -= digits[0] === "-" ? -offset : offset;
  }
  // sub-microsecond digits are dropped: literals carry microseconds
  const frac = (m[7] ?? "").padEnd(6, "0").slice(0, 6);
  return BigInt(ms) * 1000n + BigInt(frac);
}

/** An exact decimal from a numeric literal's text, rounded half away from zero to `scale` digits. */
function toDecimal(text: string, scale: number, position: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) fail(position, `invalid number ${text}`);
  const digits = `${m[2] ?? ""}${m[3] ?? ""}` || "0";
  const exp = Number(m[4] ?? 0) - (m[3] ?? "").length + scale;
  let v = BigInt(digits);
  if (exp >= 0) v *= 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    const q = v / div;
    v = (v % div) * 2n >= div ? q + 1n : q;
  }
  return m[1] === "-" ? -v : v;
}

const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function numberLiteral(text: string): Literal {
  let integer = /^-?\d+$/.test(text);
  if (integer) {
    const x = BigInt(text);
    integer = x < 0n ? -x <= I64_MAX + 1n : x <= U64_MAX;
  }
  return { kind: "number", text, value: Number(text), integer };
}

/** A float as Lance reads one from text: decimal notation, or inf / infinity / nan with an optional sign, in any case. */
function parseFloatText(text: string): number {
  const t = text.trim();
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  return t === "" ? NaN : Number(t);
}

const KEYWORDS = new Set(["AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "LIKE", "ILIKE", "ESCAPE", "TRUE", "FALSE", "DATE", "TIMESTAMP", "CAST"]);

/** Deepest nesting of parentheses, NOT and CAST a filter may have (Lance refuses at 500). */
export const MAX_FILTER_DEPTH = 500;
/** Longer AND / OR chains become balanced trees, so evaluating them never recurses deeply. */
const BALANCE_CHAIN_OVER = 32;

/**
 * Joins `terms` with AND or OR. Both are associative in SQL's three-valued
 * logic, so a long chain may be grouped as a balanced tree of depth log2(n)
 * instead of a left-deep one of depth n.
 */
function chain(kind: "and" | "or", terms: Expr[]): Expr {
  if (terms.length <= BALANCE_CHAIN_OVER) {
    let left = terms[0]!;
    for (let i = 1; i < terms.length; i++) left = { kind, left, right: terms[i]! };
    return left;
  }
  const build = (from: number, to: number): Expr => {
    if (to - from === 1) return terms[from]!;
    const mid = (from + to) >>> 1;
    return { kind, left: build(from, mid), right: build(mid, to) };
  };
  return build(0, terms.length);
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Runs `parse` one nesting level deeper, refusing filters nested past MAX_FILTER_DEPTH. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) {
      fail(this.peek().position, `the filter nests parentheses, NOT or CAST more than ${MAX_FILTER_DEPTH} levels deep`);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && t.text.toUpperCase() === word;
  }

  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.unexpected(word);
    this.pos++;
  }

  private expectPunct(p: string): void {
    const t = this.peek();
    if (t.kind !== "punct" || t.text !== p) this.unexpected(`"${p}"`);
    this.pos++;
  }

  private unexpected(expected: string): never {
    const t = this.peek();
    return fail(t.position, `expected ${expected}, found ${t.kind === "end" ? "the end of the filter" : JSON.stringify(t.text)}`);
  }

  parse(): Expr {
    const e = this.or();
    if (this.peek().kind !== "end") this.unexpected("AND, OR or the end of the filter");
    return e;
  }

  private or(): Expr {
    const terms = [this.and()];
    while (this.isKeyword("OR")) {
      this.pos++;
      terms.push(this.and());
    }
    return chain("or", terms);
  }

  private and(): Expr {
    const terms = [this.not()];
    while (this.isKeyword("AND")) {
      this.pos++;
      terms.push(this.not());
    }
    return chain("and", terms);
  }

  private not(): Expr {
    if (this.isKeyword("NOT")) {
      this.pos++;
      return { kind: "not", expr: this.nested(() => this.not()) };
    }
    return this.predicate();
  }

  private literal(): Literal {
    const t = this.peek();
    if (t.kind === "punct" && (t.text === "-" || t.text === "+")) {
      this.pos++;
      const n = this.next();
      if (n.kind !== "number") fail(n.position, `expected a number after "${t.text}"`);
      return numberLiteral(t.text === "-" ? `-${n.text}` : n.text);
    }
    if (t.kind === "number") {
      this.pos++;
      return numberLiteral(t.text);
    }
    if (t.kind === "string") {
      this.pos++;
      return { kind: "string", value: t.text };
    }
    if (t.kind === "ident") {
      const word = t.text.toUpperCase();
      if (word === "TRUE" || word === "FALSE") {
        this.pos++;
        return { kind: "bool", value: word === "TRUE" };
      }
      if (word === "NULL") {
        this.pos++;
        return { kind: "null" };
      }
      if (word === "CAST") return this.cast();
      if (word === "DATE" || word === "TIMESTAMP") {
        this.pos++;
        const s = this.next();
        if (s.kind !== "string") fail(s.position, `expected a quoted ${word} literal`);
        return word === "DATE" ? { kind: "date", days: parseDate(s.text, s.position), text: s.text } : { kind: "timestamp", micros: parseTimestamp(s.text, s.position), text: s.text };
      }
    }
    return this.unexpected("a literal");
  }

  /** CAST(literal AS type), evaluated while parsing. */
  private cast(): Literal {
    return this.nested(() => this.castBody());
  }

  private castBody(): Literal {
    this.pos++;
    this.expectPunct("(");
    const inner = this.literal();
    this.expectKeyword("AS");
    const typeToken = this.next();
    if (typeToken.kind !== "ident") fail(typeToken.position, `expected a type name, found ${typeToken.kind === "end" ? "the end of the filter" : JSON.stringify(typeToken.text)}`);
    const type = typeToken.text.toUpperCase();
    const text = inner.kind === "number" || inner.kind === "decimal" ? inner.text : inner.kind === "string" ? inner.value : inner.kind === "date" || inner.kind === "timestamp" ? inner.text : "";
    let out: Literal;
    if (inner.kind === "null") out = inner;
    else if (type === "DECIMAL" || type === "NUMERIC") {
      let scale = 0;
      if (this.peek().kind === "punct" && this.peek().text === "(") {
        this.pos++;
        const precision = this.next();
        if (precision.kind !== "number" || !/^\d+$/.test(precision.text)) fail(precision.position, "expected the decimal precision");
        if (this.peek().kind === "punct" && this.peek().text === ",") {
          this.pos++;
          const s = this.next();
          if (s.kind !== "number" || !/^\d+$/.test(s.text)) fail(s.position, "expected the decimal scale");
          scale = Number(s.text);
        }
        this.expectPunct(")");
      }
      if (inner.kind !== "number" && inner.kind !== "string" && inner.kind !== "decimal") fail(typeToken.position, `cannot cast ${text} to DECIMAL`);
      out = { kind: "decimal", digits: toDecimal(text.trim(), scale, typeToken.position), scale, text: text.trim() };
    } else if (type === "DATE") {
      if (inner.kind === "date") out = inner;
      else if (inner.kind === "timestamp") out = { kind: "date", days: Math.floor(Number(inner.micros) / 86_400_000_000), text: inner.text.slice(0, 10) };
      else if (inner.kind === "string") out = { kind: "date", days: parseDate(inner.value, typeToken.position), text: inner.value };
      else fail(typeToken.position, `cannot cast ${text} to DATE`);
    } else if (type === "TIMESTAMP") {
      if (inner.kind === "timestamp") out = inner;
      else if (inner.kind === "date") out = { kind: "timestamp", micros: BigInt(inner.days) * 86_400_000_000n, text: inner.text };
      else if (inner.kind === "string") out = { kind: "timestamp", micros: parseTimestamp(inner.value, typeToken.position), text: inner.value };
      else fail(typeToken.position, `cannot cast ${text} to TIMESTAMP`);
    } else if (["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"].includes(type)) {
      const n = inner.kind === "number" || inner.kind === "string" || inner.kind === "decimal" ? Number(text) : NaN;
      if (!Number.isFinite(n)) fail(typeToken.position, `cannot cast ${text} to ${type}`);
      const whole = /^-?\d+$/.test(text.trim()) ? text.trim() : String(Math.trunc(n));
      out = { ...(numberLiteral(whole) as Extract<Literal, { kind: "number" }>), cast: "integer" };
    } else if (type === "FLOAT" || type === "DOUBLE") {
      const n = inner.kind === "number" || inner.kind === "string" || inner.kind === "decimal" ? parseFloatText(text) : NaN;
      if (Number.isNaN(n) && !/^[+-]?nan$/i.test(text.trim())) fail(typeToken.position, `cannot cast ${text} to ${type}`);
      out = { kind: "number", text: text.trim(), value: type === "FLOAT" ? Math.fround(n) : n, integer: false, cast: type === "FLOAT" ? "float" : "double" };
    } else if (["VARCHAR", "STRING", "TEXT", "CHAR"].includes(type)) {
      out = { kind: "string", value: inner.kind === "bool" ? String(inner.value) : text };
    } else if (type === "BOOLEAN" || type === "BOOL") {
      if (inner.kind === "bool") out = inner;
      else if (inner.kind === "string" && /^(true|false)$/i.test(inner.value)) out = { kind: "bool", value: inner.value.toLowerCase() === "true" };
      else fail(typeToken.position, `cannot cast ${text} to BOOLEAN`);
    } else fail(typeToken.position, `CAST to ${typeToken.text} is not supported`);
    this.expectPunct(")");
    return out;
  }

  private isLiteralStart(): boolean {
    const t = this.peek();
    if (t.kind === "number" || t.kind === "string") return true;
    if (t.kind === "punct" && (t.text === "-" || t.text === "+")) return true;
    return t.kind === "ident" && ["TRUE", "FALSE", "NULL", "DATE", "TIMESTAMP", "CAST"].includes(t.text.toUpperCase());
  }

  private endsCondition(): boolean {
    const t = this.peek();
    return t.kind === "end" || (t.kind === "punct" && t.text === ")") || this.isKeyword("AND") || this.isKeyword("OR");
  }

  private column(): string {
    const t = this.peek();
    if (t.kind === "qident") {
      this.pos++;
      return t.text;
    }
    if (t.kind === "ident" && !KEYWORDS.has(t.text.toUpperCase())) {
      this.pos++;
      return t.text;
    }
    return this.unexpected("a column name");
  }

  /** array_has_any(column, [v, ...]) and the other list functions. */
  private arrayCall(call: { fn: "any" | "all"; single: boolean }): Expr {
    const name = this.next().text;
    this.expectPunct("(");
    const column = this.column();
    this.expectPunct(",");
    let values: Literal[];
    if (call.single) values = [this.literal()];
    else {
      const t = this.peek();
      let close = "]";
      if (t.kind === "punct" && t.text === "[") this.pos++;
      else if (t.kind === "ident" && t.text.toLowerCase() === "make_array") {
        this.pos++;
        this.expectPunct("(");
        close = ")";
      } else return this.unexpected(`a list of values ([...] or make_array(...)) as the second argument of ${name}`);
      values = [];
      if (!(this.peek().kind === "punct" && this.peek().text === close)) {
        values.push(this.literal());
        while (this.peek().kind === "punct" && this.peek().text === ",") {
          this.pos++;
          values.push(this.literal());
        }
      }
      this.expectPunct(close);
    }
    this.expectPunct(")");
    return { kind: "array", fn: call.fn, column, values, single: call.single };
  }

  /** contains(column, 'substring'). */
  private containsCall(): Expr {
    this.next();
    this.expectPunct("(");
    const column = this.column();
    this.expectPunct(",");
    const value = this.literal();
    this.expectPunct(")");
    return { kind: "contains", column, value };
  }

  private predicate(): Expr {
    const t = this.peek();
    if (t.kind === "punct" && t.text === "(") {
      this.pos++;
      const e = this.nested(() => this.or());
      this.expectPunct(")");
      return e;
    }
    if (this.isLiteralStart()) {
      // literal op column, or a bare literal (TRUE / FALSE)
      const lit = this.literal();
      const op = this.peek();
      if (op.kind === "op") {
        this.pos++;
        const column = this.column();
        const flipped: Record<string, CompareOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
        return { kind: "cmp", op: flipped[op.text]!, column, value: lit };
      }
      return { kind: "literal", value: lit };
    }
    const call = t.kind === "ident" ? ARRAY_FUNCTIONS[t.text.toLowerCase()] : undefined;
    const open = this.tokens[this.pos + 1];
    if (call && open?.kind === "punct" && open.text === "(") return this.arrayCall(call);
    if (t.kind === "ident" && t.text.toLowerCase() === "contains" && open?.kind === "punct" && open.text === "(") return this.containsCall();
    const column = this.column();
    const op = this.peek();
    if (op.kind === "op") {
      this.pos++;
      return { kind: "cmp", op: op.text as CompareOp, column, value: this.literal() };
    }
    if (this.isKeyword("IS")) {
      this.pos++;
      let negated = false;
      if (this.isKeyword("NOT")) {
        this.pos++;
        negated = true;
      }
      if (this.isKeyword("NULL")) {
        this.pos++;
        return { kind: "isnull", column, negated };
      }
      if (this.isKeyword("TRUE") || this.isKeyword("FALSE")) {
        const value = this.next().text.toUpperCase() === "TRUE";
        const e: Expr = { kind: "cmp", op: "=", column, value: { kind: "bool", value } };
        // IS [NOT] TRUE never yields NULL: a null row is simply not TRUE
        return negated ? { kind: "or", left: { kind: "not", expr: e }, right: { kind: "isnull", column, negated: false } } : { kind: "and", left: e, right: { kind: "isnull", column, negated: true } };
      }
      return this.unexpected("NULL, TRUE or FALSE");
    }
    let negated = false;
    if (this.isKeyword("NOT")) {
      this.pos++;
      negated = true;
    }
    if (this.isKeyword("BETWEEN")) {
      this.pos++;
      const low = this.literal();
      this.expectKeyword("AND");
      const high = this.literal();
      return { kind: "between", column, low, high, negated };
    }
    if (this.isKeyword("IN")) {
      this.pos++;
      this.expectPunct("(");
      const values = [this.literal()];
      while (this.peek().kind === "punct" && this.peek().text === ",") {
        this.pos++;
        values.push(this.literal());
      }
      this.expectPunct(")");
      return { kind: "in", column, values, negated };
    }
    if (this.isKeyword("LIKE") || this.isKeyword("ILIKE")) {
      const caseInsensitive = this.next().text.toUpperCase() === "ILIKE";
      const p = this.next();
      if (p.kind !== "string") fail(p.position, "expected a quoted LIKE pattern");
      let escape = "\\";
      if (this.isKeyword("ESCAPE")) {
        this.pos++;
        const e = this.next();
        if (e.kind !== "string" || [...e.text].length !== 1) fail(e.position, "ESCAPE takes a single character in quotes");
        escape = e.text;
      }
      return { kind: "like", column, pattern: p.text, negated, caseInsensitive, escape };
    }
    if (!negated && this.endsCondition()) {
      // a bare (boolean) column
      return { kind: "cmp", op: "=", column, value: { kind: "bool", value: true } };
    }
    return this.unexpected(negated ? "BETWEEN, IN or LIKE" : "a comparison, IS, BETWEEN, IN or LIKE");
  }
}

export function parseFilter(text: string): Expr {
  if (typeof text !== "string" || text.trim() === "") throw new LanceError("INVALID_INPUT", "filter parse error at position 0: the filter is empty");
  return new Parser(lex(text)).parse();
}

/** Columns an expression reads. */
export function filterColumns(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.kind) {
    case "and":
    case "or":
      filterColumns(e.left, out);
      filterColumns(e.right, out);
      break;
    case "not":
      filterColumns(e.expr, out);
      break;
    case "literal":
      break;
    default:
      out.add(e.column);
  }
  return out;
}

/** A literal as SQL text. */
export function showLiteral(l: Literal): string {
  switch (l.kind) {
    case "string":
      return `'${l.value.replace(/'/g, "''")}'`;
    case "number":
      if (!l.cast) return l.text;
      if (l.cast === "integer") return `CAST(${l.text} AS BIGINT)`;
      return `CAST(${Number.isFinite(l.value) ? l.text : `'${l.text}'`} AS ${l.cast === "float" ? "FLOAT" : "DOUBLE"})`;
    case "bool":
      return l.value ? "TRUE" : "FALSE";
    case "null":
      return "NULL";
    case "date":
      return `DATE '${l.text}'`;
    case "timestamp":
      return `TIMESTAMP '${l.text}'`;
    case "decimal":
      return `CAST(${l.text} AS DECIMAL)`;
  }
}

/** An expression as SQL text (explain plans, error messages). */
export function showExpr(e: Expr): string {
  switch (e.kind) {
    case "and":
    case "or":
      return `(${showExpr(e.left)} ${e.kind.toUpperCase()} ${showExpr(e.right)})`;
    case "not":
      return `NOT ${showExpr(e.expr)}`;
    case "cmp":
      return `${e.column} ${e.op} ${showLiteral(e.value)}`;
    case "between":
      return `${e.column} ${e.negated ? "NOT " : ""}BETWEEN ${showLiteral(e.low)} AND ${showLiteral(e.high)}`;
    case "in":
      return `${e.column} ${e.negated ? "NOT " : ""}IN (${e.values.map(showLiteral).join(", ")})`;
    case "isnull":
      return `${e.column} IS ${e.negated ? "NOT " : ""}NULL`;
    case "like":
      return `${e.column} ${e.negated ? "NOT " : ""}${e.caseInsensitive ? "ILIKE" : "LIKE"} '${e.pattern.replace(/'/g, "''")}'`;
    case "array":
      if (e.single) return `array_contains(${e.column}, ${showLiteral(e.values[0]!)})`;
      return `array_has_${e.fn}(${e.column}, [${e.values.map(showLiteral).join(", ")}])`;
    case "contains":
      return `contains(${e.column}, ${showLiteral(e.value)})`;
    case "literal":
      return showLiteral(e.value);
  }
}
