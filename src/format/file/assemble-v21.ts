// Builds Arrow data for a top-level field of a 2.1/2.2 file from its leaf
// columns: pages are merged into one level stream per leaf, then struct and
// list structure is rebuilt from the levels of the first leaf under each node.

import { DataType, makeData, type Data, type Field, type List, type Struct } from "apache-arrow";
import { CorruptFileError } from "../../core/errors.js";
import { RepDefLayer } from "../pb/encodings_v2_1_pb.js";
import { concatBlocks, corrupt, sliceBlock, type DataBlock, type DecodeContext } from "../encoding/data-block.js";
import { blockToData } from "./arrow-build.js";
import type { DecodedPage } from "./page-v21.js";
import { layerModel, layerValidity, listShape, type LayerModel, type Levels, type ListShape } from "./repdef.js";

export interface LeafColumn {
  levels: Levels;
  model: LayerModel;
  values: DataBlock;
  shape?: ListShape;
  /** Level positions of the slots of the layers under each list layer (by its index; -1 for rows), worked out once. */
  slots?: Map<number, Uint32Array>;
}

function combineLayer(a: RepDefLayer, b: RepDefLayer): RepDefLayer {
  if (a === b) return a;
  const isList = (l: RepDefLayer): boolean => l === RepDefLayer.REPDEF_ALL_VALID_LIST || l === RepDefLayer.REPDEF_NULLABLE_LIST || l === RepDefLayer.REPDEF_EMPTYABLE_LIST || l === RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST;
  if (!isList(a) && !isList(b)) return RepDefLayer.REPDEF_NULLABLE_ITEM;
  const nullable = (l: RepDefLayer): boolean => l === RepDefLayer.REPDEF_NULLABLE_LIST || l === RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST;
  const emptyable = (l: RepDefLayer): boolean => l === RepDefLayer.REPDEF_EMPTYABLE_LIST || l === RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST;
  const n = nullable(a) || nullable(b);
  const e = emptyable(a) || emptyable(b);
  return n && e ? RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST : n ? RepDefLayer.REPDEF_NULLABLE_LIST : e ? RepDefLayer.REPDEF_EMPTYABLE_LIST : RepDefLayer.REPDEF_ALL_VALID_LIST;
}

/** Re-expresses a page's def levels in the numbering of a (more capable) canonical model. */
function remapDefs(page: DecodedPage, canonical: LayerModel): Uint16Array | undefined {
  const { levels, model } = page;
  if (!levels.def) return canonical.maxDef === 0 ? undefined : new Uint16Array(levels.numLevels);
  const table = new Uint16Array(model.maxDef + 1);
  for (let d = 1; d <= model.maxDef; d++) {
    const j = model.owner[d]!;
    const kindEmpty = model.layers[j]!.emptyDef === d;
    const target = kindEmpty ? canonical.layers[j]!.emptyDef : canonical.layers[j]!.nullDef;
    table[d] = target ?? 0;
  }
  const out = new Uint16Array(levels.numLevels);
  for (let i = 0; i < levels.numLevels; i++) out[i] = table[levels.def[i]!] ?? 0;
  return out;
}

/** Merges the pages of one leaf column into a single level stream and value block. */
export function mergePages(pages: DecodedPage[], ctx: DecodeContext): LeafColumn {
  if (pages.length === 0) corrupt(ctx, "column has no pages");
  const first = pages[0]!;
  if (pages.length === 1) return { levels: first.levels, model: first.model, values: first.values };
  const depth = first.layers.length;
  let layers = [...first.layers];
  for (const p of pages) {
    if (p.layers.length !== depth) corrupt(ctx, "pages of one column have different nesting depths");
    layers = layers.map((l, i) => combineLayer(l, p.layers[i]!));
  }
  const model = layerModel(layers, ctx);
  let numLevels = 0;
  for (const p of pages) numLevels += p.levels.numLevels;
  const hasRep = pages.some((p) => p.levels.rep);
  const rep = hasRep ? new Uint16Array(numLevels) : undefined;
  const def = model.maxDef > 0 ? new Uint16Array(numLevels) : undefined;
  let at = 0;
  for (const p of pages) {
    if (rep) {
      if (!p.levels.rep) corrupt(ctx, "some pages of a list column have no repetition levels");
      rep.set(p.levels.rep, at);
    }
    const d = remapDefs(p, model);
    if (def && d) def.set(d, at);
    at += p.levels.numLevels;
  }
  return { levels: { numLevels, rep, def }, model, values: concatBlocks(pages.map((p) => p.values), ctx) };
}

