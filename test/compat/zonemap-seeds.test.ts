// Zone-map seeds over both Lance versions (12 through lancedb, 14 through
// pylance), on a zone map lancets builds: the fragment each Lance appends
// carries its seed, lancets' optimizeIndices harvests it (no scan of that
// fragment) into a segment that Lance's planner uses, and the fragment lancets
// appends next carries lancets' seed in the same form; every count equals
// Lance's, with and without indexes. (Lance 14 extending a zone map over
// lancets' seeds, and renamed columns: pylance-seeds.test.ts.)

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDataset } from "../../src/lancets.js";
import { LanceFileReader } from "../../src/file/file-reader.js";
import { lance12, lance14, type OracleEngine } from "../helpers/engines.js";
import { textTable } from "../helpers/oracle.js";
import { pylanceSession } from "../helpers/pylance.js";
import { tempDir } from "../helpers/tmp.js";

const session = pylanceSession("lancets-zonemap-seeds-");
const engines: [OracleEngine, string | undefined][] = [
  [lance12(), undefined],
  [lance14(() => session.py), session.skip],
];

async function seeds(path: string, fragmentId: number): Promise<Record<string, string>> {
  const ds = await openDataset(path);
  const file = ds.manifest.fragments.find((f) => f.id === fragmentId)!.files[0]!;
  const reader = await LanceFileReader.open(ds.store, `data/${file.path}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reader.schema.metadata ?? {})) if (k.startsWith("lance.seed.")) out[k] = new TextDecoder().decode(v as Uint8Array);
  return out;
}

const FILTERS = ["text < 'bravo'", "text >= 'juliet'", "text = 'delta bravo running number 1013'"];

for (const [engine, skip] of engines) {
  describe(`zone-map seeds with ${engine.label}`, { skip }, () => {
    test("the seed of Lance's append is harvested by lancets into a segment Lance's planner uses; lancets' appends carry the same form", async () => {
      const path = `${tempDir("lancets-zonemap-seeds-")}/seeds.lance`;
      await engine.write(path, [textTable(500), textTable(500, 500)]);
      await (await openDataset(path)).createScalarIndex("text", "ZONEMAP");
      await engine.append(path, textTable(300, 1000));
      const planted = await seeds(path, 2);
      assert.deepEqual(Object.keys(planted), ["lance.seed.text"], `${engine.label} plants a seed for the zone-mapped column`);
      const { indices } = await (await openDataset(path)).optimizeIndices();
      assert.deepEqual(indices.map((i) => [i.name, i.fragments, i.fragmentsFromSeeds]), [["text_idx", [2], 1]], "harvested, not scanned");
      const check = async (filters: string[], label: string): Promise<void> => {
        const ds = await openDataset(path);
        for (const filter of filters) {
          const theirs = await engine.countRows(path, filter);
          assert.ok(theirs > 0, `${label}: ${filter} matches rows`);
          assert.equal(await ds.countRows(filter), theirs, `${label}: ${filter}: lancets`);
          assert.equal(await ds.countRows(filter, { useIndex: false }), theirs, `${label}: ${filter}: lancets without the index`);
          assert.equal(await engine.indexUsed(path, filter), "text_idx(ZoneMap)", `${label}: ${filter}: Lance's plan`);
        }
      };
      await check(FILTERS, "after the harvest");
      await (await openDataset(path)).append(textTable(300, 2000));
      assert.deepEqual(Object.keys(await seeds(path, 3)), ["lance.seed.text"]);
      assert.equal((await seeds(path, 3))["lance.seed.text"]!.split(":").length, planted["lance.seed.text"]!.split(":").length, "the form Lance plants");
      await check([...FILTERS, "text = 'hotel juliet running number 2007'"], "after lancets' append");
    });
  });
}
