// Reads legacy (v1) Lance files: footer version 0.1/0.2, written by Lance
// before the 2.0 format (datasets with data storage version "legacy", and old
// index files). Rows are grouped into batches; every field has one page per
// batch, found through the page table. A range of rows reads only the batches
// that hold it, and within a batch only the bytes of those rows.

import { makeData, type Data, type DataType, type Field } from "apache-arrow";
import { concatData, nullData } from "../core/arrow-data.js";
import { CorruptFileError, LanceError } from "../core/errors.js";
import { checkCount, type DecodeContext } from "../format/encoding/data-block.js";
import type { BufferRange } from "../format/file/footer.js";
import type { FileSchema } from "../format/file/column-metadata.js";
import {
  decodeLegacyFooter,
  decodeLegacyManifestSchema,
  decodeLegacyMetadata,
  decodePageTable,
  legacyBatchCount,
  legacyRowCount,
  pageTableByteLength,
  prefixedLength,
  LEGACY_FOOTER_BYTES,
  type LegacyMetadata,
  type LegacyPage,
} from "../format/file/previous/metadata.js";
import {
  buildDictionaryData,
  buildListData,
  decodeBinaryPage,
  decodePlainPage,
  decodePositions,
  isLargeListLogical,
  legacyPageKind,
  plainBitsPerRow,
  plainByteSpan,
} from "../format/file/previous/pages.js";
import { childrenByParent, lanceToArrowSchema } from "../format/table/arrow-schema.js";
import type { LanceField } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { coalesceRanges } from "./coalesce-ranges.js";
import { checkRowRanges } from "./row-ranges.js";
import { checkRows, readRowsByRanges } from "./read-rows.js";

export interface LegacyOpenOptions {
  /**
   * The file's fields from the dataset schema, in pre-order (data files do
   * not describe themselves). Without them the file must carry its own
   * schema (index files do).
   */
  fields?: readonly LanceField[];
  /** The data file's field ids as the manifest lists them; the first one starts the page table. */
  fieldIds?: readonly number[];
  /** Dictionary values of dictionary fields, by field id (legacy datasets keep them in the manifest file). */
  dictionaries?: ReadonlyMap<number, Data>;
}

/** Requests closer than this many bytes are fetched as one range. */
const COALESCE_GAP = 4096;

/**
 * Collects the byte ranges asked for while a read is being planned (page
 * values, then the bytes their positions point at) and fetches neighbours
 * together: a legacy file has one page per field per batch, so a scan
 * would otherwise make a request per page.
 */
class CoalescingFetcher {
  private pending: { position: number; size: number; resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly path: string,
  ) {}

  get(position: number, size: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setTimeout(() => this.flush(), 0);
      this.pending.push({ position, size, resolve, reject });
    });
  }

  private flush(): void {
    const requests = this.pending.sort((a, b) => a.position - b.position);
    this.pending = [];
    for (const { start, end, first, last } of coalesceRanges(requests, COALESCE_GAP)) {
      const group = requests.slice(first, last);
      this.store.readRange(this.path, start, end - start).then(
        (bytes) => {
          for (const r of group) {
            if (bytes.byteLength < r.position + r.size - start) r.reject(new CorruptFileError(this.path, r.position, `read ${bytes.byteLength} bytes at ${start}, expected ${end - start}`));
            else r.resolve(bytes.subarray(r.position - start, r.position - start + r.size));
          }
        },
        (err: unknown) => {
          for (const r of group) r.reject(err);
        },
      );
    }
  }
}

/** A piece of a row range inside one batch. */
interface BatchPiece {
  batch: number;
  start: number;
  end: number;
}

export class LegacyFileReader {
  readonly fileVersion = "legacy";
  readonly globalBuffers: BufferRange[] = [];
  private readonly childrenOf: Map<number, LanceField[]>;
  private readonly fetcher: CoalescingFetcher;

  private constructor(
    readonly store: ObjectStore,
    readonly path: string,
    readonly fileSize: number,
    readonly schema: FileSchema,
    private readonly metadata: LegacyMetadata,
    private readonly pages: Map<number, LegacyPage[]>,
    private readonly dictionaries: ReadonlyMap<number, Data>,
  ) {
    this.childrenOf = childrenByParent(schema.fields);
    this.fetcher = new CoalescingFetcher(store, path);
  }

