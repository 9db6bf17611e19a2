// lancets in a web page or a worker: the same engine over an in-memory object store.
// Bundle it with any bundler (esbuild, Vite, webpack): nothing in it needs Node.
import { tableFromArrays } from "apache-arrow";
import { MemoryStore, openDataset, writeDataset } from "lancets/browser";

const words = ["quick", "brown", "fox", "lazy", "dog", "jumps", "over", "the"];
const n = 2000;
const store = new MemoryStore();
let ds = await writeDataset(
  store,
  tableFromArrays({
    id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    text: Array.from({ length: n }, (_, i) => `${words[i % 8]} ${words[(i * 3) % 8]} item ${i}`),
  }),
  { maxRowsPerFile: 500 },
);
ds = await ds.createScalarIndex("id", "BTREE"); // built here, on the page's thread
ds = await ds.createScalarIndex("text", "INVERTED");

const rows = await ds.scan({ filter: "id BETWEEN 10 AND 19", columns: ["id"] }).toArrow();
const hits = await ds.scan({ fullTextSearch: { query: "quick fox" }, limit: 5 }).toArrow();
console.log(await ds.explain("id BETWEEN 10 AND 19")); // answered by the BTREE segment

// A dataset from elsewhere (fetched files, IndexedDB, OPFS): put its files into a MemoryStore,
// or implement ObjectStore over your storage (size, ranged read, put, put-if-absent, list, delete)
const copy = new MemoryStore();
for (const { path } of await store.list("")) await copy.put(path, await store.read(path));
const reopened = await openDataset(copy);

if (rows.numRows !== 10 || hits.numRows !== 5 || reopened.countRows() !== n || reopened.describeIndices().length !== 2) {
  throw new Error(`unexpected results: ${rows.numRows} rows, ${hits.numRows} hits, ${reopened.countRows()} rows reopened`);
}
console.log("browser: ok");
