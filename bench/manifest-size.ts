// bench/manifest-size: bytes of a manifest file with thousands of fragments
// and index segments, and the time to decode it, for the scale plan
// (docs/scale.md). A small table is written by lancedb with a BTREE index of
// two segments and an FTS index built by lancets; its fragment and segment
// entries are the templates copied (with fresh ids, paths and fragment sets)
// into manifests of the sizes asked, encoded by lancets' manifest writer.
// Run: node --import tsx bench/manifest-size.ts

import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeManifestFile, encodeManifestFile } from "../src/format/table/manifest-file.js";
import type { Fragment, IndexMetadata } from "../src/format/table/types.js";
import { openDataset } from "../src/node/open-dataset.js";

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0").slice(-width);
}

function uuidOf(k: number): string {
  const h = hex(k, 12);
  return `a1b2c3d4-e5f6-4789-9abc-${h}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "manifest-size-"));
  try {
    const lancedb = await import("@lancedb/lancedb");
    const db = await lancedb.connect(dir);
    const part = (k: number) =>
      new Table({
        v: vectorFromArray(Array.from({ length: 1000 }, (_, i) => BigInt(k * 1000 + i)), new Int64()),
        text: vectorFromArray(Array.from({ length: 1000 }, (_, i) => `doc ${i} of part ${k}`), new Utf8()),
      });
    const t = await db.createTable("t", part(0));
    await t.add(part(1));
    let ds = await openDataset(join(dir, "t.lance"));
    ds = await ds.createScalarIndex("v", "BTREE", { fragmentGroupSize: 1 });
    ds = await ds.createScalarIndex("text", "FTS");
    const manifest = ds.snapshot.manifest;
    const fragmentTemplate = manifest.fragments[0]!;
    const btree = ds.snapshot.indices.find((i) => i.name === "v_idx")!;
    const fts = ds.snapshot.indices.find((i) => i.name === "text_idx")!;
    console.log("| fragments | segments (kind, files each) | manifest file | of it index section | decode |");
    console.log("|---|---|---|---|---|");
    for (const [numFragments, numSegments, kind, partitions] of [
      [1000, 0, "none", 0],
      [1000, 1000, "BTREE", 0],
      [1000, 100, "BTREE", 0],
      [10_000, 1000, "BTREE", 0],
      [10_000, 10_000, "BTREE", 0],
      [1000, 1000, "FTS", 4],
      [10_000, 1000, "FTS", 16],
      [100_000, 1000, "BTREE", 0],
    ] as const) {
      const fragments: Fragment[] = Array.from({ length: numFragments }, (_, id) => {
        const { proto: _p, ...rest } = fragmentTemplate;
        return {
          ...rest,
          id,
          physicalRows: 1_000_000,
          files: fragmentTemplate.files.map(({ proto: _q, ...f }) => ({ ...f, path: `${uuidOf(id)}.lance`, fileSizeBytes: 24_000_000 })),
        };
      });
      const template = kind === "FTS" ? fts : btree;
      const perSegment = Math.max(1, Math.floor(numFragments / Math.max(1, numSegments)));
      const indices: IndexMetadata[] = Array.from({ length: numSegments }, (_, s) => {
        const { proto: _p, ...rest } = template;
        const files =
          kind === "FTS"
            ? [{ path: "metadata.lance", sizeBytes: 2000 }, ...Array.from({ length: partitions }, (_, p) => ["docs", "invert", "tokens"].map((n) => ({ path: `part_${p}_${n}.lance`, sizeBytes: 40_000_000 }))).flat()]
            : template.files.map((f) => ({ ...f, sizeBytes: f.sizeBytes * 1000 }));
        return {
          ...rest,
          uuid: uuidOf(1_000_000 + s),
          fragmentIds: Array.from({ length: perSegment }, (_, k) => s * perSegment + k).filter((f) => f < numFragments),
          files,
        };
      });
      const bytes = encodeManifestFile({ manifest: { ...manifest, fragments, maxFragmentId: numFragments - 1 }, indices, transactionBytes: undefined });
      const section = indices.length > 0 ? encodeManifestFile({ manifest: { ...manifest, fragments, maxFragmentId: numFragments - 1 }, indices: [], transactionBytes: undefined }).byteLength : bytes.byteLength;
      const started = performance.now();
      const decoded = decodeManifestFile(bytes, "bench");
      const ms = performance.now() - started;
      if (decoded.manifest.fragments.length !== numFragments || decoded.indices.length !== numSegments) throw new Error("round trip lost entries");
      const files = kind === "FTS" ? 1 + 3 * partitions : template.files.length;
      console.log(
        `| ${numFragments.toLocaleString("en")} | ${numSegments.toLocaleString("en")} ${kind === "none" ? "" : `(${kind}, ${files} files)`} | ${(bytes.byteLength / 1024).toFixed(0)} KiB | ${((bytes.byteLength - section) / 1024).toFixed(0)} KiB | ${ms.toFixed(0)} ms |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
