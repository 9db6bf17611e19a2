// Fragment statistics that old manifests lack or got wrong. Lance 0.7 and
// earlier recorded neither a fragment's physical row count nor its deletion
// count (both decode as 0), and Lance 0.8.0 wrote wrong physical row counts
// while migrating such tables. Lance treats a zero as "unknown" and, in
// manifests without a writer version (everything before 0.8.x's fix),
// distrusts physical row counts altogether, taking them from the data files.
// Opening a dataset does the same here, so counts, scans and later commits see
// the true values; a manifest lancets writes from it records them.

import { LanceError } from "../core/errors.js";
import type { Fragment, Manifest } from "../format/table/types.js";
import type { ObjectStore } from "../io/object-store.js";
import { openFileReaderCached } from "../file/open-file-reader.js";
import { readDeletionFile } from "./deletions.js";

function needsPhysicalRows(manifest: Manifest, fragment: Fragment): boolean {
  return fragment.files.length > 0 && (manifest.writerVersion === undefined || fragment.physicalRows === 0);
}

function needsDeletionCount(fragment: Fragment): boolean {
  return fragment.deletionFile !== undefined && fragment.deletionFile.numDeletedRows === 0;
}

/** True when some fragment statistic of `manifest` must come from its files. */
export function hasUnknownFragmentStats(manifest: Manifest): boolean {
  return manifest.fragments.some((f) => needsPhysicalRows(manifest, f) || needsDeletionCount(f));
}

export interface ResolvedStats {
  manifest: Manifest;
  /**
   * Set when a data file needed for a statistic does not exist (Lance fails
   * the same way): counts cannot be known, while the version itself opens.
   */
  missing: LanceError | undefined;
}

/** `manifest` with every unknown or untrusted fragment statistic read from the fragment's files. */
export async function resolveFragmentStats(store: ObjectStore, manifest: Manifest): Promise<ResolvedStats> {
  if (!hasUnknownFragmentStats(manifest)) return { manifest, missing: undefined };
  let missing: LanceError | undefined;
  const fragments = await Promise.all(
    manifest.fragments.map(async (fragment) => {
      let out = fragment;
      if (needsPhysicalRows(manifest, fragment)) {
        const file = fragment.files[0]!;
        try {
          const inFile = new Set(file.fields);
          const reader = await openFileReaderCached(store, `data/${file.path}`, {
            sizeBytes: file.fileSizeBytes,
            fields: manifest.fields.filter((f) => inFile.has(f.id)),
            fieldIds: file.fields,
          });
          out = { ...out, physicalRows: reader.numRows };
        } catch (err) {
          if (!(err instanceof LanceError && err.code === "NOT_FOUND")) throw err;
          missing ??= new LanceError("NOT_FOUND", `fragment ${fragment.id} has no recorded row count and its data file data/${file.path} does not exist: ${err.message}`);
        }
      }
      if (needsDeletionCount(fragment)) {
        const deleted = await readDeletionFile(store, fragment);
        out = { ...out, deletionFile: { ...fragment.deletionFile!, numDeletedRows: deleted.length } };
      }
      return out;
    }),
  );
  return { manifest: { ...manifest, fragments }, missing };
}
