// Evaluates filter expressions over Arrow data with SQL's three-valued logic:
// each row is TRUE, FALSE or NULL (unknown); a filter keeps the TRUE rows.

import { DataType, makeData, Type, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { isValidAt } from "../format/file/leaf-values.js";
import { CANONICAL_NAN, compareBytes, floatWords } from "../index/value-order.js";
import { showLiteral, type CompareOp, type Expr, type Literal } from "./filter-parse.js";
import { compileLike } from "./like.js";

export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;

const encoder = new TextEncoder();

function typeName(data: Data): string {
  return String(data.type);
}

function mismatch(column: string, data: Data, lit: Literal): never {
  throw new LanceError("INVALID_INPUT", `cannot compare column "${column}" of type ${typeName(data)} with ${showLiteral(lit)}: the literal does not convert to the column's type`);
}

/** Compares row i of a column with a literal: negative, zero, positive; or NaN when incomparable. */
type RowCompare = (i: number) => number;

function isInteger(lit: Literal): lit is Extract<Literal, { kind: "number" }> {
  return lit.kind === "number" && lit.integer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decimalAt(words: Uint32Array, index: number, width: number): bigint {
  let v = 0n;
  for (let w = width - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[index * width + w]!);
  return BigInt.asIntN(width * 32, v);
}

/**
 * Compares float rows with a number literal as Lance does: IEEE 754 total
 * order (negative NaNs below -inf, positive NaNs above +inf, NaNs of one sign
 * ordered by payload), except that -0 equals +0. The literal is converted to
 * the column's precision first, unless it is a CAST value (then the column
 * is widened to the literal's type, which compares exactly as JS numbers do);
 * a NaN literal is the quiet NaN of its sign.
 */
function floatComparator(lit: Extract<Literal, { kind: "number" }>, data: Data, precision: number): RowCompare {
  const x = precision === 1 && !lit.cast ? Math.fround(lit.value) : lit.value;
  const xNaN = Number.isNaN(x);
  // JS NaNs carry no dependable sign: a NaN literal's sign is in its text
  const xNegative = xNaN && lit.text.trim().startsWith("-");
  const words = floatWords(data);
  const [canonHi, canonLo] = CANONICAL_NAN[precision]!;
  // row i is a NaN: its sign, and its magnitude against the canonical NaN's
  let negativeAt: (i: number) => boolean;
  let payloadCmp: (i: number) => number;
  let at: (i: number) => number;
  if (precision === 0) {
    negativeAt = (i) => (words[i]! & 0x8000) !== 0;
    payloadCmp = (i) => (words[i]! & 0x7fff) - canonLo;
    at = (i) => halfToFloat(words[i]!);
  } else if (precision === 1) {
    const f = data.values as Float32Array;
    negativeAt = (i) => words[i]! >>> 31 === 1;
    payloadCmp = (i) => (words[i]! & 0x7fffffff) - canonLo;
    at = (i) => f[i]!;
  } else {
    const f = data.values as Float64Array;
    negativeAt = (i) => words[2 * i + 1]! >>> 31 === 1;
    payloadCmp = (i) => (words[2 * i + 1]! & 0x7fffffff) - canonHi || (words[2 * i]! === canonLo ? 0 : 1);
    at = (i) => f[i]!;
  }
  return (i) => {
    const v = at(i);
    if (v === v) {
      if (!xNaN) return v < x ? -1 : v > x ? 1 : 0;
      return xNegative ? 1 : -1;
    }
    const negative = negativeAt(i);
    if (!xNaN) return negative ? -1 : 1;
    if (negative !== xNegative) return negative ? -1 : 1;
    const c = payloadCmp(i);
    return negative ? -c : c;
  };
}

/**
 * A comparator of a column's rows with a literal, after converting the literal
 * to the column's type. Literals that do not convert (a fraction for an
 * integer column, an out-of-range integer, a string for a number...) are
 * rejected, as Lance rejects them.
 */
export function rowComparator(column: string, data: Data, lit: Literal): RowCompare {
  const t = data.type;
  const values = data.values as ArrayLike<number | bigint>;
  switch (t.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
      let x: bigint;
      // a DATE converts to a signed 32- or 64-bit integer as days since the epoch
      if (lit.kind === "date" && isSigned && bitWidth >= 32) x = BigInt(lit.days);
      else if (isInteger(lit)) x = BigInt(lit.text);
      else return mismatch(column, data, lit);
      const lo = isSigned ? -(1n << BigInt(bitWidth - 1)) : 0n;
      const hi = isSigned ? (1n << BigInt(bitWidth - 1)) - 1n : (1n << BigInt(bitWidth)) - 1n;
      if (x < lo || x > hi) return mismatch(column, data, lit);
      if (bitWidth === 64) {
        return (i) => {
          const v = values[i] as bigint;
          return v < x ? -1 : v > x ? 1 : 0;
        };
      }
      const n = Number(x);
      return (i) => (values[i] as number) - n;
    }
    case Type.Float: {
      if (lit.kind !== "number") return mismatch(column, data, lit);
      const precision = (t as unknown as { precision: number }).precision; // 0 half, 1 single, 2 double
      if (precision === 0 && !lit.cast) {
        // Lance converts no bare number to float16 (only a CAST(... AS FLOAT / DOUBLE) value)
        throw new LanceError("INVALID_INPUT", `cannot compare column "${column}" of type ${typeName(data)} with ${showLiteral(lit)}: a number literal does not convert to Float16; write CAST(${lit.text} AS FLOAT)`);
      }
      return floatComparator(lit, data, precision);
    }
    case Type.Decimal: {
      const { scale, bitWidth } = t as unknown as { scale: number; bitWidth: number };
      let digits: bigint;
      let litScale: number;
      if (lit.kind === "decimal") [digits, litScale] = [lit.digits, lit.scale];
      else if (isInteger(lit)) [digits, litScale] = [BigInt(lit.text), 0];
      else return mismatch(column, data, lit);
      const words = values as unknown as Uint32Array;
      const width = bitWidth / 32;
      // v / 10^scale against digits / 10^litScale, exactly
      const right = litScale >= scale ? 1n : 10n ** BigInt(scale - litScale);
      const left = litScale >= scale ? 10n ** BigInt(litScale - scale) : 1n;
      const x = digits * right;
      return (i) => {
        const v = decimalAt(words, i, width) * left;
        return v < x ? -1 : v > x ? 1 : 0;
      };
    }
    case Type.Bool: {
      if (lit.kind !== "bool") return mismatch(column, data, lit);
      const bytes = data.values as Uint8Array;
      const x = lit.value ? 1 : 0;
      return (i) => ((bytes[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1) - x;
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      if (lit.kind !== "string") return mismatch(column, data, lit);
      const x = encoder.encode(lit.value);
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      return (i) => compareBytes(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)), x);
    }
    case Type.Date: {
      const unit = (t as unknown as { unit: number }).unit; // 0 = day, 1 = millisecond
      let days: number;
      if (lit.kind === "date") days = lit.days;
      else if (lit.kind === "timestamp") days = Number(lit.micros) / 86_400_000_000;
      else return mismatch(column, data, lit);
      if (unit === 0) return (i) => (values[i] as number) - days;
      const ms = days * 86_400_000;
      return (i) => Number(values[i] as bigint | number) - ms;
    }
    case Type.Timestamp: {
      const unit = (t as unknown as { unit: number }).unit;
      let micros: bigint;
      if (lit.kind === "timestamp") micros = lit.micros;
      else if (lit.kind === "date") micros = BigInt(lit.days) * 86_400_000_000n;
      else return mismatch(column, data, lit);
      // compare in the column's unit; a literal between two ticks compares by its exact value
      const div = [1_000_000n, 1_000n, 1n][unit];
      const scaled = div === undefined ? micros * 1000n : micros / div;
      const exact = div === undefined || micros % div === 0n;
      const raised = !exact && micros < 0n; // truncation moved a negative literal up
      const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
      return (i) => {
        const v = big ? (values[i] as bigint) : BigInt(values[i] as number);
        if (v < scaled) return -1;
        if (v > scaled) return 1;
        return exact ? 0 : raised ? 1 : -1;
      };
    }
    default:
      throw new LanceError("NOT_SUPPORTED", `filters on column "${column}" of type ${typeName(data)} are not supported`);
  }
}

function applyOp(op: CompareOp, c: number): boolean {
  if (Number.isNaN(c)) return false;
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}

export type ColumnLookup = (name: string) => Data;

/** Checks every literal against its column's type (and LIKE against a string column) before any row is read. */
export function validateFilter(e: Expr, typeOf: (name: string) => DataType): void {
  const check = (column: string, lit: Literal): void => {
    if (lit.kind !== "null") rowComparator(column, makeData({ type: typeOf(column), length: 0, nullCount: 0 } as never), lit);
  };
  switch (e.kind) {
    case "and":
    case "or":
      validateFilter(e.left, typeOf);
      validateFilter(e.right, typeOf);
      return;
    case "not":
      validateFilter(e.expr, typeOf);
      return;
    case "literal":
      if (e.value.kind !== "bool") throw new LanceError("INVALID_INPUT", "a filter must be a condition, not a bare value");
      return;
    case "cmp":
      check(e.column, e.value);
      return;
    case "between":
      check(e.column, e.low);
      check(e.column, e.high);
      return;
    case "in":
      for (const v of e.values) check(e.column, v);
      return;
    case "like": {
      const type = typeOf(e.column);
      if (type.typeId !== Type.Utf8 && type.typeId !== Type.LargeUtf8) throw new LanceError("INVALID_INPUT", `LIKE needs a string column; "${e.column}" is ${String(type)}`);
      return;
    }
    case "isnull":
      return;
    case "contains": {
      const type = typeOf(e.column);
      if (type.typeId !== Type.Utf8 && type.typeId !== Type.LargeUtf8) throw new LanceError("INVALID_INPUT", `contains needs a string column; "${e.column}" is ${String(type)}`);
      if (e.value.kind !== "string" && e.value.kind !== "null") throw new LanceError("INVALID_INPUT", `contains needs a string to look for, not ${showLiteral(e.value)}`);
      return;
    }
    case "array": {
      const type = typeOf(e.column);
      if (!DataType.isList(type)) throw new LanceError("INVALID_INPUT", `${e.single ? "array_contains" : `array_has_${e.fn}`} needs a list column; "${e.column}" is ${String(type)}`);
      const item = type.children[0]!.type;
      for (const v of e.values) if (v.kind !== "null") rowComparator(e.column, makeData({ type: item, length: 0, nullCount: 0 } as never), v);
      return;
    }
  }
}

/**
 * array_has_any / array_has_all / array_contains per row, as Lance (DataFusion)
 * answers them: a NULL list gives NULL, except that holding all of no values
 * is TRUE for every row; holding any of no values is FALSE; a NULL among the
 * values matches a NULL item; array_contains of NULL is NULL.
 */
function evaluateArray(e: Extract<Expr, { kind: "array" }>, data: Data, numRows: number, out: Uint8Array): Uint8Array {
  if (!DataType.isList(data.type)) throw new LanceError("INVALID_INPUT", `"${e.column}" is ${typeName(data)}, not a list column`);
  if (e.fn === "all" && e.values.length === 0) return out.fill(TRUE);
  if (e.single && e.values[0]!.kind === "null") return out.fill(UNKNOWN);
  const items = data.children[0]!;
  const offsets = data.valueOffsets as Int32Array;
  const needles = e.values.map((v) => (v.kind === "null" ? undefined : rowComparator(e.column, items, v)));
  const found = new Uint8Array(needles.length);
  for (let i = 0; i < numRows; i++) {
    if (!isValidAt(data, i)) {
      out[i] = UNKNOWN;
      continue;
    }
    found.fill(0);
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
      const valid = isValidAt(items, j);
      needles.forEach((cmp, k) => {
        if (cmp === undefined ? !valid : valid && cmp(j) === 0) found[k] = 1;
      });
    }
    const hits = found.reduce((a, b) => a + b, 0);
    out[i] = (e.fn === "any" ? hits > 0 : hits === needles.length) ? TRUE : FALSE;
  }
  return out;
}

