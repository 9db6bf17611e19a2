// Filtered reads. The filter is split into its top-level AND terms; each term
// on a column with a BTREE, BITMAP, ZONEMAP or LABEL_LIST index is answered by searching
// every segment of that index. A fragment covered by at least one such term
// reads only the candidate rows (the intersection of the terms' answers) and
// rechecks the whole filter on them; other fragments are scanned. Deleted rows
// never come back. Where index answers settle the whole filter on a fragment
// (they are exactly its TRUE rows, see settles()), the filter's columns are
// not read there: a count reads nothing, a projection reads only its own
// columns at the matching rows.

import { makeData, RecordBatch, Schema, Struct, Table, type Data } from "apache-arrow";
import { dataByteLength, takeData } from "../core/arrow-data.js";
import { LanceError } from "../core/errors.js";
import { intersectSorted, lowerBound, subtractSorted, unionSorted } from "../core/sorted-offsets.js";
import type { Fragment, IndexMetadata } from "../format/table/types.js";
import { holdsRowAddresses } from "../format/index/index-type.js";
import type { Snapshot } from "../table/snapshot.js";
import { liveOffsets, readDeletedOffsets } from "../table/deletions.js";
import { nextWindowRows, planProjection, readFragmentColumns, readStableRowIds, rowAddressData, rowIdData, type CountOptions, type ScanOptions } from "../table/scan.js";
import { evaluate, TRUE, validateFilter } from "./filter-eval.js";
import { filterColumns, parseFilter, showExpr, type Expr } from "./filter-parse.js";
import { answers, indexable, searchSegment, settles, type IndexablePredicate } from "./index-search.js";
import { RowAddressIndex } from "./row-addresses.js";

export interface IgnoredSegment {
  index: string;
  uuid: string;
  reason: string;
}

export interface PredicatePlan {
  predicate: string;
  index?: { name: string; type: string; segments: { uuid: string; fragments: number[] }[]; fragments: number[]; exact: boolean };
  /** Segments of an index on the column that lancets does not use; their fragments are not answered by an index. */
  ignored?: IgnoredSegment[];
}

export interface QueryPlan {
  filter: string;
  predicates: PredicatePlan[];
  /**
   * readWhole: so many candidates that reading the fragment whole is cheaper than reading them;
   * settled: the candidates are exactly the matching rows, so the filter is not rechecked.
   */
  fragments: { id: number; mode: "index" | "scan"; candidateRows?: number; readWhole?: boolean; settled?: boolean }[];
}


const PREFERENCE = ["BTREE", "BITMAP", "ZONEMAP", "BLOOMFILTER", "LABEL_LIST", "NGRAM"];

interface ColumnIndex {
  name: string;
  type: string;
  segments: IndexMetadata[];
}

/** The preferred usable index on a column, and the segments of its indexes that cannot be used. */
function indexFor(ds: Snapshot, column: string, term?: IndexablePredicate): { index?: ColumnIndex; ignored: IgnoredSegment[] } {
  const ignored: IgnoredSegment[] = [];
  const field = ds.manifest.fields.find((f) => f.parentId === -1 && f.name === column);
  if (!field) return { ignored };
  const byName = new Map<string, IndexMetadata[]>();
  for (const i of ds.indices) if (i.fields.length === 1 && i.fields[0] === field.id) byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
  let best: ColumnIndex | undefined;
  for (const [name, all] of byName) {
    const type = ds.indexType(all[0]!);
    const rank = PREFERENCE.indexOf(type);
    if (rank < 0) continue;
    // of a column's indexes, those that answer the term (a string column may have a BTREE and an NGRAM)
    if (term && !answers(type, term)) continue;
    const segments: IndexMetadata[] = [];
    for (const segment of all) {
      const reason = ds.unusableIndexReason(segment);
      if (reason === undefined) segments.push(segment);
      else ignored.push({ index: name, uuid: segment.uuid, reason });
    }
    if (segments.length === 0) continue;
    if (!best || rank < PREFERENCE.indexOf(best.type)) best = { name, type, segments };
  }
  return best ? { index: best, ignored } : { ignored };
}

/** Candidates that are more than this share of a fragment's rows are found by reading it whole. */
const DENSE_SHARE = 1 / 16;

function dense(candidates: number, rows: number): boolean {
  return candidates > rows * DENSE_SHARE;
}

interface Planned {
  expr: Expr;
  plan: QueryPlan;
  candidates: Candidates;
  /** Fragments whose candidates are exactly the rows matching the whole filter. */
  settled: Set<number>;
}

