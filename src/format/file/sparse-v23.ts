// Sparse structural planes of Lance file format 2.3 that list positions
// (lance.encodings23.SparseStructure): the rows where a layer is null (or,
// by meaning, valid) are given as a sorted list of row numbers instead of
// levels per row. Lance 14 writes them where few rows differ or they follow a
// stride: a column with one value in thousands of rows, lists that are null or
// empty, structs null at every fifth row.
//
// lancets reads those without list items (no non-empty list positions), whose
// value plane is empty or one constant: each row gets one definition level
// (and a repetition level of 1 under a list), and the page becomes a 2.1
// constant page with those levels, read by the 2.1 decoder.
//
// Positions are stored as a compressive encoding: a constant (all positions
// equal, as for a single one), or Lance 14's arithmetic sequence (field 14 of
// CompressiveEncoding, not in lancets' proto: { 1: bits per value, 2: first,
// 3: step }). Others are refused with NOT_SUPPORTED.

import { LanceError } from "../../core/errors.js";
import { RepDefLayer } from "../pb/encodings_v2_1_pb.js";
import { SparseValidity, type CompressiveEncoding, type SparseStructure, type SparseValiditySet } from "../pb/encodings_v2_3_pb.js";
import { checkCount, corrupt, type DecodeContext } from "../encoding/data-block.js";

const ARITHMETIC_SEQUENCE_FIELD = 14;

function unsupported(what: string, ctx: DecodeContext): never {
  throw new LanceError("NOT_SUPPORTED", `${ctx.path}: ${what} of Lance file format 2.3 is not supported by lancets`);
}

/** Reads the varint at `at`; returns value and next offset. */
function varint(bytes: Uint8Array, at: number, ctx: DecodeContext): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) corrupt(ctx, "sparse position sequence holds a number past 2^53");
      return [value, i + 1];
    }
  }
  return corrupt(ctx, "sparse position sequence ends inside a varint");
}

/** The fields of Lance 14's arithmetic sequence message: first and step. */
function arithmeticSequence(data: Uint8Array, ctx: DecodeContext): { first: number; step: number } {
  // the unknown field keeps its length prefix
  let [length, at] = varint(data, 0, ctx);
  if (at + length > data.length) corrupt(ctx, `sparse position sequence of ${length} bytes passes its field (${data.length})`);
  const end = at + length;
  let first = 0;
  let step = 0;
  while (at < end) {
    const [tag, next] = varint(data, at, ctx);
    if ((tag & 7) !== 0) unsupported(`sparse position sequence field ${tag >> 3} of wire type ${tag & 7}`, ctx);
    const [value, after] = varint(data, next, ctx);
    if (tag >> 3 === 2) first = value;
    if (tag >> 3 === 3) step = value;
    at = after;
  }
  return { first, step };
}

