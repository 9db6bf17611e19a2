// Dictionary values of legacy (v1) datasets: Lance kept them in the manifest
// file, at the position each dictionary field records, not in the data files.
// Loaded once per dataset version and shared by every fragment read.

import { Field, type Data, type Dictionary } from "apache-arrow";
import { readLegacyDictionary } from "../file/legacy-file-reader.js";
import { lanceToArrowSchema } from "../format/table/arrow-schema.js";
import type { LanceField } from "../format/table/types.js";
import type { Snapshot } from "./snapshot.js";

const loaded = new WeakMap<Snapshot, Promise<Map<number, Data>>>();

/** Whether reading these fields needs legacy dictionary values. */
export function needsLegacyDictionaries(fields: readonly LanceField[]): boolean {
  return fields.some((f) => f.dictionary !== undefined && f.logicalType.startsWith("dict:"));
}

/** Values of every legacy dictionary field of the dataset, by field id. */
export function legacyDictionaries(ds: Snapshot): Promise<Map<number, Data>> {
  let found = loaded.get(ds);
  if (!found) {
    found = (async () => {
      const out = new Map<number, Data>();
      for (const f of ds.manifest.fields) {
        if (!f.dictionary || !f.logicalType.startsWith("dict:")) continue;
        const type = lanceToArrowSchema([{ ...f, parentId: -1 }], {}).fields[0]!.type as Dictionary;
        out.set(f.id, await readLegacyDictionary(ds.store, ds.manifestPath, new Field("values", type.dictionary, true), f.dictionary.byteOffset, f.dictionary.length));
      }
      return out;
    })();
    loaded.set(ds, found);
    found.catch(() => loaded.delete(ds));
  }
  return found;
}
