// Searching one index segment for a single-column predicate. BTREE, BITMAP and
// LABEL_LIST answer exactly; ZONEMAP answers "at most" (candidate rows to
// recheck). LABEL_LIST answers only the list functions (array_has_any: the
// union of the items' bitmaps; array_has_all: their intersection), the
// other kinds only the other predicates. NGRAM answers contains(col, 'x')
// "at most": the rows holding every trigram of x.
// Results are physical row offsets per fragment.

import { DataType, makeVector, Type, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { CachePerOwner } from "../core/promise-cache.js";
import { intersectSorted } from "../core/sorted-offsets.js";
import { isValidAt } from "../format/file/leaf-values.js";
import { openFileReader, openFileReaderCached, type DataFileReader } from "../file/open-file-reader.js";
import { decodeRowAddrTreeMap } from "../format/index/row-addr-map.js";
import { sbbfMayContain } from "../format/index/sbbf.js";
import { intersectRoaringTreemaps, viewRoaringTreemap } from "../format/index/roaring-treemap.js";
import { substringTokens } from "../index/ngram/tokens.js";
import { Xxh64 } from "../core/xxhash64.js";
import type { ObjectStore } from "../io/object-store.js";
import type { IndexMetadata } from "../format/table/types.js";
import type { Snapshot } from "../table/snapshot.js";
import { nanSamples } from "../index/zonemap/stats.js";
import { searchBtreePages } from "./btree-search.js";
import { evaluate, rowComparator, TRUE } from "./filter-eval.js";
import type { Expr, Literal } from "./filter-parse.js";
import { RowCollector } from "./row-collector.js";

export type IndexablePredicate = Extract<Expr, { kind: "cmp" | "between" | "in" | "isnull" | "like" | "array" | "contains" }>;

export interface SegmentResult {
  /** Fragment id -> matching (or candidate) physical offsets, sorted and distinct. */
  rows: Map<number, Uint32Array>;
  exact: boolean;
}

/** Whether an index can answer this predicate without false negatives. */
export function indexable(e: Expr): e is IndexablePredicate {
  switch (e.kind) {
    case "cmp":
      return e.op !== "!=" && e.value.kind !== "null";
    case "between":
      return !e.negated && e.low.kind !== "null" && e.high.kind !== "null";
    case "in":
      return !e.negated && e.values.length > 0 && e.values.every((v) => v.kind !== "null");
    case "isnull":
      return true;
    case "like":
      return !e.negated && !e.caseInsensitive && e.pattern.endsWith("%") && ![...e.pattern.slice(0, -1)].some((c) => c === "%" || c === "_" || c === e.escape);
    case "array":
      // no values: every row (all) or none (any), answered by the recheck alone
      return e.values.length > 0 && !(e.single && e.values[0]!.kind === "null");
    case "contains":
      return e.value.kind === "string";
    default:
      return false;
  }
}

/** Whether an index of `indexType` answers this predicate. */
export function answers(indexType: string, p: IndexablePredicate): boolean {
  // a bloom filter knows which values a zone may hold, and whether it holds nulls
  // an ngram index narrows a substring search when the substring has a trigram it indexes
  if (indexType === "NGRAM") return p.kind === "contains" && p.value.kind === "string" && substringTokens(p.value.value) !== undefined;
  if (p.kind === "contains") return false;
  if (indexType === "BLOOMFILTER") return (p.kind === "cmp" && p.op === "=") || p.kind === "in" || (p.kind === "isnull" && !p.negated);
  return (indexType === "LABEL_LIST") === (p.kind === "array");
}

/**
 * Whether an index's rows for this predicate are exactly the rows where it is
 * TRUE (not a superset), so that fragments it covers need no recheck of it. A
 * LABEL_LIST's item bitmaps decide array_has_any / array_has_all /
 * array_contains as the evaluator does: the same key comparison, a null list
 * in no bitmap (its answer is NULL, never TRUE), a NULL value matching the
 * null-item key. BTREE and BITMAP answers are exact too but still rechecked.
 */
export function settles(indexType: string, p: IndexablePredicate): boolean {
  return indexType === "LABEL_LIST" && p.kind === "array";
}

/** Opens file `name` of an index segment, with the size its metadata records (saving a size request). */
function openIndexFile(ds: Snapshot, index: IndexMetadata, name: string): Promise<DataFileReader> {
  const size = index.files.find((f) => f.path === name)?.sizeBytes;
  return openFileReader(ds.store, `_indices/${index.uuid}/${name}`, size ? { sizeBytes: size } : {});
}

interface LoadedFile {
  columns: Map<string, Data>;
  reader: DataFileReader;
}

/** Index files are immutable (a segment uuid never changes contents): loaded ones are kept per store. */
const loadedFiles = new CachePerOwner<ObjectStore, LoadedFile>(128);

async function loadFile(ds: Snapshot, index: IndexMetadata, name: string): Promise<LoadedFile> {
  return loadedFiles.of(ds.store).get(`${index.uuid}/${name}`, async () => {
    const reader = await openIndexFile(ds, index, name);
    const top = reader.schema.fields.filter((f) => f.parentId === -1);
    const data = await reader.readFields(top.map((f) => f.id));
    return { reader, columns: new Map(top.map((f) => [f.name, data.get(f.id)!])) };
  });
}

function column(file: LoadedFile, name: string, where: string): Data {
  const c = file.columns.get(name);
  if (!c) throw new LanceError("CORRUPT_FILE", `index file ${where} has no column ${name}`);
  return c;
}

/** TRUE rows of the predicate over `values` (the index's own copy of the column). */
function matching(p: IndexablePredicate, values: Data): Uint8Array {
  return evaluate(p, () => values, values.length);
}

function bounds(p: IndexablePredicate): { lo?: Literal; hi?: Literal; points?: Literal[]; prefix?: string } {
  switch (p.kind) {
    case "cmp":
      if (p.op === "=") return { lo: p.value, hi: p.value };
      if (p.op === "<" || p.op === "<=") return { hi: p.value };
      return { lo: p.value };
    case "between":
      return { lo: p.low, hi: p.high };
    case "in":
      return { points: p.values };
    case "like":
      return { prefix: p.pattern.slice(0, -1) };
    default:
      return {};
  }
}

/** Whether a float statistic is NaN: an old writer's NaN bound, read as unknown. */
function isNaNAt(data: Data, i: number): boolean {
  if (data.type.typeId !== Type.Float) return false;
  const v = data.values as Uint16Array | Float32Array | Float64Array;
  return v instanceof Uint16Array ? (v[i]! & 0x7fff) > 0x7c00 : Number.isNaN(v[i]!);
}

/**
 * A test of whether [min, max] (row i of the statistics) may hold a match,
 * built once for all rows (bounds and comparators are made here, not per
 * row). A null or NaN bound is unknown: it bounds nothing on its side.
 */
function rangeTester(p: IndexablePredicate, column: string, mins: Data, maxs: Data): (i: number) => boolean {
  const b = bounds(p);
  const minOpen = (i: number): boolean => !isValidAt(mins, i) || isNaNAt(mins, i);
  const maxOpen = (i: number): boolean => !isValidAt(maxs, i) || isNaNAt(maxs, i);
  // -1 below, 0 equal, 1 above the literal; an unknown bound compares as open on its side
  const belowOrAt = (lit: Literal): ((i: number) => boolean) => {
    const cmp = rowComparator(column, mins, lit);
    return (i) => minOpen(i) || cmp(i) <= 0;
  };
  const atOrAbove = (lit: Literal): ((i: number) => boolean) => {
    const cmp = rowComparator(column, maxs, lit);
    return (i) => maxOpen(i) || cmp(i) >= 0;
  };
  if (b.points) {
    const tests = b.points.map((v) => ({ min: belowOrAt(v), max: atOrAbove(v) }));
    return (i) => tests.some((t) => t.min(i) && t.max(i));
  }
  if (b.prefix !== undefined) {
    const minTest = belowOrAt({ kind: "string", value: `${b.prefix}\u{10FFFF}` });
    const maxTest = atOrAbove({ kind: "string", value: b.prefix });
    return (i) => minTest(i) && maxTest(i);
  }
  const maxTest = b.lo ? atOrAbove(b.lo) : undefined;
  const minTest = b.hi ? belowOrAt(b.hi) : undefined;
  return (i) => (maxTest === undefined || maxTest(i)) && (minTest === undefined || minTest(i));
}

/**
 * Adds the rows of one serialized row-address bitmap (a bitmap or label-list
 * index entry) to `rows`: as offsets per fragment, or, where the index holds
 * stable row ids, through `toAddress`, dropping ids with no live address.
 */
function addBitmapRows(rows: RowCollector, bitmap: Uint8Array, where: string, what: string, toAddress?: (rowId: number) => number | undefined): void {
  const { fragments, wholeFragments } = decodeRowAddrTreeMap(bitmap, where);
  if (wholeFragments.length > 0) throw new LanceError("NOT_SUPPORTED", `${what} selects whole fragments, which lancets does not expand`);
  for (const { fragmentId, offsets } of fragments) {
    if (!toAddress) {
      rows.addOffsets(fragmentId, offsets);
      continue;
    }
    const base = fragmentId * 0x1_0000_0000;
    for (let i = 0; i < offsets.length; i++) {
      const address = toAddress(base + offsets[i]!);
      if (address !== undefined) rows.addAddress(address);
    }
  }
}

/**
 * Searches one segment. BITMAP and version-0 BTREE segments hold row ids: on
 * datasets with stable row ids, `toAddress` maps them to row addresses
 * (undefined for rows that no longer exist); version-1 BTREE segments hold row
 * addresses already (the caller passes no `toAddress`).
 */
export async function searchSegment(ds: Snapshot, index: IndexMetadata, indexType: string, p: IndexablePredicate, toAddress?: (rowId: number) => number | undefined): Promise<SegmentResult> {
  const rows = new RowCollector();
  if (indexType === "BITMAP") {
    const f = await loadFile(ds, index, "bitmap_page_lookup.lance");
    const keys = column(f, "keys", "bitmap_page_lookup.lance");
    const bitmaps = makeVector(column(f, "bitmaps", "bitmap_page_lookup.lance"));
    const hits = p.kind === "isnull" ? null : matching(p, keys);
    for (let k = 0; k < keys.length; k++) {
      const keyNull = !isValidAt(keys, k);
      const take = p.kind === "isnull" ? keyNull !== p.negated : hits![k] === TRUE;
      if (!take) continue;
      addBitmapRows(rows, bitmaps.get(k) as Uint8Array, `_indices/${index.uuid}/bitmap_page_lookup.lance`, `bitmap index ${index.name}`, toAddress);
    }
    return { rows: rows.finish(), exact: true };
  }
  if (indexType === "LABEL_LIST" && p.kind === "array") return { rows: await searchLabelList(ds, index, p, toAddress), exact: true };
  if (indexType === "BLOOMFILTER") return { rows: await searchBloomFilter(ds, index, p), exact: false };
  if (indexType === "NGRAM" && p.kind === "contains") return { rows: await searchNgram(ds, index, p, toAddress), exact: false };
  if (indexType === "BTREE") {
    const lookup = await loadFile(ds, index, "page_lookup.lance");
    const mins = column(lookup, "min", "page_lookup.lance");
    const maxs = column(lookup, "max", "page_lookup.lance");
    const nullCounts = makeVector(column(lookup, "null_count", "page_lookup.lance")).toArray() as Uint32Array;
    const batchSize = Number(new TextDecoder().decode(lookup.reader.schema.metadata.batch_size ?? new TextEncoder().encode("4096")));
    const dataSize = index.files.find((x) => x.path === "page_data.lance")?.sizeBytes;
    const reader = await openFileReaderCached(ds.store, `_indices/${index.uuid}/page_data.lance`, dataSize ? { sizeBytes: dataSize } : {});
    const top = reader.schema.fields.filter((x) => x.parentId === -1);
    // Lance reads the two columns by position: older releases named the second "row_ids"
    const valuesField = top.find((x) => x.name === "values") ?? top[0];
    const idsField = top.find((x) => x.name === "ids") ?? top[1];
    if (!valuesField || !idsField || valuesField === idsField) {
      throw new LanceError("CORRUPT_FILE", `corrupt file _indices/${index.uuid}/page_data.lance: expected value and row id columns, found ${top.map((x) => x.name).join(", ")}`);
    }
    const mayMatch = p.kind === "isnull" ? undefined : rangeTester(p, p.column, mins, maxs);
    await searchBtreePages(p, { mins, maxs, nullCounts, batchSize, numRows: reader.numRows }, mayMatch, reader, valuesField.id, idsField.id, rows, toAddress);
    return { rows: rows.finish(), exact: true };
  }
  if (indexType === "ZONEMAP") {
    const f = await loadFile(ds, index, "zonemap.lance");
    const mins = column(f, "min", "zonemap.lance");
    const maxs = column(f, "max", "zonemap.lance");
    const nullCounts = makeVector(column(f, "null_count", "zonemap.lance")).toArray() as Uint32Array;
    const nanCounts = makeVector(column(f, "nan_count", "zonemap.lance")).toArray() as Uint32Array;
    const fragments = makeVector(column(f, "fragment_id", "zonemap.lance")).toArray() as BigUint64Array;
    const starts = makeVector(column(f, "zone_start", "zonemap.lance")).toArray() as BigUint64Array;
    const lengths = makeVector(column(f, "zone_length", "zonemap.lance")).toArray() as BigUint64Array;
    // a zone may match through its ordinary values (null bounds: unknown) or its NaNs (either sign, any payload)
    const nans = p.kind === "isnull" ? undefined : nanSamples(mins.type);
    const nanMatches = nans !== undefined && matching(p, nans).includes(TRUE);
    const rowsOf = new Map(ds.manifest.fragments.map((fr) => [fr.id, fr.physicalRows]));
    const mayMatch = p.kind === "isnull" ? undefined : rangeTester(p, p.column, mins, maxs);
    for (let z = 0; z < mins.length; z++) {
      const len = Number(lengths[z]!);
      let candidate: boolean;
      if (p.kind === "isnull") candidate = p.negated ? nullCounts[z]! < len : nullCounts[z]! > 0;
      else {
        const ordinary = nullCounts[z]! + nanCounts[z]! < len && mayMatch!(z);
        candidate = ordinary || (nanCounts[z]! > 0 && nanMatches);
      }
      if (!candidate) continue;
      // a zone reaches no further than its fragment's rows (a damaged length cannot make it larger)
      const fragment = Number(fragments[z]!);
      const physicalRows = rowsOf.get(fragment);
      if (physicalRows === undefined) continue;
      const start = Number(starts[z]!);
      rows.addRange(fragment, start, Math.min(start + len, physicalRows));
    }
    return { rows: rows.finish(), exact: false };
  }
  throw new LanceError("NOT_SUPPORTED", `searching ${indexType} indexes is not supported`);
}

/** Rows of a LABEL_LIST segment holding any (or all) of the predicate's values. */
async function searchLabelList(ds: Snapshot, index: IndexMetadata, p: Extract<Expr, { kind: "array" }>, toAddress?: (rowId: number) => number | undefined): Promise<Map<number, Uint32Array>> {
  const where = `_indices/${index.uuid}/bitmap_page_lookup.lance`;
  const f = await loadFile(ds, index, "bitmap_page_lookup.lance");
  const keys = column(f, "keys", "bitmap_page_lookup.lance");
  const bitmaps = makeVector(column(f, "bitmaps", "bitmap_page_lookup.lance"));
  const rowsOfKeys = (take: (k: number) => boolean): Map<number, Uint32Array> => {
    const rows = new RowCollector();
    for (let k = 0; k < keys.length; k++) {
      if (!take(k)) continue;
      addBitmapRows(rows, bitmaps.get(k) as Uint8Array, where, `label list index ${index.name}`, toAddress);
    }
    return rows.finish();
  };
  // a NULL value matches the null key (rows holding a null item)
  const keyMatches = p.values.map((v) => {
    if (v.kind === "null") return (k: number) => !isValidAt(keys, k);
    const cmp = rowComparator(p.column, keys, v);
    return (k: number) => isValidAt(keys, k) && cmp(k) === 0;
  });
  if (p.fn === "any") return rowsOfKeys((k) => keyMatches.some((m) => m(k)));
  let out: Map<number, Uint32Array> | undefined;
  for (const m of keyMatches) {
    const rows = rowsOfKeys(m);
    if (!out) {
      out = rows;
      continue;
    }
    const next = new Map<number, Uint32Array>();
    for (const [fragment, offsets] of out) {
      const other = rows.get(fragment);
      if (other) next.set(fragment, intersectSorted(offsets, other));
    }
    out = next;
  }
  return out ?? new Map();
}

/**
 * The little-endian bytes Lance hashes for a literal compared with a column of
 * `type` (both zeros for a float zero, which SQL equates), or undefined when
 * the bloom filter cannot rule out any zone for it (NaN, types Lance does not
 * hash the literal as).
 */
function bloomValueBytes(type: DataType, lit: Literal): Uint8Array[] | undefined {
  if (DataType.isInt(type) && lit.kind === "number" && lit.integer) {
    const width = type.bitWidth / 8;
    const out = new Uint8Array(width);
    let v = BigInt.asUintN(type.bitWidth, BigInt(lit.text));
    for (let k = 0; k < width; k++, v >>= 8n) out[k] = Number(v & 0xffn);
    return [out];
  }
  if (DataType.isFloat(type) && lit.kind === "number" && type.precision !== 0) {
    const single = type.precision === 1;
    const x = single && !lit.cast ? Math.fround(lit.value) : lit.value;
    if (Number.isNaN(x) || (single && Math.fround(x) !== x)) return undefined;
    const bytes = (v: number): Uint8Array => {
      const out = new Uint8Array(single ? 4 : 8);
      const view = new DataView(out.buffer);
      if (single) view.setFloat32(0, v, true);
      else view.setFloat64(0, v, true);
      return out;
    };
    return x === 0 ? [bytes(0), bytes(-0)] : [bytes(x)];
  }
  if (DataType.isUtf8(type) && lit.kind === "string") return [new TextEncoder().encode(lit.value)];
  if (DataType.isLargeUtf8(type) && lit.kind === "string") return [new TextEncoder().encode(lit.value)];
  if (DataType.isDate(type) && type.unit === 0 && lit.kind === "date") {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, lit.days, true);
    return [out];
  }
  return undefined;
}