  /** Opens a legacy file whose last bytes (from tailStart to the end) were already read. */
  static async fromTail(store: ObjectStore, path: string, fileSize: number, tailStart: number, tailBytes: Uint8Array, options: LegacyOpenOptions = {}): Promise<LegacyFileReader> {
    const bytesAt = async (position: number, size: number): Promise<Uint8Array> => {
      if (position >= tailStart && position + size <= fileSize) return tailBytes.subarray(position - tailStart, position - tailStart + size);
      const got = await store.readRange(path, position, size);
      if (got.byteLength !== size) throw new CorruptFileError(path, position, `read ${got.byteLength} bytes, expected ${size} (size ${fileSize})`);
      return got;
    };
    const body = fileSize - LEGACY_FOOTER_BYTES;
    const prefixed = async (position: number, what: string): Promise<{ bytes: Uint8Array; at: number }> => {
      const len = prefixedLength(await bytesAt(position, 4), position, body, path, what);
      return { bytes: await bytesAt(position + 4, len), at: position + 4 };
    };
    const metaPos = decodeLegacyFooter(tailBytes, fileSize, path);
    const meta = await prefixed(metaPos, "legacy file metadata");
    const metadata = decodeLegacyMetadata(meta.bytes, meta.at, fileSize, path);

    let fields: LanceField[];
    let schemaMetadata: Record<string, Uint8Array> = {};
    if (options.fields) {
      fields = [...options.fields];
    } else if (metadata.manifestPosition > 0) {
      const manifest = await prefixed(metadata.manifestPosition, "embedded manifest");
      ({ fields, metadata: schemaMetadata } = decodeLegacyManifestSchema(manifest.bytes, manifest.at, path));
    } else {
      throw new LanceError("INVALID_INPUT", `${path} is a legacy (v1) file without its own schema; open it with the dataset's fields`);
    }
    const ids = fields.map((f) => f.id);
    const numBatches = legacyBatchCount(metadata);
    const pages = new Map<number, LegacyPage[]>();
    if (ids.length > 0 && numBatches > 0) {
      const listed = options.fieldIds && options.fieldIds.length > 0 ? options.fieldIds : ids;
      const minId = options.fieldIds && options.fieldIds.length > 0 ? options.fieldIds[0]! : Math.min(...ids);
      const maxId = Math.max(...listed);
      if (minId < 0 || maxId < minId) throw new CorruptFileError(path, undefined, `field ids ${minId}..${maxId} cannot index a page table`);
      const size = pageTableByteLength(minId, maxId, numBatches);
      if (metadata.pageTablePosition + size > body) {
        throw new CorruptFileError(path, metadata.pageTablePosition, `page table of ${maxId - minId + 1} fields x ${numBatches} batches (${size} bytes) passes the footer at ${body}`);
      }
      const table = decodePageTable(await bytesAt(metadata.pageTablePosition, size), metadata.pageTablePosition, minId, maxId, numBatches, fileSize, path);
      for (const [id, list] of table) pages.set(id, list);
    }
    const schema: FileSchema = { fields, metadata: schemaMetadata, numRows: legacyRowCount(metadata) };
    return new LegacyFileReader(store, path, fileSize, schema, metadata, pages, options.dictionaries ?? new Map());
  }

  get numRows(): number {
    return this.schema.numRows;
  }

  hasField(fieldId: number): boolean {
    return this.schema.fields.some((f) => f.id === fieldId);
  }

  async readGlobalBuffer(index: number): Promise<Uint8Array> {
    throw new LanceError("INVALID_INPUT", `${this.path} is a legacy (v1) file, which has no global buffers (asked for buffer ${index})`);
  }

  /** Top-level fields as Arrow data keyed by field id: all rows, or rows [range.start, range.end). */
  async readFields(fieldIds: number[], range?: { start: number; end: number }): Promise<Map<number, Data>> {
    return this.readFieldRanges(fieldIds, range ? [range] : undefined);
  }

  /** Selected rows (sorted, distinct), read as ranges. */
  async readFieldRows(fieldIds: number[], rows: Uint32Array): Promise<Map<number, Data>> {
    checkRows(rows, this.numRows, this.path);
    return readRowsByRanges(this, fieldIds, rows);
  }

