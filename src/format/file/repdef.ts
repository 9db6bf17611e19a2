// Repetition and definition levels of Lance 2.1/2.2 structural encoding.
//
// A leaf column carries one rep/def level per "item" and a stack of layers,
// innermost first (the leaf itself, then its struct parents and lists). Each
// layer owns 0, 1 or 2 definition values, numbered upward from the innermost
// layer; def 0 means valid all the way down. A list layer that may be both null
// and empty owns two values: the lower means null, the higher empty.
// Repetition: with n list layers, rep n starts a new row and rep k (1 <= k < n)
// a new list of the k-th list layer from the inside (an element of the list
// above it); rep 0 continues the innermost list.

import { RepDefLayer } from "../pb/encodings_v2_1_pb.js";
import { corrupt, type DecodeContext } from "../encoding/data-block.js";

export type LayerKind = "item" | "list";

export interface LayerInfo {
  kind: LayerKind;
  /** Def value meaning "this layer is null", if the layer can be null. */
  nullDef?: number;
  /** Def value meaning "this list is empty", if it can be. */
  emptyDef?: number;
}

export interface LayerModel {
  layers: LayerInfo[];
  /** For def d: index of the owning layer (undefined for d = 0). */
  owner: number[];
  maxDef: number;
  /** Index of the innermost list layer, or -1. */
  listLayer: number;
  /** Indexes of the list layers, innermost first. */
  listLayers: number[];
  /** The number of list layers: the repetition level that starts a row (0 without lists). */
  maxRep: number;
  /** A level with def <= maxVisibleDef has a value slot. */
  maxVisibleDef: number;
}

export function layerModel(layers: readonly RepDefLayer[], ctx: DecodeContext): LayerModel {
  const infos: LayerInfo[] = [];
  const owner: number[] = [-1];
  let next = 1;
  let listLayer = -1;
  const listLayers: number[] = [];
  let maxVisibleDef = -1;
  layers.forEach((layer, index) => {
    const info: LayerInfo = { kind: "item" };
    switch (layer) {
      case RepDefLayer.REPDEF_ALL_VALID_ITEM:
        break;
      case RepDefLayer.REPDEF_NULLABLE_ITEM:
        info.nullDef = next++;
        owner.push(index);
        break;
      case RepDefLayer.REPDEF_ALL_VALID_LIST:
        info.kind = "list";
        break;
      case RepDefLayer.REPDEF_NULLABLE_LIST:
        info.kind = "list";
        info.nullDef = next++;
        owner.push(index);
        break;
      case RepDefLayer.REPDEF_EMPTYABLE_LIST:
        info.kind = "list";
        info.emptyDef = next++;
        owner.push(index);
        break;
      case RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST:
        info.kind = "list";
        info.nullDef = next++;
        info.emptyDef = next++;
        owner.push(index, index);
        break;
      default:
        corrupt(ctx, `unknown rep/def layer ${layer}`);
    }
    if (info.kind === "list") {
      if (listLayer < 0) {
        listLayer = index;
        maxVisibleDef = next - 1 - (info.nullDef !== undefined ? 1 : 0) - (info.emptyDef !== undefined ? 1 : 0);
      }
      listLayers.push(index);
    }
    infos.push(info);
  });
  if (listLayer < 0) maxVisibleDef = next - 1;
  return { layers: infos, owner, maxDef: next - 1, listLayer, listLayers, maxRep: listLayers.length, maxVisibleDef };
}

/** Whether a slot of layer `j` is valid for a level with definition `def`. */
export function validAt(model: LayerModel, j: number, def: number): boolean {
  if (def === 0) return true;
  const o = model.owner[def];
  if (o === undefined) return false;
  if (o < j) return true;
  if (o > j) return false;
  return model.layers[j]!.emptyDef === def;
}

export interface Levels {
  numLevels: number;
  rep: Uint16Array | undefined;
  def: Uint16Array | undefined;
  /** Where rows begin among the levels, worked out on the first slice of a list column (sliceLeaf) and kept for the next. */
  rowIndex?: LevelRowIndex;
}

/** The levels at which each row begins, and how many values come before each level. */
export interface LevelRowIndex {
  /** Level of each row's first entry (a level with a repetition level above 0). */
  rowStarts: Uint32Array;
  /** Values (levels with a definition level of at most `visibleDef`) before each level, numLevels + 1 entries. */
  valuesBefore?: Uint32Array;
  visibleDef?: number;
}

export interface Validity {
  /** LSB-first bitmap, null when every slot is valid. */
  bitmap: Uint8Array | null;
  nullCount: number;
}

/** Validity of layer `j` over the given level positions (all levels when `positions` is undefined). */
export function layerValidity(model: LayerModel, j: number, levels: Levels, positions: Uint32Array | undefined): Validity {
  const def = levels.def;
  const n = positions ? positions.length : levels.numLevels;
  if (!def) return { bitmap: null, nullCount: 0 };
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const d = def[positions ? positions[i]! : i]!;
    if (validAt(model, j, d)) bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    else nullCount++;
  }
  return nullCount === 0 ? { bitmap: null, nullCount: 0 } : { bitmap, nullCount };
}

export interface ListShape {
  /** Level positions that start a row. */
  rowStarts: Uint32Array;
  /** Level positions that hold a list item (visible). */
  itemPositions: Uint32Array;
  /** numRows + 1 offsets into the items. */
  offsets: Int32Array;
}

/** Splits levels into rows and list items using rep levels (one list level). */
export function listShape(model: LayerModel, levels: Levels, numRows: number, ctx: DecodeContext): ListShape {
  const rep = levels.rep;
  if (!rep) return corrupt(ctx, "a list column has no repetition levels");
  const def = levels.def;
  const rowStarts = new Uint32Array(numRows);
  // at most one item per level; a typed array, as a page may hold more items than a JS array grows to
  const items = new Uint32Array(levels.numLevels);
  let numItems = 0;
  const offsets = new Int32Array(numRows + 1);
  let row = -1;
  for (let i = 0; i < levels.numLevels; i++) {
    if (rep[i]! >= model.maxRep) {
      row++;
      if (row >= numRows) corrupt(ctx, `repetition levels start more than ${numRows} rows`);
      rowStarts[row] = i;
      offsets[row] = numItems;
    } else if (row < 0) {
      corrupt(ctx, "repetition levels do not start with a new row");
    }
    const d = def ? def[i]! : 0;
    if (d <= model.maxVisibleDef) items[numItems++] = i;
  }
  if (row !== numRows - 1) corrupt(ctx, `repetition levels hold ${row + 1} rows, expected ${numRows}`);
  offsets[numRows] = numItems;
  return { rowStarts, itemPositions: items.slice(0, numItems), offsets };
}