/** The `count` positions a validity set or list layer lists, ascending, each below numRows. */
export function decodePositions(enc: CompressiveEncoding | undefined, count: number, numRows: number, ctx: DecodeContext): Float64Array {
  const out = new Float64Array(count);
  if (count === 0) return out;
  if (!enc) return corrupt(ctx, `${count} sparse positions without an encoding`);
  const c = enc.compression;
  if (c.case === "constant") {
    const bytes = c.value.value ?? new Uint8Array(0);
    if (bytes.length !== 8) corrupt(ctx, `constant sparse position of ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
    out.fill(Number(view.getBigUint64(0, true)));
  } else if (c.case === undefined) {
    const unknown = (enc as { $unknown?: { no: number; data: Uint8Array }[] }).$unknown?.[0];
    if (!unknown || unknown.no !== ARITHMETIC_SEQUENCE_FIELD) return unsupported(`sparse positions in compressive encoding ${unknown?.no ?? "(empty)"}`, ctx);
    const { first, step } = arithmeticSequence(unknown.data, ctx);
    for (let i = 0; i < count; i++) out[i] = first + i * step;
  } else {
    return unsupported(`sparse positions in ${c.case} compression`, ctx);
  }
  for (let i = 0; i < count; i++) {
    if (out[i]! >= numRows || (i > 0 && out[i]! < out[i - 1]!)) corrupt(ctx, `sparse position ${out[i]} (number ${i}) is out of order or past the page's ${numRows} rows`);
  }
  return out;
}

/** Per row, whether the set marks it null. */
function nullRows(set: SparseValiditySet | undefined, numRows: number, ctx: DecodeContext): Uint8Array {
  const isNull = new Uint8Array(numRows);
  if (!set) return isNull;
  const count = checkCount(set.numPositions, ctx, "sparse position count");
  const positions = decodePositions(set.positions, count, numRows, ctx);
  if (set.meaning === SparseValidity.NULL_POSITIONS) for (const p of positions) isNull[p] = 1;
  else if (set.meaning === SparseValidity.VALID_POSITIONS) {
    isNull.fill(1);
    for (const p of positions) isNull[p] = 0;
  } else corrupt(ctx, `sparse validity of unknown meaning ${set.meaning}`);
  return isNull;
}

export interface SparseLevels {
  /** 2.1 layers, innermost first. */
  layers: RepDefLayer[];
  /** One repetition level per row under a list (each starts a row), else undefined. */
  rep: Uint16Array | undefined;
  def: Uint16Array;
  /** Rows whose value is present (def 0). */
  numValid: number;
}

/**
 * The per-row levels of a sparse structure without list items, or undefined
 * when it has some (a list with items), which lancets does not read.
 */
export function sparseLevels(sparse: SparseStructure, numRows: number, ctx: DecodeContext): SparseLevels | undefined {
  // outermost first in the plane; each layer's null (and empty) rows
  const outerFirst: { layer: RepDefLayer; nullRows: Uint8Array; emptyRows?: Uint8Array }[] = [];
  let lists = 0;
  for (const l of sparse.layers) {
    const layer = l.layer;
    if (layer.case === "validity") {
      const none = layer.value.meaning === SparseValidity.NULL_POSITIONS && layer.value.numPositions === 0n;
      outerFirst.push({ layer: none ? RepDefLayer.REPDEF_ALL_VALID_ITEM : RepDefLayer.REPDEF_NULLABLE_ITEM, nullRows: nullRows(layer.value, numRows, ctx) });
    } else if (layer.case === "list") {
      if (layer.value.numNonEmptyPositions !== 0n || layer.value.numChildSlots !== 0n) return undefined;
      if (++lists > 1) return undefined;
      const isNull = nullRows(layer.value.validity, numRows, ctx);
      const emptyRows = isNull.map((n) => 1 - n);
      outerFirst.push({ layer: RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST, nullRows: isNull, emptyRows });
    } else {
      return undefined;
    }
  }
  if (outerFirst.length === 0) return corrupt(ctx, "sparse structural plane has no layers");
  // def values are numbered from the innermost layer up; a row's level is the outermost null (or empty) layer's
  const innerFirst = [...outerFirst].reverse();
  const nullDef: number[] = [];
  const emptyDef: number[] = [];
  let next = 1;
  for (const l of innerFirst) {
    if (l.layer === RepDefLayer.REPDEF_NULLABLE_ITEM) nullDef.push(next++);
    else if (l.layer === RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST) {
      nullDef.push(next++);
      emptyDef.push(next++);
    } else nullDef.push(0);
    if (l.layer !== RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST) emptyDef.push(0);
  }
  const def = new Uint16Array(numRows);
  let numValid = 0;
  for (let row = 0; row < numRows; row++) {
    let level = 0;
    for (let k = innerFirst.length - 1; k >= 0 && level === 0; k--) {
      const l = innerFirst[k]!;
      if (l.nullRows[row] && nullDef[k]) level = nullDef[k]!;
      else if (l.emptyRows?.[row] && emptyDef[k]) level = emptyDef[k]!;
    }
    def[row] = level;
    if (level === 0) numValid++;
  }
  return { layers: innerFirst.map((l) => l.layer), rep: lists > 0 ? new Uint16Array(numRows).fill(1) : undefined, def, numValid };
}
