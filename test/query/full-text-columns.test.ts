// A full-text search asking for no column returns its rows all the same: the
// rows and _score of the same search asking for a column, best first (and
// none where nothing matches), over lancets' own index.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset, writeDataset } from "../../src/lancets.js";
import { tempDir } from "../helpers/tmp.js";

test("a full-text search with no columns returns the rows and scores of the search with one", async () => {
  const dir = tempDir();
  const n = 500;
  const texts = Array.from({ length: n }, (_, i) => ["alpha", i % 3 === 0 ? "beta" : "gamma", i % 7 === 0 ? "beta beta" : "delta"].join(" "));
  await writeDataset(join(dir, "t.lance"), new Table({ id: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()), text: vectorFromArray(texts, new Utf8()) }));
  const ds = await (await openDataset(join(dir, "t.lance"))).createScalarIndex("text", "FTS");
  for (const query of ["beta", "alpha beta", "gamma delta"]) {
    const withId = await ds.scan({ fullTextSearch: { query }, limit: 20, columns: ["id"] }).toArrow();
    const bare = await ds.scan({ fullTextSearch: { query }, limit: 20, columns: [] }).toArrow();
    assert.equal(withId.numRows, 20, query);
    assert.deepEqual(bare.schema.fields.map((f) => f.name), ["_score"]);
    assert.deepEqual([...(bare.getChild("_score")!.toArray() as Float32Array)], [...(withId.getChild("_score")!.toArray() as Float32Array)], query);
  }
  const none = await ds.scan({ fullTextSearch: { query: "nothing" }, limit: 20, columns: [] }).toArrow();
  assert.equal(none.numRows, 0);
});
