// Stable row ids of a fragment (rowids.proto RowIdSequence): one u64 id per
// physical row, in row order, stored as segments (ranges, ranges with holes or
// a presence bitmap, sorted or unsorted arrays). Ids are returned as numbers;
// ids beyond 2^53 are reported as corrupt rather than silently rounded.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CorruptFileError } from "../../core/errors.js";
import { GrowableArray } from "../../core/growable-array.js";
import {
  RowDatasetVersionRunSchema,
  RowDatasetVersionSequenceSchema,
  RowIdSequenceSchema,
  U64Segment_RangeSchema,
  U64SegmentSchema,
  type EncodedU64Array,
} from "../pb/rowids_pb.js";
import { DataFragmentSchema, type DataFragment as PbDataFragment } from "../pb/table_pb.js";
import { handle, unwrap } from "./proto-convert.js";
import type { Fragment } from "./types.js";

const MAX_IDS = 1 << 30;

function arrayValues(a: EncodedU64Array | undefined, path: string): Float64Array {
  const arr = a?.array;
  if (!arr || arr.case === undefined) throw new CorruptFileError(path, undefined, "row id array has no values");
  const out = new GrowableArray(Float64Array);
  const bytes = arr.case === "u64Array" ? arr.value.values : arr.value.offsets;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (arr.case === "u16Array" || arr.case === "u32Array") {
    const base = Number(arr.value.base);
    const width = arr.case === "u16Array" ? 2 : 4;
    if (bytes.byteLength % width !== 0) throw new CorruptFileError(path, undefined, `row id offsets of ${bytes.byteLength} bytes are not ${width}-byte values`);
    for (let i = 0; i < bytes.byteLength; i += width) out.push(base + (width === 2 ? view.getUint16(i, true) : view.getUint32(i, true)));
  } else {
    if (bytes.byteLength % 8 !== 0) throw new CorruptFileError(path, undefined, `row id values of ${bytes.byteLength} bytes are not 8-byte values`);
    for (let i = 0; i < bytes.byteLength; i += 8) out.push(Number(view.getBigUint64(i, true)));
  }
  return out.toArray();
}

/** Decodes a serialized RowIdSequence into one id per physical row. */
export function decodeRowIdSequence(bytes: Uint8Array, path: string): Float64Array {
  let seq;
  try {
    seq = fromBinary(RowIdSequenceSchema, bytes);
  } catch (err) {
    throw new CorruptFileError(path, undefined, `cannot decode row id sequence: ${err instanceof Error ? err.message : String(err)}`);
  }
  // a typed array: a fragment may hold more rows than a JS array can grow to
  const ids = new GrowableArray(Float64Array, 1024);
  const push = (v: number): void => {
    if (ids.length >= MAX_IDS) throw new CorruptFileError(path, undefined, `row id sequence holds more than ${MAX_IDS} ids`);
    ids.push(v);
  };
  for (const segment of seq.segments) {
    const s = segment.segment;
    switch (s.case) {
      case "range":
      case "rangeWithHoles":
      case "rangeWithBitmap": {
        const start = Number(s.value.start);
        const end = Number(s.value.end);
        if (!(end >= start) || end - start > MAX_IDS || !Number.isSafeInteger(end)) throw new CorruptFileError(path, undefined, `row id range ${start}..${end} is invalid`);
        if (s.case === "range") {
          for (let v = start; v < end; v++) push(v);
        } else if (s.case === "rangeWithHoles") {
          // holes as a sorted array walked alongside the range (a JS Set holds at most 2^24)
          const holes = Float64Array.from(arrayValues(s.value.holes, path)).sort();
          let h = 0;
          for (let v = start; v < end; v++) {
            while (h < holes.length && holes[h]! < v) h++;
            if (h < holes.length && holes[h] === v) continue;
            push(v);
          }
        } else {
          const bitmap = s.value.bitmap;
          if (bitmap.byteLength * 8 < end - start) throw new CorruptFileError(path, undefined, `row id bitmap of ${bitmap.byteLength} bytes for ${end - start} ids`);
          for (let i = 0; i < end - start; i++) if ((bitmap[i >> 3]! >> (i & 7)) & 1) push(start + i);
        }
        break;
      }
      case "sortedArray":
      case "array":
        for (const v of arrayValues(s.value, path)) push(v);
        break;
      default:
        throw new CorruptFileError(path, undefined, "row id segment has no kind");
    }
  }
  const out = ids.toArray();
  for (const v of out) if (!Number.isSafeInteger(v)) throw new CorruptFileError(path, undefined, `row id ${v} exceeds 2^53`);
  return out;
}

/** Where a fragment keeps its row ids: inline bytes or a range of an external file. */
export type RowIdSource = { inline: Uint8Array } | { path: string; byteOffset: number; byteLength: number } | undefined;

export function fragmentRowIdSource(fragment: Fragment): RowIdSource {
  if (!fragment.rowIdMeta) return undefined;
  const pb = unwrap<PbDataFragment>(fragment.rowIdMeta);
  const seq = pb.rowIdSequence;
  if (seq.case === "inlineRowIds") return { inline: seq.value };
  if (seq.case === "externalRowIds") {
    return { path: seq.value.path, byteOffset: Number(seq.value.offset), byteLength: Number(seq.value.size) };
  }
  return undefined;
}


/** A fragment whose rows get the stable ids [startId, startId + physicalRows), created and last updated at `version`. */
export function withNewRowIds(fragment: Fragment, startId: number, version: number): Fragment {
  const n = fragment.physicalRows;
  const range = create(U64SegmentSchema, { segment: { case: "range", value: create(U64Segment_RangeSchema, { start: BigInt(startId), end: BigInt(startId + n) }) } });
  const ids = toBinary(RowIdSequenceSchema, create(RowIdSequenceSchema, { segments: [range] }));
  const span = create(U64SegmentSchema, { segment: { case: "range", value: create(U64Segment_RangeSchema, { start: 0n, end: BigInt(n) }) } });
  const versions = toBinary(RowDatasetVersionSequenceSchema, create(RowDatasetVersionSequenceSchema, { runs: [create(RowDatasetVersionRunSchema, { span, version: BigInt(version) })] }));
  const pb = create(DataFragmentSchema, {
    rowIdSequence: { case: "inlineRowIds", value: ids },
    lastUpdatedAtVersionSequence: { case: "inlineLastUpdatedAtVersions", value: versions },
    createdAtVersionSequence: { case: "inlineCreatedAtVersions", value: versions },
  });
  return { ...fragment, rowIdMeta: handle(pb) };
}
