// Index segments as plain, JSON-serializable descriptions: what a worker
// returns after building one, and what a coordinator commits.

import { LanceError } from "../core/errors.js";
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


const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SEGMENT_TYPES = new Set(["BTREE", "BITMAP", "ZONEMAP", "FTS", "LABEL_LIST", "BLOOMFILTER", "NGRAM"]);

/** A file name inside a segment directory: one plain path segment. */
function isPlainFileName(name: unknown): name is string {
  return typeof name === "string" && name.length > 0 && name.length <= 1024 && name !== "." && name !== ".." && !/[/\\\u0000]/.test(name);
}

function isCount(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/**
 * Checks that `value` (segment JSON from a worker, a queue or a caller: all
 * untrusted) is a well-formed IndexSegment: a canonical uuid, plain file
 * names under that uuid's directory, sizes and ids in range. Throws
 * INVALID_INPUT naming the segment and the field.
 */
export function checkSegmentJson(value: unknown, position: number): IndexSegment {
  const where = `segment ${position}`;
  const fail = (what: string): never => {
    throw new LanceError("INVALID_INPUT", `${where}: ${what}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(`expected an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  const s = value as Record<string, unknown>;
  if (typeof s.uuid !== "string" || !CANONICAL_UUID.test(s.uuid)) fail(`uuid ${JSON.stringify(s.uuid)} is not a canonical lower-case uuid (8-4-4-4-12 hex digits)`);
  const label = `segment ${String(s.uuid)}`;
  const bad = (what: string): never => {
    throw new LanceError("INVALID_INPUT", `${label}: ${what}`);
  };
  if (typeof s.name !== "string" || s.name.length === 0) bad("name must be a non-empty string");
  if (typeof s.column !== "string" || s.column.length === 0) bad("column must be a non-empty string");
  if (!isCount(s.fieldId, 0x7fffffff)) bad(`fieldId ${JSON.stringify(s.fieldId)} is not a field id`);
  if (typeof s.indexType !== "string" || !SEGMENT_TYPES.has(s.indexType)) bad(`indexType ${JSON.stringify(s.indexType)} is not one of ${[...SEGMENT_TYPES].join(", ")}`);
  if (!Array.isArray(s.fragmentIds) || !s.fragmentIds.every((f) => isCount(f, 0xffffffff))) bad("fragmentIds must be an array of fragment ids (integers 0..2^32-1)");
  if (!isCount(s.datasetVersion) || s.datasetVersion === 0) bad(`datasetVersion ${JSON.stringify(s.datasetVersion)} is not a version number`);
  if (!isCount(s.indexVersion, 0x7fffffff)) bad(`indexVersion ${JSON.stringify(s.indexVersion)} is not an index version`);
  const details = s.indexDetails as Record<string, unknown> | null | undefined;
  if (typeof details !== "object" || details === null || typeof details.typeUrl !== "string" || typeof details.value !== "string" || !BASE64.test(details.value)) {
    bad("indexDetails must be { typeUrl: string, value: base64 string }");
  }
  if (!Array.isArray(s.files) || s.files.length === 0) bad("files must be a non-empty array");
  const names = new Set<string>();
  for (const f of s.files as unknown[]) {
    const file = f as Record<string, unknown> | null;
    if (typeof file !== "object" || file === null) bad("every file must be an object { path, sizeBytes }");
    // Lance 14's uncommitted full-text segments keep their files under staging/ (index/inverted/staged.ts)
    const staged = typeof file!.path === "string" && file!.path.startsWith("staging/") && isPlainFileName(file!.path.slice("staging/".length));
    if (!staged && !isPlainFileName(file!.path)) bad(`file path ${JSON.stringify(file!.path)} must be a plain file name inside the segment directory _indices/${String(s.uuid)}/`);
    if (!isCount(file!.sizeBytes)) bad(`file ${String(file!.path)} has size ${JSON.stringify(file!.sizeBytes)}, not a byte count`);
    if (names.has(file!.path as string)) bad(`file ${String(file!.path)} is listed twice`);
    names.add(file!.path as string);
  }
  if (typeof s.createdAt !== "number" || !Number.isFinite(s.createdAt)) bad("createdAt must be a time in milliseconds");
  return value as IndexSegment;
}

/** Checks a list of segments from an untrusted source (see checkSegmentJson). */
export function checkSegmentList(value: unknown): readonly IndexSegment[] {
  if (!Array.isArray(value)) throw new LanceError("INVALID_INPUT", `segments must be an array of segment objects, got ${value === null ? "null" : typeof value}`);
  return value.map((s, i) => checkSegmentJson(s, i));
}