  /** Rows of several ranges (sorted, not overlapping), concatenated in order; only the batches holding them are read. */
  async readFieldRanges(fieldIds: number[], ranges: { start: number; end: number }[] | undefined): Promise<Map<number, Data>> {
    checkRowRanges(ranges, this.numRows, this.path);
    const arrowSchema = lanceToArrowSchema(this.schema.fields, {});
    const topLevel = this.childrenOf.get(-1) ?? [];
    const pieces = this.batchPieces(ranges ?? [{ start: 0, end: this.numRows }]);
    const out = new Map<number, Data>();
    await Promise.all(
      fieldIds.map(async (id) => {
        const index = topLevel.findIndex((f) => f.id === id);
        if (index < 0) throw new CorruptFileError(this.path, undefined, `the manifest says the file holds field ${id}, but its schema has no such top-level field`);
        const arrow = arrowSchema.fields[index]!;
        const lance = topLevel[index]!;
        if (legacyPageKind(arrow.type) === "dictionary") {
          out.set(id, await this.readDictionary(arrow, lance, pieces));
          return;
        }
        const parts = await Promise.all(pieces.map((p) => this.readArray(arrow, lance, p.batch, p.start, p.end)));
        out.set(id, parts.length === 0 ? nullData(arrow.type, 0) : parts.length === 1 ? parts[0]! : concatData(parts));
      }),
    );
    return out;
  }

  /** Splits row ranges of the file into ranges inside batches, in order. */
  private batchPieces(ranges: { start: number; end: number }[]): BatchPiece[] {
    const offsets = this.metadata.batchOffsets;
    const out: BatchPiece[] = [];
    let batch = 0;
    for (const range of ranges) {
      let row = range.start;
      while (row < range.end) {
        while (batch + 1 < offsets.length && offsets[batch + 1]! <= row) batch++;
        if (batch + 1 >= offsets.length) throw new CorruptFileError(this.path, undefined, `row ${row} is in no batch`);
        const end = Math.min(range.end, offsets[batch + 1]!);
        out.push({ batch, start: row - offsets[batch]!, end: end - offsets[batch]! });
        row = end;
      }
    }
    return out;
  }

  private page(field: LanceField, batch: number): LegacyPage {
    const page = this.pages.get(field.id)?.[batch];
    if (!page) throw new CorruptFileError(this.path, undefined, `the page table has no page for field "${field.name}" (id ${field.id}) in batch ${batch}`);
    return page;
  }

  private ctx(page: LegacyPage): DecodeContext {
    return { path: this.path, byteOffset: page.position };
  }

  private async bytes(position: number, size: number, what: string): Promise<Uint8Array> {
    if (size === 0) return new Uint8Array(0);
    if (position < 0 || position + size > this.fileSize) {
      throw new CorruptFileError(this.path, position, `${what} (${size} bytes at ${position}) passes the end of the file (size ${this.fileSize})`);
    }
    return this.fetcher.get(position, size);
  }

  private checkRows(field: LanceField, page: LegacyPage, end: number, extra: number): void {
    if (end + extra > page.length) {
      throw new CorruptFileError(this.path, page.position, `field "${field.name}" page holds ${page.length} values, rows up to ${end} were asked for`);
    }
  }

  /** Rows [start, end) of a batch of one field (and its children). */
  private async readArray(arrow: Field, lance: LanceField, batch: number, start: number, end: number): Promise<Data> {
    const type = arrow.type;
    const kind = legacyPageKind(type);
    switch (kind) {
      case "null": {
        // nothing is stored, so the count alone is bounded before anything is allocated
        const page = this.page(lance, batch);
        this.checkRows(lance, page, end, 0);
        checkCount(end - start, this.ctx(page), `null values of "${lance.name}"`);
        return nullData(type, end - start);
      }
      case "plain":
        return this.readPlain(arrow, lance, batch, start, end);
      case "binary": {
        const page = this.page(lance, batch);
        // the page length counts values; their positions have one more entry
        this.checkRows(lance, page, end, 0);
        const ctx = this.ctx(page);
        const positions = decodePositions(await this.bytes(page.position + start * 8, (end - start + 1) * 8, `positions of "${lance.name}"`), end - start + 1, 64, ctx);
        const first = positions[0]!;
        const data = await this.bytes(first, positions[end - start]! - first, `values of "${lance.name}"`);
        return decodeBinaryPage(arrow, positions, data, ctx);
      }
      case "struct": {
        const children = this.childrenOf.get(lance.id) ?? [];
        const arrowChildren = type.children;
        if (children.length !== arrowChildren.length) throw new CorruptFileError(this.path, undefined, `struct "${lance.name}" has ${children.length} fields in the schema, its type ${arrowChildren.length}`);
        const datas = await Promise.all(children.map((c, i) => this.readArray(arrowChildren[i]!, c, batch, start, end)));
        return makeData({ type, length: end - start, nullCount: 0, children: datas } as never);
      }
      case "list": {
        const page = this.page(lance, batch);
        // list positions are written as a plain column of rows + 1 values
        this.checkRows(lance, page, end, 1);
        const ctx = this.ctx(page);
        const width = isLargeListLogical(lance.logicalType) ? 64 : 32;
        const positions = decodePositions(await this.bytes(page.position + (start * width) / 8, ((end - start + 1) * width) / 8, `positions of "${lance.name}"`), end - start + 1, width, ctx);
        const item = (this.childrenOf.get(lance.id) ?? [])[0];
        if (!item) throw new CorruptFileError(this.path, undefined, `list "${lance.name}" has no item field`);
        const items = await this.readArray(type.children[0]!, item, batch, positions[0]!, positions[end - start]!);
        return buildListData(arrow, positions, items, ctx);
      }
      case "dictionary":
        return this.readDictionary(arrow, lance, [{ batch, start, end }]);
      default:
        throw new LanceError("NOT_SUPPORTED", `column "${lance.name}" of type ${String(type)} in legacy file ${this.path} cannot be read by lancets`);
    }
  }

