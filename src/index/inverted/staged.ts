// Full-text segments Lance 14 builds without committing them
// (create_index_uncommitted): their files wait in a staging layout that the
// commit finalizes, as Lance's commit_existing_index_segments does:
//
//   staging/part_<p>_tokens.lance   \
//   staging/part_<p>_invert.lance    > moved, unchanged, to part_<p>_*.lance
//   staging/part_<p>_docs.lance     /
//   staging/part_<p>_metadata.lance  no columns; its schema metadata (params,
//                                    formats, partitions) goes into the
//                                    segment's metadata.lance, whose one row
//                                    holds an empty deleted_fragments bitmap
//
// With several partitions, metadata.lance lists them all.

import { LanceError } from "../../core/errors.js";
import { encodeRoaring32 } from "../../core/roaring.js";
import { openFileReader } from "../../file/open-file-reader.js";
import { writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf } from "../arrow-columns.js";
import type { IndexSegment } from "../segment.js";

export const STAGING_PREFIX = "staging/";
const STAGED_FILE = /^staging\/part_(\d+)_(tokens|invert|docs|metadata)\.lance$/;
const PART_FILES = ["tokens", "invert", "docs"] as const;

/** Whether a segment's files are in the staging layout (all of them: checked by checkStagedFiles). */
export function isStagedSegment(segment: IndexSegment): boolean {
  return segment.files.some((f) => f.path.startsWith(STAGING_PREFIX));
}

/** The partitions of a staged full-text segment, each with its four files; refuses anything else. */
export function checkStagedFiles(segment: Pick<IndexSegment, "uuid" | "indexType" | "files">): number[] {
  const label = `segment ${segment.uuid}`;
  if (segment.indexType !== "FTS") {
    throw new LanceError("INVALID_INPUT", `${label}: only full-text segments have a staging layout, this one is ${segment.indexType}`);
  }
  const parts = new Map<number, Set<string>>();
  for (const f of segment.files) {
    const m = STAGED_FILE.exec(f.path);
    if (!m) throw new LanceError("INVALID_INPUT", `${label}: file ${f.path} is not a staged full-text file (staging/part_<n>_{tokens,invert,docs,metadata}.lance), and a segment's files are all staged or none`);
    const id = Number(m[1]);
    if (!Number.isSafeInteger(id)) throw new LanceError("INVALID_INPUT", `${label}: partition ${m[1]} is out of range`);
    const kinds = parts.get(id) ?? new Set<string>();
    kinds.add(m[2]!);
    parts.set(id, kinds);
  }
  for (const [id, kinds] of parts) {
    if (kinds.size !== 4) throw new LanceError("INVALID_INPUT", `${label}: staged partition ${id} has ${[...kinds].sort().join(", ")}, expected tokens, invert, docs and metadata`);
  }
  return [...parts.keys()].sort((a, b) => a - b);
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Writes the committed layout of a staged full-text segment next to its
 * staging files and returns the segment with the committed files. The staging
 * files stay until removeStagedFiles (after the commit).
 */
export async function finalizeStagedSegment(store: ObjectStore, segment: IndexSegment): Promise<IndexSegment> {
  const partitions = checkStagedFiles(segment);
  const dir = `_indices/${segment.uuid}`;
  let shared: Record<string, string> | undefined;
  for (const p of partitions) {
    const reader = await openFileReader(store, `${dir}/${STAGING_PREFIX}part_${p}_metadata.lance`);
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(reader.schema.metadata)) if (k !== "partitions") metadata[k] = text(v);
    if (shared && JSON.stringify(Object.entries(shared).sort()) !== JSON.stringify(Object.entries(metadata).sort())) {
      throw new LanceError("INVALID_INPUT", `segment ${segment.uuid}: staged partitions ${partitions[0]} and ${p} were built with different parameters`);
    }
    shared = metadata;
  }
  const files: IndexSegment["files"] = [];
  for (const p of partitions) {
    for (const kind of PART_FILES) {
      const name = `part_${p}_${kind}.lance`;
      const bytes = await store.readRange(`${dir}/${STAGING_PREFIX}${name}`, 0, await store.size(`${dir}/${STAGING_PREFIX}${name}`));
      await store.put(`${dir}/${name}`, bytes);
      files.push({ path: name, sizeBytes: bytes.byteLength });
    }
  }
  const metadataSize = await writeArrowFile(
    store,
    `${dir}/metadata.lance`,
    tableOf([{ name: "deleted_fragments", data: binaryData([encodeRoaring32([])]), nullable: false }], { ...shared, partitions: JSON.stringify(partitions) }),
  );
  files.unshift({ path: "metadata.lance", sizeBytes: metadataSize });
  return { ...segment, files };
}

/** Deletes a staged segment's staging files (once its committed layout is in a version). */
export async function removeStagedFiles(store: ObjectStore, staged: IndexSegment): Promise<void> {
  await Promise.all(staged.files.map((f) => store.delete(`_indices/${staged.uuid}/${f.path}`)));
}