/**
 * contains(col, x) per row, as Lance (DataFusion) answers it: NULL for a
 * NULL text or a NULL x, TRUE for the empty x, otherwise whether the text
 * holds x as a run of characters (case and accents as written).
 */
function evaluateContains(e: Extract<Expr, { kind: "contains" }>, data: Data, numRows: number, out: Uint8Array): Uint8Array {
  if (data.type.typeId !== Type.Utf8 && data.type.typeId !== Type.LargeUtf8) throw new LanceError("INVALID_INPUT", `contains needs a string column; "${e.column}" is ${typeName(data)}`);
  if (e.value.kind === "null") return out.fill(UNKNOWN);
  if (e.value.kind !== "string") throw new LanceError("INVALID_INPUT", `contains needs a string to look for, not ${showLiteral(e.value)}`);
  if (data.nullCount > 0) for (let i = 0; i < numRows; i++) out[i] = isValidAt(data, i) ? FALSE : UNKNOWN;
  const needle = encoder.encode(e.value.value);
  // a lone surrogate has no UTF-8 form: valid text never holds it
  if (new TextDecoder().decode(needle) !== e.value.value) return out;
  const raw = data.valueOffsets as Int32Array | BigInt64Array;
  const offsets = raw instanceof BigInt64Array ? Float64Array.from(raw.subarray(0, numRows + 1), Number) : raw;
  markHolding(data.values as Uint8Array, offsets, numRows, needle, out);
  return out;
}

