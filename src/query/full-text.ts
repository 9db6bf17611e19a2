// Full-text search over INVERTED / FTS segments: BM25 with corpus statistics
// summed over every partition of every segment (as Lance scores), deleted and
// uncovered rows dropped, and fragments no segment covers searched by a flat
// scan scored with the same statistics.

import { Float32, makeData, RecordBatch, Schema, Field, Struct, Table, type Data } from "apache-arrow";
import { LanceError } from "../core/errors.js";
import { CachePerOwner } from "../core/promise-cache.js";
import type { ObjectStore } from "../io/object-store.js";
import { GrowableArray } from "../core/growable-array.js";
import { hasSorted, sortUnique } from "../core/sorted-offsets.js";
import type { IndexMetadata } from "../format/table/types.js";
import { bm25Idf, bm25TermWeight } from "../index/inverted/bm25.js";
import { openInvertedSegment, type InvertedSegment, type Partition } from "../index/inverted/read.js";
import { DEFAULT_TOKENIZER_PARAMS, Tokenizer, type TokenizerParams } from "../index/inverted/tokenizer.js";
import { loadTrainingData } from "../index/training.js";
import { valueAccess } from "../index/value-order.js";
import type { Snapshot } from "../table/snapshot.js";
import { readDeletedOffsets } from "../table/deletions.js";
import { takeRows } from "../table/take.js";
import { filteredScan, rowAddressesOf } from "./filtered-scan.js";
import { BOUND_SLACK, searchPartitionWand, type WandTerm } from "./wand.js";

export interface FullTextQuery {
  query: string;
  /** The text column to search; by default the column of the dataset's full-text index. */
  columns?: string[];
}

export interface FullTextOptions {
  columns?: string[];
  limit?: number;
  withRowAddress?: boolean;
  /** Only rows matching this SQL filter are ranked (a prefilter, as Lance applies it). */
  filter?: string;
}

/** Segments are immutable (a uuid never changes contents), so opened ones are kept per store for reuse. */
const openSegments = new CachePerOwner<ObjectStore, InvertedSegment>(64);

function openCached(ds: Snapshot, meta: IndexMetadata): Promise<InvertedSegment> {
  return openSegments.of(ds.store).get(meta.uuid, () => openInvertedSegment(ds.store, meta));
}

const EMPTY = new Uint32Array(0);

interface Hit {
  rowId: number;
  score: number;
}

/**
 * The full-text index segments on a column. Segments of a version lancets does
 * not read are left out: the fragments they cover are searched flat, which
 * finds the same rows.
 */
function ftsIndexOn(ds: Snapshot, column: string | undefined): { column: string; segments: IndexMetadata[] } {
  const fts = ds.indices.filter((i) => ds.indexType(i) === "FTS");
  const names = [...new Set(fts.map((i) => i.name))];
  if (column === undefined) {
    const columns = [...new Set(fts.map((i) => ds.fieldPath(i.fields[0]!)))];
    if (columns.length !== 1) {
      throw new LanceError("INVALID_INPUT", columns.length === 0 ? "no full-text index exists; name the column to search in fullTextSearch.columns" : `several columns have full-text indexes (${columns.join(", ")}); name one in fullTextSearch.columns`);
    }
    column = columns[0]!;
  }
  const target = ds.manifest.fields.find((f) => f.parentId === -1 && f.name === column);
  if (!target) throw new LanceError("INVALID_INPUT", `column "${column}" does not exist`);
  if (target.logicalType !== "string" && target.logicalType !== "large_string") {
    throw new LanceError("INVALID_INPUT", `full-text search needs a string column; "${column}" is ${target.logicalType}`);
  }
  const name = names.find((n) => fts.some((i) => i.name === n && i.fields[0] === target.id));
  return { column, segments: name === undefined ? [] : fts.filter((i) => i.name === name && ds.unusableIndexReason(i) === undefined) };
}

/** The best `limit` hits seen: highest score first, then lowest row address. */
class TopHits {
  private readonly heap: Hit[] = []; // the worst kept hit at the root

  constructor(private readonly limit: number) {}

  /** Whether a is worse than b. */
  private static worse(a: Hit, b: Hit): boolean {
    return a.score < b.score || (a.score === b.score && a.rowId > b.rowId);
  }