/** Fragment id -> candidate physical offsets, sorted and distinct. */
type Candidates = Map<number, Uint32Array>;

/** What the indexes know of an expression: candidates per fragment, and where they are exact. */
interface Found {
  rows: Candidates;
  /** Fragments on which `rows` are exactly the rows where the expression is TRUE. */
  settled: Set<number>;
}

function bothSettled(a: Set<number>, b: Set<number>): Set<number> {
  return new Set([...a].filter((f) => b.has(f)));
}

const addressIndexes = new WeakMap<Snapshot, Promise<((rowId: number) => number | undefined) | undefined>>();

/** On datasets with stable row ids, a lookup from live row id to row address (built once per opened version). */
export function rowAddressesOf(ds: Snapshot): Promise<((rowId: number) => number | undefined) | undefined> {
  let found = addressIndexes.get(ds);
  if (!found) {
    found = RowAddressIndex.build(ds).then((index) => (index ? (rowId: number) => index.lookup(rowId) : undefined));
    addressIndexes.set(ds, found);
  }
  return found;
}

/** Candidate rows per fragment from one predicate's index, or undefined when no index answers it. */
async function searchPredicate(ds: Snapshot, term: IndexablePredicate, current: Set<number>, step: PredicatePlan): Promise<Found | undefined> {
  const { index, ignored } = indexFor(ds, term.column, term);
  if (ignored.length > 0) step.ignored = ignored;
  if (!index || !answers(index.type, term)) return undefined;
  let exact = true;
  const found: Candidates = new Map();
  const used: { uuid: string; fragments: number[] }[] = [];
  for (const segment of index.segments) {
    const frags = (segment.fragmentIds ?? []).filter((f) => current.has(f));
    if (frags.length === 0) continue;
    used.push({ uuid: segment.uuid, fragments: frags });
    const result = await searchSegment(ds, segment, index.type, term, holdsRowAddresses(index.type, segment.indexVersion) ? undefined : await rowAddressesOf(ds));
    exact &&= result.exact;
    for (const f of frags) found.set(f, result.rows.get(f) ?? new Uint32Array(0));
  }
  if (found.size === 0) return undefined;
  step.index = { name: index.name, type: index.type, segments: used, fragments: [...found.keys()].sort((x, y) => x - y), exact };
  return { rows: found, settled: exact && settles(index.type, term) ? new Set(found.keys()) : new Set() };
}

function flattenAnd(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === "and") {
    flattenAnd(e.left, out);
    flattenAnd(e.right, out);
  } else out.push(e);
  return out;
}

/**
 * A lower and an upper bound on the same column (id >= 10 AND id < 20) become
 * one index search over [10, 20]: a superset of the rows, which the recheck
 * trims, found without fetching everything above 10 and everything below 20.
 */
function mergeRanges(terms: Expr[]): { term: Expr; text?: string }[] {
  const lower = new Map<string, number>();
  const upper = new Map<string, number>();
  terms.forEach((t, i) => {
    if (t.kind !== "cmp" || t.value.kind === "null") return;
    if ((t.op === ">" || t.op === ">=") && !lower.has(t.column)) lower.set(t.column, i);
    if ((t.op === "<" || t.op === "<=") && !upper.has(t.column)) upper.set(t.column, i);
  });
  const out: { term: Expr; text?: string }[] = [];
  const merged = new Set<number>();
  terms.forEach((t, i) => {
    if (merged.has(i)) return;
    if (t.kind === "cmp" && lower.has(t.column) && upper.has(t.column) && (lower.get(t.column) === i || upper.get(t.column) === i)) {
      const lo = terms[lower.get(t.column)!] as Extract<Expr, { kind: "cmp" }>;
      const hi = terms[upper.get(t.column)!] as Extract<Expr, { kind: "cmp" }>;
      merged.add(lower.get(t.column)!);
      merged.add(upper.get(t.column)!);
      out.push({ term: { kind: "between", column: t.column, low: lo.value, high: hi.value, negated: false }, text: `${showExpr(lo)} AND ${showExpr(hi)}` });
      return;
    }
    out.push({ term: t });
  });
  return out;
}

/**
 * Candidate rows per fragment for an expression: every row that can satisfy
 * it is a candidate (candidates are rechecked against the whole filter).
 * AND intersects what its sides know, OR unites where both sides know; other
 * forms (NOT, !=, ...) leave their fragments to a scan. Under SQL's three
 * values AND is TRUE where both sides are and OR where either is, so exact
 * answers stay exact on the fragments where every side is settled.
 */
