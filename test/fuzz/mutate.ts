// Corruption cases: what an attacker (or a failing disk) does to a dataset.
// A case is plain JSON derived from (seed, index) alone, so any failure can be
// replayed from its seed and index; applying it damages a fresh copy of a
// fixture, with a sentinel dataset next to the copy at ../outside/secret.lance.

import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { decodeManifestFile, encodeManifestFile } from "../../src/format/table/manifest-file.js";
import type { ManifestFile } from "../../src/format/table/types.js";
import { rng } from "../helpers/oracle.js";
import type { FixtureFile, FuzzFixture } from "./fixtures.js";

export type ByteMutation =
  | { kind: "truncate"; keep: number }
  | { kind: "flip"; bits: number[] }
  | { kind: "swap"; a: number; b: number; length: number }
  | { kind: "word"; at: number; width: 4 | 8; value: string }
  | { kind: "zero"; at: number; length: number }
  | { kind: "sparse"; extraBytes: number; keepTail: boolean }
  /**
   * A huge file whose tail is moved to its end, then a word of that tail set
   * to a large offset or length that still lies inside the file; words
   * aligned from the end hit a Lance file's footer and offset tables.
   */
  | { kind: "sparse-word"; extraBytes: number; fromEnd: number; width: 4 | 8; fraction: number }
  | { kind: "delete" }
  | { kind: "directory" };

export type ManifestEdit =
  | { kind: "data-path"; fragment: number; target: "outside" | "absolute" | "etc" | "dotdot-self" | "sentinel-name" }
  | { kind: "transaction-path"; target: "outside" | "absolute" | "etc" }
  | { kind: "index-file-path"; segment: number; target: "outside" | "absolute" | "etc" }
  | { kind: "base-path"; fragment: number; withFlag: boolean }
  | { kind: "schema-cycle"; shape: "self" | "mutual" | "later-parent" | "duplicate-id" | "missing-parent" }
  | { kind: "feature-flags"; reader: string; writer: string }
  | { kind: "numbers"; field: "physicalRows" | "fileSizeBytes" | "numDeletedRows" | "columnIndex" | "fieldId" | "maxFragmentId" | "version" | "indexFragment" | "indexField" | "fragmentId"; fragment: number; value: number }
  | { kind: "type-change"; column: string; logicalType: string }
  | { kind: "swap-field-ids" }
  | { kind: "drop-data-files"; fragment: number };

export type FuzzMutation =
  | { target: "bytes"; role: string; mutation: ByteMutation }
  | { target: "manifest"; role: "manifest:latest" | "manifest:previous"; edit: ManifestEdit }
  /** Harness self-checks (never generated from a seed): they must be reported as failures. */
  | { target: "control"; kind: "type-error" | "hang" | "leak" | "memory" };

export interface FuzzCase {
  seed: number;
  index: number;
  fixture: string;
  mutations: FuzzMutation[];
}

const HUGE_WORDS = ["4294967295", "2147483648", "2147483647", "4294967296", "9007199254740993", "18446744073709551615", "9223372036854775807", "1099511627776", "65536"];
const HUGE_NUMBERS = [2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 1e12, 999_999];
const GIB = 1024 ** 3;

/** A mixing of seed and index, so neighbouring cases draw unrelated numbers. */
function caseSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** An offset biased towards the end of the file, where footers and metadata live. */
function offset(r: () => number, size: number): number {
  if (size <= 0) return 0;
  return r() < 0.6 ? Math.max(0, size - 1 - Math.floor(r() * Math.min(size, 2048))) : Math.floor(r() * size);
}

function byteMutation(r: () => number, file: FixtureFile): ByteMutation {
  const size = file.size;
  const x = r();
  if (x < 0.17) {
    const keep = pick(r, [0, 1, 4, 15, 16, 39, 40, Math.floor(size / 2), size - 1, size - 16, size - 40, Math.floor(r() * size)]);
    return { kind: "truncate", keep: Math.max(0, Math.min(size, keep)) };
  }
  if (x < 0.37) return { kind: "flip", bits: Array.from({ length: 1 + Math.floor(r() * 4) }, () => offset(r, size) * 8 + Math.floor(r() * 8)) };
  if (x < 0.47) return { kind: "swap", a: offset(r, size), b: offset(r, size), length: pick(r, [1, 2, 4, 8, 16]) };
  if (x < 0.72) return { kind: "word", at: offset(r, size), width: r() < 0.5 ? 4 : 8, value: pick(r, HUGE_WORDS) };
  if (x < 0.80) return { kind: "zero", at: offset(r, size), length: pick(r, [1, 4, 8, 64, 512]) };
  if (x < 0.86) return { kind: "sparse-word", extraBytes: pick(r, [2 * GIB + 4096, 3 * GIB]), fromEnd: 8 * (3 + Math.floor(r() * 30)), width: 8, fraction: pick(r, [0.3, 0.5, 0.9, 0.999]) };
  if (x < 0.92) return { kind: "sparse", extraBytes: pick(r, [2 * GIB + 4096, 3 * GIB, 4 * GIB + 17, 5 * GIB]), keepTail: r() < 0.5 };
  return r() < 0.7 ? { kind: "delete" } : { kind: "directory" };
}