  /** A dictionary field over several batch pieces: keys of every piece, one dictionary. */
  private async readDictionary(arrow: Field, lance: LanceField, pieces: BatchPiece[]): Promise<Data> {
    const values = this.dictionaries.get(lance.id);
    if (!values) throw new LanceError("NOT_SUPPORTED", `dictionary column "${lance.name}" of ${this.path} needs its dictionary values, which were not given`);
    const keyField = arrow.clone({ type: (arrow.type as unknown as { indices: DataType }).indices, nullable: false });
    const parts = await Promise.all(pieces.map((p) => this.readPlain(keyField, lance, p.batch, p.start, p.end)));
    const keys = parts.length === 0 ? nullData(keyField.type, 0) : parts.length === 1 ? parts[0]! : concatData(parts);
    return buildDictionaryData(arrow, keys, values, { path: this.path, byteOffset: pieces[0] ? this.page(lance, pieces[0].batch).position : 0 });
  }

  private async readPlain(arrow: Field, lance: LanceField, batch: number, start: number, end: number): Promise<Data> {
    const page = this.page(lance, batch);
    this.checkRows(lance, page, end, 0);
    const bits = plainBitsPerRow(arrow.type)!;
    const span = plainByteSpan(bits, start, end);
    const bytes = await this.bytes(page.position + span.start, span.end - span.start, `values of "${lance.name}"`);
    return decodePlainPage(arrow, bytes, span.bitShift, end - start, this.ctx(page));
  }
}

/**
 * Reads the values of a legacy dictionary field, which Lance keeps in the
 * dataset's manifest file (`path`) at the field's dictionary position:
 * plain values for integers, binary positions (values nullable: empty reads
 * as null, as Lance does) for strings.
 */
export async function readLegacyDictionary(store: ObjectStore, path: string, valueField: Field, byteOffset: number, length: number): Promise<Data> {
  const fileSize = await store.size(path);
  const ctx: DecodeContext = { path, byteOffset };
  const read = async (position: number, size: number, what: string): Promise<Uint8Array> => {
    if (size === 0) return new Uint8Array(0);
    if (position < 0 || position + size > fileSize) throw new CorruptFileError(path, position, `${what} (${size} bytes at ${position}) passes the end of the file (size ${fileSize})`);
    const got = await store.readRange(path, position, size);
    if (got.byteLength !== size) throw new CorruptFileError(path, position, `read ${got.byteLength} bytes of ${what}, expected ${size}`);
    return got;
  };
  const kind = legacyPageKind(valueField.type);
  if (kind === "binary") {
    if ((length + 1) * 8 > fileSize) throw new CorruptFileError(path, byteOffset, `dictionary of ${length} values cannot fit the file (size ${fileSize})`);
    const positions = decodePositions(await read(byteOffset, (length + 1) * 8, "dictionary positions"), length + 1, 64, ctx);
    const data = await read(positions[0]!, positions[length]! - positions[0]!, "dictionary values");
    return decodeBinaryPage(valueField.clone({ nullable: true }), positions, data, ctx);
  }
  if (kind === "plain") {
    const span = plainByteSpan(plainBitsPerRow(valueField.type)!, 0, length);
    if (span.end > fileSize) throw new CorruptFileError(path, byteOffset, `dictionary of ${length} values cannot fit the file (size ${fileSize})`);
    return decodePlainPage(valueField, await read(byteOffset, span.end, "dictionary values"), 0, length, ctx);
  }
  throw new LanceError("NOT_SUPPORTED", `dictionary values of type ${String(valueField.type)} are not supported`);
}
