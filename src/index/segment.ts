// Index segments as plain, JSON-serializable descriptions: what a worker
// returns after building one, and what a coordinator commits.

import type { IndexDetails, IndexFile, IndexMetadata } from "../format/table/types.js";
import type { ScalarIndexType } from "../format/index/index-type.js";

export interface BuiltSegmentFiles {
  files: IndexFile[];
  details: IndexDetails;
  indexVersion: number;
}

export interface IndexSegment {
  uuid: string;
  name: string;
  column: string;
  fieldId: number;
  indexType: ScalarIndexType;
  fragmentIds: number[];
  /** The dataset version the segment was built from. */
  datasetVersion: number;
  indexVersion: number;
  /** The index details message: type URL and base64 value. */
  indexDetails: { typeUrl: string; value: string };
  files: IndexFile[];
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function segmentFromBuilt(
  built: BuiltSegmentFiles,
  info: { uuid: string; name: string; column: string; fieldId: number; indexType: ScalarIndexType; fragmentIds: number[]; datasetVersion: number },
): IndexSegment {
  return {
    ...info,
    fragmentIds: [...info.fragmentIds].sort((a, b) => a - b),
    indexVersion: built.indexVersion,
    indexDetails: { typeUrl: built.details.typeUrl, value: base64(built.details.value) },
    files: built.files,
    createdAt: Date.now(),
  };
}

export function segmentToIndexMetadata(segment: IndexSegment): IndexMetadata {
  return {
    uuid: segment.uuid,
    fields: [segment.fieldId],
    name: segment.name,
    datasetVersion: segment.datasetVersion,
    fragmentIds: [...segment.fragmentIds],
    indexDetails: { typeUrl: segment.indexDetails.typeUrl, value: fromBase64(segment.indexDetails.value) },
    indexVersion: segment.indexVersion,
    createdAt: segment.createdAt,
    files: segment.files.map((f) => ({ ...f })),
    coveringFields: [],
  };
}

