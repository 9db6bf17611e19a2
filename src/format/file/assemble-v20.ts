// Builds Arrow data for a top-level field of a 2.0 file: one column per field
// in pre-order (structs and lists included), pages concatenated per column.
// Files of the pre-release 2.0 format (Lance 0.13) store a string or binary
// field as a list of u8 over two columns (offsets, then bytes); Lance reads
// them as that list and turns it back into strings, and so does this.

import { DataType, Field as ArrowField, List as ArrowList, makeData, Type, Uint8, type Data, type Field, type List, type Struct } from "apache-arrow";
import { concatBlocks, copyBits, corrupt, type DecodeContext } from "../encoding/data-block.js";
import { blockToData, checkUtf8 } from "./arrow-build.js";
import type { PageV20 } from "./page-v20.js";

/** Supplies the decoded pages of a column, by column index. */
export type ColumnPages = (columnIndex: number, kind: "leaf" | "list" | "struct", field: Field) => PageV20[];

function concatValidity(pages: PageV20[]): { bitmap: Uint8Array | null; nullCount: number } {
  let nullCount = 0;
  let total = 0;
  for (const p of pages) {
    nullCount += p.nullCount;
    total += p.numRows;
  }
  if (nullCount === 0) return { bitmap: null, nullCount: 0 };
  if (pages.length === 1) return { bitmap: pages[0]!.validity, nullCount };
  const bitmap = new Uint8Array((total + 7) >> 3);
  let at = 0;
  for (const p of pages) {
    if (p.validity) copyBits(p.validity, 0, bitmap, at, p.numRows);
    else for (let i = 0; i < p.numRows; i++) bitmap[(at + i) >> 3] = bitmap[(at + i) >> 3]! | (1 << ((at + i) & 7));
    at += p.numRows;
  }
  return { bitmap, nullCount };
}

/** Strings or binary from a list of u8 (the pre-release 2.0 layout). */
export function binaryFromList(field: Field, list: Data, ctx: DecodeContext): Data {
  const items = list.children[0]!;
  const offsets = list.valueOffsets as Int32Array;
  const bytes = (items.values as Uint8Array).subarray(items.offset, items.offset + items.length);
  const large = field.type.typeId === Type.LargeUtf8 || field.type.typeId === Type.LargeBinary;
  if (offsets[list.offset + list.length]! > bytes.byteLength) corrupt(ctx, `string column "${field.name}" refers to ${offsets[list.offset + list.length]} bytes, its byte column has ${bytes.byteLength}`);
  if (field.type.typeId === Type.Utf8 || field.type.typeId === Type.LargeUtf8) checkUtf8(field.name, offsets.subarray(list.offset), list.length, bytes, ctx);
  const valueOffsets = large ? BigInt64Array.from(offsets.subarray(list.offset, list.offset + list.length + 1), (v) => BigInt(v)) : offsets.subarray(list.offset, list.offset + list.length + 1);
  return makeData({ type: field.type as never, length: list.length, nullCount: list.nullCount, nullBitmap: list.nullBitmap, valueOffsets, data: bytes } as never);
}

/**
 * Builds `field` whose column is `columnIndex`; returns the data and the next
 * column index. `listEncoded` names the first columns of string and binary
 * fields stored as lists of u8.
 */
export function assembleFieldV20(field: Field, columnIndex: number, pagesOf: ColumnPages, ctx: DecodeContext, listEncoded?: ReadonlySet<number>): { data: Data; next: number } {
  if (listEncoded?.has(columnIndex)) {
    const asList = new ArrowField(field.name, new ArrowList(new ArrowField("item", new Uint8(), false)), field.nullable);
    const built = assembleFieldV20(asList, columnIndex, pagesOf, ctx);
    return { data: binaryFromList(field, built.data, ctx), next: built.next };
  }
  if (DataType.isStruct(field.type)) {
    const pages = pagesOf(columnIndex, "struct", field);
    let length = 0;
    for (const p of pages) length += p.numRows;
    let next = columnIndex + 1;
    const children: Data[] = [];
    for (const child of (field.type as Struct).children) {
      const built = assembleFieldV20(child, next, pagesOf, ctx, listEncoded);
      if (built.data.length !== length) corrupt(ctx, `struct child "${child.name}" has ${built.data.length} rows, struct "${field.name}" has ${length}`);
      children.push(built.data);
      next = built.next;
    }
    return { data: makeData({ type: field.type as Struct, length, nullCount: 0, children } as never), next };
  }
  if (DataType.isList(field.type)) {
    const pages = pagesOf(columnIndex, "list", field);
    let rows = 0;
    for (const p of pages) rows += p.numRows;
    const offsets = new Int32Array(rows + 1);
    let row = 0;
    let base = 0;
    for (const p of pages) {
      const o = p.listOffsets!;
      for (let i = 1; i <= p.numRows; i++) offsets[row + i] = base + o[i]!;
      row += p.numRows;
      base += p.numItems ?? o[p.numRows]!;
    }
    const child = assembleFieldV20((field.type as List).children[0]!, columnIndex + 1, pagesOf, ctx, listEncoded);
    if (offsets[rows]! > child.data.length) corrupt(ctx, `list "${field.name}" refers to ${offsets[rows]} items, its item column has ${child.data.length}`);
    const validity = concatValidity(pages);
    return {
      data: makeData({ type: field.type as List, length: rows, nullCount: validity.nullCount, nullBitmap: validity.bitmap ?? undefined, valueOffsets: offsets, child: child.data } as never),
      next: child.next,
    };
  }
  const pages = pagesOf(columnIndex, "leaf", field);
  const values = concatBlocks(pages.map((p) => p.values), ctx);
  return { data: blockToData(field, values, concatValidity(pages), ctx), next: columnIndex + 1 };
}
