// Which columns of a fragment carry index seeds: the `lance.seed.<column>`
// entries of its data files' schema metadata (see seeds.ts). Only each file's
// tail is read.

import { openFileReaderCached } from "../file/open-file-reader.js";
import type { Snapshot } from "./snapshot.js";
import { SEED_KEY_PREFIX } from "./seeds.js";

const CONCURRENCY = 8;

/** Column names with a seed, per fragment id, sorted. Legacy (v1) data files carry none. */
export async function readFragmentSeeds(snapshot: Snapshot, fragmentIds?: readonly number[]): Promise<Map<number, string[]>> {
  const wanted = fragmentIds ? new Set(fragmentIds) : undefined;
  const fragments = snapshot.manifest.fragments.filter((f) => !wanted || wanted.has(f.id));
  const out = new Map<number, string[]>();
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < fragments.length) {
      const fragment = fragments[next++]!;
      const columns = new Set<string>();
      for (const file of fragment.files) {
        if (file.fileMajorVersion === 0 && file.fileMinorVersion < 3) continue;
        const inFile = new Set(file.fields);
        const reader = await openFileReaderCached(snapshot.store, `data/${file.path}`, {
          sizeBytes: file.fileSizeBytes,
          fields: snapshot.manifest.fields.filter((f) => inFile.has(f.id)),
          fieldIds: file.fields,
        });
        if (reader.fileVersion === "legacy") continue;
        for (const key of Object.keys(reader.schema.metadata)) if (key.startsWith(SEED_KEY_PREFIX)) columns.add(key.slice(SEED_KEY_PREFIX.length));
      }
      out.set(fragment.id, [...columns].sort());
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, fragments.length) }, work));
  return out;
}