async function candidatesFor(ds: Snapshot, e: Expr, current: Set<number>, steps: PredicatePlan[], useIndex: boolean, shown?: string): Promise<Found | undefined> {
  if (e.kind === "and") {
    let out: Found | undefined;
    // a term no index answers leaves every fragment to be rechecked
    let unanswered = false;
    for (const { term, text } of mergeRanges(flattenAnd(e))) {
      const found = await candidatesFor(ds, term, current, steps, useIndex, text);
      if (!found) {
        unanswered = true;
        continue;
      }
      if (!out) out = { rows: new Map(found.rows), settled: found.settled };
      else {
        for (const [f, rows] of found.rows) out.rows.set(f, out.rows.has(f) ? intersectSorted(out.rows.get(f)!, rows) : rows);
        out.settled = bothSettled(out.settled, found.settled);
      }
    }
    return out && (unanswered ? { rows: out.rows, settled: new Set() } : out);
  }
  if (e.kind === "or") {
    const left = await candidatesFor(ds, e.left, current, steps, useIndex);
    const right = await candidatesFor(ds, e.right, current, steps, useIndex);
    if (!left || !right) return undefined;
    const out: Candidates = new Map();
    for (const [f, rows] of left.rows) {
      const other = right.rows.get(f);
      if (other) out.set(f, unionSorted(rows, other));
    }
    return out.size > 0 ? { rows: out, settled: bothSettled(left.settled, right.settled) } : undefined;
  }
  const step: PredicatePlan = { predicate: shown ?? showExpr(e) };
  steps.push(step);
  if (!useIndex || !indexable(e)) return undefined;
  return searchPredicate(ds, e, current, step);
}

export async function planQuery(ds: Snapshot, filter: string, useIndex = true): Promise<Planned> {
  const expr = parseFilter(filter);
  const names = new Set(ds.manifest.fields.filter((f) => f.parentId === -1).map((f) => f.name));
  for (const c of filterColumns(expr)) if (!names.has(c)) throw new LanceError("INVALID_INPUT", `filter refers to column "${c}", which does not exist; the dataset has ${[...names].join(", ")}`);
  validateFilter(expr, (name) => ds.schema.fields.find((f) => f.name === name)!.type);
  const current = new Set(ds.manifest.fragments.map((f) => f.id));
  const predicates: PredicatePlan[] = [];
  const found = await candidatesFor(ds, expr, current, predicates, useIndex);
  const candidates = found?.rows ?? new Map<number, Uint32Array>();
  const settled = found?.settled ?? new Set<number>();
  const plan: QueryPlan = {
    filter,
    predicates,
    fragments: ds.manifest.fragments.map((f) => {
      const c = candidates.get(f.id);
      if (!c) return { id: f.id, mode: "scan" as const };
      if (settled.has(f.id)) return { id: f.id, mode: "index" as const, candidateRows: c.length, settled: true };
      return { id: f.id, mode: "index" as const, candidateRows: c.length, readWhole: dense(c.length, f.physicalRows) };
    }),
  };
  return { expr, plan, candidates, settled };
}