/** Candidate rows of a BLOOMFILTER segment: the zones that may hold one of the values (or a null). */
async function searchBloomFilter(ds: Snapshot, index: IndexMetadata, p: IndexablePredicate): Promise<Map<number, Uint32Array>> {
  const name = "bloomfilter.lance";
  const where = `_indices/${index.uuid}/${name}`;
  const f = await loadFile(ds, index, name);
  const fragments = makeVector(column(f, "fragment_id", name)).toArray() as BigUint64Array;
  const starts = makeVector(column(f, "zone_start", name)).toArray() as BigUint64Array;
  const lengths = makeVector(column(f, "zone_length", name)).toArray() as BigUint64Array;
  const hasNull = column(f, "has_null", name);
  const filters = makeVector(column(f, "bloom_filter_data", name));
  const field = ds.manifest.fields.find((x) => x.parentId === -1 && x.name === p.column);
  const type = field ? ds.schema.fields[ds.manifest.fields.filter((x) => x.parentId === -1).indexOf(field)]?.type : undefined;
  // each hash as its [hi, lo] halves
  let hashes: [number, number][] | undefined = [];
  const hasher = new Xxh64();
  if (p.kind === "cmp" || p.kind === "in") {
    for (const lit of p.kind === "cmp" ? [p.value] : p.values) {
      const alternatives = type ? bloomValueBytes(type, lit) : undefined;
      if (!alternatives) {
        hashes = undefined;
        break;
      }
      for (const bytes of alternatives) {
        hasher.hash(bytes);
        hashes.push([hasher.hi, hasher.lo]);
      }
    }
  }
  const rows = new RowCollector();
  const fragmentsById = new Map(ds.manifest.fragments.map((fr) => [fr.id, fr]));
  const nullBits = hasNull.values as Uint8Array;
  for (let z = 0; z < fragments.length; z++) {
    const fragment = fragmentsById.get(Number(fragments[z]!));
    if (!fragment) continue;
    let candidate: boolean;
    if (p.kind === "isnull") candidate = ((nullBits[(hasNull.offset + z) >> 3]! >> ((hasNull.offset + z) & 7)) & 1) === 1;
    else if (!hashes) candidate = true;
    else {
      const filter = filters.get(z) as Uint8Array;
      candidate = hashes.some(([hi, lo]) => sbbfMayContain(filter, hi, lo, where));
    }
    if (!candidate) continue;
    // zones count the live rows a build read: after deletions they need not be physical offsets, so the whole fragment is a candidate
    if (fragment.deletionFile) rows.addRange(fragment.id, 0, fragment.physicalRows);
    else {
      const start = Number(starts[z]!);
      rows.addRange(fragment.id, start, Math.min(start + Number(lengths[z]!), fragment.physicalRows));
    }
  }
  return rows.finish();
}

