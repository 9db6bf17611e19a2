// Moves a Lance 2.x data file's contents past a hole of `shiftBytes` (a sparse
// region that takes no disk), rewriting every absolute position in it (page
// and column buffers, global buffers, the offset tables and the footer), so
// tests can read real files whose pages sit past 2^31 or 2^32.

import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { closeSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { ColumnMetadataSchema } from "../../src/format/pb/file2_pb.js";

const FOOTER_BYTES = 40;

/** Rewrites the file at `path` in place; returns its new size. */
export function shiftDataFile(path: string, shiftBytes: number): number {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footer = bytes.byteLength - FOOTER_BYTES;
  const columnMetaStart = Number(view.getBigUint64(footer, true));
  const cmoTable = Number(view.getBigUint64(footer + 8, true));
  const gboTable = Number(view.getBigUint64(footer + 16, true));
  const numGlobalBuffers = view.getUint32(footer + 24, true);
  const numColumns = view.getUint32(footer + 28, true);
  const shift = BigInt(shiftBytes);
  const below = (position: bigint, size: bigint): void => {
    if (position + size > BigInt(columnMetaStart)) throw new Error(`a buffer at ${position} sits among the metadata; cannot shift it`);
  };

  const metadata: Uint8Array[] = [];
  for (let c = 0; c < numColumns; c++) {
    const position = Number(view.getBigUint64(cmoTable + 16 * c, true));
    const size = Number(view.getBigUint64(cmoTable + 16 * c + 8, true));
    const column = fromBinary(ColumnMetadataSchema, bytes.subarray(position, position + size));
    for (const page of column.pages) {
      page.bufferOffsets = page.bufferOffsets.map((o, k) => (below(o, page.bufferSizes[k]!), o + shift));
    }
    column.bufferOffsets = column.bufferOffsets.map((o, k) => (below(o, column.bufferSizes[k]!), o + shift));
    metadata.push(toBinary(ColumnMetadataSchema, column));
  }

  // [data and global buffers][column metadata][CMO table][GBO table][footer]
  const metadataBytes = metadata.reduce((sum, m) => sum + m.byteLength, 0);
  const tail = new Uint8Array(metadataBytes + 16 * numColumns + 16 * numGlobalBuffers + FOOTER_BYTES);
  const out = new DataView(tail.buffer);
  const base = shiftBytes + columnMetaStart;
  let at = 0;
  const positions: number[] = [];
  for (const m of metadata) {
    positions.push(base + at);
    tail.set(m, at);
    at += m.byteLength;
  }
  const newCmoTable = base + at;
  metadata.forEach((m, c) => {
    out.setBigUint64(at, BigInt(positions[c]!), true);
    out.setBigUint64(at + 8, BigInt(m.byteLength), true);
    at += 16;
  });
  const newGboTable = base + at;
  for (let g = 0; g < numGlobalBuffers; g++) {
    const position = view.getBigUint64(gboTable + 16 * g, true);
    const size = view.getBigUint64(gboTable + 16 * g + 8, true);
    below(position, size);
    out.setBigUint64(at, position + shift, true);
    out.setBigUint64(at + 8, size, true);
    at += 16;
  }
  out.setBigUint64(at, BigInt(base), true);
  out.setBigUint64(at + 8, BigInt(newCmoTable), true);
  out.setBigUint64(at + 16, BigInt(newGboTable), true);
  tail.set(bytes.subarray(footer + 24, footer + FOOTER_BYTES), at + 24); // counts, version, magic

  truncateSync(path, 0);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytes, 0, columnMetaStart, shiftBytes);
    writeSync(fd, tail, 0, tail.byteLength, base);
  } finally {
    closeSync(fd);
  }
  return base + tail.byteLength;
}