function manifestEdit(r: () => number): ManifestEdit {
  const fragment = Math.floor(r() * 4);
  const x = r();
  if (x < 0.2) return { kind: "data-path", fragment, target: pick(r, ["outside", "absolute", "etc", "dotdot-self", "sentinel-name"] as const) };
  if (x < 0.27) return { kind: "transaction-path", target: pick(r, ["outside", "absolute", "etc"] as const) };
  if (x < 0.34) return { kind: "index-file-path", segment: Math.floor(r() * 8), target: pick(r, ["outside", "absolute", "etc"] as const) };
  if (x < 0.4) return { kind: "base-path", fragment, withFlag: r() < 0.5 };
  if (x < 0.5) return { kind: "schema-cycle", shape: pick(r, ["self", "mutual", "later-parent", "duplicate-id", "missing-parent"] as const) };
  if (x < 0.57) {
    const bit = (k: number): string => String(1n << BigInt(k));
    return { kind: "feature-flags", reader: r() < 0.5 ? bit(9 + Math.floor(r() * 50)) : "0", writer: r() < 0.7 ? bit(9 + Math.floor(r() * 50)) : "0" };
  }
  if (x < 0.85) {
    const field = pick(r, ["physicalRows", "fileSizeBytes", "numDeletedRows", "columnIndex", "fieldId", "maxFragmentId", "version", "indexFragment", "indexField", "fragmentId"] as const);
    return { kind: "numbers", field, fragment, value: pick(r, HUGE_NUMBERS) };
  }
  if (x < 0.92) return { kind: "type-change", column: pick(r, ["id", "num", "category", "price"]), logicalType: pick(r, ["string", "int64", "int8", "float", "large_binary", "struct", "fixed_size_list:float:8"]) };
  if (x < 0.96) return { kind: "swap-field-ids" };
  return { kind: "drop-data-files", fragment };
}

/** The case (seed, index) over these fixtures. */
export function generateCase(seed: number, index: number, fixtures: readonly FuzzFixture[]): FuzzCase {
  const r = rng(caseSeed(seed, index));
  const fixture = fixtures[index % fixtures.length]!;
  const mutations: FuzzMutation[] = [];
  const count = r() < 0.85 ? 1 : 2;
  for (let k = 0; k < count; k++) {
    if (r() < 0.3) {
      mutations.push({ target: "manifest", role: r() < 0.85 ? "manifest:latest" : "manifest:previous", edit: manifestEdit(r) });
      continue;
    }
    const y = r();
    const group = y < 0.2 ? "manifest:" : y < 0.55 ? "data:" : y < 0.85 ? "index:" : y < 0.93 ? "deletion:" : "";
    const candidates = fixture.files.filter((f) => (group === "" ? /^(hint|transaction)/.test(f.role) : f.role.startsWith(group)));
    const file = pick(r, candidates.length > 0 ? candidates : fixture.files);
    mutations.push({ target: "bytes", role: file.role, mutation: byteMutation(r, file) });
  }
  return { seed, index, fixture: fixture.name, mutations };
}

export interface AppliedCase {
  /** The damaged copy. */
  path: string;
  /** Directory holding the copy and the sentinel; removed afterwards. */
  root: string;
}

/**
 * Mirrors a directory tree with hard links: much faster than copying, and
 * safe because every write of the fuzz (detach below) and of lancets (staging
 * file and rename) replaces a file instead of writing into it.
 */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) linkTree(join(from, e.name), join(to, e.name));
    else linkSync(join(from, e.name), join(to, e.name));
  }
}

/** Gives `file` its own inode, so that damaging it leaves the fixture intact. */
function detach(file: string): void {
  const bytes = readFileSync(file);
  rmSync(file);
  writeFileSync(file, bytes);
}