interface NgramTokens {
  reader: DataFileReader;
  /** Token -> its row in the posting file. */
  rowOf: Map<number, number>;
  postingFieldId: number;
}

/**
 * The token column of NGRAM posting files, kept per store: a search reads
 * only the posting lists of its substring's trigrams.
 */
const ngramTokens = new CachePerOwner<ObjectStore, NgramTokens>(128);

async function loadNgramTokens(ds: Snapshot, index: IndexMetadata, name: string): Promise<NgramTokens> {
  return ngramTokens.of(ds.store).get(`${index.uuid}/${name}`, async () => {
    const reader = await openIndexFile(ds, index, name);
    const top = reader.schema.fields.filter((f) => f.parentId === -1);
    const tokensField = top.find((f) => f.name === "tokens");
    const postingField = top.find((f) => f.name === "posting_list");
    if (!tokensField || !postingField) throw new LanceError("CORRUPT_FILE", `index file _indices/${index.uuid}/${name} has columns ${top.map((f) => f.name).join(", ")}, not tokens and posting_list`);
    const tokens = (await reader.readFields([tokensField.id])).get(tokensField.id)!;
    const values = tokens.values as Uint32Array;
    const rowOf = new Map<number, number>();
    for (let k = 0; k < tokens.length; k++) if (isValidAt(tokens, k)) rowOf.set(values[k]!, k);
    return { reader, rowOf, postingFieldId: postingField.id };
  });
}