function countLeaves(field: Field): number {
  if (DataType.isStruct(field.type)) return field.type.children.reduce((n, c) => n + countLeaves(c), 0);
  if (DataType.isList(field.type)) return countLeaves(field.type.children[0]!);
  return 1;
}

function shapeOf(leaf: LeafColumn, ctx: DecodeContext): ListShape {
  if (!leaf.shape) {
    const rep = leaf.levels.rep;
    if (!rep) return corrupt(ctx, "a list column has no repetition levels");
    let rows = 0;
    for (let i = 0; i < leaf.levels.numLevels; i++) if (rep[i]! >= leaf.model.maxRep) rows++;
    leaf.shape = listShape(leaf.model, leaf.levels, rows, ctx);
  }
  return leaf.shape;
}

/**
 * Level positions of the slots of layer `j`, or undefined when every level is
 * a slot. The slots of a layer are the elements of the nearest list above it
 * (the rows when there is none): the levels that start such an element (their
 * repetition level reaches that list's depth) and are not cut short by that
 * list or one above it being null or empty. Layers above every list have a
 * slot per row; with one list, the layers under it have the list's items.
 */
function positionsFor(leaf: LeafColumn, j: number, ctx: DecodeContext): Uint32Array | undefined {
  const { model, levels } = leaf;
  if (model.maxRep === 0) return undefined;
  if (model.maxRep === 1) {
    const shape = shapeOf(leaf, ctx);
    return j >= model.listLayer ? shape.rowStarts : shape.itemPositions;
  }
  // the nearest list above j and its depth (1 = innermost)
  const k = model.listLayers.findIndex((l) => l > j);
  const above = k < 0 ? -1 : model.listLayers[k]!;
  const known = leaf.slots?.get(above);
  if (known) return known;
  const rep = levels.rep ?? corrupt(ctx, "a list column has no repetition levels");
  const minRep = k < 0 ? model.maxRep : k;
  // defs owned by the list above or outer layers end a level above j's slots
  let firstCut = model.maxDef + 1;
  if (above >= 0) {
    for (let d = 1; d <= model.maxDef; d++) {
      if (model.owner[d]! >= above) {
        firstCut = d;
        break;
      }
    }
  }
  const def = levels.def;
  const out = new Uint32Array(levels.numLevels);
  let n = 0;
  for (let i = 0; i < levels.numLevels; i++) {
    if (rep[i]! >= minRep && (!def || def[i]! < firstCut)) out[n++] = i;
  }
  const positions = out.slice(0, n);
  (leaf.slots ??= new Map()).set(above, positions);
  return positions;
}

/** For list layer `j`: numSlots + 1 offsets into the slots of the layer below it. */
function listOffsets(leaf: LeafColumn, j: number, slots: Uint32Array, ctx: DecodeContext): Int32Array {
  const children = positionsFor(leaf, j - 1, ctx) ?? corrupt(ctx, "a list layer has no item slots");
  const offsets = new Int32Array(slots.length + 1);
  let c = 0;
  for (let s = 0; s < slots.length; s++) {
    while (c < children.length && children[c]! < slots[s]!) c++;
    offsets[s] = c;
  }
  offsets[slots.length] = children.length;
  return offsets;
}

function build(field: Field, depth: number, leaves: LeafColumn[], ctx: DecodeContext): Data {
  const leaf = leaves[0];
  if (!leaf) return corrupt(ctx, `field "${field.name}" has no column`);
  const j = leaf.model.layers.length - 1 - depth;
  if (j < 0) corrupt(ctx, `field "${field.name}" is deeper than its column's rep/def layers`);
  const positions = positionsFor(leaf, j, ctx);
  const length = positions ? positions.length : leaf.levels.numLevels;
  if (DataType.isStruct(field.type)) {
    const validity = layerValidity(leaf.model, j, leaf.levels, positions);
    const children: Data[] = [];
    let next = 0;
    for (const child of (field.type as Struct).children) {
      const n = countLeaves(child);
      children.push(build(child, depth + 1, leaves.slice(next, next + n), ctx));
      next += n;
    }
    return makeData({ type: field.type as Struct, length, nullCount: validity.nullCount, nullBitmap: validity.bitmap ?? undefined, children } as never);
  }
  if (DataType.isList(field.type)) {
    if (leaf.model.layers[j]?.kind !== "list") corrupt(ctx, `list field "${field.name}" has no list layer`);
    let slots: Uint32Array;
    let offsets: Int32Array;
    if (leaf.model.maxRep === 1) {
      const shape = shapeOf(leaf, ctx);
      slots = shape.rowStarts;
      offsets = shape.offsets;
    } else {
      slots = positions ?? corrupt(ctx, `list field "${field.name}" has no slots`);
      offsets = listOffsets(leaf, j, slots, ctx);
    }
    const validity = layerValidity(leaf.model, j, leaf.levels, slots);
    const child = build((field.type as List).children[0]!, depth + 1, leaves, ctx);
    return makeData({ type: field.type as List, length: slots.length, nullCount: validity.nullCount, nullBitmap: validity.bitmap ?? undefined, valueOffsets: offsets, child } as never);
  }
  if (j !== 0) corrupt(ctx, `leaf field "${field.name}" is at rep/def layer ${j}, expected 0`);
  if (leaf.values.numValues !== length) corrupt(ctx, `field "${field.name}" has ${leaf.values.numValues} values for ${length} slots`);
  return blockToData(field, leaf.values, layerValidity(leaf.model, 0, leaf.levels, positions), ctx);
}