function applyBytes(file: string, m: ByteMutation): void {
  detach(file);
  if (m.kind === "delete") {
    rmSync(file, { force: true });
    return;
  }
  if (m.kind === "directory") {
    rmSync(file, { force: true });
    mkdirSync(file);
    return;
  }
  if (m.kind === "sparse-word") {
    const bytes = readFileSync(file);
    const size = bytes.byteLength + m.extraBytes;
    truncateSync(file, size);
    const tail = new Uint8Array(bytes.subarray(Math.max(0, bytes.byteLength - 4096)));
    const at = Math.max(0, tail.byteLength - m.fromEnd);
    let value = BigInt(Math.floor(size * m.fraction));
    if (m.width === 4) value &= 0xffffffffn;
    for (let k = 0; k < m.width && at + k < tail.byteLength; k++) tail[at + k] = Number((value >> BigInt(8 * k)) & 0xffn);
    writeAt(file, size - tail.byteLength, tail);
    return;
  }
  if (m.kind === "sparse") {
    const bytes = readFileSync(file);
    const size = bytes.byteLength + m.extraBytes;
    // no disk is used: the file grows by a hole
    truncateSync(file, size);
    if (m.keepTail) {
      // the original tail (footer, metadata) moved to the new end
      const tail = bytes.subarray(Math.max(0, bytes.byteLength - 4096));
      writeAt(file, size - tail.byteLength, tail);
    }
    return;
  }
  const bytes = new Uint8Array(readFileSync(file));
  const size = bytes.byteLength;
  if (m.kind === "truncate") {
    writeFileSync(file, bytes.subarray(0, Math.min(m.keep, size)));
    return;
  }
  if (size === 0) return;
  if (m.kind === "flip") {
    for (const bit of m.bits) {
      const at = Math.floor(bit / 8) % size;
      bytes[at] = bytes[at]! ^ (1 << (bit % 8));
    }
  } else if (m.kind === "swap") {
    for (let k = 0; k < m.length; k++) {
      const a = (m.a + k) % size;
      const b = (m.b + k) % size;
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  } else if (m.kind === "word") {
    const value = BigInt(m.value);
    for (let k = 0; k < m.width; k++) {
      const at = m.at + k;
      if (at < size) bytes[at] = Number((value >> BigInt(8 * k)) & 0xffn);
    }
  } else if (m.kind === "zero") {
    bytes.fill(0, m.at, Math.min(size, m.at + m.length));
  }
  writeFileSync(file, bytes);
}

function writeAt(file: string, position: number, data: Uint8Array): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, data, 0, data.byteLength, position);
  } finally {
    closeSync(fd);
  }
}