function compactIds(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function renderPlan(plan: QueryPlan): string {
  const lines = [`filter: ${plan.filter}`];
  for (const p of plan.predicates) {
    lines.push(
      p.index
        ? `  ${p.predicate}: ${p.index.type} index ${p.index.name}, ${p.index.exact ? "exact" : "at most (candidates rechecked)"}, ${p.index.segments.length} segment${p.index.segments.length === 1 ? "" : "s"}: ${p.index.segments.map((s) => `${s.uuid.slice(0, 8)} (fragments ${compactIds(s.fragments)})`).join(", ")}`
        : `  ${p.predicate}: no index, evaluated on the rows read`,
    );
    for (const s of p.ignored ?? []) lines.push(`    ignored segment ${s.uuid} of index ${s.index}: ${s.reason}; the predicate is evaluated on its fragments' rows`);
  }
  const byIndex = plan.fragments.filter((f) => f.mode === "index");
  const scanned = plan.fragments.filter((f) => f.mode === "scan");
  lines.push(`  fragments read by index: ${byIndex.length === 0 ? "none" : byIndex.map((f) => `${f.id} (${f.candidateRows} candidate row${f.candidateRows === 1 ? "" : "s"}${f.readWhole ? ", read whole" : ""}${f.settled ? ", exact: not rechecked" : ""})`).join(", ")}`);
  lines.push(`  fragments scanned: ${scanned.length === 0 ? "none" : compactIds(scanned.map((f) => f.id))}`);
  return lines.join("\n");
}

/** Rows of a fragment (at `offsets`, with their columns) for which the filter is true, with the columns in `kept`. */
function keepMatching(expr: Expr, needed: Parameters<typeof readFragmentColumns>[2], kept: Set<number>, offsets: Int32Array, columns: Map<number, Data>): { offsets: Int32Array; columns: Map<number, Data> } | undefined {
  if (offsets.length === 0) return undefined;
  const byName = new Map(needed.map((n) => [n.lance.name, columns.get(n.lance.id)!]));
  const result = evaluate(expr, (name) => byName.get(name)!, offsets.length);
  const keep = new Int32Array(offsets.length);
  let n = 0;
  for (let i = 0; i < offsets.length; i++) if (result[i] === TRUE) keep[n++] = i;
  if (n === 0) return undefined;
  // every row passed (an exact index's candidates): the columns are kept as read, not copied
  if (n === offsets.length) return { offsets, columns: new Map([...columns].filter(([id]) => kept.has(id))) };
  const idx = keep.subarray(0, n);
  return { offsets: idx.map((i) => offsets[i]!), columns: new Map([...columns].filter(([id]) => kept.has(id)).map(([id, d]) => [id, takeData(d, idx)])) };
}

/**
 * Matching rows of one fragment. Candidate rows are read as ranges; a fragment without
 * candidates is read in windows of rows sized as scans size them, so a filter over a column
 * that decodes to gigabytes holds one window at a time and stops early under a limit.
 * Settled candidates are the matching rows already: only the kept columns are read, at
 * no more than `limit` of them.
 */
async function* fragmentMatches(
  ds: Snapshot,
  fragment: Fragment,
  expr: Expr,
  needed: Parameters<typeof readFragmentColumns>[2],
  kept: Set<number>,
  candidates: Uint32Array | undefined,
  settled: boolean,
  limit: number,
): AsyncGenerator<{ offsets: Int32Array; columns: Map<number, Data> }> {
  const deleted = await readDeletedOffsets(ds.store, fragment);
  if (candidates && settled) {
    const live = subtractSorted(candidates, deleted);
    const wanted = live.subarray(0, Math.min(limit, lowerBound(live, fragment.physicalRows)));
    if (wanted.length === 0) return;
    const fields = needed.filter((n) => kept.has(n.lance.id));
    yield { offsets: Int32Array.from(wanted), columns: fields.length > 0 ? await readFragmentColumns(ds, fragment, fields, wanted) : new Map() };
    return;
  }
  if (candidates) {
    const live = subtractSorted(candidates, deleted);
    const wanted = live.subarray(0, lowerBound(live, fragment.physicalRows));
    if (wanted.length === 0) return;
    // late materialisation: the filter's columns are read for the candidate rows (the chunks
    // holding them, and of those only their values), the other projected columns only for the
    // rows that pass
    const names = new Set(filterColumns(expr));
    const filterFields = needed.filter((n) => names.has(n.lance.name));
    const otherFields = needed.filter((n) => !names.has(n.lance.name) && kept.has(n.lance.id));
    const read = await readFragmentColumns(ds, fragment, filterFields, wanted);
    const match = keepMatching(expr, filterFields, kept, Int32Array.from(wanted), read);
    if (!match) return;
    if (otherFields.length > 0) {
      const rest = await readFragmentColumns(ds, fragment, otherFields, Uint32Array.from(match.offsets));
      for (const [id, d] of rest) match.columns.set(id, d);
    }
    yield match;
    return;
  }
  // an empty fragment's files are still opened, so a missing or damaged one is reported
  if (fragment.physicalRows === 0) await readFragmentColumns(ds, fragment, needed);
  const live = deleted.length > 0 ? liveOffsets(fragment.physicalRows, deleted) : undefined;
  let windowRows = FIRST_WINDOW_ROWS;
  for (let start = 0; start < fragment.physicalRows; ) {
    const end = Math.min(fragment.physicalRows, start + windowRows);
    const whole = start === 0 && end === fragment.physicalRows;
    const read = await readFragmentColumns(ds, fragment, needed, whole ? undefined : { start, end });
    let decodedBytes = 0;
    for (const d of read.values()) decodedBytes += dataByteLength(d);
    let offsets: Int32Array;
    let columns = read;
    if (live) {
      offsets = live.subarray(lowerBound(live, start), lowerBound(live, end));
      const local = start === 0 ? offsets : offsets.map((o) => o - start);
      columns = new Map([...read].map(([id, d]) => [id, takeData(d, local)]));
    } else {
      offsets = new Int32Array(end - start);
      for (let i = 0; i < offsets.length; i++) offsets[i] = start + i;
    }
    const match = keepMatching(expr, needed, kept, offsets, columns);
    if (match) yield match;
    if (windowRows !== Infinity) windowRows = nextWindowRows(decodedBytes / (end - start), FIRST_WINDOW_ROWS);
    start = end;
  }
}

/** Rows of the first window a filtered fragment reads; later windows follow the decoded size. */
const FIRST_WINDOW_ROWS = 1024;

interface FragmentMatch {
  fragment: Fragment;
  offsets: Int32Array;
  columns: Map<number, Data>;
}

/** Matching rows fragment by fragment, reading the projected columns plus those the filter needs. */
async function* matchingFragments(ds: Snapshot, options: ScanOptions, projected: ReturnType<typeof planProjection>["fields"]): AsyncGenerator<FragmentMatch> {
  const { expr, candidates, settled } = await planQuery(ds, options.filter!, options.useIndex ?? true);
  const top = ds.manifest.fields.filter((f) => f.parentId === -1);
  const needed = [...projected];
  for (const name of filterColumns(expr)) {
    if (needed.some((n) => n.lance.name === name)) continue;
    const index = top.findIndex((f) => f.name === name);
    needed.push({ lance: top[index]!, arrow: ds.schema.fields[index]! });
  }
  // only the projected columns of matching rows are kept; the filter's own are dropped after it ran
  const kept = new Set(projected.map((p) => p.lance.id));
  const fragments = options.fragmentIds
    ? options.fragmentIds.map((id) => {
        const f = ds.manifest.fragments.find((x) => x.id === id);
        if (!f) throw new LanceError("NOT_FOUND", `fragment ${id} does not exist in version ${ds.version}`);
        return f;
      })
    : ds.manifest.fragments;
  for (const fragment of fragments) {
    const found = candidates.get(fragment.id);
    const exact = found !== undefined && settled.has(fragment.id);
    const read = found && (exact || !dense(found.length, fragment.physicalRows)) ? found : undefined;
    for await (const match of fragmentMatches(ds, fragment, expr, needed, kept, read, exact, options.limit ?? Infinity)) yield { fragment, ...match };
  }
}

/** Rows matching `options.filter`, in fragment order. */
export async function filteredScan(ds: Snapshot, options: ScanOptions): Promise<Table> {
  const projection = planProjection(ds, options);
  let remaining = options.limit ?? Infinity;
  const batches: RecordBatch[] = [];
  const type = new Struct(projection.schema.fields);
  if (remaining > 0) {
    for await (const match of matchingFragments(ds, options, projection.fields)) {
      let offsets = match.offsets;
      let children = projection.fields.map((f) => match.columns.get(f.lance.id)!);
      if (offsets.length > remaining) {
        offsets = offsets.subarray(0, remaining);
        children = children.map((d) => d.slice(0, remaining));
      }
      if (options.withRowId) {
        const stable = await readStableRowIds(ds, match.fragment);
        children.push(stable ? rowIdData(stable, offsets) : rowAddressData(match.fragment.id, offsets));
      }
      if (options.withRowAddress) children.push(rowAddressData(match.fragment.id, offsets));
      batches.push(new RecordBatch(projection.schema, makeData({ type, length: offsets.length, nullCount: 0, children })));
      remaining -= offsets.length;
      if (remaining <= 0) break;
    }
  }
  return batches.length > 0 ? new Table(batches) : new Table(projection.schema as Schema);
}

/** Number of rows matching the filter. */
export async function countMatching(ds: Snapshot, filter: string, options: CountOptions = {}): Promise<number> {
  let n = 0;
  for await (const match of matchingFragments(ds, { filter, useIndex: options.useIndex ?? true }, [])) n += match.offsets.length;
  return n;
}

/** How a filter would run: which index segments answer which predicates, which fragments are scanned. */
export async function explainFilter(ds: Snapshot, filter: string): Promise<string> {
  return renderPlan((await planQuery(ds, filter)).plan);
}
