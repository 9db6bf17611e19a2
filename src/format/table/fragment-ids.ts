// Fragment id bookkeeping (Lance table format, `Manifest.max_fragment_id`).
// The manifest records the highest fragment id ever used so ids are never
// reused after fragments are removed. Manifests written by Lance 0.13-0.29
// often lack the field (a zero was not stored), so the highest id among the
// manifest's fragments stands in for it, as Lance itself does.

import { LanceError } from "../../core/errors.js";
import type { Fragment, Manifest } from "./types.js";

/** max_fragment_id is a u32, and a row address keeps the fragment id in its upper 32 bits. */
export const MAX_FRAGMENT_ID = 2 ** 32 - 1;

/** The highest fragment id in use: the recorded high-water mark, else the largest fragment id; undefined when none. */
export function maxFragmentIdOf(manifest: Pick<Manifest, "maxFragmentId" | "fragments">): number | undefined {
  if (manifest.maxFragmentId !== undefined) return manifest.maxFragmentId;
  let max: number | undefined;
  for (const f of manifest.fragments) if (max === undefined || f.id > max) max = f.id;
  return max;
}

/** The first id a new fragment may take in a manifest derived from `manifest`. */
export function nextFragmentId(manifest: Pick<Manifest, "maxFragmentId" | "fragments">): number {
  return (maxFragmentIdOf(manifest) ?? -1) + 1;
}

/** The high-water mark a new manifest records: never lower than before, and covering every fragment it holds. */
export function updatedMaxFragmentId(previous: number | undefined, fragments: readonly Fragment[]): number | undefined {
  let max = previous;
  for (const f of fragments) if (max === undefined || f.id > max) max = f.id;
  if (max !== undefined && max > MAX_FRAGMENT_ID) {
    throw new LanceError("NOT_SUPPORTED", `fragment id ${max} is beyond the largest a manifest can record (${MAX_FRAGMENT_ID}): the dataset has no fragment ids left for new fragments`);
  }
  return max;
}
