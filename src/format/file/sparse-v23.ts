// Sparse structural planes of Lance file format 2.3 that list positions
// (lance.encodings23.SparseStructure): the rows where a layer is null (or,
// by meaning, valid) are given as a sorted list of row numbers instead of
// levels per row. Lance 14 writes them where few rows differ or they follow a
// stride: a column with one value in thousands of rows, lists that are null or
// empty, structs null at every fifth row.
//
// A list layer also lists its non-empty lists and their item counts; the
// layers below it count item slots instead of rows. lancets reads these
// planes when the value plane is empty or one constant: each row, and under
// lists each item (a null or empty list being one entry), gets a repetition
// and a definition level, and the page becomes a 2.1 constant page with those
// levels, read by the 2.1 decoder.
//
// Positions and counts are compressive encodings (sparse-sequence-v23.ts):
// constants and arithmetic sequences in the layout, flat, bit-packed, delta,
// dictionary and run-length sequences in page buffers.

import { LanceError } from "../../core/errors.js";
import { RepDefLayer } from "../pb/encodings_v2_1_pb.js";
import { SparseValidity, type CompressiveEncoding, type SparseStructure, type SparseValiditySet } from "../pb/encodings_v2_3_pb.js";
import { checkCount, corrupt, type DecodeContext } from "../encoding/data-block.js";
import { BufferCursor, decodeSequence } from "./sparse-sequence-v23.js";

function unsupported(what: string, ctx: DecodeContext): never {
  throw new LanceError("NOT_SUPPORTED", `${ctx.path}: ${what} of Lance file format 2.3 is not supported by lancets`);
}

/** The `count` positions a validity set or list layer lists, ascending, each below numRows. */
export function decodePositions(enc: CompressiveEncoding | undefined, count: number, numRows: number, ctx: DecodeContext, cursor = new BufferCursor([])): Float64Array {
  const out = decodeSequence(enc, count, cursor, ctx, "sparse positions");
  for (let i = 0; i < count; i++) {
    if (out[i]! >= numRows || (i > 0 && out[i]! < out[i - 1]!)) corrupt(ctx, `sparse position ${out[i]} (number ${i}) is out of order or past the page's ${numRows} rows`);
  }
  return out;
}

/** Per row, whether the set marks it null. */
function nullRows(set: SparseValiditySet | undefined, numRows: number, ctx: DecodeContext, cursor: BufferCursor): Uint8Array {
  const isNull = new Uint8Array(numRows);
  if (!set) return isNull;
  const count = checkCount(set.numPositions, ctx, "sparse position count");
  const positions = decodePositions(set.positions, count, numRows, ctx, cursor);
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
  /** One repetition level per entry under a list (a row, an item, or a null or empty list), else undefined. */
  rep: Uint16Array | undefined;
  /** One definition level per entry (one per row without lists). */
  def: Uint16Array;
  /** Entries whose value is present (def 0). */
  numValid: number;
}

/** The `count` item counts of a list layer's non-empty lists (each at least 1). */
function decodeCounts(enc: CompressiveEncoding | undefined, count: number, ctx: DecodeContext, cursor: BufferCursor): Float64Array {
  const out = decodeSequence(enc, count, cursor, ctx, "sparse list counts");
  for (let i = 0; i < count; i++) if (!(out[i]! >= 1)) corrupt(ctx, `sparse list count ${out[i]} (number ${i}) is not a positive integer`);
  return out;
}

/** Entries above this many are refused: levels are built in memory, two bytes each. */
const MAX_SPARSE_ENTRIES = 2 ** 28;

/** One layer of a sparse plane over its slots (rows for the outermost, list items below a list). */
interface SlotLayer {
  layer: RepDefLayer;
  isNull: Uint8Array;
  /** Lists: the items of each slot (0 for an empty list) and where its items start among the next layer's slots. */
  counts?: Float64Array;
  firstChild?: Float64Array;
}

/**
 * The 2.1 layers (innermost first) a sparse structure's levels take, known
 * from the layout alone; undefined for a layer kind lancets does not know.
 */
export function sparseLayers(sparse: SparseStructure): RepDefLayer[] | undefined {
  const outerFirst: RepDefLayer[] = [];
  for (const l of sparse.layers) {
    const layer = l.layer;
    if (layer.case === "validity") {
      const none = layer.value.meaning === SparseValidity.NULL_POSITIONS && layer.value.numPositions === 0n;
      outerFirst.push(none ? RepDefLayer.REPDEF_ALL_VALID_ITEM : RepDefLayer.REPDEF_NULLABLE_ITEM);
    } else if (layer.case === "list") outerFirst.push(RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST);
    else return undefined;
  }
  return outerFirst.reverse();
}

