// Repetition and definition levels of a list column for Lance 2.1/2.2 files
// (the structural encoding's rep/def model, see repdef.ts for the reading
// side). One level per list item, plus one level for each null or empty list,
// which has no item ("invisible" levels). Rep 1 starts a row. Layers are
// innermost first: the item, then the list; def values are numbered upward
// from the item (0 = a valid item), and a list both null and empty in the page
// owns two values, null below empty.
//
//   [[1, null], [], null, [3]]  ->  rep 1 0 1 1 1   def 0 1 3 2 0
//                                   items 1 null 3  (layers: nullable item,
//                                                    null-and-empty list)

import { DataType, Type, type Data } from "apache-arrow";
import { takeData } from "../../core/arrow-data.js";
import { LanceError } from "../../core/errors.js";
import { RepDefLayer } from "../pb/encodings_v2_1_pb.js";
import { compactData, isValidAt } from "./leaf-values.js";

export interface ListLevels {
  numRows: number;
  numLevels: number;
  /** 1 where a row starts, else 0. */
  rep: Uint16Array;
  /** Def level per level, or undefined when every level is a valid item. */
  def: Uint16Array | undefined;
  /** The highest def value in `def` (0 without def levels). */
  maxDefPresent: number;
  /** Def values up to this one are items (they hold a value slot). */
  maxVisibleDef: number;
  layers: RepDefLayer[];
  /** The items of the valid lists, in order (null lists' items dropped). */
  items: Data;
  /** Per item: 1 when it is valid. */
  itemValid: Uint8Array;
}

/** Whether lancets writes `type` as a list column: a list of a non-nested type. */
export function isWritableList(type: DataType): boolean {
  if (!DataType.isList(type)) return false;
  const item = type.children[0]!.type;
  return !DataType.isList(item) && !DataType.isStruct(item) && !DataType.isMap(item) && item.typeId !== Type.FixedSizeList && item.typeId !== Type.Union;
}

export function listLevels(name: string, data: Data): ListLevels {
  if (!isWritableList(data.type)) {
    throw new LanceError("NOT_SUPPORTED", `column "${name}" is a list of ${String(data.type.children[0]?.type)}; lancets writes lists of integers, floats, strings, binaries and booleans`);
  }
  // a slice's offsets already start at its first row; only validity counts from data.offset
  const d = data;
  const n = d.length;
  const offsets = d.valueOffsets as Int32Array;
  const child = d.children[0]!;
  let numLevels = 0;
  let numItems = 0;
  let hasNull = false;
  let hasEmpty = false;
  for (let i = 0; i < n; i++) {
    if (!isValidAt(d, i)) {
      hasNull = true;
      numLevels++;
      continue;
    }
    const len = offsets[i + 1]! - offsets[i]!;
    if (len === 0) {
      hasEmpty = true;
      numLevels++;
    } else {
      numItems += len;
      numLevels += len;
    }
  }
  const indices = new Int32Array(numItems);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!isValidAt(d, i)) continue;
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) indices[k++] = j;
  }
  const items = compactData(takeData(child, indices));
  const itemValid = new Uint8Array(numItems);
  let itemNulls = 0;
  for (let i = 0; i < numItems; i++) {
    const v = isValidAt(items, i);
    itemValid[i] = v ? 1 : 0;
    if (!v) itemNulls++;
  }
  const itemNullable = itemNulls > 0;
  let next = itemNullable ? 2 : 1;
  const nullDef = hasNull ? next++ : 0;
  const emptyDef = hasEmpty ? next++ : 0;
  const maxDef = next - 1;
  const listLayer = hasNull
    ? hasEmpty
      ? RepDefLayer.REPDEF_NULL_AND_EMPTY_LIST
      : RepDefLayer.REPDEF_NULLABLE_LIST
    : hasEmpty
      ? RepDefLayer.REPDEF_EMPTYABLE_LIST
      : RepDefLayer.REPDEF_ALL_VALID_LIST;
  const layers = [itemNullable ? RepDefLayer.REPDEF_NULLABLE_ITEM : RepDefLayer.REPDEF_ALL_VALID_ITEM, listLayer];
  const rep = new Uint16Array(numLevels);
  const def = maxDef > 0 ? new Uint16Array(numLevels) : undefined;
  let maxDefPresent = 0;
  let at = 0;
  let item = 0;
  for (let i = 0; i < n; i++) {
    rep[at] = 1;
    if (!isValidAt(d, i)) {
      def![at++] = nullDef;
      continue;
    }
    const len = offsets[i + 1]! - offsets[i]!;
    if (len === 0) {
      def![at++] = emptyDef;
      continue;
    }
    for (let j = 0; j < len; j++) {
      if (def) def[at] = itemValid[item] ? 0 : 1;
      at++;
      item++;
    }
  }
  if (def) for (let i = 0; i < numLevels; i++) if (def[i]! > maxDefPresent) maxDefPresent = def[i]!;
  return { numRows: n, numLevels, rep, def, maxDefPresent, maxVisibleDef: itemNullable ? 1 : 0, layers, items, itemValid };
}
