// Evaluates filter expressions over Arrow data with SQL's three-valued logic:
// each row is TRUE, FALSE or NULL (unknown); a filter keeps the TRUE rows.

import { Type, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import type { CompareOp, Expr, Literal } from "./filter-parse.js";

export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;

const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function typeName(data: Data): string {
  return String(data.type);
}

function mismatch(column: string, data: Data, lit: Literal): never {
  const shown = lit.kind === "string" ? `'${lit.value}'` : lit.kind === "number" ? lit.text : lit.kind === "bool" ? String(lit.value).toUpperCase() : lit.kind === "date" || lit.kind === "timestamp" ? `${lit.kind.toUpperCase()} '${lit.text}'` : "NULL";
  throw new LanceError("INVALID_INPUT", `cannot compare column "${column}" of type ${typeName(data)} with ${shown}`);
}

/** Compares row i of a column with a literal: negative, zero, positive; or NaN when incomparable. */
type RowCompare = (i: number) => number;

function unitDivisor(unit: number): bigint {
  // micros per unit: s, ms, us, ns
  return [1_000_000n, 1_000n, 1n, 0n][unit]!;
}

export function rowComparator(column: string, data: Data, lit: Literal): RowCompare {
  const t = data.type;
  const values = data.values as ArrayLike<number | bigint>;
  switch (t.typeId) {
    case Type.Int: {
      if (lit.kind !== "number") mismatch(column, data, lit);
      const bits = (t as unknown as { bitWidth: number }).bitWidth;
      if (bits === 64) {
        if (/^-?\d+$/.test(lit.text)) {
          const x = BigInt(lit.text);
          return (i) => {
            const v = values[i] as bigint;
            return v < x ? -1 : v > x ? 1 : 0;
          };
        }
        return (i) => Number(values[i] as bigint) - lit.value;
      }
      return (i) => (values[i] as number) - lit.value;
    }
    case Type.Float: {
      if (lit.kind !== "number") mismatch(column, data, lit);
      if (values instanceof Uint16Array) throw new LanceError("NOT_SUPPORTED", `filters on float16 column "${column}" are not supported yet`);
      const x = lit.value;
      return (i) => {
        const v = values[i] as number;
        if (Number.isNaN(v)) return Number.isNaN(x) ? 0 : 1;
        return v < x ? -1 : v > x ? 1 : 0;
      };
    }
    case Type.Bool: {
      if (lit.kind !== "bool") mismatch(column, data, lit);
      const bytes = data.values as Uint8Array;
      const x = lit.value ? 1 : 0;
      return (i) => (((bytes[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1) - x);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      if (lit.kind !== "string") mismatch(column, data, lit);
      const x = encoder.encode(lit.value);
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      return (i) => compareBytes(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)), x);
    }
    case Type.Date: {
      const unit = (t as unknown as { unit: number }).unit; // 0 = day, 1 = millisecond
      let days: number;
      if (lit.kind === "date") days = lit.days;
      else if (lit.kind === "string" && /^\d{4}-\d{2}-\d{2}$/.test(lit.value)) days = Date.UTC(Number(lit.value.slice(0, 4)), Number(lit.value.slice(5, 7)) - 1, Number(lit.value.slice(8, 10))) / 86_400_000;
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
      const div = unitDivisor(unit);
      // compare in the column's unit; a literal between two units compares by its exact value
      const scaled = unit === 3 ? micros * 1000n : micros / div;
      const exact = unit === 3 || micros % div === 0n;
      const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
      return (i) => {
        const v = big ? (values[i] as bigint) : BigInt(values[i] as number);
        if (v < scaled) return -1;
        if (v > scaled) return 1;
        return exact ? 0 : -1;
      };
    }
    default:
      throw new LanceError("NOT_SUPPORTED", `filters on column "${column}" of type ${typeName(data)} are not supported`);
  }
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.byteLength === 0) return true;
  const k = data.offset + i;
  return ((bitmap[k >> 3]! >> (k & 7)) & 1) === 1;
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

function likeRegex(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`, "u");
}

export type ColumnLookup = (name: string) => Data;

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
      for (let i = 0; i < numRows; i++) out[i] = isValid(data, i) === e.negated ? TRUE : FALSE;
      return out;
    }
    case "cmp": {
      const data = columns(e.column);
      if (e.value.kind === "null") {
        out.fill(UNKNOWN);
        return out;
      }
      const cmp = rowComparator(e.column, data, e.value);
      for (let i = 0; i < numRows; i++) out[i] = !isValid(data, i) ? UNKNOWN : applyOp(e.op, cmp(i)) ? TRUE : FALSE;
      return out;
    }
    case "between": {
      const data = columns(e.column);
      if (e.low.kind === "null" || e.high.kind === "null") {
        out.fill(UNKNOWN);
        return out;
      }
      const lo = rowComparator(e.column, data, e.low);
      const hi = rowComparator(e.column, data, e.high);
      for (let i = 0; i < numRows; i++) {
        if (!isValid(data, i)) out[i] = UNKNOWN;
        else out[i] = (lo(i) >= 0 && hi(i) <= 0) !== e.negated ? TRUE : FALSE;
      }
      return out;
    }
    case "in": {
      const data = columns(e.column);
      const hasNull = e.values.some((v) => v.kind === "null");
      const cmps = e.values.filter((v) => v.kind !== "null").map((v) => rowComparator(e.column, data, v));
      for (let i = 0; i < numRows; i++) {
        if (!isValid(data, i)) {
          out[i] = UNKNOWN;
          continue;
        }
        const found = cmps.some((c) => c(i) === 0);
        if (found) out[i] = e.negated ? FALSE : TRUE;
        else out[i] = hasNull ? UNKNOWN : e.negated ? TRUE : FALSE;
      }
      return out;
    }
    case "like": {
      const data = columns(e.column);
      if (data.type.typeId !== Type.Utf8 && data.type.typeId !== Type.LargeUtf8) {
        throw new LanceError("INVALID_INPUT", `LIKE needs a string column; "${e.column}" is ${typeName(data)}`);
      }
      const re = likeRegex(e.pattern);
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const decoder = new TextDecoder();
      for (let i = 0; i < numRows; i++) {
        if (!isValid(data, i)) out[i] = UNKNOWN;
        else out[i] = re.test(decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!)))) !== e.negated ? TRUE : FALSE;
      }
      return out;
    }
  }
}