/**
 * Sets TRUE (over FALSE) for the rows whose UTF-8 bytes hold `needle`: for
 * valid UTF-8 a byte match is a character match. The rows' bytes are
 * searched as one run, for the needle's first byte, and a match counts only
 * where it lies inside one row.
 */
function markHolding(bytes: Uint8Array, offsets: Int32Array | Float64Array, numRows: number, needle: Uint8Array, out: Uint8Array): void {
  const m = needle.length;
  if (m === 0) {
    for (let i = 0; i < numRows; i++) if (out[i] === FALSE) out[i] = TRUE;
    return;
  }
  const end = offsets[numRows]!;
  const first = needle[0]!;
  let row = 0;
  let p = bytes.indexOf(first, offsets[0]!);
  while (p >= 0 && p + m <= end) {
    while (offsets[row + 1]! <= p) row++;
    const rowEnd = offsets[row + 1]!;
    let hit = p + m <= rowEnd;
    for (let k = 1; hit && k < m; k++) hit = bytes[p + k] === needle[k];
    if (hit) {
      if (out[row] === FALSE) out[row] = TRUE;
      // the rest of this row cannot change its answer
      p = bytes.indexOf(first, rowEnd);
    } else p = bytes.indexOf(first, p + 1);
  }
}

/** Three-valued result per row (FALSE, TRUE or UNKNOWN). */
export function evaluate(e: Expr, columns: ColumnLookup, numRows: number): Uint8Array {
  const out = new Uint8Array(numRows);
  switch (e.kind) {
    case "and":
    case "or": {
      const a = evaluate(e.left, columns, numRows);
      const b = evaluate(e.right, columns, numRows);
      for (let i = 0; i < numRows; i++) {
        const x = a[i]!;
        const y = b[i]!;
        if (e.kind === "and") out[i] = x === FALSE || y === FALSE ? FALSE : x === TRUE && y === TRUE ? TRUE : UNKNOWN;
        else out[i] = x === TRUE || y === TRUE ? TRUE : x === FALSE && y === FALSE ? FALSE : UNKNOWN;
      }
      return out;
    }
    case "not": {
      const a = evaluate(e.expr, columns, numRows);
      for (let i = 0; i < numRows; i++) out[i] = a[i] === UNKNOWN ? UNKNOWN : a[i] === TRUE ? FALSE : TRUE;
      return out;
    }
    case "literal": {
      const v = e.value;
      out.fill(v.kind === "null" ? UNKNOWN : v.kind === "bool" ? (v.value ? TRUE : FALSE) : UNKNOWN);
      if (v.kind !== "null" && v.kind !== "bool") throw new LanceError("INVALID_INPUT", "a filter must be a condition, not a bare value");
      return out;
    }
    case "isnull": {
      const data = columns(e.column);
      for (let i = 0; i < numRows; i++) out[i] = isValidAt(data, i) === e.negated ? TRUE : FALSE;
      return out;
    }
    case "cmp": {
      const data = columns(e.column);
      if (e.value.kind === "null") {
        out.fill(UNKNOWN);
        return out;
      }
      const cmp = rowComparator(e.column, data, e.value);
      const allValid = data.nullCount === 0;
      for (let i = 0; i < numRows; i++) out[i] = !allValid && !isValidAt(data, i) ? UNKNOWN : applyOp(e.op, cmp(i)) ? TRUE : FALSE;
      return out;
    }
    case "between": {
      // low <= v AND v <= high, each side TRUE, FALSE or UNKNOWN
      const data = columns(e.column);
      const lo = e.low.kind === "null" ? undefined : rowComparator(e.column, data, e.low);
      const hi = e.high.kind === "null" ? undefined : rowComparator(e.column, data, e.high);
      const allValid = data.nullCount === 0;
      for (let i = 0; i < numRows; i++) {
        if (!allValid && !isValidAt(data, i)) {
          out[i] = UNKNOWN;
          continue;
        }
        const a = lo ? (lo(i) >= 0 ? TRUE : FALSE) : UNKNOWN;
        const b = hi ? (hi(i) <= 0 ? TRUE : FALSE) : UNKNOWN;
        const both = a === FALSE || b === FALSE ? FALSE : a === TRUE && b === TRUE ? TRUE : UNKNOWN;
        out[i] = both === UNKNOWN ? UNKNOWN : (both === TRUE) !== e.negated ? TRUE : FALSE;
      }
      return out;
    }
    case "in": {
      const data = columns(e.column);
      const hasNull = e.values.some((v) => v.kind === "null");
      const cmps = e.values.filter((v) => v.kind !== "null").map((v) => rowComparator(e.column, data, v));
      const allValid = data.nullCount === 0;
      for (let i = 0; i < numRows; i++) {
        if (!allValid && !isValidAt(data, i)) {
          out[i] = UNKNOWN;
          continue;
        }
        const found = cmps.some((c) => c(i) === 0);
        if (found) out[i] = e.negated ? FALSE : TRUE;
        else out[i] = hasNull ? UNKNOWN : e.negated ? TRUE : FALSE;
      }
      return out;
    }
    case "array":
      return evaluateArray(e, columns(e.column), numRows, out);
    case "contains":
      return evaluateContains(e, columns(e.column), numRows, out);
    case "like": {
      const data = columns(e.column);
      if (data.type.typeId !== Type.Utf8 && data.type.typeId !== Type.LargeUtf8) {
        throw new LanceError("INVALID_INPUT", `LIKE needs a string column; "${e.column}" is ${typeName(data)}`);
      }
      const like = compileLike(e.pattern, e.escape, e.caseInsensitive);
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const decoder = new TextDecoder();
      for (let i = 0; i < numRows; i++) {
        if (!isValidAt(data, i)) out[i] = UNKNOWN;
        else out[i] = like.matches(decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)))) !== e.negated ? TRUE : FALSE;
      }
      return out;
    }
  }
}