/**
 * Candidate rows of an NGRAM segment for contains(col, 'x'): those holding
 * every trigram of x (none when one is absent). The posting lists are read in
 * one call and intersected container by container, smallest list first,
 * without decoding the containers of keys some list lacks.
 */
async function searchNgram(ds: Snapshot, index: IndexMetadata, p: Extract<Expr, { kind: "contains" }>, toAddress?: (rowId: number) => number | undefined): Promise<Map<number, Uint32Array>> {
  const name = "ngram_postings.lance";
  const where = `_indices/${index.uuid}/${name}`;
  const tokens = p.value.kind === "string" ? substringTokens(p.value.value) : undefined;
  if (!tokens) throw new LanceError("INTERNAL", `an NGRAM index cannot narrow ${showContains(p)}`);
  const { reader, rowOf, postingFieldId } = await loadNgramTokens(ds, index, name);
  const postingRows = new Set<number>();
  for (const token of tokens) {
    const row = rowOf.get(token);
    // a trigram no row holds: no row holds the substring
    if (row === undefined) return new Map();
    postingRows.add(row);
  }
  const data = (await reader.readFieldRows([postingFieldId], Uint32Array.from([...postingRows].sort((x, y) => x - y)))).get(postingFieldId)!;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const lists = [];
  for (let k = 0; k < data.length; k++) lists.push(viewRoaringTreemap(bytes.subarray(offsets[k]!, offsets[k + 1]!), where));
  const rows = new RowCollector();
  for (const { high, lows } of intersectRoaringTreemaps(lists)) {
    // row addresses: the high word is the fragment, the low words its offsets
    if (!toAddress) rows.addOffsets(high, lows);
    else {
      const base = high * 0x1_0000_0000;
      for (let i = 0; i < lows.length; i++) {
        const address = toAddress(base + lows[i]!);
        if (address !== undefined) rows.addAddress(address);
      }
    }
  }
  return rows.finish();
}

function showContains(p: Extract<Expr, { kind: "contains" }>): string {
  return `contains(${p.column}, ${p.value.kind === "string" ? JSON.stringify(p.value.value) : "NULL"})`;
}
