// Deletion files (Lance table format, "Deletion files"): the physical row
// offsets deleted from a fragment.
//   .arrow  Arrow IPC file, one record batch, one non-null UInt32 column; Lance
//           writes its body zstd-compressed (IPC body compression), which
//           apache-arrow JS cannot read, so the few messages are parsed here.
//   .bin    portable 32-bit roaring bitmap.

import { ByteBuffer } from "flatbuffers";
import { Footer } from "apache-arrow/fb/footer";
import { Message } from "apache-arrow/fb/message";
import { MessageHeader } from "apache-arrow/fb/message-header";
import { RecordBatch as FbRecordBatch } from "apache-arrow/fb/record-batch";
import { CompressionType } from "apache-arrow/fb/compression-type";
import { decompress as zstdDecompress } from "fzstd";
import { CorruptFileError, LanceError } from "../../core/errors.js";
import { GrowableArray } from "../../core/growable-array.js";
import { decodeRoaring32 } from "../../core/roaring.js";

const IPC_MAGIC = "ARROW1";

function fail(path: string, byteOffset: number | undefined, detail: string): never {
  throw new CorruptFileError(path, byteOffset, detail);
}

function checkMagic(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < IPC_MAGIC.length; i++) if (bytes[at + i] !== IPC_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** Decodes one IPC body buffer, undoing body compression when present. */
function bodyBuffer(body: Uint8Array, offset: number, length: number, codec: CompressionType | undefined, path: string, at: number): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > body.byteLength) fail(path, at, `IPC buffer of ${length} bytes at ${offset} passes the body (${body.byteLength} bytes)`);
  const raw = body.subarray(offset, offset + length);
  if (codec === undefined || length === 0) return raw;
  if (length < 8) fail(path, at + offset, "compressed IPC buffer has no length prefix");
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const uncompressed = Number(view.getBigInt64(0, true));
  const payload = raw.subarray(8);
  if (uncompressed === -1) return payload;
  if (uncompressed < 0 || uncompressed > 1 << 30) fail(path, at + offset, `IPC buffer claims ${uncompressed} uncompressed bytes`);
  if (codec === CompressionType.ZSTD) {
    let out: Uint8Array;
    try {
      out = zstdDecompress(payload, new Uint8Array(uncompressed));
    } catch (err) {
      return fail(path, at + offset, `cannot decompress zstd IPC buffer: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (out.byteLength !== uncompressed) fail(path, at + offset, `zstd IPC buffer decompressed to ${out.byteLength} bytes, expected ${uncompressed}`);
    return out;
  }
  // LZ4 frame format: decode the frame's blocks.
  throw new LanceError("NOT_SUPPORTED", `${path}: LZ4-compressed Arrow IPC deletion files are not supported`);
}

/** Row offsets from an Arrow IPC deletion file, sorted ascending. */
export function decodeArrowDeletionFile(bytes: Uint8Array, path: string): Uint32Array {
  const size = bytes.byteLength;
  if (size < 18 || !checkMagic(bytes, 0) || !checkMagic(bytes, size - 6)) fail(path, 0, "not an Arrow IPC file (magic ARROW1 missing)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLen = view.getInt32(size - 10, true);
  const footerStart = size - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) fail(path, size - 10, `Arrow footer length ${footerLen} is out of range (size ${size})`);
  const values = new GrowableArray(Uint32Array);
  try {
    const footer = Footer.getRootAsFooter(new ByteBuffer(bytes.subarray(footerStart, footerStart + footerLen)));
    for (let b = 0; b < footer.recordBatchesLength(); b++) {
      const block = footer.recordBatches(b);
      if (!block) fail(path, footerStart, `Arrow footer block ${b} is missing`);
      let at = Number(block.offset());
      const metaLen = block.metaDataLength();
      const bodyLen = Number(block.bodyLength());
      if (at < 8 || at + metaLen + bodyLen > footerStart) fail(path, at, `Arrow record batch ${b} (${metaLen}+${bodyLen} bytes) is outside the file`);
      const messageEnd = at + metaLen;
      let len = view.getInt32(at, true);
      at += 4;
      if (len === -1) {
        len = view.getInt32(at, true);
        at += 4;
      }
      if (len <= 0 || at + len > messageEnd) fail(path, at, `Arrow message length ${len} is out of range`);
      const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(at, at + len)));
      if (message.headerType() !== MessageHeader.RecordBatch) fail(path, at, `Arrow block ${b} is not a record batch`);
      const batch = message.header(new FbRecordBatch()) as FbRecordBatch | null;
      if (!batch) fail(path, at, "Arrow record batch header is missing");
      const body = bytes.subarray(messageEnd, messageEnd + bodyLen);
      const rows = Number(batch.length());
      if (batch.nodesLength() !== 1 || batch.buffersLength() !== 2) fail(path, at, `deletion batch has ${batch.nodesLength()} columns and ${batch.buffersLength()} buffers, expected 1 and 2`);
      const node = batch.nodes(0)!;
      if (Number(node.nullCount()) !== 0) fail(path, at, "deletion file holds null row offsets");
      const codec = batch.compression()?.codec();
      const buf = batch.buffers(1)!;
      const data = bodyBuffer(body, Number(buf.offset()), Number(buf.length()), codec, path, messageEnd);
      if (data.byteLength < rows * 4) fail(path, messageEnd, `deletion batch of ${rows} rows has ${data.byteLength} value bytes`);
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0; i < rows; i++) values.push(dv.getUint32(4 * i, true));
    }
  } catch (err) {
    if (err instanceof LanceError) throw err;
    fail(path, undefined, `cannot parse Arrow deletion file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out = values.toArray().sort();
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) fail(path, undefined, `row offset ${out[i]} is deleted twice`);
  return out;
}

/** Row offsets from a roaring-bitmap deletion file, sorted ascending. */
export function decodeBitmapDeletionFile(bytes: Uint8Array, path: string): Uint32Array {
  return decodeRoaring32(bytes, path);
}