  offer(score: number, rowId: number): void {
    if (this.limit <= 0) return;
    const h = this.heap;
    const hit = { score, rowId };
    if (h.length === this.limit) {
      if (!TopHits.worse(h[0]!, hit)) return;
      h[0] = hit;
      this.down(0);
      return;
    }
    h.push(hit);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!TopHits.worse(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && TopHits.worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && TopHits.worse(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  /** The score a new hit must reach to be kept (see Threshold in wand.ts). */
  threshold(): number {
    if (this.limit <= 0) return Number.POSITIVE_INFINITY;
    return this.heap.length < this.limit ? Number.NEGATIVE_INFINITY : this.heap[0]!.score;
  }

  sorted(): Hit[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.rowId - b.rowId);
  }
}

/**
 * The query terms a partition holds, in query order, with their posting
 * lists and how their stored block maxima bound this search's scores.
 */
async function partitionTerms(p: Partition, terms: string[], scoring: { idf: Map<string, number>; avgdl: number }, useStoredMaxima: boolean): Promise<WandTerm[]> {
  const numDocs = p.rowIds.length;
  const partitionAvgdl = numDocs > 0 ? p.totalTokens / numDocs : 0;
  const lengthRatio = partitionAvgdl > 0 ? Math.max(1, scoring.avgdl / partitionAvgdl) : Number.NaN;
  const found = terms.map((t) => ({ t, id: p.tokens.get(t) })).filter((x): x is { t: string; id: number } => x.id !== undefined);
  const lists = await p.postingLists(found.map((x) => x.id));
  return found.map(({ t }, k) => {
    const list = lists[k]!;
    const idf = scoring.idf.get(t)!;
    const scale = (idf / bm25Idf(list.length, Math.max(numDocs, list.length))) * lengthRatio * (1 + BOUND_SLACK);
    return { list, idf, blockScale: useStoredMaxima && Number.isFinite(scale) && scale > 0 ? scale : undefined };
  });
}

/** Rows matching `query`, with `_score`, best first. */
export async function fullTextSearch(ds: Snapshot, fts: FullTextQuery, options: FullTextOptions = {}): Promise<Table> {
  if (typeof fts.query !== "string") throw new LanceError("INVALID_INPUT", "fullTextSearch.query must be a string");
  if (fts.columns && fts.columns.length !== 1) throw new LanceError("NOT_SUPPORTED", "full-text search over several columns at once is not supported yet; name one column");
  const limit = options.limit ?? 10;
  const { column, segments } = ftsIndexOn(ds, fts.columns?.[0]);
  const current = new Map(ds.manifest.fragments.map((f) => [f.id, f]));
  const opened: InvertedSegment[] = await Promise.all(segments.map((s) => openCached(ds, s)));
  const params: Partial<TokenizerParams> = opened[0]
    ? {
        baseTokenizer: opened[0].params.baseTokenizer as TokenizerParams["baseTokenizer"],
        language: opened[0].params.language,
        maxTokenLength: opened[0].params.maxTokenLength,
        lowerCase: opened[0].params.lowerCase,
        stem: opened[0].params.stem,
        removeStopWords: opened[0].params.removeStopWords,
        asciiFolding: opened[0].params.asciiFolding,
      }
    : DEFAULT_TOKENIZER_PARAMS;
  const tokenizer = new Tokenizer(params);
  const terms = [...new Set(tokenizer.tokenize(fts.query))];

  // corpus statistics over every partition of every segment
  let numDocs = 0;
  let totalTokens = 0;
  const df = new Map<string, number>(terms.map((t) => [t, 0]));
  for (const seg of opened) {
    for (const p of seg.partitions) {
      numDocs += p.rowIds.length;
      totalTokens += p.totalTokens;
      for (const t of terms) {
        const id = p.tokens.get(t);
        if (id !== undefined) df.set(t, df.get(t)! + p.documentFrequency(id));
      }
    }
  }

  const covered = new Set<number>();
  for (const seg of opened) for (const f of seg.meta.fragmentIds ?? []) if (current.has(f)) covered.add(f);
  const unindexed = ds.manifest.fragments.filter((f) => !covered.has(f.id)).map((f) => f.id);
  const flat = unindexed.length > 0 ? await loadTrainingData(ds, column, unindexed) : undefined;
  // Indexed rows are scored with the index's statistics; flat-searched rows with
  // the index's statistics plus those of the flat documents. Of the flat
  // documents only those holding a query term are kept (row id, length and
  // each term's count, in typed arrays), however many rows are scanned.
  let flatNumDocs = numDocs;
  let flatTotalTokens = totalTokens;
  const flatDf = new Map(df);
  const termAt = new Map(terms.map((t, k) => [t, k]));
  const hitRowIds = new GrowableArray(Float64Array);
  const hitLengths = new GrowableArray(Uint32Array);
  const hitCounts = new GrowableArray(Uint32Array); // terms.length per kept document
  if (flat) {
    const access = valueAccess(flat.values);
    const offsets = flat.values.valueOffsets as Int32Array | BigInt64Array;
    const bytes = flat.values.values as Uint8Array;
    const decoder = new TextDecoder();
    const counts = new Uint32Array(terms.length);
    for (let i = 0; i < flat.rowIds.length; i++) {
      if (access.isNull(i)) continue;
      const tokens = tokenizer.tokenize(decoder.decode(bytes.subarray(Number(offsets[i]!), Number(offsets[i + 1]!))));
      if (tokens.length === 0) continue;
      flatNumDocs++;
      flatTotalTokens += tokens.length;
      counts.fill(0);
      let any = false;
      for (const t of tokens) {
        const k = termAt.get(t);
        if (k === undefined) continue;
        counts[k]!++;
        any = true;
      }
      if (!any) continue;
      hitRowIds.push(flat.rowIds[i]!);
      hitLengths.push(tokens.length);
      for (let k = 0; k < terms.length; k++) {
        hitCounts.push(counts[k]!);
        if (counts[k]! > 0) flatDf.set(terms[k]!, flatDf.get(terms[k]!)! + 1);
      }
    }
  }
  const flatAvgdl = flatNumDocs > 0 ? flatTotalTokens / flatNumDocs : 0;
  const flatIdf = new Map(terms.map((t) => [t, Math.fround(bm25Idf(flatDf.get(t)!, Math.max(flatNumDocs, flatDf.get(t)!)))]));
  const avgdl = numDocs > 0 ? totalTokens / numDocs : 0;
  const idf = new Map(terms.map((t) => [t, Math.fround(bm25Idf(df.get(t)!, Math.max(numDocs, df.get(t)!)))]));

  const stable = (ds.manifest.readerFeatureFlags & 2n) !== 0n;
  // rows that still exist: present now, not deleted
  const toAddress = await rowAddressesOf(ds);
  // row sets as sorted offsets per fragment: a filter may match more rows than a JS Set holds
  const deleted = new Map<number, Uint32Array>();
  for (const f of ds.manifest.fragments) if (f.deletionFile) deleted.set(f.id, await readDeletedOffsets(ds.store, f));
  let allowed: Map<number, Uint32Array> | undefined;
  if (options.filter !== undefined) {
    const matching = await filteredScan(ds, { filter: options.filter, columns: [], withRowAddress: true });
    const collected = new Map<number, GrowableArray<Uint32Array>>();
    for (const batch of matching.batches) {
      for (const raw of batch.getChild("_rowaddr")!.toArray() as BigUint64Array) {
        const a = Number(raw);
        const fragmentId = Math.floor(a / 0x1_0000_0000);
        let list = collected.get(fragmentId);
        if (!list) collected.set(fragmentId, (list = new GrowableArray(Uint32Array)));
        list.push(a - fragmentId * 0x1_0000_0000);
      }
    }
    allowed = new Map([...collected].map(([f, list]) => [f, sortUnique(list.view())]));
  }
  const scoring = { idf, avgdl };
  const rank = async (useStoredMaxima: boolean): Promise<TopHits | undefined> => {
    const best = new TopHits(limit);
    const offer = (rowId: number, score: number): void => {
      const address = toAddress ? toAddress(rowId) : rowId;
      if (address === undefined) return;
      const fragmentId = Math.floor(address / 0x1_0000_0000);
      if (!current.has(fragmentId)) return;
      const offset = address - fragmentId * 0x1_0000_0000;
      if (allowed && !hasSorted(allowed.get(fragmentId) ?? EMPTY, offset)) return;
      const gone = deleted.get(fragmentId);
      if (gone && hasSorted(gone, offset)) return;
      best.offer(Math.fround(score), address);
    };
    // the flat documents first: few, and their scores raise the threshold the index search prunes with
    for (let d = 0; d < hitRowIds.length; d++) {
      let s = 0;
      terms.forEach((t, k) => {
        const tf = hitCounts.get(d * terms.length + k);
        if (tf) s += flatIdf.get(t)! * bm25TermWeight(tf, hitLengths.get(d), flatAvgdl);
      });
      if (s > 0) offer(hitRowIds.get(d), s);
    }
    const searches = await Promise.all(opened.flatMap((seg) => seg.partitions.map(async (p) => ({ seg, p, terms: await partitionTerms(p, terms, scoring, useStoredMaxima) }))));
    for (const { seg, p, terms: wandTerms } of searches) {
      if (wandTerms.length === 0) continue;
      // a segment answers only for the fragments it covers that still exist
      const segFragments = new Set((seg.meta.fragmentIds ?? []).filter((f) => current.has(f)));
      const ok = searchPartitionWand(wandTerms, p.numTokens, avgdl, best, (doc, score) => {
        const rowId = p.rowIds[doc]!;
        if (!stable && !segFragments.has(Math.floor(rowId / 0x1_0000_0000))) return;
        offer(rowId, score);
      });
      if (!ok) return undefined;
    }
    return best;
  };
  // a segment whose stored block maxima prove too low is searched again without them
  const best = (await rank(true)) ?? (await rank(false))!;
  const hits = best.sorted();
  const top = hits;
  const rows = await takeRows(ds, top.map((h) => BigInt(h.rowId)), { ...(options.columns ? { columns: options.columns } : {}), withRowAddress: options.withRowAddress ?? false });
  const scoreData = makeData({ type: new Float32(), length: top.length, nullCount: 0, data: Float32Array.from(top, (h) => h.score) });
  const schema = new Schema([...rows.schema.fields, new Field("_score", new Float32(), false)], rows.schema.metadata);
  const children: Data[] = rows.schema.fields.map((f) => (rows.numRows > 0 ? rows.getChild(f.name)!.data[0]! : makeData({ type: f.type, length: 0, nullCount: 0 } as never)));
  if (top.length === 0) return new Table(schema);
  const struct = makeData({ type: new Struct(schema.fields), length: top.length, nullCount: 0, children: [...children, scoreData] });
  return new Table([new RecordBatch(schema, struct)]);
}