/** Arrow data for a top-level field from its leaf columns (pre-order). */
export function assembleField(field: Field, leaves: LeafColumn[], numRows: number, ctx: DecodeContext): Data {
  if (leaves.length !== countLeaves(field)) {
    throw new CorruptFileError(ctx.path, undefined, `field "${field.name}" needs ${countLeaves(field)} columns, the file has ${leaves.length}`);
  }
  const data = build(field, 0, leaves, ctx);
  if (data.length !== numRows) corrupt(ctx, `field "${field.name}" decoded to ${data.length} rows, the file has ${numRows}`);
  return data;
}

/** The level at which each row begins: the levels whose repetition level is above 0. */
function rowStartLevels(rep: Uint16Array, numLevels: number, maxRep: number): Uint32Array {
  let rows = 0;
  for (let i = 0; i < numLevels; i++) if (rep[i]! >= maxRep) rows++;
  const starts = new Uint32Array(rows);
  let row = 0;
  for (let i = 0; i < numLevels; i++) if (rep[i]! >= maxRep) starts[row++] = i;
  return starts;
}

/** How many values (levels defined up to `visibleDef`) come before each level; numLevels + 1 entries. */
function valuesBeforeLevels(def: Uint16Array, numLevels: number, visibleDef: number): Uint32Array {
  const before = new Uint32Array(numLevels + 1);
  let n = 0;
  for (let i = 0; i < numLevels; i++) {
    before[i] = n;
    if (def[i]! <= visibleDef) n++;
  }
  before[numLevels] = n;
  return before;
}

/**
 * Keeps rows [rowStart, rowStart + rowCount) of a leaf column (row numbers
 * relative to its first level), with their levels and values.
 */
export function sliceLeaf(leaf: LeafColumn, rowStart: number, rowCount: number, ctx: DecodeContext): LeafColumn {
  const { levels, model } = leaf;
  let levelStart: number;
  let levelEnd: number;
  // a column read as many ranges is sliced many times: where rows begin is worked out once
  const index = levels.rep ? (levels.rowIndex ??= { rowStarts: rowStartLevels(levels.rep, levels.numLevels, model.maxRep) }) : undefined;
  if (!index) {
    levelStart = rowStart;
    levelEnd = rowStart + rowCount;
  } else {
    const starts = index.rowStarts;
    levelStart = rowStart < starts.length ? starts[rowStart]! : levels.numLevels;
    levelEnd = rowStart + rowCount < starts.length ? starts[rowStart + rowCount]! : levels.numLevels;
  }
  if (levelStart > levelEnd || levelEnd > levels.numLevels) corrupt(ctx, `rows ${rowStart}..${rowStart + rowCount} are outside the column`);
  const def = levels.def;
  let valueStart = levelStart;
  let valueCount = levelEnd - levelStart;
  if (def && model.listLayer >= 0) {
    let before: Uint32Array;
    if (index && index.visibleDef === model.maxVisibleDef && index.valuesBefore) before = index.valuesBefore;
    else {
      before = valuesBeforeLevels(def, levels.numLevels, model.maxVisibleDef);
      if (index) {
        index.valuesBefore = before;
        index.visibleDef = model.maxVisibleDef;
      }
    }
    valueStart = before[levelStart]!;
    valueCount = before[levelEnd]! - valueStart;
  }
  return {
    model,
    levels: {
      numLevels: levelEnd - levelStart,
      rep: levels.rep?.subarray(levelStart, levelEnd),
      def: def?.subarray(levelStart, levelEnd),
    },
    values: sliceBlock(leaf.values, valueStart, valueCount, ctx),
  };
}
