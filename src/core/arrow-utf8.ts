// UTF-8 validity of string columns given to a write. Arrow (and so Lance, which
// validates what it imports) requires every Utf8 value to be valid UTF-8, null
// slots included; a file holding other bytes is one Lance refuses to read. The
// whole value buffer is checked at once, and each value start must begin a
// character, so a valid buffer cut mid-character between two values is caught.

import { DataType, Type, type Data } from "apache-arrow";
import { isAscii, isValidUtf8 } from "./utf8.js";

/** Where a column holds a string that is not valid UTF-8: the top-level slot (row) and the child path below it. */
export interface InvalidString {
  slot: number;
  path: string;
}

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** The first slot of a Utf8 / LargeUtf8 array whose bytes are not valid UTF-8, or -1. */
function firstInvalidValue(data: Data): number {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  if (data.length === 0) return -1;
  const at = (i: number): number => Number(offsets[data.offset + i]!);
  const start = at(0);
  const end = at(data.length);
  const used = bytes.subarray(start, end);
  // ASCII text (the common case) is valid and no value can start inside a character
  if (isAscii(used)) return -1;
  if (isValidUtf8(used)) {
    // the buffer is valid: a value is invalid only if it starts inside a character
    for (let i = 1; i < data.length; i++) {
      const o = at(i);
      if (o < end && isContinuation(bytes[o]!)) return i - 1;
    }
    return -1;
  }
  for (let i = 0; i < data.length; i++) if (!isValidUtf8(bytes.subarray(at(i), at(i + 1)))) return i;
  return -1;
}

/** The slot of a list (offsets into its items) holding item `item`. */
function listSlotOf(data: Data, item: number): number {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  let lo = 0;
  let hi = data.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (Number(offsets[data.offset + mid]!) - Number(offsets[data.offset]!) <= item) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The first string that is not valid UTF-8 in `data` or below it, by top-level slot; undefined when all are valid. */
export function findInvalidString(data: Data, path: string): InvalidString | undefined {
  const type = data.type as DataType;
  if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) {
    const slot = firstInvalidValue(data);
    return slot < 0 ? undefined : { slot, path };
  }
  const children = (type.children ?? []) as { name: string }[];
  if (DataType.isStruct(type)) {
    for (let k = 0; k < children.length; k++) {
      // apache-arrow slices struct children with their parent
      const found = findInvalidString(data.children[k]!, `${path}.${children[k]!.name}`);
      if (found) return found;
    }
    return undefined;
  }
  if (DataType.isList(type)) {
    const offsets = data.valueOffsets as Int32Array | BigInt64Array;
    if (data.length === 0) return undefined;
    const first = Number(offsets[data.offset]!);
    const child = data.children[0]!.slice(first, Number(offsets[data.offset + data.length]!) - first);
    const found = findInvalidString(child, `${path}.${children[0]!.name}`);
    return found && { slot: listSlotOf(data, found.slot), path: found.path };
  }
  if (DataType.isFixedSizeList(type)) {
    const size = (type as unknown as { listSize: number }).listSize;
    // sliced with their parent, as struct children are
    const found = findInvalidString(data.children[0]!, `${path}.${children[0]!.name}`);
    return found && { slot: Math.floor(found.slot / size), path: found.path };
  }
  return undefined;
}