/**
 * The levels of a sparse structure: one entry per row, and under lists one
 * per item (a null or empty list is one entry), in the 2.1 form a constant
 * page takes. Layers are listed outermost first; a layer's positions count
 * its slots: rows for the outermost, the items of the list above it below a
 * list (so an item validity or an inner list names items by their number
 * among all items of the page).
 */
export function sparseLevels(sparse: SparseStructure, numRows: number, ctx: DecodeContext, buffers: readonly Uint8Array[] = []): SparseLevels | undefined {
  const cursor = new BufferCursor(buffers);
  const outerFirst: SlotLayer[] = [];
  let slots = numRows;
  for (const l of sparse.layers) {
    const layer = l.layer;
    if (layer.case === "validity") {
      const none = layer.value.meaning === SparseValidity.NULL_POSITIONS && layer.value.numPositions === 0n;
      outerFirst.push({ layer: none ? RepDefLayer.REPDEF_ALL_VALID_ITEM : RepDefLayer.REPDEF_NULLABLE_ITEM, isNull: nullRows(layer.value, slots, ctx, cursor) });
    } else if (layer.case === "list") {
      const list = layer.value;
      // buffers in field order: non-empty positions, counts, validity
      const numNonEmpty = checkCount(list.numNonEmptyPositions, ctx, "sparse non-empty list count");
      const numChildren = checkCount(list.numChildSlots, ctx, "sparse list item count");
      const positions = decodePositions(list.nonEmptyPositions, numNonEmpty, slots, ctx, cursor);
      const itemCounts = decodeCounts(list.counts, numNonEmpty, ctx, cursor);
      const isNull = nullRows(list.validity, slots, ctx, cursor);
      const counts = new Float64Array(slots);
      const firstChild = new Float64Array(slots);
      let total = 0;
      for (let i = 0; i < numNonEmpty; i++) {
        const p = positions[i]!;
        if (i > 0 && p === positions[i - 1]) corrupt(ctx, `sparse non-empty list position ${p} is listed twice`);
        if (isNull[p]) corrupt(ctx, `sparse list at position ${p} is both null and non-empty`);
        counts[p] = itemCounts[i]!;
        firstChild[p] = total;
        total += itemCounts[i]!;
      }
      if (total !== numChildren) corrupt(ctx, `sparse list layer counts ${total} items but has ${numChildren} item slots`);
      if (total > MAX_SPARSE_ENTRIES) unsupported(`a sparse list layer of ${total} items`, ctx);
      outerFirst.push({ layer: RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST, isNull, counts, firstChild });
      slots = numChildren;
    } else {
      return undefined;
    }
  }
  if (outerFirst.length === 0) return corrupt(ctx, "sparse structural plane has no layers");
  cursor.finish(ctx);
  // def values are numbered from the innermost layer up
  const nullDef = new Array<number>(outerFirst.length).fill(0);
  const emptyDef = new Array<number>(outerFirst.length).fill(0);
  let next = 1;
  for (let k = outerFirst.length - 1; k >= 0; k--) {
    const l = outerFirst[k]!;
    if (l.layer === RepDefLayer.REPDEF_NULLABLE_ITEM) nullDef[k] = next++;
    else if (l.layer === RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST) {
      nullDef[k] = next++;
      emptyDef[k] = next++;
    }
  }
  // repetition: a row starts every list (level = number of lists); item j > 0
  // of a list starts an element of it (level = lists inside it)
  const listsBelow = new Array<number>(outerFirst.length).fill(0);
  let lists = 0;
  for (let k = outerFirst.length - 1; k >= 0; k--) {
    if (outerFirst[k]!.counts) {
      listsBelow[k] = lists;
      lists++;
    }
  }
  const rep: number[] = [];
  const def: number[] = [];
  let numValid = 0;
  const emit = (k: number, slot: number, level: number): void => {
    const l = outerFirst[k]!;
    if (l.isNull[slot] && nullDef[k]) {
      rep.push(level);
      def.push(nullDef[k]!);
      return;
    }
    if (l.counts) {
      const n = l.counts[slot]!;
      if (n === 0) {
        rep.push(level);
        def.push(emptyDef[k]!);
        return;
      }
      const first = l.firstChild![slot]!;
      for (let j = 0; j < n; j++) emit(k + 1, first + j, j === 0 ? level : listsBelow[k]!);
      return;
    }
    if (k + 1 < outerFirst.length) {
      emit(k + 1, slot, level);
      return;
    }
    rep.push(level);
    def.push(0);
    numValid++;
  };
  if (outerFirst[outerFirst.length - 1]!.counts) corrupt(ctx, "sparse structural plane ends in a list layer, without the items' layer");
  for (let row = 0; row < numRows; row++) emit(0, row, lists);
  return {
    layers: [...outerFirst].reverse().map((l) => l.layer),
    rep: lists > 0 ? Uint16Array.from(rep) : undefined,
    def: Uint16Array.from(def),
    numValid,
  };
}