function applyEdit(file: ManifestFile, edit: ManifestEdit, ctx: { root: string; fixture: FuzzFixture }): void {
  const m = file.manifest;
  const frag = m.fragments.length > 0 ? m.fragments[edit.kind === "data-path" || edit.kind === "base-path" || edit.kind === "numbers" || edit.kind === "drop-data-files" ? edit.fragment % m.fragments.length : 0] : undefined;
  const sentinelFile = ctx.fixture.sentinelDataFiles[(frag?.id ?? 0) % ctx.fixture.sentinelDataFiles.length]!;
  const outside = (rel: string): string => `../../outside/secret.lance/${rel}`;
  const absolute = (rel: string): string => join(ctx.root, "outside", "secret.lance", rel);
  switch (edit.kind) {
    case "data-path": {
      if (!frag || frag.files.length === 0) return;
      const d = frag.files[0]!;
      d.path =
        edit.target === "outside"
          ? outside(`data/${sentinelFile}`)
          : edit.target === "absolute"
            ? absolute(`data/${sentinelFile}`)
            : edit.target === "etc"
              ? "../../../../../../../../etc/passwd"
              : edit.target === "dotdot-self"
                ? `../data/${d.path}`
                : sentinelFile;
      return;
    }
    case "transaction-path":
      m.transactionFile = edit.target === "outside" ? "../../outside/secret.lance/_versions/1.manifest" : edit.target === "absolute" ? absolute("_versions/1.manifest") : "../../../../../../../etc/hostname";
      return;
    case "index-file-path": {
      const withFiles = file.indices.filter((i) => i.files.length > 0);
      const seg = withFiles.length > 0 ? withFiles[edit.segment % withFiles.length]! : file.indices[edit.segment % Math.max(1, file.indices.length)];
      if (!seg) return;
      const target = edit.target === "outside" ? `../../../outside/secret.lance/data/${sentinelFile}` : edit.target === "absolute" ? absolute(`data/${sentinelFile}`) : "../../../../../../../etc/passwd";
      if (seg.files.length > 0) seg.files[0]!.path = target;
      else seg.files.push({ path: target, sizeBytes: 100 });
      return;
    }
    case "base-path": {
      m.basePaths = [{ id: 7, isDatasetRoot: true, path: join(ctx.root, "outside", "secret.lance") }];
      if (frag && frag.files[0]) {
        frag.files[0].path = sentinelFile;
        frag.files[0].baseId = 7;
      }
      if (edit.withFlag) m.writerFeatureFlags |= 16n;
      if (edit.withFlag) m.readerFeatureFlags |= 16n;
      return;
    }
    case "schema-cycle": {
      const [a, b, c] = [m.fields[0], m.fields[1], m.fields[2]];
      if (!a || !b || !c) return;
      if (edit.shape === "self") b.parentId = b.id;
      else if (edit.shape === "mutual") {
        a.parentId = b.id;
        b.parentId = a.id;
      } else if (edit.shape === "later-parent") a.parentId = c.id;
      else if (edit.shape === "duplicate-id") c.id = b.id;
      else b.parentId = 9999;
      return;
    }
    case "feature-flags":
      m.readerFeatureFlags |= BigInt(edit.reader);
      m.writerFeatureFlags |= BigInt(edit.writer);
      return;
    case "numbers": {
      // int32 and uint32 proto fields take the largest value they can hold
      const int32 = Math.min(edit.value, 2 ** 31 - 1);
      const uint32 = Math.min(edit.value, 2 ** 32 - 1);
      const v = edit.value;
      if (edit.field === "physicalRows" && frag) frag.physicalRows = v;
      else if (edit.field === "fileSizeBytes" && frag?.files[0]) frag.files[0].fileSizeBytes = v;
      else if (edit.field === "numDeletedRows" && frag?.deletionFile) frag.deletionFile.numDeletedRows = v;
      else if (edit.field === "columnIndex" && frag?.files[0]) frag.files[0].columnIndices[0] = int32;
      else if (edit.field === "fieldId" && frag?.files[0]) frag.files[0].fields[0] = int32;
      else if (edit.field === "maxFragmentId") m.maxFragmentId = uint32;
      else if (edit.field === "version") m.version = v;
      else if (edit.field === "fragmentId" && frag) frag.id = v % 2 === 0 ? 0 : v;
      else if (edit.field === "indexFragment" && file.indices[0]) file.indices[0].fragmentIds = [...(file.indices[0].fragmentIds ?? []), uint32];
      else if (edit.field === "indexField" && file.indices[0]) file.indices[0].fields = [int32];
      return;
    }
    case "type-change": {
      const f = m.fields.find((x) => x.name === edit.column);
      if (f) f.logicalType = edit.logicalType;
      return;
    }
    case "swap-field-ids": {
      const a = m.fields.find((x) => x.name === "num");
      const b = m.fields.find((x) => x.name === "category");
      if (a && b) [a.id, b.id] = [b.id, a.id];
      return;
    }
    case "drop-data-files":
      if (frag) frag.files = [];
      return;
  }
}

/** Copies the fixture (and its sentinel) under `root` and damages the copy. */
export function applyCase(c: FuzzCase, fixture: FuzzFixture, root: string): AppliedCase {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "outside"), { recursive: true });
  const path = join(root, "ds.lance");
  linkTree(fixture.path, path);
  linkTree(fixture.sentinelPath, join(root, "outside", "secret.lance"));
  for (const m of c.mutations) {
    if (m.target === "control") continue;
    const file = fixture.files.find((f) => f.role === m.role);
    if (!file) continue;
    const full = join(path, file.path);
    if (m.target === "bytes") {
      try {
        applyBytes(full, m.mutation);
      } catch {
        // the file was removed or replaced by an earlier mutation of the same case
      }
      continue;
    }
    let decoded: ManifestFile;
    try {
      decoded = decodeManifestFile(new Uint8Array(readFileSync(full)), full);
    } catch {
      continue; // damaged by an earlier mutation of the same case
    }
    applyEdit(decoded, m.edit, { root, fixture });
    rmSync(full);
    writeFileSync(full, encodeManifestFile(decoded));
  }
  return { path, root };
}
